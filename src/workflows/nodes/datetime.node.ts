import { DateTime, type DateTimeUnit, type DurationUnit } from 'luxon';
import moment from 'moment-timezone';
import { NodeError, type NodeContext } from '../engine/engine.types.ts';
import { clone, defineNode, perItem, setField } from './define.ts';

/**
 * Date & Time, as n8n runs it. Version 1 works with moment.js (its formats are moment tokens,
 * `DD/MM/YYYY`), version 2 with Luxon (`dd/MM/yyyy`). In both, a number or numeric string is a
 * timestamp: seconds under 12 digits (v1) or under 10^12 (v2), else milliseconds. Version 2
 * answers only the field it computes unless `options.includeInputFields`, and formats a null
 * date as null. Dates are read in the execution's timezone: the workflow's setting, else the
 * instance's (see the executor).
 */

/** An item's value as n8n's v2 reads a date (`parseDate` in n8n's Date & Time node). */
export function parseDateV2(value: unknown, zone?: string, fromFormat?: string): DateTime {
  const opts = zone ? { zone } : {};
  let date: DateTime;
  if (value === null || value === undefined) throw new NodeError('Invalid date type');
  if (DateTime.isDateTime(value)) date = zone ? value.setZone(zone) : value;
  else if (value instanceof Date) date = DateTime.fromJSDate(value, opts);
  else if (typeof value === 'number' || (!fromFormat && isNumeric(value))) {
    const ts = Number(value);
    if (!Number.isFinite(ts)) throw new NodeError('Invalid numeric timestamp');
    date = ts < 1e12 ? DateTime.fromSeconds(ts, opts) : DateTime.fromMillis(ts, opts);
  } else if (typeof value === 'string') {
    const text = value.trim();
    if (!text) throw new NodeError('Empty date string');
    const utcOr = { zone: zone || 'utc' };
    if (fromFormat) date = DateTime.fromFormat(text, fromFormat, { ...utcOr, setZone: true });
    else if (/^\d{4}-\d{2}-\d{2}$/.test(text)) date = DateTime.fromISO(text, utcOr).startOf('day');
    else {
      date = DateTime.fromISO(text, utcOr);
      // Beyond n8n's ISO: the other standard forms (SQL, e-mail and HTTP dates) rather than a failure.
      if (!date.isValid) date = DateTime.fromSQL(text, utcOr);
      if (!date.isValid) date = DateTime.fromRFC2822(text, utcOr);
      if (!date.isValid) date = DateTime.fromHTTP(text, utcOr);
      if (!date.isValid) throw new NodeError('Invalid date format');
    }
  } else throw new NodeError('Invalid date type');
  if (!date.isValid) throw new NodeError(date.invalidExplanation ?? 'Invalid date format');
  return date;
}

const isNumeric = (value: unknown): boolean =>
  (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) ||
  typeof value === 'boolean';

/** The execution's timezone (the workflow's setting, else the instance's). */
const zoneOf = (ctx: NodeContext): string => ctx.expressionData(0).timezone;

function executeV2(ctx: NodeContext) {
  const zone = zoneOf(ctx);
  const operation = ctx.param<string>('operation', 0, 'getCurrentDate');
  return perItem(ctx, (item, i) => {
    const p = <T = unknown>(key: string, fallback?: NoInfer<T>): T =>
      ctx.param<T>(key, i, fallback);
    let field: string;
    let value: unknown;
    switch (operation) {
      case 'getCurrentDate': {
        field = p('outputFieldName', 'currentDate');
        const now = ctx.now().setZone(p<string>('options.timezone', '') || zone);
        if (!now.isValid) throw new NodeError(`The timezone ${zone} is not valid`);
        value = (p('includeTime', true) ? now : now.startOf('day')).toString();
        break;
      }
      case 'addToDate':
      case 'subtractFromDate': {
        field = p('outputFieldName', 'newDate');
        const date = parseDateV2(p('magnitude', ''), zone);
        const change = { [p<string>('timeUnit', 'days')]: Number(p('duration', 0)) };
        value = (operation === 'addToDate' ? date.plus(change) : date.minus(change)).toString();
        break;
      }
      case 'formatDate': {
        field = p('outputFieldName', 'formattedDate');
        const raw = p('date', '');
        if (raw === null || raw === undefined) {
          value = null;
          break;
        }
        const fromFormat = p<string | undefined>('options.fromFormat', undefined) || undefined;
        const date = parseDateV2(raw, p('options.timezone', false) ? zone : undefined, fromFormat);
        const format = p<string>('format', 'MM/dd/yyyy');
        value = date.toFormat(format === 'custom' ? p<string>('customFormat', '') : format);
        break;
      }
      case 'roundDate': {
        field = p('outputFieldName', 'roundedDate');
        const date = parseDateV2(p('date', ''), zone);
        if (p('mode', 'roundDown') === 'roundDown') {
          value = date.startOf(p<string>('toNearest', 'month') as DateTimeUnit).toString();
        } else {
          const to = p<string>('to', 'month');
          value = date
            .plus({ [to]: 1 })
            .startOf(to as DateTimeUnit)
            .toString();
        }
        break;
      }
      case 'getTimeBetweenDates': {
        field = p('outputFieldName', 'timeDifference');
        const start = parseDateV2(p('startDate', ''), zone);
        const end = parseDateV2(p('endDate', ''), zone);
        const duration = end.diff(start, p<DurationUnit[]>('units', ['day']));
        value = p('options.isoString', false) ? duration.toString() : duration.toObject();
        break;
      }
      case 'extractDate': {
        field = p('outputFieldName', 'datePart');
        const date = parseDateV2(p('date', ''), zone);
        const part = p<string>('part', 'month');
        value = part === 'week' ? date.weekNumber : date.get(part as keyof DateTime);
        break;
      }
      default:
        throw new NodeError(`Date & Time operation "${operation}" is not supported`);
    }
    const json = p('options.includeInputFields', false) ? clone(item.json) : {};
    json[field] = value;
    return { json };
  });
}

