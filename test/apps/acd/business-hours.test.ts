import { describe, expect, it } from 'vitest';
import {
  canonicalTimeZone,
  isOpen,
  isValidLocalDate,
  isValidTimeZone,
  nextChange,
  nextWindowChange,
  readTimeRange,
  type WeeklyWindow,
  windowOpen,
} from '../../../src/apps/acd/business-hours.ts';
import type { BusinessHours, Weekday } from '../../../src/core/queue.ts';

const utc = (iso: string): number => Date.parse(iso);
const iso = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();

const EVERY_DAY: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const WORKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri'];

function hours(
  timeZone: string,
  days: readonly Weekday[],
  ranges: readonly string[],
  holidays: readonly string[] = [],
): BusinessHours {
  return { timeZone, weekly: Object.fromEntries(days.map((d) => [d, ranges])), holidays };
}

/** The instants at which the state changes after `from`, by following nextChange. */
function changes(schedule: BusinessHours, from: number, until: number): string[] {
  const out: string[] = [];
  for (let t = nextChange(schedule, from); t !== undefined && t <= until; t = nextChange(schedule, t)) {
    out.push(`${iso(t)} ${isOpen(schedule, t) ? 'opens' : 'closes'}`);
    expect(out.length).toBeLessThan(200);
  }
  return out;
}

describe('reading ranges, zones and dates', () => {
  it('reads HH:mm-HH:mm ranges, including midnight crossings and 24:00', () => {
    expect(readTimeRange('08:00-18:00')).toEqual({ range: { start: 480, end: 1080 } });
    expect(readTimeRange('22:00-06:00')).toEqual({ range: { start: 1320, end: 360 } });
    expect(readTimeRange('00:00-24:00')).toEqual({ range: { start: 0, end: 1440 } });
    expect(readTimeRange('18:30-00:00')).toEqual({ range: { start: 1110, end: 0 } });
  });

  it('says what is wrong with a bad range', () => {
    expect(readTimeRange('8-18')).toEqual({ problem: expect.stringContaining('HH:mm-HH:mm') });
    expect(readTimeRange('08:00 - 18:00')).toEqual({ problem: expect.stringContaining('HH:mm-HH:mm') });
    expect(readTimeRange('24:00-06:00')).toEqual({ problem: expect.stringContaining('starts at no time') });
    expect(readTimeRange('08:60-09:00')).toEqual({ problem: expect.stringContaining('starts at no time') });
    expect(readTimeRange('08:00-24:30')).toEqual({ problem: expect.stringContaining('ends at no time') });
    expect(readTimeRange('08:00-25:00')).toEqual({ problem: expect.stringContaining('ends at no time') });
    expect(readTimeRange('08:00-08:00')).toEqual({ problem: expect.stringContaining('00:00-24:00') });
    expect(readTimeRange('00:00-00:00')).toEqual({ problem: expect.stringContaining('00:00-24:00') });
  });

  it('knows IANA zones and their canonical spelling', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isValidTimeZone('+01:00')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
    expect(canonicalTimeZone('europe/berlin')).toBe('Europe/Berlin');
    expect(canonicalTimeZone('Nowhere/Special')).toBeUndefined();
  });

  it('accepts only real calendar dates as holidays', () => {
    expect(isValidLocalDate('2026-12-25')).toBe(true);
    expect(isValidLocalDate('2028-02-29')).toBe(true);
    expect(isValidLocalDate('2026-02-29')).toBe(false);
    expect(isValidLocalDate('2026-13-01')).toBe(false);
    expect(isValidLocalDate('25.12.2026')).toBe(false);
    expect(isValidLocalDate('2026-12-25T00:00')).toBe(false);
  });
});

