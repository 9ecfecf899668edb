import { DateTime, IANAZone } from 'luxon';
import type { CallingHours } from './events.ts';

const knownZones = new Map<string, boolean>();

/** Whether `zone` is an IANA time zone luxon (and so the platform's Intl data) knows. */
export function isKnownZone(zone: string): boolean {
  // Asking Intl costs tens of microseconds, and a list of 100,000 contacts names a handful of zones.
  let known = knownZones.get(zone);
  if (known === undefined) {
    known = IANAZone.isValidZone(zone);
    if (knownZones.size < 1000) knownZones.set(zone, known);
  }
  return known;
}

/** Minutes after local midnight of "HH:MM". */
function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h as number) * 60 + (m as number);
}

/**
 * Whether `at` (epoch ms) falls inside the calling hours in `zone`'s local time. `end` is exclusive;
 * an `end` before `start` spans midnight.
 */
export function withinHours(hours: CallingHours, zone: string, at: number): boolean {
  const local = DateTime.fromMillis(at, { zone });
  const minute = local.hour * 60 + local.minute;
  const start = minutesOf(hours.start);
  const end = minutesOf(hours.end);
  return start <= end ? minute >= start && minute < end : minute >= start || minute < end;
}

/**
 * The first instant at or after `at` inside the calling hours in `zone`: `at` itself inside them, else
 * the next local `start` (on a day when that wall-clock time exists, across daylight-saving changes).
 */
export function nextCallingTime(hours: CallingHours, zone: string, at: number): number {
  if (withinHours(hours, zone, at)) return at;
  const [h, m] = hours.start.split(':').map(Number);
  const local = DateTime.fromMillis(at, { zone });
  for (let day = 0; day <= 2; day++) {
    const candidate = local.plus({ days: day }).set({ hour: h, minute: m, second: 0, millisecond: 0 });
    if (candidate.toMillis() >= at && withinHours(hours, zone, candidate.toMillis())) {
      return candidate.toMillis();
    }
  }
  // A start skipped by a daylight-saving jump: an hour later is inside the hours.
  return local.plus({ days: 1 }).set({ hour: h, minute: m }).plus({ hours: 1 }).toMillis();
}
