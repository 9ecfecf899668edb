import type { CountryCode } from 'libphonenumber-js';
import pg from 'pg';
import type { EndReason } from '../../core/call.ts';
import type { CdrBatch, CdrPosition, CdrSource } from './cdr-source.ts';
import { type PbxCall, toE164 } from './pbx-call.ts';

/** The columns of 3CX v20's `cdroutput` the connector reads (one row per call segment). */
export interface CdrRow {
  readonly cdr_id: string;
  readonly call_history_id: string | null;
  readonly source_entity_type: string | null;
  readonly source_dn_number: string | null;
  readonly source_participant_phone_number: string | null;
  readonly destination_entity_type: string | null;
  readonly destination_dn_number: string | null;
  readonly destination_dn_type: string | null;
  readonly destination_dn_name: string | null;
  readonly destination_participant_phone_number: string | null;
  readonly termination_reason: string | null;
  readonly termination_reason_details: string | null;
  /** The segment that continues this one (a transfer); the call goes on until it is written. */
  readonly continued_in_cdr_id: string | null;
  readonly cdr_started_at: Date | null;
  readonly cdr_answered_at: Date | null;
  readonly cdr_ended_at: Date | null;
}

const COLUMNS = `cdr_id::text as cdr_id, call_history_id::text as call_history_id, source_entity_type,
  source_dn_number, source_participant_phone_number, destination_entity_type, destination_dn_number,
  destination_dn_type, destination_dn_name, destination_participant_phone_number, termination_reason,
  termination_reason_details, continued_in_cdr_id::text as continued_in_cdr_id, cdr_started_at,
  cdr_answered_at, cdr_ended_at`;

const GROUP_TYPES = new Set([
  'queue',
  'ring_group_hunt',
  'ring_group_ring_all',
  'ring_group',
  'paging_group',
]);
const NIL_UUID = '00000000-0000-0000-0000-000000000000';
/** Without a bound, `pg` waits forever for an unreachable server and a poll never ends. */
const CONNECT_TIMEOUT_MS = 10_000;
const QUERY_TIMEOUT_MS = 60_000;

/** 3CX v20's CDR database: the `cdroutput` table in its PostgreSQL. */
export class V20CdrSource implements CdrSource {
  private readonly pool: pg.Pool;
  private readonly table: string;
  private readonly country: CountryCode;

  constructor(options: { url: string; table: string; country: CountryCode }) {
    this.pool = new pg.Pool({
      connectionString: options.url,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      max: 2,
      // A query the server never answers fails the poll, which then retries, instead of hanging it.
      query_timeout: QUERY_TIMEOUT_MS,
    });
    // An idle client losing its server emits here; the next query connects afresh.
    this.pool.on('error', () => {});
    this.table = options.table
      .split('.')
      .map((part) => `"${part}"`)
      .join('.');
    this.country = options.country;
  }

  async readAfter(after: CdrPosition | undefined, since: Date, limit: number): Promise<CdrBatch> {
    const from = after ?? { endedAt: since.toISOString(), cdrId: NIL_UUID };
    const { rows: segments } = await this.pool.query<{
      ended_text: string;
      cdr_id: string;
      call_history_id: string | null;
    }>(
      `select cdr_ended_at::text as ended_text, cdr_id::text as cdr_id, call_history_id::text as call_history_id
       from ${this.table}
       where cdr_ended_at is not null and (cdr_ended_at, cdr_id) > ($1::timestamptz, $2::uuid)
       order by cdr_ended_at, cdr_id limit $3`,
      [from.endedAt, from.cdrId, limit],
    );
    const last = segments.at(-1);
    if (last === undefined) return { calls: [], rejected: [], internal: 0, segments: 0 };
    const historyIds = [
      ...new Set(segments.map((s) => s.call_history_id).filter((id): id is string => id !== null)),
    ];
    const orphans = segments.filter((s) => s.call_history_id === null).length;
    const { rows } = await this.pool.query<CdrRow>(
      `select ${COLUMNS} from ${this.table} where call_history_id = any($1::uuid[])
       order by call_history_id, cdr_started_at, cdr_id`,
      [historyIds],
    );
    const byCall = new Map<string, CdrRow[]>();
    for (const row of rows) {
      const id = row.call_history_id as string;
      byCall.set(id, [...(byCall.get(id) ?? []), row]);
    }
    const calls: PbxCall[] = [];
    const rejected: { pbxCallId: string | null; reason: string }[] = [];
    let internal = 0;
    for (const id of historyIds) {
      const read = callFromSegments(id, byCall.get(id) ?? [], this.country);
      if (read.kind === 'call') calls.push(read.call);
      else if (read.kind === 'internal') internal += 1;
      else rejected.push({ pbxCallId: id, reason: read.reason });
    }
    for (let i = 0; i < orphans; i++)
      rejected.push({ pbxCallId: null, reason: 'a segment without call_history_id' });
    return {
      calls,
      rejected,
      internal,
      segments: segments.length,
      next: { endedAt: last.ended_text, cdrId: last.cdr_id },
    };
  }

