import { IANAZone } from 'luxon';
import { SwitchboardError } from '../../core/errors.ts';
import { type BusinessHours, WEEKDAYS } from '../../core/queue.ts';
import type { InboundRoute } from '../../core/routing.ts';

/**
 * Opening hours are wall-clock times in a time zone: "08:00-18:00" opens at 08:00 local whatever the
 * UTC offset that day, so a daylight-saving change moves the UTC instants, not the local ones.
 *
 * - A range whose end is not after its start crosses midnight: "22:00-06:00" on `fri` is open from
 *   Friday 22:00 to Saturday 06:00. "00:00-24:00" is the whole day.
 * - A holiday closes its local date from 00:00 to 24:00, including the early hours of a night range
 *   that began the evening before. It does not reach past its own date.
 * - Local times skipped by a change to summer time open or close at the moment of the change; local
 *   times that happen twice at the change back are open (or closed) both times.
 */

/** A weekly pattern without holidays, as an inbound route's window. */
export type WeeklyWindow = NonNullable<InboundRoute['window']>;

/** A range in minutes after local midnight; `end <= start` means it ends the next day. */
export interface TimeRange {
  readonly start: number;
  readonly end: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const DAY_MINUTES = 1440;
const RANGE = /^(\d\d):(\d\d)-(\d\d):(\d\d)$/;
const LOCAL_DATE = /^(\d{4})-(\d\d)-(\d\d)$/;
/** Past the last holiday, a weekly pattern shows every change it has within two weeks. */
const SEARCH_DAYS_PAST_HOLIDAYS = 16;

/** Reads an "HH:mm-HH:mm" range, or says what is wrong with it in words a user can act on. */
export function readTimeRange(text: string): { range: TimeRange } | { problem: string } {
  const match = RANGE.exec(text);
  if (match === null) {
    return { problem: `"${text}" is not a range; write HH:mm-HH:mm such as 08:00-18:00 or 22:00-06:00` };
  }
  const [startH, startM, endH, endM] = match.slice(1).map(Number) as [number, number, number, number];
  if (startH > 23 || startM > 59)
    return { problem: `"${text}" starts at no time of day; use 00:00 to 23:59` };
  if (endM > 59 || endH > 24 || (endH === 24 && endM !== 0)) {
    return { problem: `"${text}" ends at no time of day; use 00:00 to 23:59, or 24:00 for midnight` };
  }
  const start = startH * 60 + startM;
  const end = endH * 60 + endM;
  if (start === end) {
    return { problem: `"${text}" starts when it ends; use 00:00-24:00 for the whole day` };
  }
  return { range: { start, end } };
}

/** Whether `tz` is an IANA time-zone name this runtime knows (`Europe/Berlin`, `UTC`). */
export function isValidTimeZone(tz: string): boolean {
  return IANAZone.isValidZone(tz);
}

/** The canonical spelling of a valid zone (`europe/berlin` -> `Europe/Berlin`), or undefined. */
export function canonicalTimeZone(tz: string): string | undefined {
  if (!isValidTimeZone(tz)) return undefined;
  return new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone;
}

/** Whether `text` is a calendar date written `YYYY-MM-DD`. */
export function isValidLocalDate(text: string): boolean {
  return epochDay(text) !== undefined;
}

/** Whether the queue is open at `at` (epoch ms): inside a weekly range and not on a holiday. */
export function isOpen(hours: BusinessHours, at: number): boolean {
  return openAt(compile(hours), at);
}

/** Whether an inbound route's window is open at `at` (epoch ms); no window means always. */
export function windowOpen(window: WeeklyWindow | undefined, at: number): boolean {
  return window === undefined || openAt(compile(window), at);
}

/**
 * The first instant after `at` at which {@link isOpen} changes (it opens or closes), for scheduling a
 * timer; undefined when it never changes again (always open with no holiday ahead, or never open).
 */
export function nextChange(hours: BusinessHours, at: number): number | undefined {
  return changeAfter(compile(hours), at);
}

/** As {@link nextChange}, for an inbound route's window. */
export function nextWindowChange(window: WeeklyWindow, at: number): number | undefined {
  return changeAfter(compile(window), at);
}

// --- compiled form ---------------------------------------------------------------------------------

interface Schedule {
  readonly zone: IANAZone;
  /** Ranges by weekday, Monday first. */
  readonly days: readonly (readonly TimeRange[])[];
  /** Holidays as days since 1970-01-01 (local), ascending. */
  readonly holidays: readonly number[];
  readonly holidaySet: ReadonlySet<number>;
  /** Every minute of day at which some range starts or ends, and midnight. */
  readonly boundaries: readonly number[];
  readonly alwaysOpen: boolean;
  readonly neverOpen: boolean;
}

/** Configuration objects are immutable, so each is parsed once however often it is asked about. */
const compiled = new WeakMap<object, Schedule>();

function compile(hours: WeeklyWindow & { readonly holidays?: readonly string[] }): Schedule {
  const cached = compiled.get(hours);
  if (cached !== undefined) return cached;
  if (!isValidTimeZone(hours.timeZone)) invalid(`unknown time zone "${hours.timeZone}"`);
  const days = WEEKDAYS.map((day) =>
    (hours.weekly[day] ?? []).map((text) => {
      const read = readTimeRange(text);
      if ('problem' in read) invalid(`${day}: ${read.problem}`);
      return read.range;
    }),
  );
  const holidays = (hours.holidays ?? []).map(
    (text) => epochDay(text) ?? invalid(`holiday "${text}" is no date`),
  );
  holidays.sort((a, b) => a - b);
  const boundaries = new Set([0]);
  for (const range of days.flat()) {
    boundaries.add(range.start);
    boundaries.add(range.end % DAY_MINUTES);
  }
  const schedule: Schedule = {
    zone: IANAZone.create(hours.timeZone),
    days,
    holidays,
    holidaySet: new Set(holidays),
    boundaries: [...boundaries].sort((a, b) => a - b),
    alwaysOpen: days.every((_, weekday) => coversWholeDay(days, weekday)),
    neverOpen: days.every((ranges) => ranges.length === 0),
  };
  compiled.set(hours, schedule);
  return schedule;
}

function invalid(problem: string): never {
  // Configuration is validated when it is written; reaching this means it was stored by other means.
  throw new SwitchboardError('VALIDATION_ERROR', `Opening hours cannot be read: ${problem}.`, { problem });
}

function coversWholeDay(days: readonly (readonly TimeRange[])[], weekday: number): boolean {
  const own = days[weekday] ?? [];
  const previous = days[(weekday + 6) % 7] ?? [];
  const spans = [
    ...own.map((r) => [r.start, r.end > r.start ? r.end : DAY_MINUTES] as const),
    ...previous.filter((r) => r.end <= r.start).map((r) => [0, r.end] as const),
  ].sort((a, b) => a[0] - b[0]);
  let reached = 0;
  for (const [start, end] of spans) {
    if (start > reached) return false;
    reached = Math.max(reached, end);
  }
  return reached >= DAY_MINUTES;
}

/** Days since 1970-01-01 of a `YYYY-MM-DD` date, or undefined for anything else (2026-02-30). */
function epochDay(text: string): number | undefined {
  const match = LOCAL_DATE.exec(text);
  if (match === null) return undefined;
  const [year, month, day] = match.slice(1).map(Number) as [number, number, number];
  const ms = Date.UTC(year, month - 1, day);
  const check = new Date(ms);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    return undefined;
  }
  return ms / DAY_MS;
}

