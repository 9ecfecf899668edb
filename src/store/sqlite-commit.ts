import type { Database as BetterSqliteDatabase, Statement } from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { CallSnapshot } from '../core/call.ts';
import type { DomainEvent } from '../core/events.ts';
import { toRow } from './call-records.ts';
import { eventRow } from './event-log.ts';
import type { Database } from './schema.ts';

const UPSERT_CALL = `insert into calls (id, direction, status, from_address, to_address, started_at_ms,
  answered_at_ms, ended_at_ms, end_reason, snapshot) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  on conflict (id) do update set direction = excluded.direction, status = excluded.status,
  from_address = excluded.from_address, to_address = excluded.to_address,
  started_at_ms = excluded.started_at_ms, answered_at_ms = excluded.answered_at_ms,
  ended_at_ms = excluded.ended_at_ms, end_reason = excluded.end_reason, snapshot = excluded.snapshot`;

const INSERT_EVENT = 'insert into events (seq, id, type, timestamp, call_id, body) values (?, ?, ?, ?, ?, ?)';

/**
 * The store's combined commit of call records and events on SQLite, as two prepared statements run row
 * by row in one synchronous transaction. Building, compiling and awaiting Kysely's multi-row statements
 * cost about as much as SQLite's own work on the busiest path of all (every event of every call); this
 * does the same writes, with the same all-or-nothing outcome. It holds Kysely's connection meanwhile, so
 * it never lands inside a transaction of Kysely's.
 */
export function sqliteCommit(
  db: Kysely<Database>,
  database: BetterSqliteDatabase,
): (batch: { calls: readonly CallSnapshot[]; events: readonly DomainEvent[] }) => Promise<void> {
  // Prepared on first use: the store is opened before its tables are migrated.
  let statements: { upsertCall: Statement; insertEvent: Statement } | undefined;
  const write = database.transaction((calls: readonly CallSnapshot[], events: readonly DomainEvent[]) => {
    statements ??= { upsertCall: database.prepare(UPSERT_CALL), insertEvent: database.prepare(INSERT_EVENT) };
    const { upsertCall, insertEvent } = statements;
    // A call with several events in one batch is written once, as it stands after the last of them.
    const latest = calls.length > 1 ? new Map(calls.map((call) => [call.id, call])).values() : calls;
    for (const call of latest) {
      const r = toRow(call);
      upsertCall.run(
        r.id,
        r.direction,
        r.status,
        r.from_address,
        r.to_address,
        r.started_at_ms,
        r.answered_at_ms ?? null,
        r.ended_at_ms ?? null,
        r.end_reason ?? null,
        r.snapshot,
      );
    }
    for (const event of events) {
      const r = eventRow(event);
      insertEvent.run(r.seq, r.id, r.type, r.timestamp, r.call_id, r.body);
    }
  });
  return ({ calls, events }) => db.connection().execute(async () => write(calls, events));
}
