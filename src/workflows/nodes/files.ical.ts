import { createRequire } from 'node:module';
import moment from 'moment-timezone';
import type { Item, NodeContext } from '../engine/engine.types.ts';
import { perItem } from './define.ts';
import { fileFromBytes } from './binary-data.ts';

/**
 * Convert to File's "Convert to ICS" (n8n's iCalendar "create event"): one event file per item,
 * written by `ics` (the library n8n uses), so each file has its own `UID` and a `DTSTAMP` of the
 * moment it was made. Times are read as n8n's server reads them with its default time zone, UTC
 * (n8n's Docker image), and written in UTC.
 */

interface EventOptions {
  fileName?: string;
  useWorkflowTimezone?: boolean;
  geolocationUi?: { geolocationValues?: unknown };
  organizerUi?: { organizerValues?: unknown };
  attendeesUi?: { attendeeValues?: unknown };
  [other: string]: unknown;
}

/** A date as moment reads it: Luxon dates and JavaScript dates by their ISO text. */
function momentOf(value: unknown): moment.Moment {
  if (value instanceof Date) return moment.utc(value);
  if (value && typeof value === 'object' && 'toISO' in value && typeof value.toISO === 'function') {
    return moment.utc(String((value as { toISO: () => string }).toISO()));
  }
  return moment.utc(value as string);
}

/** moment's `toArray` cut to a date (all day) or a time, with months counted from 1. */
function dateArray(value: unknown, allDay: boolean): number[] {
  const parts = momentOf(value)
    .toArray()
    .slice(0, allDay ? 3 : 6);
  parts[1]!++;
  return parts;
}

type CreateEvent = (
  attributes: Record<string, unknown>,
  callback: (error: Error | null | undefined, value: string) => void,
) => void;

let ics: { createEvent: CreateEvent } | undefined;

/** An event's ICS text from `ics` (loaded on first use; its package hides its types). */
function eventText(attributes: Record<string, unknown>): Promise<string> {
  ics ??= createRequire(import.meta.url)('ics') as { createEvent: CreateEvent };
  const { createEvent } = ics;
  return new Promise((resolve, reject) => {
    createEvent(attributes, (error, value) => (error ? reject(error) : resolve(value)));
  });
}

export function icsEvent(ctx: NodeContext): Promise<Item[]> {
  return perItem(ctx, async (_item, i) => {
    const title = ctx.param<string>('title', i, '');
    const allDay = ctx.param<boolean>('allDay', i, false);
    const start: unknown = ctx.param('start', i, '');
    let end: unknown = ctx.param('end', i, '');
    if (!end) end = start;
    if (allDay) end = momentOf(end).add(1, 'day').format();
    const key = String(ctx.param('binaryPropertyName', i, 'data'));
    const options = { ...ctx.param<EventOptions>('additionalFields', i, {}) };
    // n8n moves both times to the workflow's zone and reads them back in the server's: the
    // instant does not change, so neither does the file.
    delete options.useWorkflowTimezone;
    let fileName = 'event.ics';
    if (options.fileName) {
      fileName = options.fileName;
      delete options.fileName;
    }
    const data: Record<string, unknown> = {
      title,
      start: dateArray(start, allDay),
      end: dateArray(end, allDay),
      startInputType: 'utc',
      endInputType: 'utc',
    };
    if (options.geolocationUi) {
      data.geo = options.geolocationUi.geolocationValues;
      delete options.geolocationUi;
    }
    if (options.organizerUi) {
      data.organizer = options.organizerUi.organizerValues;
      delete options.organizerUi;
    }
    if (options.attendeesUi) {
      data.attendees = options.attendeesUi.attendeeValues;
      delete options.attendeesUi;
    }
    for (const [name, value] of Object.entries(options)) {
      if (name !== '__proto__') data[name] = value;
    }
    const text = await eventText(data);
    return {
      json: {},
      binary: { [key]: await fileFromBytes(Buffer.from(text), fileName, 'text/calendar') },
    };
  });
}