// --- evaluation ------------------------------------------------------------------------------------

/** The zone's UTC offset at `at`, in ms. */
function offsetMs(schedule: Schedule, at: number): number {
  return schedule.zone.offset(at) * MINUTE_MS;
}

function openAt(schedule: Schedule, at: number): boolean {
  // Wall-clock time as if it were UTC: its day count and time of day are the local date and time.
  const local = at + offsetMs(schedule, at);
  const day = Math.floor(local / DAY_MS);
  if (schedule.holidaySet.has(day)) return false;
  const minute = (local - day * DAY_MS) / MINUTE_MS;
  const weekday = weekdayOf(day);
  for (const range of schedule.days[weekday] ?? []) {
    if (range.end > range.start ? minute >= range.start && minute < range.end : minute >= range.start) {
      return true;
    }
  }
  for (const range of schedule.days[(weekday + 6) % 7] ?? []) {
    if (range.end <= range.start && minute < range.end) return true;
  }
  return false;
}

/** Monday = 0; 1970-01-01 was a Thursday. */
function weekdayOf(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}

function changeAfter(schedule: Schedule, at: number): number | undefined {
  if (schedule.neverOpen) return undefined;
  const current = openAt(schedule, at);
  const firstDay = Math.floor((at + offsetMs(schedule, at)) / DAY_MS) - 1;
  const lastDay = Math.max(firstDay, schedule.holidays.at(-1) ?? firstDay) + SEARCH_DAYS_PAST_HOLIDAYS;
  for (let day = firstDay; day <= lastDay; day++) {
    if (schedule.alwaysOpen && !schedule.holidaySet.has(day - 1)) {
      // Only holidays can close it, so skip to the day before the next one; not right after a
      // holiday, though, where it reopens.
      const holiday = schedule.holidays.find((h) => h >= day);
      if (holiday === undefined) return undefined;
      day = Math.max(day, holiday - 1);
    }
    for (const candidate of candidatesOfDay(schedule, day)) {
      if (candidate > at && openAt(schedule, candidate) !== current) return candidate;
    }
  }
  return undefined;
}

