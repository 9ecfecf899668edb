import type { Database as BetterSqliteDatabase, Statement } from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { CallSnapshot } from '../core/call.ts';
import type { DomainEvent } from '../core/events.ts';
import { INSERT_AUDIT_SQL } from './audit-log.ts';
import { latestPerCall, PROGRESS_COLUMNS, toRow } from './call-records.ts';
import { eventRow } from './event-log.ts';
import type { Database } from './schema.ts';
import type { Row, SqliteWriter, WriterStatements } from './sqlite-writer.ts';
import type { CommitBatch } from './types.ts';
import { deliveryParams, INSERT_DELIVERY_SQL } from './webhook-deliveries.ts';

/** The statements of every commit, for the writer thread and for the in-process path alike. */
export const COMMIT_STATEMENTS: WriterStatements = {
  upsertCallSql: `insert into calls (id, direction, status, from_address, to_address, started_at_ms,
  answered_at_ms, ended_at_ms, end_reason, snapshot, source, external_id, owner, agent_id, queue_id,
  duration_s, parties) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  on conflict (id) do update set ${PROGRESS_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ')}`,
  insertEventSql: 'insert into events (seq, id, type, timestamp, call_id, body) values (?, ?, ?, ?, ?, ?)',
  insertDeliverySql: INSERT_DELIVERY_SQL,
  insertAuditSql: INSERT_AUDIT_SQL,
};

type Commit = (batch: CommitBatch) => Promise<void>;

/**
 * The store's combined commit of call records and events on SQLite, as two prepared statements run row
 * by row in one transaction. Building, compiling and awaiting Kysely's multi-row statements cost about
 * as much as SQLite's own work on the busiest path of all (every event of every call); this does the
 * same writes, with the same all-or-nothing outcome. The rows are made here (serialising throws here,
 * for the publisher to tell which event is at fault); a file database writes them on its writer thread.
 */
export function sqliteCommit(writer: SqliteWriter, owner: string): Commit {
  return (batch) => {
    const rows = commitRows(batch.calls, batch.events, owner);
    return writer.write(rows.calls, rows.events, outboxRows(batch));
  };
}

/**
 * The same commit in this thread, for an in-memory database (a thread cannot open another's). It holds
 * Kysely's connection meanwhile, so it never lands inside a transaction of Kysely's.
 */
export function inProcessCommit(db: Kysely<Database>, database: BetterSqliteDatabase, owner: string): Commit {
  // Prepared on first use: the store is opened before its tables are migrated.
  let statements: { upsertCall: Statement; insertEvent: Statement; insertDelivery: Statement } | undefined;
  const write = database.transaction(
    (calls: readonly Row[], events: readonly Row[], deliveries: readonly Row[]) => {
      statements ??= {
        upsertCall: database.prepare(COMMIT_STATEMENTS.upsertCallSql),
        insertEvent: database.prepare(COMMIT_STATEMENTS.insertEventSql),
        insertDelivery: database.prepare(COMMIT_STATEMENTS.insertDeliverySql),
      };
      for (const row of calls) statements.upsertCall.run(row);
      for (const row of events) statements.insertEvent.run(row);
      for (const row of deliveries) statements.insertDelivery.run(row);
    },
  );
  return (batch) => {
    const rows = commitRows(batch.calls, batch.events, owner);
    const deliveries = outboxRows(batch);
    return db.connection().execute(async () => write(rows.calls, rows.events, deliveries));
  };
}

const NO_ROWS: readonly Row[] = [];

/** The batch's outbox rows; none, and nothing allocated, when no webhook subscribes. */
function outboxRows(batch: CommitBatch): readonly Row[] {
  return batch.deliveries?.length ? batch.deliveries.map(deliveryParams) : NO_ROWS;
}

/** A batch as rows; a call with several events in one batch is written once, as it stands after the last. */
function commitRows(
  calls: readonly CallSnapshot[],
  events: readonly DomainEvent[],
  owner: string,
): { calls: Row[]; events: Row[] } {
  return {
    calls: latestPerCall(calls).map((call) => {
      const r = toRow(call, owner);
      return [
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
        r.source ?? null,
        r.external_id ?? null,
        r.owner ?? null,
        r.agent_id ?? null,
        r.queue_id ?? null,
        r.duration_s ?? 0,
        r.parties ?? '',
      ];
    }),
    events: events.map((event) => {
      const r = eventRow(event);
      return [r.seq, r.id, r.type, r.timestamp, r.call_id, r.body];
    }),
  };
}
