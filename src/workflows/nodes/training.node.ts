import type { Item } from '../engine/engine.types.ts';
import { defineNode } from './define.ts';

/**
 * Customer Datastore (n8n training): a dummy node from n8n's courses and docs that returns a
 * fixed list of five people (the data as documented by n8n).
 */
const PEOPLE = [
  {
    id: '23423532',
    name: 'Jay Gatsby',
    email: 'gatsby@west-egg.com',
    notes: 'Keeps asking about a green light??',
    country: 'US',
    created: '1925-04-10',
  },
  {
    id: '23423533',
    name: 'José Arcadio Buendía',
    email: 'jab@macondo.co',
    notes: 'Lots of people named after him. Very confusing',
    country: 'CO',
    created: '1967-05-05',
  },
  {
    id: '23423534',
    name: 'Max Sendak',
    email: 'info@in-and-out-of-weeks.org',
    notes: 'Keeps rolling his terrible eyes',
    country: 'US',
    created: '1963-04-09',
  },
  {
    id: '23423535',
    name: 'Zaphod Beeblebrox',
    email: 'captain@heartofgold.com',
    notes: 'Felt like I was talking to more than one person',
    country: null,
    created: '1979-10-12',
  },
  {
    id: '23423536',
    name: 'Edmund Pevensie',
    email: 'edmund@narnia.gov',
    notes: 'Passionate sailor',
    country: 'UK',
    created: '1950-10-16',
  },
];

export const customerDatastoreNode = defineNode({
  name: 'n8nTrainingCustomerDatastore',
  versions: [1],
  async execute(ctx) {
    const out: Item[] = [];
    const operation = ctx.param<string>('operation', 0, 'getOnePerson');
    ctx.input().forEach((_item, i) => {
      const people =
        operation === 'getAllPeople'
          ? ctx.param<unknown>('returnAll', i, false) === true
            ? PEOPLE
            : PEOPLE.slice(0, Number(ctx.param('limit', i, 5)))
          : PEOPLE.slice(0, 1);
      for (const p of people) out.push({ json: { ...p }, pairedItem: { item: i } });
    });
    return [out];
  },
});
