import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, it } from 'vitest';
import type { Store, StoreConfig } from '../../src/store/types.ts';

/**
 * The store backends a suite runs on: a new SQLite file, or a new PostgreSQL schema, per provision,
 * so that tests never see each other's rows and files run in parallel.
 */

export const PG_URL = process.env.SWITCHBOARD_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** CI names its PostgreSQL: there a missing server is a failure, not a skip. */
const PG_EXPECTED = process.env.SWITCHBOARD_TEST_PG_URL !== undefined;

export interface Backend {
  readonly name: Store['kind'];
  /** Why the backend cannot run here, if it cannot. */
  readonly unavailable?: string;
  /** A fresh, empty place to open a store at, and how to remove it. */
  provision(): Promise<{ config: StoreConfig; dispose(): Promise<void> }>;
}

async function pgUnavailable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    return `PostgreSQL at ${PG_URL} did not answer (${(error as Error).message})`;
  } finally {
    await client.end().catch(() => {});
  }
}

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}

/** Both backends; PostgreSQL says why it is unavailable when it is. */
export async function storeBackends(): Promise<Backend[]> {
  const sqlite: Backend = {
    name: 'sqlite',
    async provision() {
      const dir = mkdtempSync(join(tmpdir(), 'switchboard-store-'));
      return {
        // A nested path checks that openStore creates missing parent folders.
        config: { kind: 'sqlite', file: join(dir, 'data', 'switchboard.db') },
        dispose: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  };
  const unavailable = await pgUnavailable();
  const postgres: Backend = {
    name: 'postgres',
    ...(unavailable !== undefined && { unavailable }),
    async provision() {
      const schema = `sb_test_${process.pid}_${randomUUID().replaceAll('-', '')}`;
      return { config: { kind: 'postgres', url: PG_URL, schema }, dispose: () => dropSchema(schema) };
    },
  };
  return [sqlite, postgres];
}

/**
 * `describe` for a backend: skipped (with a warning) where it cannot run, failing where CI expects it
 * (SWITCHBOARD_TEST_PG_URL is set) and it cannot.
 */
export function describeOn(backend: Backend, title: string, body: () => void): void {
  if (backend.unavailable !== undefined && backend.name === 'postgres' && PG_EXPECTED) {
    describe(title, () => {
      it('is expected here (SWITCHBOARD_TEST_PG_URL is set)', () => {
        throw new Error(`SWITCHBOARD_TEST_PG_URL names a PostgreSQL, but ${backend.unavailable}`);
      });
    });
    return;
  }
  if (backend.unavailable !== undefined) console.warn(`Skipping ${title}: ${backend.unavailable}`);
  (backend.unavailable === undefined ? describe : describe.skip)(title, body);
}
