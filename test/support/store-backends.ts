import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll } from 'vitest';
import type { CallSnapshot } from '../../src/core/call.ts';
import type { Store, StoreConfig } from '../../src/store/types.ts';

/**
 * The backends the store suites run against, each giving a fresh, empty place per test (a new SQLite
 * file, or a new PostgreSQL schema), and the call fixture they share.
 */

export const PG_URL = process.env.SWITCHBOARD_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
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

export async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
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

export const T0 = Date.parse('2025-03-01T12:00:00.000Z');
export const at = (offsetSec: number): string => new Date(T0 + offsetSec * 1000).toISOString();

/** A call; an override set to `undefined` removes that field, as a snapshot would simply lack it. */
export function makeCall(id: string, overrides: Partial<CallSnapshot> = {}): CallSnapshot {
  const startedAt = overrides.startedAt ?? at(0);
  const call: CallSnapshot = {
    id,
    direction: 'outbound',
    status: 'answered',
    from: '+15550001111',
    to: '+15550002222',
    context: { crmTicket: 'T-1', nested: { tags: ['vip', 'callback'], attempt: 2, ok: true, none: null } },
    legs: [
      {
        id: `${id}-a`,
        role: 'agent',
        address: 'PJSIP/1001',
        status: 'answered',
        startedAt,
        answeredAt: startedAt,
      },
      {
        id: `${id}-b`,
        role: 'callee',
        address: '+15550002222',
        status: 'answered',
        startedAt,
        answeredAt: startedAt,
      },
    ],
    startedAt,
    answeredAt: startedAt,
    duration: 0,
    ...overrides,
  };
  return Object.fromEntries(
    Object.entries(call).filter(([, v]) => v !== undefined),
  ) as unknown as CallSnapshot;
}
