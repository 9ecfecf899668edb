import type { Kysely } from 'kysely';
import type { DomainEvent } from '../core/events.ts';
import { eventJson } from './row-json.ts';
import { type Database, toNumber, type UseDb } from './schema.ts';
import type { EventLogRepository } from './types.ts';

/**
 * Rows per INSERT. A 5000-event batch in one statement would need 30 000 bound parameters, close to
 * SQLite's limit of 32 766, so large batches go in chunks inside one transaction instead.
 */
const ROWS_PER_INSERT = 1000;

/** Inserts events in chunks of {@link ROWS_PER_INSERT}; the caller decides the transaction. */
export async function insertEvents(db: Kysely<Database>, events: readonly DomainEvent[]): Promise<void> {
  for (let start = 0; start < events.length; start += ROWS_PER_INSERT) {
    const rows = events.slice(start, start + ROWS_PER_INSERT).map(eventRow);
    await db.insertInto('events').values(rows).execute();
  }
}

/** An event as its row. */
export function eventRow(event: DomainEvent) {
  return {
    seq: event.seq,
    id: event.id,
    type: event.type,
    timestamp: event.timestamp,
    call_id: event.callId ?? null,
    body: eventJson(event),
  };
}

/** The event-log repository over either backend. */
export function createEventLogRepository(useDb: UseDb): EventLogRepository {
  return {
    async append(events) {
      if (events.length === 0) return;
      const db = useDb();
      if (events.length <= ROWS_PER_INSERT) {
        await insertEvents(db, events);
        return;
      }
      // All or nothing: a duplicate seq anywhere in the batch must leave the log as it was.
      await db.transaction().execute((trx) => insertEvents(trx, events));
    },

    async after(seq, limit) {
      if (limit <= 0) return [];
      const rows = await useDb()
        .selectFrom('events')
        .select('body')
        .where('seq', '>', seq)
        .orderBy('seq', 'asc')
        .limit(limit)
        .execute();
      return rows.map((row) => JSON.parse(row.body) as DomainEvent);
    },

    async forCall(callId, after, limit) {
      if (limit <= 0) return [];
      const rows = await useDb()
        .selectFrom('events')
        .select('body')
        .where('call_id', '=', callId)
        .where('seq', '>', after)
        .orderBy('seq', 'asc')
        .limit(limit)
        .execute();
      return rows.map((row) => JSON.parse(row.body) as DomainEvent);
    },

    async lastSeq() {
      const row = await useDb()
        .selectFrom('events')
        .select((eb) => eb.fn.max('seq').as('last'))
        .executeTakeFirst();
      return row?.last == null ? 0 : toNumber(row.last);
    },
  };
}