describe('isOpen', () => {
  const office = hours('Europe/Berlin', WORKDAYS, ['08:00-12:00', '13:00-18:00']);

  it('is open inside a range in the zone, with the start inclusive and the end exclusive', () => {
    // Monday 2026-03-02, CET (UTC+1).
    expect(isOpen(office, utc('2026-03-02T06:59:59.999Z'))).toBe(false);
    expect(isOpen(office, utc('2026-03-02T07:00:00Z'))).toBe(true);
    expect(isOpen(office, utc('2026-03-02T10:59:59.999Z'))).toBe(true);
    expect(isOpen(office, utc('2026-03-02T11:00:00Z'))).toBe(false); // lunch
    expect(isOpen(office, utc('2026-03-02T12:00:00Z'))).toBe(true);
    expect(isOpen(office, utc('2026-03-02T17:00:00Z'))).toBe(false);
  });

  it('is closed on days without ranges', () => {
    expect(isOpen(office, utc('2026-03-07T10:00:00Z'))).toBe(false); // Saturday
    expect(isOpen(office, utc('2026-03-08T10:00:00Z'))).toBe(false); // Sunday
    expect(isOpen(hours('UTC', [], []), utc('2026-03-02T10:00:00Z'))).toBe(false);
  });

  it('uses the local weekday, not the UTC one', () => {
    const tokyo = hours('Asia/Tokyo', ['mon'], ['08:00-10:00']);
    // Monday 08:30 in Tokyo is still Sunday in UTC.
    expect(isOpen(tokyo, utc('2026-03-01T23:30:00Z'))).toBe(true);
    expect(isOpen(tokyo, utc('2026-03-02T08:30:00Z'))).toBe(false);
  });

  it('opens 08:00 local on both sides of the change to summer time (Europe/Berlin, 2026-03-29)', () => {
    const daily = hours('Europe/Berlin', EVERY_DAY, ['08:00-18:00']);
    // Saturday: CET, UTC+1.
    expect(isOpen(daily, utc('2026-03-28T06:59:59.999Z'))).toBe(false);
    expect(isOpen(daily, utc('2026-03-28T07:00:00Z'))).toBe(true);
    expect(isOpen(daily, utc('2026-03-28T16:59:59.999Z'))).toBe(true);
    expect(isOpen(daily, utc('2026-03-28T17:00:00Z'))).toBe(false);
    // Sunday: CEST from 01:00Z, UTC+2, so 08:00 local is an hour earlier in UTC.
    expect(isOpen(daily, utc('2026-03-29T05:59:59.999Z'))).toBe(false);
    expect(isOpen(daily, utc('2026-03-29T06:00:00Z'))).toBe(true);
    expect(isOpen(daily, utc('2026-03-29T15:59:59.999Z'))).toBe(true);
    expect(isOpen(daily, utc('2026-03-29T16:00:00Z'))).toBe(false);
  });

  it('opens 08:00 local on both sides of the change back (America/New_York, 2026-11-01)', () => {
    const daily = hours('America/New_York', EVERY_DAY, ['08:00-18:00']);
    // Saturday: EDT, UTC-4.
    expect(isOpen(daily, utc('2026-10-31T11:59:59.999Z'))).toBe(false);
    expect(isOpen(daily, utc('2026-10-31T12:00:00Z'))).toBe(true);
    expect(isOpen(daily, utc('2026-10-31T22:00:00Z'))).toBe(false);
    // Sunday: EST from 06:00Z, UTC-5, so 12:30Z is 07:30 local and still closed.
    expect(isOpen(daily, utc('2026-11-01T12:30:00Z'))).toBe(false);
    expect(isOpen(daily, utc('2026-11-01T12:59:59.999Z'))).toBe(false);
    expect(isOpen(daily, utc('2026-11-01T13:00:00Z'))).toBe(true);
    expect(isOpen(daily, utc('2026-11-01T22:59:59.999Z'))).toBe(true);
    expect(isOpen(daily, utc('2026-11-01T23:00:00Z'))).toBe(false);
  });

  it('keeps a range that crosses midnight open into the next day, across the week end', () => {
    const nights = hours('Europe/Berlin', ['fri', 'sun'], ['22:00-06:00']);
    expect(isOpen(nights, utc('2026-03-06T20:59:00Z'))).toBe(false); // Fri 21:59
    expect(isOpen(nights, utc('2026-03-06T21:00:00Z'))).toBe(true); // Fri 22:00
    expect(isOpen(nights, utc('2026-03-06T23:30:00Z'))).toBe(true); // Sat 00:30
    expect(isOpen(nights, utc('2026-03-07T04:59:59.999Z'))).toBe(true); // Sat 05:59:59
    expect(isOpen(nights, utc('2026-03-07T05:00:00Z'))).toBe(false); // Sat 06:00
    expect(isOpen(nights, utc('2026-03-07T23:30:00Z'))).toBe(false); // Sun 00:30: Saturday has none
    // Sunday night runs into Monday, the first day of the next week.
    expect(isOpen(nights, utc('2026-03-08T22:00:00Z'))).toBe(true); // Sun 23:00
    expect(isOpen(nights, utc('2026-03-09T03:00:00Z'))).toBe(true); // Mon 04:00
  });

  it('treats 00:00-24:00 as the whole day', () => {
    const allDay = hours('America/New_York', ['tue'], ['00:00-24:00']);
    expect(isOpen(allDay, utc('2026-03-03T05:00:00Z'))).toBe(true); // Tue 00:00 EST
    expect(isOpen(allDay, utc('2026-03-04T04:59:59.999Z'))).toBe(true); // Tue 23:59:59
    expect(isOpen(allDay, utc('2026-03-04T05:00:00Z'))).toBe(false); // Wed 00:00
    expect(isOpen(allDay, utc('2026-03-03T04:59:59.999Z'))).toBe(false); // Mon 23:59:59
  });

  it('closes the whole local date of a holiday, including a night range spilling into it', () => {
    const schedule = hours('Europe/Berlin', ['thu', 'fri'], ['08:00-18:00'], ['2026-12-25']);
    const withNights: BusinessHours = {
      ...schedule,
      weekly: { thu: ['08:00-18:00', '22:00-06:00'], fri: ['08:00-18:00', '22:00-06:00'] },
    };
    expect(isOpen(withNights, utc('2026-12-24T09:00:00Z'))).toBe(true); // Thu 10:00
    expect(isOpen(withNights, utc('2026-12-24T22:30:00Z'))).toBe(true); // Thu 23:30
    expect(isOpen(withNights, utc('2026-12-24T23:00:00Z'))).toBe(false); // Fri 00:00, a holiday
    expect(isOpen(withNights, utc('2026-12-25T09:00:00Z'))).toBe(false); // Fri 10:00
    expect(isOpen(withNights, utc('2026-12-25T22:00:00Z'))).toBe(false); // Fri 23:00
    // The holiday ends at its own midnight: Friday's night range runs on into Saturday.
    expect(isOpen(withNights, utc('2026-12-25T23:00:00Z'))).toBe(true); // Sat 00:00
    expect(isOpen(withNights, utc('2026-12-26T04:59:00Z'))).toBe(true); // Sat 05:59
  });

  it('reads holidays in the zone, not in UTC', () => {
    const auckland = hours('Pacific/Auckland', EVERY_DAY, ['00:00-24:00'], ['2026-01-01']);
    // 2025-12-31T12:00Z is already 01:00 on New Year's Day in Auckland (UTC+13).
    expect(isOpen(auckland, utc('2025-12-31T10:59:59.999Z'))).toBe(true);
    expect(isOpen(auckland, utc('2025-12-31T11:00:00Z'))).toBe(false);
    expect(isOpen(auckland, utc('2026-01-01T10:59:59.999Z'))).toBe(false);
    expect(isOpen(auckland, utc('2026-01-01T11:00:00Z'))).toBe(true);
  });

  it('opens a range starting in the skipped hour at the moment of the change', () => {
    // Berlin skips 02:00-03:00 on 2026-03-29: at 01:00Z the clock reads 03:00.
    const early = hours('Europe/Berlin', ['sun'], ['02:30-04:00']);
    expect(isOpen(early, utc('2026-03-29T00:59:59.999Z'))).toBe(false); // 01:59:59 CET
    expect(isOpen(early, utc('2026-03-29T01:00:00Z'))).toBe(true); // 03:00 CEST
    expect(isOpen(early, utc('2026-03-29T02:00:00Z'))).toBe(false); // 04:00 CEST
  });

  it('rejects opening hours that were never validated', () => {
    expect(() => isOpen(hours('Mars/Base', ['mon'], ['08:00-18:00']), 0)).toThrow(/Mars\/Base/);
    expect(() => isOpen(hours('UTC', ['mon'], ['8-18']), 0)).toThrow(/mon: "8-18"/);
    expect(() => isOpen(hours('UTC', ['mon'], ['08:00-18:00'], ['tomorrow']), 0)).toThrow(/tomorrow/);
  });
});

