import { describe, expect, it } from 'vitest';
import { parseCsv, toCsv, toInstant, toMajor, toMinor } from './ledger-format.ts';

describe('amounts in major units', () => {
  it('convert exactly to minor units with the currency exponent', () => {
    expect(toMinor('12.50', 'EUR')).toBe(1250n);
    expect(toMinor('12.5', 'EUR')).toBe(1250n);
    expect(toMinor('12', 'EUR')).toBe(1200n);
    expect(toMinor('0.01', 'EUR')).toBe(1n);
    expect(toMinor('12.500', 'EUR')).toBe(1250n);
    expect(toMinor('1500', 'JPY')).toBe(1500n);
    expect(toMinor('1.234', 'BHD')).toBe(1234n);
    expect(toMinor('92233720368547758.07', 'EUR')).toBe(9_223_372_036_854_775_807n);
  });

  it('refuse more decimals than the currency has, zero, signs and exponents', () => {
    expect(() => toMinor('12.345', 'EUR')).toThrow(/EUR has 2 decimals/);
    expect(() => toMinor('1.5', 'JPY')).toThrow(/JPY has no minor unit/);
    expect(() => toMinor('0.00', 'EUR')).toThrow(/greater than zero/);
    for (const text of ['-1', '1e3', '1,50', '.5', '', 'abc']) {
      expect(() => toMinor(text, 'EUR')).toThrow(/not a decimal amount/);
    }
    expect(() => toMinor('1', 'eur')).toThrow(/ISO 4217/);
    expect(() => toMinor('1', 'XXX')).toThrow(/ISO 4217/);
  });

  it('show minor units in major units', () => {
    expect(toMajor('1250', 'EUR')).toBe('12.50');
    expect(toMajor('5', 'EUR')).toBe('0.05');
    expect(toMajor('-123450', 'EUR')).toBe('-1234.50');
    expect(toMajor(0n, 'EUR')).toBe('0.00');
    expect(toMajor('1500', 'JPY')).toBe('1500');
    expect(toMajor('9223372036854775807', 'EUR')).toBe('92233720368547758.07');
  });
});

describe('CSV', () => {
  it('round-trips quotes, commas and line breaks', () => {
    const rows = [
      ['a', 'b, c', 'say "hi"'],
      ['line\nbreak', '', ' padded '],
    ];
    const text = toCsv(['x', 'y', 'z'], rows);
    expect(parseCsv(text)).toEqual([['x', 'y', 'z'], ...rows]);
    expect(parseCsv('\uFEFFa,b\r\n1,2\r\n\r\n')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
    expect(() => parseCsv('a,"b')).toThrow(/not closed/);
  });
});

describe('toInstant', () => {
  it('takes a day or a date-time with an offset', () => {
    expect(toInstant('2026-03-31')).toBe('2026-03-31T00:00:00.000Z');
    expect(toInstant('2026-03-31T12:00:00+02:00')).toBe('2026-03-31T10:00:00.000Z');
    expect(() => toInstant('2026-03-31T12:00:00')).toThrow(/offset/);
    expect(() => toInstant('31/03/2026')).toThrow(/a day/);
  });
});