  async check(): Promise<void> {
    await this.pool.query(`select 1 from ${this.table} limit 1`);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** What a call's segments make: a call, a call between extensions only, or a reason it cannot be read. */
export type SegmentsRead =
  | { readonly kind: 'call'; readonly call: PbxCall }
  | { readonly kind: 'internal' }
  | { readonly kind: 'rejected'; readonly reason: string };

const time = (date: Date | null) => (date === null ? undefined : date.toISOString());

/**
 * One 3CX call from its segments: inbound when a segment comes from an external line, outbound when one
 * goes to one. The owner of an inbound call is the first extension that answered it; of an outbound
 * call, the extension that placed it. The call runs from its first segment's start to its last end.
 */
export function callFromSegments(
  pbxCallId: string,
  rows: readonly CdrRow[],
  country: CountryCode,
): SegmentsRead {
  if (rows.length === 0) return { kind: 'rejected', reason: 'no segments' };
  const starts = rows.map((r) => r.cdr_started_at?.getTime());
  const ends = rows.map((r) => r.cdr_ended_at?.getTime());
  if (starts.some((t) => t === undefined) || ends.some((t) => t === undefined)) {
    return { kind: 'rejected', reason: 'a segment without cdr_started_at or cdr_ended_at' };
  }
  const startedAt = new Date(Math.min(...(starts as number[]))).toISOString();
  const endedAt = new Date(Math.max(...(ends as number[]))).toISOString();
  const incoming = rows.find((r) => r.source_entity_type === 'external_line');
  const outgoing = rows.find((r) => r.destination_entity_type === 'external_line');
  const group = rows.find((r) => GROUP_TYPES.has(r.destination_dn_type ?? ''));
  const groupFields = group?.destination_dn_number
    ? {
        groupId: group.destination_dn_number,
        ...(group.destination_dn_name && { groupName: group.destination_dn_name }),
      }
    : {};
  // Why an unanswered call ended: the segment that says (details), else the one that ended last.
  const ids = new Set(rows.map((r) => r.cdr_id));
  const open = rows.some((r) => r.continued_in_cdr_id !== null && !ids.has(r.continued_in_cdr_id));
  const last = rows.reduce((a, b) => ((a.cdr_ended_at as Date) > (b.cdr_ended_at as Date) ? a : b));
  const decisive = rows.find((r) => r.termination_reason_details) ?? last;

  if (incoming !== undefined) {
    const raw = incoming.source_participant_phone_number ?? incoming.source_dn_number;
    if (!raw) return { kind: 'rejected', reason: 'an inbound call without the caller number' };
    const toExtensions = rows.filter(
      (r) => r.destination_entity_type === 'extension' && r.destination_dn_number,
    );
    const answering = toExtensions
      .filter((r) => r.cdr_answered_at !== null)
      .sort((a, b) => (a.cdr_answered_at as Date).getTime() - (b.cdr_answered_at as Date).getTime())[0];
    const answeredAt = time(answering?.cdr_answered_at ?? null);
    return {
      kind: 'call',
      call: {
        pbxCallId,
        direction: 'INBOUND',
        phoneNumber: toE164(raw, country),
        ...(answering && { ownerExtension: answering.destination_dn_number as string }),
        startedAt,
        ...(answeredAt && { answeredAt }),
        endedAt,
        endReason: endReasonOf(answering !== undefined, decisive),
        ...groupFields,
        rungExtensions: [...new Set(toExtensions.map((r) => r.destination_dn_number as string))],
        ...(open && { open }),
      },
    };
  }
  if (outgoing !== undefined) {
    const raw = outgoing.destination_participant_phone_number ?? outgoing.destination_dn_number;
    if (!raw) return { kind: 'rejected', reason: 'an outbound call without the number dialled' };
    const placedBy = rows.find((r) => r.source_entity_type === 'extension' && r.source_dn_number);
    const answeredAt = time(outgoing.cdr_answered_at);
    return {
      kind: 'call',
      call: {
        pbxCallId,
        direction: 'OUTBOUND',
        phoneNumber: toE164(raw, country),
        ...(placedBy && { ownerExtension: placedBy.source_dn_number as string }),
        startedAt,
        ...(answeredAt && { answeredAt }),
        endedAt,
        endReason: endReasonOf(answeredAt !== undefined, outgoing),
        ...groupFields,
        rungExtensions: [],
        ...(open && { open }),
      },
    };
  }
  return { kind: 'internal' };
}

/** 3CX's termination reason as the call model's end reason. */
function endReasonOf(answered: boolean, row: CdrRow): EndReason {
  if (answered) return 'normal';
  const details = row.termination_reason_details ?? '';
  if (details === 'busy' || details === 'line_busy' || details === 'source_line_busy') return 'busy';
  if (details === 'declined' || row.termination_reason === 'rejected') return 'rejected';
  if (['not_found', 'invalid_destination', 'no_route', 'invalid_dialcode'].includes(details))
    return 'invalid_number';
  if (details === 'terminated_by_originator' || row.termination_reason === 'src_participant_terminated') {
    return 'canceled';
  }
  return 'no_answer';
}