describe('windowOpen', () => {
  it('is always open without a window and follows the weekly hours with one', () => {
    const window: WeeklyWindow = { timeZone: 'America/New_York', weekly: { mon: ['09:00-17:00'] } };
    expect(windowOpen(undefined, utc('2026-03-07T03:00:00Z'))).toBe(true);
    expect(windowOpen(window, utc('2026-03-02T14:00:00Z'))).toBe(true); // Mon 09:00 EST
    expect(windowOpen(window, utc('2026-03-02T13:59:59.999Z'))).toBe(false);
    expect(windowOpen(window, utc('2026-03-03T14:00:00Z'))).toBe(false); // Tuesday
    expect(iso(nextWindowChange(window, utc('2026-03-02T14:00:00Z')))).toBe('2026-03-02T22:00:00.000Z');
  });
});

describe('nextChange', () => {
  it('gives the next opening and closing around the change to summer time', () => {
    const daily = hours('Europe/Berlin', EVERY_DAY, ['08:00-18:00']);
    expect(changes(daily, utc('2026-03-28T00:00:00Z'), utc('2026-03-30T23:59:59Z'))).toEqual([
      '2026-03-28T07:00:00.000Z opens',
      '2026-03-28T17:00:00.000Z closes',
      '2026-03-29T06:00:00.000Z opens',
      '2026-03-29T16:00:00.000Z closes',
      '2026-03-30T06:00:00.000Z opens',
      '2026-03-30T16:00:00.000Z closes',
    ]);
  });

  it('gives the next opening and closing around the change back (America/New_York)', () => {
    const daily = hours('America/New_York', EVERY_DAY, ['08:00-18:00']);
    expect(changes(daily, utc('2026-10-31T00:00:00Z'), utc('2026-11-01T23:59:59Z'))).toEqual([
      '2026-10-31T12:00:00.000Z opens',
      '2026-10-31T22:00:00.000Z closes',
      '2026-11-01T13:00:00.000Z opens',
      '2026-11-01T23:00:00.000Z closes',
    ]);
  });

  it('sees a range in the repeated hour open twice', () => {
    // New York repeats 01:00-02:00 on 2026-11-01: EDT until 06:00Z, then EST.
    const schedule = hours('America/New_York', ['sun'], ['01:30-03:00']);
    expect(changes(schedule, utc('2026-11-01T00:00:00Z'), utc('2026-11-01T23:00:00Z'))).toEqual([
      '2026-11-01T05:30:00.000Z opens', // 01:30 EDT
      '2026-11-01T06:00:00.000Z closes', // the clock goes back to 01:00 EST
      '2026-11-01T06:30:00.000Z opens', // 01:30 EST
      '2026-11-01T08:00:00.000Z closes', // 03:00 EST
    ]);
  });

  it('opens a range starting in the skipped hour at the change', () => {
    const early = hours('Europe/Berlin', ['sun'], ['02:30-04:00']);
    expect(iso(nextChange(early, utc('2026-03-29T00:00:00Z')))).toBe('2026-03-29T01:00:00.000Z');
    expect(iso(nextChange(early, utc('2026-03-29T01:00:00Z')))).toBe('2026-03-29T02:00:00.000Z');
  });

  it('skips closed days and holidays', () => {
    const office = hours('Europe/Berlin', WORKDAYS, ['08:00-18:00'], ['2026-12-25', '2026-12-28']);
    // Thursday 24 December 18:00 closes; Friday and Monday are holidays; it opens Tuesday 08:00.
    expect(iso(nextChange(office, utc('2026-12-24T16:00:00Z')))).toBe('2026-12-24T17:00:00.000Z');
    expect(iso(nextChange(office, utc('2026-12-24T17:00:00Z')))).toBe('2026-12-29T07:00:00.000Z');
  });

  it('crosses midnight with a night range', () => {
    const nights = hours('UTC', ['fri'], ['22:00-06:00']);
    expect(iso(nextChange(nights, utc('2026-03-06T12:00:00Z')))).toBe('2026-03-06T22:00:00.000Z');
    expect(iso(nextChange(nights, utc('2026-03-06T22:00:00Z')))).toBe('2026-03-07T06:00:00.000Z');
    expect(iso(nextChange(nights, utc('2026-03-07T06:00:00Z')))).toBe('2026-03-13T22:00:00.000Z');
  });

  it('finds the holidays of a queue that is otherwise always open, however far ahead', () => {
    const always = hours(
      'Europe/Berlin',
      EVERY_DAY,
      ['00:00-24:00'],
      ['2026-12-25', '2026-12-26', '2030-01-01'],
    );
    expect(iso(nextChange(always, utc('2026-03-01T00:00:00Z')))).toBe('2026-12-24T23:00:00.000Z');
    // Two holidays in a row close once and reopen once.
    expect(iso(nextChange(always, utc('2026-12-24T23:00:00Z')))).toBe('2026-12-26T23:00:00.000Z');
    expect(iso(nextChange(always, utc('2026-12-26T23:00:00Z')))).toBe('2029-12-31T23:00:00.000Z');
    expect(iso(nextChange(always, utc('2029-12-31T23:00:00Z')))).toBe('2030-01-01T23:00:00.000Z');
    expect(nextChange(always, utc('2030-01-01T23:00:00Z'))).toBeUndefined();
  });

  it('is undefined when nothing will ever change', () => {
    expect(nextChange(hours('UTC', EVERY_DAY, ['00:00-24:00']), 0)).toBeUndefined();
    expect(nextChange(hours('UTC', [], [], ['2026-12-25']), 0)).toBeUndefined();
    // Nights covering every gap between days are always open too.
    const covered: BusinessHours = {
      timeZone: 'UTC',
      weekly: Object.fromEntries(EVERY_DAY.map((d) => [d, ['06:00-22:00', '22:00-06:00']])),
      holidays: [],
    };
    expect(nextChange(covered, 0)).toBeUndefined();
  });

  it('agrees with isOpen minute by minute across offset changes in several zones', () => {
    const cases: Array<[string, string]> = [
      ['Europe/Berlin', '2026-03-27T00:00:00Z'],
      ['Europe/Berlin', '2026-10-23T00:00:00Z'],
      ['America/New_York', '2026-03-06T00:00:00Z'],
      ['America/New_York', '2026-10-30T00:00:00Z'],
      // Santiago changes at local midnight: the clock goes back from 00:00 to 23:00 the day before,
      // and later skips midnight altogether.
      ['America/Santiago', '2026-04-03T00:00:00Z'],
      ['America/Santiago', '2026-09-04T00:00:00Z'],
      // Lord Howe Island shifts by half an hour.
      ['Australia/Lord_Howe', '2026-04-02T00:00:00Z'],
      ['Australia/Lord_Howe', '2026-10-01T00:00:00Z'],
    ];
    const busy = {
      mon: ['08:00-12:00', '13:00-18:00'],
      tue: ['00:00-24:00'],
      wed: ['22:00-06:00'],
      thu: ['02:15-02:45', '23:30-00:30'],
      fri: ['00:00-01:00', '23:00-24:00'],
      sat: ['01:30-03:00', '23:15-00:15'],
      sun: ['00:00-02:30', '02:30-03:30', '22:00-01:00'],
    };
    // Here the clock going back closes the queue at a time of day that is no boundary of any range.
    const sparse = { sat: ['01:45-03:30'], sun: ['01:45-03:30'] };
    for (const [[timeZone, start], weekly] of cases.flatMap(
      (c) =>
        [
          [c, busy],
          [c, sparse],
        ] as const,
    )) {
      const from = utc(start);
      const until = from + 5 * 86_400_000;
      const schedule: BusinessHours = { timeZone, weekly, holidays: [start.slice(0, 10)] };
      const expected: string[] = [];
      let previous = isOpen(schedule, from);
      // Every boundary and offset change here falls on a whole UTC minute.
      for (let t = from + 60_000; t <= until; t += 60_000) {
        const now = isOpen(schedule, t);
        if (now !== previous) expected.push(`${iso(t)} ${now ? 'opens' : 'closes'}`);
        previous = now;
      }
      expect(changes(schedule, from, until), `${timeZone} from ${start}`).toEqual(expected);
      expect(expected.length).toBeGreaterThanOrEqual(4);
    }
  });
});