function executeV1(ctx: NodeContext) {
  const zone = zoneOf(ctx);
  const action = ctx.param<string>('action', 0, 'format');
  return perItem(ctx, (item, i) => {
    const p = <T = unknown>(key: string, fallback?: NoInfer<T>): T =>
      ctx.param<T>(key, i, fallback);
    const key = p<string>('dataPropertyName', 'data');
    const json = clone(item.json);
    if (action === 'format') {
      let current = p<unknown>('value', '');
      if (DateTime.isDateTime(current)) current = current.toISO();
      if (current === undefined) return null;
      if (!Number.isNaN(Number(current))) {
        current = Number(current);
        if (!Number.isInteger(current)) current = (current as number) * 1000;
      }
      const fromFormat = p<string | undefined>('options.fromFormat', undefined);
      const fromTimezone = p<string>('options.fromTimezone', '');
      const toTimezone = p<string>('options.toTimezone', '');
      const input = current as string | number;
      if (fromFormat === undefined && !moment(input).isValid()) {
        throw new NodeError(
          'The date input format could not be recognized. Please set the "From Format" field',
        );
      }
      let date: moment.Moment;
      if (typeof input === 'number' && Number.isInteger(input)) {
        date = String(input).length < 12 ? moment.unix(input) : moment(input);
      } else if (fromTimezone || toTimezone) {
        const from = fromTimezone || zone;
        date = fromFormat ? moment.tz(String(input), fromFormat, from) : moment.tz(input, from);
      } else {
        date = fromFormat ? moment(input, fromFormat) : moment(input);
      }
      if (fromTimezone || toTimezone) date = date.tz(toTimezone || zone);
      const toFormat = p<string>('toFormat', p('custom', false) ? '' : 'MM/DD/YYYY');
      setField(json, key, date.format(toFormat));
      return { json, ...(item.binary ? { binary: item.binary } : {}) };
    }
    if (action === 'calculate') {
      const value = p<string>('value', '');
      const fromFormat = p<string | undefined>('options.fromFormat', undefined);
      let date: moment.Moment;
      if (fromFormat) {
        date = moment(value, fromFormat, true);
        if (!date.isValid()) {
          throw new NodeError(
            'Date input cannot be parsed. Please recheck the value and the "From Format" field.',
          );
        }
      } else {
        const parsed = new Date(value);
        if (Number.isNaN(parsed.getTime())) throw new NodeError('Unrecognized date input');
        date = moment(parsed.toISOString());
      }
      const duration = Number(p('duration', 0));
      const unit = p<string>('timeUnit', 'days') as moment.unitOfTime.DurationConstructor;
      date =
        p('operation', 'add') === 'add' ? date.add(duration, unit) : date.subtract(duration, unit);
      setField(json, key, date.toISOString());
      return { json, ...(item.binary ? { binary: item.binary } : {}) };
    }
    throw new NodeError(`Date & Time action "${action}" is not supported`);
  });
}

export const dateTimeNode = defineNode({
  name: 'dateTime',
  versions: [1, 2],
  async execute(ctx) {
    return [await (ctx.node.typeVersion < 2 ? executeV1(ctx) : executeV2(ctx))];
  },
});
