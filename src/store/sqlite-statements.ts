import type { Database as BetterSqliteDatabase, Statement } from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/**
 * Enough for every distinct statement the repositories issue; event-log batches of varying sizes make
 * one text per size, so the oldest statements are dropped once this many are kept.
 */
const MAX_CACHED_STATEMENTS = 256;

/**
 * The database as Kysely's SQLite dialect sees it, with prepared statements kept by their SQL text.
 * Kysely prepares every query afresh, and on a call's hot path (its record upsert and its event
 * insert) preparing cost as much as running. Reusing a statement is safe here: Kysely holds SQLite's
 * single connection for the whole of each query, iteration included, so no statement is ever in use
 * twice at once.
 */
export function withStatementCache(database: BetterSqliteDatabase): SqliteDatabase {
  const statements = new Map<string, Statement>();
  return {
    close: () => database.close(),
    prepare(sql) {
      let statement = statements.get(sql);
      if (statement === undefined) {
        statement = database.prepare(sql);
        if (statements.size >= MAX_CACHED_STATEMENTS) statements.delete(statements.keys().next().value!);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}
