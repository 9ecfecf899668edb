import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeEach, describe, it } from 'vitest';
import { openStore } from '../../src/store/open-store.ts';
import type { Store, StoreConfig } from '../../src/store/types.ts';

/**
 * The backends every store suite runs on. Each test gets a store of its own (a new SQLite file, or a
 * new PostgreSQL schema) so that lists never see another test's rows and files run in parallel.
 */

const PG_URL = process.env.SWITCHBOARD_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** CI names its PostgreSQL: there a missing server is a failure, not a skip. */
export const PG_EXPECTED = process.env.SWITCHBOARD_TEST_PG_URL !== undefined;

export interface Backend {
  readonly name: Store['kind'];
  /** Why the backend cannot run here, if it cannot. */
  readonly unavailable?: string;
  /** A fresh, empty place to open a store at, and how to remove it. */
  provision(): Promise<{ config: StoreConfig; dispose(): Promise<void> }>;
}

const tempRoot = mkdtempSync(join(tmpdir(), 'switchboard-store-test-'));
afterAll(() => rmSync(tempRoot, { recursive: true, force: true }));

export const sqliteBackend: Backend = {
  name: 'sqlite',
  async provision() {
    // A nested path checks that openStore creates missing parent folders.
    const file = join(tempRoot, randomUUID(), 'data', 'switchboard.db');
    return { config: { kind: 'sqlite', file }, dispose: async () => {} };
  },
};

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

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export const postgresBackend: Backend = {
  name: 'postgres',
  unavailable: await pgUnavailable(),
  async provision() {
    const schema = `sb_test_${process.pid}_${randomUUID().replaceAll('-', '')}`;
    return {
      config: { kind: 'postgres', url: PG_URL, schema },
      dispose: () => withAdmin((c) => c.query(`drop schema if exists "${schema}" cascade`).then(() => {})),
    };
  },
};

/**
 * Runs `body` as one suite per backend, each test with a fresh store (`current()`); `reopen()` closes
 * nothing and opens the same place again, as a restarted process would. A PostgreSQL that CI named but
 * that does not answer is a failure, not a skip.
 */
export function eachBackend(
  title: string,
  body: (context: { current: () => Store; reopen: () => Promise<Store> }) => void,
): void {
  for (const backend of [sqliteBackend, postgresBackend]) {
    if (backend.unavailable !== undefined && backend.name === 'postgres' && PG_EXPECTED) {
      describe(`${title}: ${backend.name}`, () => {
        it('is expected here (SWITCHBOARD_TEST_PG_URL is set)', () => {
          throw new Error(`SWITCHBOARD_TEST_PG_URL names a PostgreSQL, but ${backend.unavailable}`);
        });
      });
      continue;
    }
    const suite = backend.unavailable === undefined ? describe : describe.skip;
    suite(`${title}: ${backend.name}`, () => {
      let config: StoreConfig;
      let dispose: () => Promise<void>;
      let store: Store;
      const opened: Store[] = [];
      const reopen = async () => {
        const s = await openStore(config);
        opened.push(s);
        return s;
      };
      beforeEach(async () => {
        ({ config, dispose } = await backend.provision());
        store = await reopen();
      });
      afterEach(async () => {
        await Promise.all(opened.splice(0).map((s) => s.close()));
        await dispose();
      });
      body({ current: () => store, reopen });
    });
  }
}
