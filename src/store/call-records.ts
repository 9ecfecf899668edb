import { type Insertable, type Kysely, type SelectQueryBuilder, sql } from 'kysely';
import type { CallSnapshot } from '../core/call.ts';
import { checkLimit, instant } from './checks.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { callJson } from './row-json.ts';
import { type CallsTable, type Database, toNumber, type UseDb } from './schema.ts';
import type { CallRecordFilter, CallRecordRepository, Page } from './types.ts';

const MAX_LIMIT = 500;
/** Records made by Switchboard itself; imports name their source. */
export const OWN_SOURCE = 'switchboard';

/**
 * Upserts call records in one statement (the last snapshot of an id wins), on the database or inside a
 * transaction; shared by `save` and by the store's combined commit of records and events. `owner` is
 * the process writing them (null for imports). `progress` is the engine's commit of a call's later
 * states: what identifies a call (direction, parties dialled, start, source, owner) never changes
 * then, so only what does is set — every column set is an index entry rewritten, and the commit is the
 * busiest write there is.
 */
export async function upsertCalls(
  db: Kysely<Database>,
  calls: readonly CallSnapshot[],
  owner: string | null,
  update: 'all' | 'progress' = 'all',
): Promise<void> {
  if (calls.length === 0) return;
  const rows = latestPerCall(calls).map((call) => toRow(call, owner));
  const columns = update === 'all' ? ALL_COLUMNS : PROGRESS_COLUMNS;
  for (let start = 0; start < rows.length; start += ROWS_PER_UPSERT) {
    await db
      .insertInto('calls')
      .values(rows.slice(start, start + ROWS_PER_UPSERT))
      .onConflict((oc) =>
        oc
          .column('id')
          .doUpdateSet((eb) => Object.fromEntries(columns.map((c) => [c, eb.ref(`excluded.${c}`)]))),
      )
      .execute();
  }
}

/** A batch's snapshots, one per call: the last of each id, as it stands after the batch. */
export function latestPerCall(calls: readonly CallSnapshot[]): readonly CallSnapshot[] {
  return calls.length > 1 ? [...new Map(calls.map((call) => [call.id, call])).values()] : calls;
}

/** What a call's later states change (see `upsertCalls`); the SQLite commit sets the same. */
export const PROGRESS_COLUMNS = [
  'status',
  'answered_at_ms',
  'ended_at_ms',
  'end_reason',
  'snapshot',
  'agent_id',
  'queue_id',
  'duration_s',
  'parties',
] as const satisfies readonly (keyof CallsTable)[];

const ALL_COLUMNS = [
  'direction',
  'from_address',
  'to_address',
  'started_at_ms',
  'source',
  'external_id',
  'owner',
  ...PROGRESS_COLUMNS,
] as const satisfies readonly (keyof CallsTable)[];

/**
 * 17 bound parameters per row: 1000 rows stay far below SQLite's 32 766 and PostgreSQL's 65 535
 * parameters per statement, however many calls one commit carries.
 */
const ROWS_PER_UPSERT = 1000;

type CallQuery = SelectQueryBuilder<
  Database,
  'calls',
  { id: string; started_at_ms: number | string; snapshot: string }
>;

/** The filter's conditions on a query of the calls table; `undefined` when nothing can match. */
function filtered(query: CallQuery, filter: CallRecordFilter): CallQuery | undefined {
  let q = query;
  // `in ()` is a syntax error in PostgreSQL, and an empty list matches nothing anyway.
  if (filter.status !== undefined) {
    if (filter.status.length === 0) return undefined;
    q = q.where('status', 'in', filter.status);
  }
  if (filter.endReason !== undefined) {
    if (filter.endReason.length === 0) return undefined;
    q = q.where('end_reason', 'in', filter.endReason);
  }
  if (filter.number !== undefined) {
    // LIKE's wildcards in an address (`PJSIP/agent_1`) must match themselves.
    const pattern = `%|${filter.number.replace(/[\\%_]/g, (c) => `\\${c}`)}|%`;
    q = q.where(sql<boolean>`parties like ${pattern} escape '\\'`);
  }
  if (filter.direction !== undefined) q = q.where('direction', '=', filter.direction);
  if (filter.agentId !== undefined) q = q.where('agent_id', '=', filter.agentId);
  if (filter.queueId !== undefined) q = q.where('queue_id', '=', filter.queueId);
  if (filter.source !== undefined) q = q.where('source', '=', filter.source);
  if (filter.minDuration !== undefined) q = q.where('duration_s', '>=', filter.minDuration);
  if (filter.maxDuration !== undefined) q = q.where('duration_s', '<=', filter.maxDuration);
  const ownedBy = filter.ownedBy;
  if (ownedBy !== undefined) q = q.where((eb) => eb.or([eb('owner', '=', ownedBy), eb('owner', 'is', null)]));
  if (filter.since !== undefined) q = q.where('started_at_ms', '>=', instant(filter.since, 'since'));
  if (filter.until !== undefined) q = q.where('started_at_ms', '<', instant(filter.until, 'until'));
  if (filter.cursor !== undefined) {
    const after = decodeCursor(filter.cursor);
    q = q.where((eb) => eb(eb.refTuple('started_at_ms', 'id'), '<', eb.tuple(after.startedAtMs, after.id)));
  }
  return q;
}

