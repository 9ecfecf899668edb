import type { CountryCode } from 'libphonenumber-js';
import { DateTime } from 'luxon';
import type { EndReason } from '../../core/call.ts';
import type { SocketField } from './config.ts';
import { type PbxCall, toE164 } from './pbx-call.ts';

/** Splits one CSV line (RFC 4180 quoting); undefined when a quote is left open. */
export function splitCsv(line: string): string[] | undefined {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else field += c;
  }
  if (quoted) return undefined;
  fields.push(field);
  return fields;
}

const TIME_FORMATS = [
  'yyyy/MM/dd HH:mm:ss',
  'yyyy-MM-dd HH:mm:ss',
  'yyyy/MM/dd HH:mm:ss.SSS',
  'yyyy-MM-dd HH:mm:ss.SSS',
];

/** A 3CX time (`2026/01/05 09:00:00`, or ISO) in `zone`, as an ISO instant; undefined if empty or unreadable. */
function readTime(text: string | undefined, zone: string): string | undefined | null {
  const value = text?.trim();
  if (!value) return undefined;
  for (const format of TIME_FORMATS) {
    const parsed = DateTime.fromFormat(value, format, { zone });
    if (parsed.isValid) return parsed.toUTC().toISO();
  }
  const iso = DateTime.fromISO(value, { zone });
  return iso.isValid ? iso.toUTC().toISO() : null;
}

const isLine = (type: string | undefined) => /line|external|trunk|provider/i.test(type ?? '');
const isExtension = (type: string | undefined) => /^ext/i.test(type ?? '');
const isGroup = (type: string | undefined) => /queue|ring/i.test(type ?? '');

/** A line read, or why it could not be. */
export type LineRead =
  | { readonly kind: 'call'; readonly call: PbxCall }
  | { readonly kind: 'internal' }
  | {
      readonly kind: 'malformed';
      readonly reason: string;
    };

/**
 * One Active Socket line as a call, its fields in the configured order. The call id is `historyid` (3CX's
 * call history id, the one the CDR database groups segments by), or `callid` without it.
 */
export function readLine(
  line: string,
  fields: readonly SocketField[],
  zone: string,
  country: CountryCode,
): LineRead {
  const values = splitCsv(line);
  if (values === undefined) return { kind: 'malformed', reason: 'a quote is left open' };
  if (values.length !== fields.length) {
    return { kind: 'malformed', reason: `${values.length} fields where ${fields.length} are configured` };
  }
  const f = Object.fromEntries(fields.map((name, i) => [name, (values[i] ?? '').trim()])) as Partial<
    Record<SocketField, string>
  >;
  const pbxCallId = f.historyid || f.callid;
  if (!pbxCallId) return { kind: 'malformed', reason: 'no historyid or callid' };
  const startedAt = readTime(f['time-start'], zone);
  const endedAt = readTime(f['time-end'], zone);
  const answeredAt = readTime(f['time-answered'], zone);
  if (!startedAt || !endedAt || answeredAt === null) {
    return { kind: 'malformed', reason: 'time-start and time-end must be times (yyyy/MM/dd HH:mm:ss)' };
  }
  const answered = answeredAt !== undefined;
  const base = { pbxCallId, startedAt, endedAt, ...(answered && { answeredAt }) };
  if (isLine(f['from-type'])) {
    const raw = f['from-no'];
    if (!raw) return { kind: 'malformed', reason: 'an inbound call without from-no' };
    const owner = answered && isExtension(f['final-type']) ? f['final-dn'] : undefined;
    const missed = (f['missed-queue-calls'] ?? '').match(/\d+/g) ?? [];
    return {
      kind: 'call',
      call: {
        ...base,
        direction: 'INBOUND',
        phoneNumber: toE164(raw, country),
        ...(owner && { ownerExtension: owner }),
        endReason: endReasonOf(answered, f['reason-terminated']),
        ...(isGroup(f['to-type']) &&
          f['to-dn'] && { groupId: f['to-dn'], ...(f['to-dispname'] && { groupName: f['to-dispname'] }) }),
        rungExtensions: [...new Set([...(owner ? [owner] : []), ...missed])],
      },
    };
  }
  if (isLine(f['to-type']) || isLine(f['final-type'])) {
    const raw = f['to-no'] || f['dial-no'] || f['final-number'];
    if (!raw) return { kind: 'malformed', reason: 'an outbound call without to-no' };
    return {
      kind: 'call',
      call: {
        ...base,
        direction: 'OUTBOUND',
        phoneNumber: toE164(raw, country),
        ...(f['from-dn'] && { ownerExtension: f['from-dn'] }),
        endReason: endReasonOf(answered, f['reason-terminated']),
        rungExtensions: [],
      },
    };
  }
  return { kind: 'internal' };
}

function endReasonOf(answered: boolean, reason: string | undefined): EndReason {
  if (answered) return 'normal';
  if (/busy/i.test(reason ?? '')) return 'busy';
  if (/bysrc/i.test(reason ?? '')) return 'canceled';
  if (/rule|fail/i.test(reason ?? '')) return 'unreachable';
  return 'no_answer';
}