/**
 * Every instant at which the state may change during local day `day`, ascending: the instants its
 * wall clock shows a range boundary or midnight, and any offset change. Between two of them the state
 * is constant, so the first one whose state differs is the change.
 */
function candidatesOfDay(schedule: Schedule, day: number): number[] {
  const dayStart = firstInstantOfWall(schedule, day * DAY_MS);
  const nextStart = firstInstantOfWall(schedule, (day + 1) * DAY_MS);
  const offset = offsetMs(schedule, dayStart);
  if (nextStart - dayStart === DAY_MS && offsetMs(schedule, nextStart - 1) === offset) {
    return schedule.boundaries.map((minute) => day * DAY_MS + minute * MINUTE_MS - offset);
  }
  // A day with an offset change: wall times may be skipped or repeated, and a time repeated at the
  // change back may belong to this day's instants though its date is a neighbour's, so look wider.
  const candidates = new Set([dayStart]);
  candidates.add(firstOffsetChange(schedule, dayStart, nextStart - 1));
  for (const wallDay of [day - 1, day, day + 1]) {
    for (const minute of schedule.boundaries) {
      for (const instant of instantsOfWall(schedule, wallDay * DAY_MS + minute * MINUTE_MS)) {
        if (instant >= dayStart && instant < nextStart) candidates.add(instant);
      }
    }
  }
  return [...candidates].sort((a, b) => a - b);
}

/**
 * The instants whose wall clock reads `wall` (local time written as epoch ms): one normally, two when
 * the clock goes back over it, and none when it jumps over it — then the jump itself, the first moment
 * the clock is past it. Assumes at most one offset change within a day of it, as in every real zone.
 */
function instantsOfWall(schedule: Schedule, wall: number): number[] {
  const before = offsetMs(schedule, wall - DAY_MS);
  const after = offsetMs(schedule, wall + DAY_MS);
  const found: number[] = [];
  if (offsetMs(schedule, wall - before) === before) found.push(wall - before);
  if (after !== before && offsetMs(schedule, wall - after) === after) found.push(wall - after);
  if (found.length === 0) return [firstOffsetChange(schedule, wall - after, wall - before)];
  return found.sort((a, b) => a - b);
}

function firstInstantOfWall(schedule: Schedule, wall: number): number {
  return instantsOfWall(schedule, wall)[0] ?? wall;
}

/** The first instant in (from, to] whose offset differs from that at `from`; `to` if none does. */
function firstOffsetChange(schedule: Schedule, from: number, to: number): number {
  const initial = offsetMs(schedule, from);
  let low = from;
  let high = to;
  if (offsetMs(schedule, high) === initial) return high;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (offsetMs(schedule, middle) === initial) low = middle;
    else high = middle;
  }
  return high;
}
