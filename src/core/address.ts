import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { Address } from './call.ts';
import { SwitchboardError } from './errors.ts';

/**
 * Endpoints are the driver's own devices: `TECH/resource` (`PJSIP/1001`, `SIP/alice`, `sim/desk-7`),
 * a bare extension (`1001`) or a device name (`dispatcher-001`). Anything that looks like a phone
 * number must be a valid one.
 */
const ENDPOINT = /^[A-Za-z][A-Za-z0-9_-]*\/[A-Za-z0-9_.@:+-]{1,64}$/;
const EXTENSION = /^[0-9]{2,6}$/;
const DEVICE_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const NUMBER_LIKE = /^[+(0-9][0-9 ().-]*$/;

/**
 * Reads a `from`/`to` value. Numbers come back in E.164; a number written without a country code is
 * read in `defaultCountry`. Throws INVALID_PHONE_NUMBER naming the field otherwise.
 */
export function parseAddress(raw: string, field: string, defaultCountry: CountryCode = 'US'): Address {
  const key = `${defaultCountry}|${raw}`;
  const known = PARSED.get(key);
  if (known) return known;
  const address = parse(raw, field, defaultCountry);
  // Dispatchers dial the same drivers and agents all day: remember recent answers (bounded).
  if (PARSED.size >= PARSED_MAX) PARSED.clear();
  PARSED.set(key, address);
  return address;
}

/** Parsing with libphonenumber's full metadata costs more than the rest of a call set-up's checks. */
const PARSED = new Map<string, Address>();
const PARSED_MAX = 10_000;

function parse(raw: string, field: string, defaultCountry: CountryCode): Address {
  const value = raw.trim();
  if (ENDPOINT.test(value)) return { kind: 'endpoint', value };
  if (EXTENSION.test(value)) return { kind: 'endpoint', value };
  if (NUMBER_LIKE.test(value)) {
    const phone = parsePhoneNumberFromString(value, defaultCountry);
    if (phone?.isValid()) return { kind: 'number', value: phone.number };
    throw new SwitchboardError(
      'INVALID_PHONE_NUMBER',
      `${field}: "${raw}" is not a valid phone number; use E.164 such as +15551234567.`,
      { field, value: raw },
    );
  }
  if (DEVICE_NAME.test(value)) return { kind: 'endpoint', value };
  throw new SwitchboardError(
    'INVALID_PHONE_NUMBER',
    `${field}: "${raw}" is neither a phone number nor an endpoint (TECH/resource, extension or device name).`,
    { field, value: raw },
  );
}

/**
 * Whether `raw` is a bare name (`dispatcher-002`: letters first, no `/`): the form agent ids share with
 * device names. Where a site has agents, a bare name in `from` or a transfer's `to` names an agent.
 */
export function isBareName(raw: string): boolean {
  return DEVICE_NAME.test(raw.trim());
}

/** The string form used in snapshots, records and driver commands. */
export const formatAddress = (address: Address): string => address.value;

/** Inbound identities come from the network and may be anything (anonymous, short codes): keep them as sent. */
export function inboundAddress(raw: string): Address {
  try {
    return parseAddress(raw, 'from');
  } catch {
    return { kind: 'endpoint', value: raw };
  }
}
