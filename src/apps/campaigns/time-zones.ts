import { getCountry, getTimezone } from 'countries-and-timezones';
import type { CountryCode } from 'libphonenumber-js';
import { isKnownZone } from './calling-hours.ts';

const cache = new Map<string, string | undefined>();

/**
 * The one time zone a country's numbers are in, or undefined where several fit (the United States,
 * Russia, Brazil). Zones that keep the same offsets all year round as the first count as one: a
 * Germany that also lists Büsingen's Europe/Zurich is still Europe/Berlin.
 */
export function singleZoneOf(country: CountryCode | string): string | undefined {
  if (cache.has(country)) return cache.get(country);
  const zones = (getCountry(country)?.timezones ?? []).filter(isKnownZone);
  const first = zones[0];
  let single: string | undefined;
  if (first !== undefined) {
    const base = getTimezone(first);
    const alike = zones.every((zone) => {
      const other = getTimezone(zone);
      return other?.utcOffset === base?.utcOffset && other?.dstOffset === base?.dstOffset;
    });
    single = alike ? first : undefined;
  }
  cache.set(country, single);
  return single;
}
