import type { Insertable, Kysely } from 'kysely';
import type { CallSnapshot } from '../core/call.ts';
import { checkLimit, instant } from './checks.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { callJson } from './row-json.ts';
import { type CallsTable, type Database, toNumber, type UseDb } from './schema.ts';
import type { CallRecordRepository } from './types.ts';

const MAX_LIMIT = 500;

/**
 * Upserts call records in one statement (the last snapshot of an id wins), on the database or inside a
 * transaction; shared by `save` and by the store's combined commit of records and events.
 */
export async function upsertCalls(db: Kysely<Database>, calls: readonly CallSnapshot[]): Promise<void> {
  if (calls.length === 0) return;
  const rows = [...new Map(calls.map((call) => [call.id, call])).values()].map(toRow);
  for (let start = 0; start < rows.length; start += ROWS_PER_UPSERT) {
    await db
      .insertInto('calls')
      .values(rows.slice(start, start + ROWS_PER_UPSERT))
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => ({
          direction: eb.ref('excluded.direction'),
          status: eb.ref('excluded.status'),
          from_address: eb.ref('excluded.from_address'),
          to_address: eb.ref('excluded.to_address'),
          started_at_ms: eb.ref('excluded.started_at_ms'),
          answered_at_ms: eb.ref('excluded.answered_at_ms'),
          ended_at_ms: eb.ref('excluded.ended_at_ms'),
          end_reason: eb.ref('excluded.end_reason'),
          snapshot: eb.ref('excluded.snapshot'),
        })),
      )
      .execute();
  }
}

/**
 * 10 bound parameters per row: 1000 rows stay far below SQLite's 32 766 and PostgreSQL's 65 535
 * parameters per statement, however many calls one commit carries.
 */
const ROWS_PER_UPSERT = 1000;

/** The call-record repository over either backend. */
export function createCallRecordRepository(useDb: UseDb): CallRecordRepository {
  return {
    async save(call) {
      await upsertCalls(useDb(), [call]);
    },

    async get(id) {
      const row = await useDb()
        .selectFrom('calls')
        .select('snapshot')
        .where('id', '=', id)
        .executeTakeFirst();
      return row === undefined ? undefined : (JSON.parse(row.snapshot) as CallSnapshot);
    },

    async list(filter) {
      const limit = checkLimit(filter.limit, MAX_LIMIT);
      let query = useDb().selectFrom('calls').select(['id', 'started_at_ms', 'snapshot']);
      if (filter.status !== undefined) {
        // `in ()` is a syntax error in PostgreSQL, and no status at all matches nothing anyway.
        if (filter.status.length === 0) return { items: [] };
        query = query.where('status', 'in', filter.status);
      }
      const number = filter.number;
      if (number !== undefined) {
        query = query.where((eb) => eb.or([eb('from_address', '=', number), eb('to_address', '=', number)]));
      }
      if (filter.since !== undefined)
        query = query.where('started_at_ms', '>=', instant(filter.since, 'since'));
      if (filter.until !== undefined)
        query = query.where('started_at_ms', '<', instant(filter.until, 'until'));
      if (filter.cursor !== undefined) {
        const after = decodeCursor(filter.cursor);
        query = query.where((eb) =>
          eb(eb.refTuple('started_at_ms', 'id'), '<', eb.tuple(after.startedAtMs, after.id)),
        );
      }
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
  } satisfies CallRecordRepository;
}

/** A call record as its row. */
export function toRow(call: CallSnapshot): Insertable<CallsTable> {
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
  };
}