/** The call-record repository over either backend; `owner` is this process (see Store.owner). */
export function createCallRecordRepository(useDb: UseDb, owner: string): CallRecordRepository {
  return {
    async save(call) {
      await upsertCalls(useDb(), [call], owner);
    },

    async get(id) {
      const row = await useDb()
        .selectFrom('calls')
        .select('snapshot')
        .where('id', '=', id)
        .executeTakeFirst();
      return row === undefined ? undefined : (JSON.parse(row.snapshot) as CallSnapshot);
    },

    async list(filter): Promise<Page<CallSnapshot>> {
      const limit = checkLimit(filter.limit, MAX_LIMIT);
      const query = filtered(useDb().selectFrom('calls').select(['id', 'started_at_ms', 'snapshot']), filter);
      if (query === undefined) return { items: [] };
      // One extra row tells whether another page follows without a count query.
      const rows = await query
        .orderBy('started_at_ms', 'desc')
        .orderBy('id', 'desc')
        .limit(limit + 1)
        .execute();
      const pageRows = rows.slice(0, limit);
      const items = pageRows.map((row) => JSON.parse(row.snapshot) as CallSnapshot);
      const last = pageRows.at(-1);
      if (rows.length <= limit || last === undefined) return { items };
      return { items, nextCursor: encodeCursor({ startedAtMs: toNumber(last.started_at_ms), id: last.id }) };
    },

    async importCall(call) {
      const { source, externalId } = call;
      if (source === undefined || source === OWN_SOURCE || externalId === undefined) {
        throw new Error('an imported call needs its source and external id');
      }
      return useDb()
        .transaction()
        .execute(async (trx) => {
          const existing = await trx
            .selectFrom('calls')
            .select('id')
            .where('source', '=', source)
            .where('external_id', '=', externalId)
            .executeTakeFirst();
          const written = existing === undefined ? call : { ...call, id: existing.id };
          await upsertCalls(trx, [written], null);
          return { call: written, created: existing === undefined };
        });
    },
  } satisfies CallRecordRepository;
}

/** A call record as its row; `owner` is the process writing it (null for imports). */
export function toRow(call: CallSnapshot, owner: string | null): Insertable<CallsTable> {
  return {
    id: call.id,
    direction: call.direction,
    status: call.status,
    from_address: call.from,
    to_address: call.to,
    started_at_ms: instant(call.startedAt, 'startedAt'),
    answered_at_ms: call.answeredAt === undefined ? null : instant(call.answeredAt, 'answeredAt'),
    ended_at_ms: call.endedAt === undefined ? null : instant(call.endedAt, 'endedAt'),
    end_reason: call.endReason ?? null,
    snapshot: callJson(call),
    source: call.source ?? OWN_SOURCE,
    external_id: call.externalId ?? null,
    owner,
    agent_id: call.agentId ?? null,
    queue_id: call.queueId ?? null,
    duration_s: call.duration ?? 0,
    parties: partiesOf(call),
  };
}

/** Every address a call involved, between bars: `|from|to|leg…|`. */
function partiesOf(call: CallSnapshot): string {
  const addresses = new Set<string>([call.from, call.to]);
  for (const leg of call.legs) addresses.add(leg.address);
  for (const transfer of call.transfers ?? []) addresses.add(transfer.to);
  for (const participant of call.participants ?? []) addresses.add(participant.to);
  return `|${[...addresses].join('|')}|`;
}
