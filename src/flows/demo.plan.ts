import { createHash } from 'node:crypto';
import {
  BUILTIN_CATEGORIES,
  addMonths,
  type KpiInput,
  type Stage,
  type VentureInput,
} from '../portfolio/index.ts';

/**
 * The demo portfolio as data, derived from a seed through a seeded PRNG: the same seed (and the
 * same current month) gives the same ventures, KPIs, books and exchange rates on every machine.
 * `demo.ts` writes it through its ports.
 */

export const DEMO_TAG = 'demo';
/** Months of KPIs, and of revenue and expense transfers in the books (the same months). */
export const HISTORY_MONTHS = 12;
/**
 * Earlier versions booked only the last three months, their expense ratios drawn from the main
 * sequence. Those months keep drawing them there, so that an installation holding those books
 * meets the same amounts under the same ids (`exists`), and the KPIs, which follow in the same
 * sequence, stay as they were. The other months draw theirs from a stream of their own.
 */
const FIRST_BOOKED_MONTHS = 3;

export interface DemoFxRate {
  base: string;
  quote: string;
  /** A decimal string. */
  rate: string;
  effectiveOn: string;
  source: string;
}

const ADJECTIVES = [
  'Quantum',
  'Velvet',
  'Cosmic',
  'Lucky',
  'Sleepy',
  'Brave',
  'Tiny',
  'Mighty',
  'Silver',
  'Purple',
  'Jolly',
  'Nimble',
  'Rusty',
  'Sunny',
  'Polar',
  'Clever',
  'Golden',
  'Hidden',
];
const NOUNS = [
  'Pickle',
  'Otter',
  'Teapot',
  'Falcon',
  'Lantern',
  'Walrus',
  'Pebble',
  'Comet',
  'Mango',
  'Badger',
  'Kettle',
  'Cactus',
  'Narwhal',
  'Biscuit',
  'Harbor',
  'Meadow',
  'Rocket',
  'Acorn',
];
const TRADES: Record<string, string[]> = {
  financial: ['Pay', 'Ledger', 'Lending', 'Invest'],
  ecommerce: ['Shop', 'Market', 'Boutique', 'Store'],
  technology: ['Labs', 'Cloud', 'AI', 'Systems'],
  education: ['Academy', 'Tutors', 'School', 'Courses'],
  community: ['Club', 'Circle', 'Guild', 'Forum'],
  emerging: ['Ventures', 'Works', 'Studio', 'Foundry'],
};
const CURRENCIES = ['EUR', 'EUR', 'EUR', 'USD', 'USD', 'GBP'];
/** Typical MRR (major units) by stage; ideas have none yet. */
const STAGE_MRR: Record<Stage, number> = {
  idea: 0,
  building: 300,
  launched: 2_000,
  growing: 8_000,
  mature: 25_000,
  sunset: 3_000,
};
const STAGE_GROWTH: Record<Stage, number> = {
  idea: 0,
  building: 0.08,
  launched: 0.05,
  growing: 0.06,
  mature: 0.01,
  sunset: -0.04,
};
const STAGE_WEIGHTS: [Stage, number][] = [
  ['idea', 10],
  ['building', 15],
  ['launched', 25],
  ['growing', 25],
  ['mature', 15],
  ['sunset', 10],
];

