import { DateTime } from 'luxon';
import { SwitchboardError } from '../../core/errors.ts';
import type { BusinessHours, Recurrence } from './events.ts';

/** Hours a call may ring when a schedule keeps business hours and names none: weekdays 09:00–17:00. */
export const DEFAULT_BUSINESS_HOURS: BusinessHours = {
  start: '09:00',
  end: '17:00',
  daysOfWeek: [1, 2, 3, 4, 5],
};

const HAS_OFFSET = /(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$/;

/** Whether `zone` is an IANA time zone luxon knows. */
export function isTimeZone(zone: string): boolean {
  return DateTime.now().setZone(zone).isValid;
}

/**
 * The instant a `scheduledFor` names: with `Z` or an offset it is absolute; without, it is the wall-clock
 * time in `zone`. Answers it in `zone`, or VALIDATION_ERROR.
 */
export function parseScheduledFor(text: string, zone: string): DateTime {
  const parsed = HAS_OFFSET.test(text)
    ? DateTime.fromISO(text, { setZone: true }).setZone(zone)
    : DateTime.fromISO(text, { zone });
  if (!parsed.isValid) {
    throw new SwitchboardError('VALIDATION_ERROR', 'scheduledFor is not an ISO-8601 date and time.', {
      field: 'scheduledFor',
      value: text,
    });
  }
  return parsed;
}

const minutesOf = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return (h as number) * 60 + (m as number);
};

/**
 * The first instant at or after `at` inside the business hours (in `at`'s zone): `at` itself when open,
 * else the next opening. Days are 0 = Sunday .. 6 = Saturday.
 */
export function nextOpening(at: DateTime, hours: BusinessHours): DateTime {
  const open = minutesOf(hours.start);
  const close = minutesOf(hours.end);
  for (let day = 0; day <= 7; day++) {
    const date = at.plus({ days: day }).startOf('day');
    if (!hours.daysOfWeek.includes(date.weekday % 7)) continue;
    const opening = date.set({ hour: Math.floor(open / 60), minute: open % 60 });
    const closing = date.set({ hour: Math.floor(close / 60), minute: close % 60 });
    if (day === 0 && at >= opening && at < closing) return at;
    if (at < opening) return opening;
  }
  throw new SwitchboardError('VALIDATION_ERROR', 'businessHours never open: name at least one day.', {
    field: 'businessHours',
  });
}

/**
 * Occurrence `n` (0 = the first) of a recurrence starting at `base` (local time in its zone): calendar
 * steps in local time, so 10:30 stays 10:30 across daylight-saving changes; a monthly step past a month's
 * end lands on its last day. Undefined once past `endDate` or `maxOccurrences`.
 */
export function occurrence(base: DateTime, recurring: Recurrence, n: number): DateTime | undefined {
  if (recurring.maxOccurrences !== undefined && n >= recurring.maxOccurrences) return undefined;
  const step = n * recurring.interval;
  const at =
    recurring.frequency === 'daily'
      ? base.plus({ days: step })
      : recurring.frequency === 'weekly'
        ? base.plus({ weeks: step })
        : base.plus({ months: step });
  if (recurring.endDate !== undefined && at > endOf(recurring.endDate, base.zoneName ?? 'UTC'))
    return undefined;
  return at;
}

/** An end date: a date means the end of that day in `zone`; a date and time is read like scheduledFor. */
function endOf(text: string, zone: string): DateTime {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return DateTime.fromISO(text, { zone }).endOf('day');
  return parseScheduledFor(text, zone);
}

/** Checks an end date at the edge: VALIDATION_ERROR when it does not parse. */
export function checkEndDate(text: string, zone: string): void {
  if (!endOf(text, zone).isValid) {
    throw new SwitchboardError('VALIDATION_ERROR', 'recurring.endDate is not an ISO-8601 date.', {
      field: 'recurring.endDate',
      value: text,
    });
  }
}
