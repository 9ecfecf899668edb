import { IANAZone } from 'luxon';
import type { CallSnapshot } from '../core/call.ts';
import type { CallRecordFilter, Page } from '../store/types.ts';

/** The export's columns, in order; a column is only ever added at the end, so readers can rely on them. */
export const CSV_COLUMNS = [
  'id',
  'source',
  'external_id',
  'direction',
  'status',
  'end_reason',
  'from',
  'to',
  'agent_id',
  'queue_id',
  'started_at',
  'answered_at',
  'ended_at',
  'duration_s',
] as const;

/** Records per page read from the store while streaming: memory stays at one page whatever the total. */
const PAGE = 500;

/** One CSV field as RFC 4180 wants it: quoted when it holds a comma, quote, CR or LF, quotes doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** An ISO instant in `zone` (an IANA name) with its offset, or as stored (UTC) without one. */
function timeIn(iso: string | undefined, zone: IANAZone | undefined): string {
  if (iso === undefined) return '';
  if (zone === undefined) return iso;
  const ms = Date.parse(iso);
  // The zone's offset at that instant; formatting by hand is several times faster than a DateTime per field.
  const offset = zone.offset(ms);
  const local = new Date(ms + offset * 60_000).toISOString().slice(0, 23);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** One record as a CSV line (CRLF-terminated, as RFC 4180 has it). */
export function csvLine(call: CallSnapshot, zone?: IANAZone): string {
  const values = [
    call.id,
    call.source ?? 'switchboard',
    call.externalId ?? '',
    call.direction,
    call.status,
    call.endReason ?? '',
    call.from,
    call.to,
    call.agentId ?? '',
    call.queueId ?? '',
    timeIn(call.startedAt, zone),
    timeIn(call.answeredAt, zone),
    timeIn(call.endedAt, zone),
    String(call.duration ?? 0),
  ];
  return `${values.map(csvField).join(',')}\r\n`;
}

/**
 * The selection as CSV text, header first, produced page by page through the store's cursor: the
 * caller streams it out, so memory stays flat however many records match.
 */
export async function* callsCsv(
  list: (filter: CallRecordFilter) => Promise<Page<CallSnapshot>>,
  filter: Omit<CallRecordFilter, 'cursor' | 'limit'>,
  zone?: string,
): AsyncGenerator<string> {
  const tz = zone === undefined ? undefined : IANAZone.create(zone);
  yield `${CSV_COLUMNS.join(',')}\r\n`;
  let cursor: string | undefined;
  do {
    const page = await list({ ...filter, limit: PAGE, ...(cursor !== undefined && { cursor }) });
    if (page.items.length > 0) yield page.items.map((call) => csvLine(call, tz)).join('');
    cursor = page.nextCursor;
  } while (cursor !== undefined);
}