/** mulberry32: a small, fast PRNG; the same seed gives the same sequence on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A UUID (version 8) derived from a name: the same demo transfer gets the same id every run. */
export function demoUuid(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export interface DemoVenturePlan {
  input: VentureInput & { demo: true };
  currency: string;
  kpis: Omit<KpiInput, 'ventureId'>[];
  /**
   * Revenue (the month's `revenue` KPI) and expenses of every month of the history with revenue,
   * minor units, for the ledger.
   */
  books: { month: string; revenue: bigint; expenses: bigint }[];
}

/** The whole demo portfolio as data: pure and deterministic (seed, size, current month). */
export function planDemo(seed: number, count: number, today: string): DemoVenturePlan[] {
  const random = seededRandom(seed);
  const earlierExpenses = seededRandom(seed ^ 0x9e37_79b9);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const weighted = (): Stage => {
    let r = random() * 100;
    for (const [stage, weight] of STAGE_WEIGHTS) if ((r -= weight) < 0) return stage;
    return 'mature';
  };
  const lastMonth = addMonths(today.slice(0, 7), -1);
  const months = Array.from({ length: HISTORY_MONTHS }, (_, i) =>
    addMonths(lastMonth, i - HISTORY_MONTHS + 1),
  );
  const width = String(count).length;
  const plans: DemoVenturePlan[] = [];
  for (let i = 0; i < count; i++) {
    const category = BUILTIN_CATEGORIES[i % BUILTIN_CATEGORIES.length]!.key;
    const name = `${pick(ADJECTIVES)} ${pick(NOUNS)} ${pick(TRADES[category]!)}`;
    const number = String(i + 1).padStart(Math.max(3, width), '0');
    const stage = weighted();
    const currency = pick(CURRENCIES);
    const slug = `demo-${number}-${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
    const scale = 0.5 + random();
    const growth = STAGE_GROWTH[stage] * (0.5 + random());
    const amplitude = 0.05 + random() * 0.1;
    const arpu = 20 + Math.floor(random() * 80);
    let churn = 150 + Math.floor(random() * 600);
    let mrr = STAGE_MRR[stage] * scale * Math.pow(1 + growth, -HISTORY_MONTHS);
    const kpis: Omit<KpiInput, 'ventureId'>[] = [];
    const books: DemoVenturePlan['books'] = [];
    for (const [m, month] of months.entries()) {
      mrr *= 1 + growth;
      const season = 1 + amplitude * Math.sin((2 * Math.PI * Number(month.slice(5))) / 12);
      const noise = 1 + (random() - 0.5) * 0.1;
      const mrrMinor = Math.round(mrr * 100);
      const revenueMinor = Math.round(mrr * season * noise * 100);
      churn = Math.min(2_000, Math.max(50, churn + Math.round((random() - 0.5) * 100)));
      kpis.push(
        { metric: 'mrr', day: month, value: String(mrrMinor), currency },
        { metric: 'revenue', day: month, value: String(revenueMinor), currency },
        { metric: 'customers', day: month, value: String(Math.round(mrr / arpu)) },
      );
      if (stage !== 'idea') kpis.push({ metric: 'churn', day: month, value: String(churn) });
      if (revenueMinor > 0) {
        // The last three months draw from the main sequence, as earlier versions did (above).
        const ratio = m >= HISTORY_MONTHS - FIRST_BOOKED_MONTHS ? random() : earlierExpenses();
        const expenses = BigInt(Math.round(revenueMinor * (0.4 + ratio * 0.5)));
        books.push({ month, revenue: BigInt(revenueMinor), expenses });
      }
    }
    plans.push({
      input: {
        slug,
        name: `${name} (demo)`,
        description: 'A fictional venture created by iza demo.',
        category,
        stage,
        tags: [DEMO_TAG, stage === 'growing' || stage === 'mature' ? 'core' : 'explore'],
        siteUrl: `https://${slug}.example`,
        demo: true,
      },
      currency,
      kpis,
      books,
    });
  }
  return plans;
}

/** Where the demo's exchange rates start, in units of the currency per euro. */
const DEMO_RATE_LEVELS: Record<string, number> = { USD: 1.08, GBP: 0.86 };

/**
 * First-of-month rates from EUR to each other demo currency over the history and the current
 * month, labelled `demo`: a seeded random walk of at most 1.5% a month, four decimals. The same
 * for every seed, so a second demo run records nothing new and never conflicts.
 */
export function demoFxRates(today: string): DemoFxRate[] {
  const random = seededRandom(20_260_101);
  const thisMonth = today.slice(0, 7);
  const rates: DemoFxRate[] = [];
  for (const [quote, level] of Object.entries(DEMO_RATE_LEVELS)) {
    let value = level;
    for (let m = HISTORY_MONTHS; m >= 0; m--) {
      value *= 1 + (random() - 0.5) * 0.03;
      rates.push({
        base: 'EUR',
        quote,
        // A demo figure generated as a float, fixed to a decimal string once: never money.
        rate: (Math.round(value * 10_000) / 10_000).toFixed(4),
        effectiveOn: `${addMonths(thisMonth, -m)}-01`,
        source: 'demo',
      });
    }
  }
  return rates;
}
