import { parse as parseCsv } from 'csv-parse/sync';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { SwitchboardError } from '../../core/errors.ts';
import { MAX_CONTEXT_BYTES } from '../http-kit/schemas.ts';
import { isKnownZone } from './calling-hours.ts';
import type { ImportError } from './events.ts';
import { singleZoneOf } from './time-zones.ts';

/** Most contacts one import may carry; bigger lists go in several imports. */
export const MAX_IMPORT_CONTACTS = 100_000;
/** Most custom fields per contact, and longest value, so a contact's context stays small. */
const MAX_FIELDS = 50;
const MAX_VALUE_LENGTH = 1000;
const MAX_NAME_LENGTH = 200;

const E164 = /^\+[1-9]\d{1,14}$/;
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

export type FieldValue = string | number | boolean | null;

/** One entry of an import as read, before it is checked: its row and its fields by name. */
export interface RawContact {
  readonly row: number;
  readonly values: Readonly<Record<string, unknown>>;
}

/** A checked contact, ready to be stored. */
export interface ValidContact {
  readonly row: number;
  readonly phoneNumber: string;
  readonly name?: string;
  readonly timezone: string;
  readonly fields: Readonly<Record<string, FieldValue>>;
}

/**
 * Reads a CSV list: a header row naming `phoneNumber`, `name`, `timezone` and any other fields, then
 * one contact per record; each contact's row is the line its record ends on (the header is line 1).
 * A record with more or fewer cells than the header is kept, to be reported as VALIDATION_ERROR; a
 * file that is not CSV at all (an unclosed quote) is refused whole, naming the line.
 */
export function readCsv(text: string): RawContact[] {
  let records: { record: Record<string, string>; info: { lines: number; error?: unknown } }[];
  try {
    records = parseCsv(text, {
      columns: (header: string[]) => header.map((name) => name.trim()),
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
      max_record_size: 64 * 1024,
    });
  } catch (error) {
    const line = (error as { lines?: number }).lines;
    throw new SwitchboardError(
      'VALIDATION_ERROR',
      `The CSV cannot be read${line ? ` (line ${line})` : ''}: ${(error as Error).message}`,
      [{ in: 'body', path: '', problem: (error as Error).message, ...(line && { line }) }],
    );
  }
  checkCount(records.length);
  return records.map(({ record, info }) => ({
    row: info.lines,
    values: info.error ? { ...record, [BAD_SHAPE]: true } : record,
  }));
}

/** Marks a CSV record whose cells do not match the header. */
const BAD_SHAPE = '\u0000shape';

/** Reads a JSON list `{contacts: [...]}`; a contact's row is its place in the list, from 1. */
export function readJsonContacts(contacts: readonly unknown[]): RawContact[] {
  checkCount(contacts.length);
  return contacts.map((values, index) => ({
    row: index + 1,
    values:
      typeof values === 'object' && values !== null && !Array.isArray(values)
        ? (values as Record<string, unknown>)
        : { [BAD_SHAPE]: true },
  }));
}

function checkCount(count: number): void {
  if (count > MAX_IMPORT_CONTACTS) {
    throw new SwitchboardError(
      'VALIDATION_ERROR',
      `An import carries at most ${MAX_IMPORT_CONTACTS} contacts (this one ${count}); split the list.`,
      [{ in: 'body', path: 'contacts', problem: `more than ${MAX_IMPORT_CONTACTS} contacts` }],
    );
  }
}

/**
 * Checks each contact: an E.164 number (else INVALID_PHONE_NUMBER), a number not seen earlier in the
 * list (else DUPLICATE), a known time zone and fields within limits (else VALIDATION_ERROR). A contact
 * without a time zone takes its number's country's where one zone fits, else `defaultZone`.
 */
export function checkContacts(
  raw: readonly RawContact[],
  defaultZone: string,
): { valid: ValidContact[]; errors: ImportError[] } {
  const valid: ValidContact[] = [];
  const errors: ImportError[] = [];
  const seen = new Set<string>();
  for (const entry of raw) {
    const result = checkOne(entry, defaultZone);
    if ('code' in result) errors.push(result);
    else if (seen.has(result.phoneNumber)) {
      errors.push({
        row: entry.row,
        code: 'DUPLICATE',
        message: `${result.phoneNumber} is in this list already (an earlier row).`,
      });
    } else {
      seen.add(result.phoneNumber);
      valid.push(result);
    }
  }
  return { valid, errors };
}

function checkOne(entry: RawContact, defaultZone: string): ValidContact | ImportError {
  const { row, values } = entry;
  const fail = (code: ImportError['code'], message: string): ImportError => ({ row, code, message });
  if (values[BAD_SHAPE])
    return fail('VALIDATION_ERROR', 'The row does not have the fields the header names.');
  const { phoneNumber, name, timezone, ...rest } = values;
  const number = typeof phoneNumber === 'string' ? phoneNumber.replace(/[\s().-]/g, '') : '';
  const parsed = E164.test(number) ? parsePhoneNumberFromString(number) : undefined;
  if (!parsed?.isPossible()) {
    const shown = typeof phoneNumber === 'string' && phoneNumber !== '' ? `"${phoneNumber}"` : 'missing';
    return fail('INVALID_PHONE_NUMBER', `phoneNumber is ${shown}; write it in E.164, e.g. +14155550123.`);
  }
  if (name !== undefined && name !== null && (typeof name !== 'string' || name.length > MAX_NAME_LENGTH)) {
    return fail('VALIDATION_ERROR', `name must be text of at most ${MAX_NAME_LENGTH} characters.`);
  }
  let zone: string;
  if (typeof timezone === 'string' && timezone !== '') {
    if (!isKnownZone(timezone)) {
      return fail('VALIDATION_ERROR', `timezone "${timezone}" is not an IANA time zone (e.g. Europe/Paris).`);
    }
    zone = timezone;
  } else if (timezone !== undefined && timezone !== null && timezone !== '') {
    return fail('VALIDATION_ERROR', 'timezone must be an IANA time zone name.');
  } else {
    const country = parsed.country;
    zone = (country && singleZoneOf(country)) ?? defaultZone;
  }
  const fields = checkFields(rest);
  if (typeof fields === 'string') return fail('VALIDATION_ERROR', fields);
  return {
    row,
    phoneNumber: number,
    ...(typeof name === 'string' && name !== '' && { name }),
    timezone: zone,
    fields,
  };
}

function checkFields(rest: Record<string, unknown>): Record<string, FieldValue> | string {
  const entries = Object.entries(rest);
  if (entries.length > MAX_FIELDS) return `a contact carries at most ${MAX_FIELDS} custom fields.`;
  const fields: Record<string, FieldValue> = {};
  for (const [key, value] of entries) {
    if (!FIELD_NAME.test(key))
      return `field name "${key.slice(0, 64)}" must be a letter or _ then letters, digits, _ . -.`;
    if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) {
      return `field ${key} must be text, a number, true/false or null.`;
    }
    if (typeof value === 'string' && value.length > MAX_VALUE_LENGTH) {
      return `field ${key} is longer than ${MAX_VALUE_LENGTH} characters.`;
    }
    fields[key] = value as FieldValue;
  }
  if (Buffer.byteLength(JSON.stringify(fields)) > MAX_CONTEXT_BYTES / 2) {
    return `the custom fields are more than ${MAX_CONTEXT_BYTES / 2} bytes as JSON; keep bulky data in your own system.`;
  }
  return fields;
}
