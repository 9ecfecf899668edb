import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { keysCommand } from '../src/cli/keys.ts';
import { loadConfig } from '../src/config/config.ts';
import type { VirtualClock } from '../src/core/clock.ts';
import type { DomainEvent } from '../src/core/events.ts';
import { type ApiResponse, startServer, type TestServer } from './support/server.ts';

let server: TestServer;
afterEach(async () => {
  await server?.close({ removeData: true });
});

const ALICE = 'dispatcher-001';
const BOB = 'dispatcher-002';
const DRIVER = '+12125550101';

/** Moves the virtual clock directly: the simulator's HTTP controls need a key here too. */
const advance = (ms: number) => (server.sb.clock as VirtualClock).advance(ms);

function as(key: string) {
  return <T = any>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> =>
    server.request<T>(method, path, body, { authorization: `Bearer ${key}` });
}

async function createKey(admin: ReturnType<typeof as>, body: Record<string, unknown>): Promise<string> {
  const res = await admin('POST', '/api/v1/keys', body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  expect(res.body.data.key).toMatch(/^sb_/);
  return res.body.data.key;
}

/** Alice and Bob are agents; an admin key, an agent key for each, a supervisor key. */
async function site() {
  const first = await server.request('POST', '/api/v1/keys', { name: 'ops', role: 'admin' });
  expect(first.status).toBe(201);
  const admin = as(first.body.data.key);
  for (const id of [ALICE, BOB]) {
    const res = await admin('POST', '/api/v1/agents', { id, name: id, endpoint: `sim/${id}` });
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  }
  return {
    admin,
    alice: as(await createKey(admin, { name: 'Alice console', role: 'agent', agentId: ALICE })),
    bob: as(await createKey(admin, { name: 'Bob console', role: 'agent', agentId: BOB })),
    supervisor: as(await createKey(admin, { name: 'Floor', role: 'supervisor' })),
  };
}

describe('roles', () => {
  it('turns authentication on with the first key, and keeps only digests', async () => {
    server = await startServer();
    expect((await server.request('GET', '/api/v1/webhooks')).status).toBe(200);
    const { admin } = await site();
    const anonymous = await server.request('GET', '/api/v1/webhooks');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('UNAUTHORIZED');
    expect((await as('sb_not-a-key')('GET', '/api/v1/webhooks')).status).toBe(401);
    const keys = await admin('GET', '/api/v1/keys');
    expect(keys.body.data.map((k: { role: string }) => k.role).sort()).toEqual([
      'admin',
      'agent',
      'agent',
      'supervisor',
    ]);
    expect(JSON.stringify(keys.body)).not.toMatch(/"key"/);
    const unbound = await admin('POST', '/api/v1/keys', { name: 'x', role: 'agent' });
    expect(unbound.status).toBe(400);
  });

  it('lets an agent control and read only its own calls', async () => {
    server = await startServer();
    const { alice, bob, supervisor } = await site();

    const placed = await alice('POST', '/api/cti/call', { from: ALICE, to: DRIVER });
    expect(placed.status, JSON.stringify(placed.body)).toBe(200);
    const { callId } = placed.body;
    await advance(3_000);
    expect((await bob('POST', '/api/cti/call', { from: ALICE, to: DRIVER })).status).toBe(403);

    const refused = await bob('POST', '/api/cti/hangup', { callId });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('FORBIDDEN');
    expect((await bob('POST', `/api/v1/calls/${callId}/hangup`)).status).toBe(403);
    expect((await bob('GET', `/api/v1/calls/${callId}`)).status).toBe(403);
    expect((await bob('GET', `/api/v1/agents/${ALICE}`)).status).toBe(403);
    expect((await bob('GET', `/api/v1/agents/${BOB}`)).status).toBe(200);
    expect((await bob('GET', '/api/v1/webhooks')).status).toBe(403);
    expect((await bob('GET', '/api/v1/calls')).status).toBe(403);

    const aliceEvents: DomainEvent[] = (await alice('GET', '/api/v1/events?after=0&limit=1000')).body.data;
    const bobEvents: DomainEvent[] = (await bob('GET', '/api/v1/events?after=0&limit=1000')).body.data;
    const allEvents: DomainEvent[] = (await supervisor('GET', '/api/v1/events?after=0&limit=1000')).body.data;
    const aboutCall = (events: DomainEvent[]) => events.filter((e) => e.callId === callId);
    expect(aboutCall(allEvents).length).toBeGreaterThan(2);
    expect(aboutCall(aliceEvents)).toEqual(aboutCall(allEvents));
    expect(aboutCall(bobEvents)).toEqual([]);

    const ended = await alice('POST', '/api/cti/hangup', { callId });
    expect(ended.status, JSON.stringify(ended.body)).toBe(200);
  });

  it('gives an agent’s socket its own calls only, a supervisor’s every call', async () => {
    server = await startServer();
    const { admin } = await site();
    const keys = {
      alice: await createKey(admin, { name: 'a', role: 'agent', agentId: ALICE }),
      bob: await createKey(admin, { name: 'b', role: 'agent', agentId: BOB }),
      supervisor: await createKey(admin, { name: 's', role: 'supervisor' }),
    };
    const heard: Record<string, DomainEvent[]> = { alice: [], bob: [], supervisor: [] };
    let bothEnded: () => void = () => {};
    const supervisorHeardBothEnds = new Promise<void>((resolve) => {
      bothEnded = resolve;
    });
    const sockets = await Promise.all(
      Object.entries(keys).map(async ([who, token]) => {
        const socket = io(server.url, { transports: ['websocket'], query: { token }, forceNew: true });
        socket.onAny((_type: string, event: DomainEvent) => {
          heard[who]?.push(event);
          if (heard.supervisor?.filter((e) => e.type === 'call.ended').length === 2) bothEnded();
        });
        await new Promise<void>((resolve, reject) => {
          socket.once('connect', resolve);
          socket.once('connect_error', reject);
        });
        return socket;
      }),
    );
    const refused = io(server.url, { transports: ['websocket'], query: { token: 'wrong' }, forceNew: true });
    await expect(
      new Promise((resolve, reject) => {
        refused.once('connect', () => resolve(undefined));
        refused.once('connect_error', reject);
      }),
    ).rejects.toThrow();
    refused.close();

    const aliceCall = (await as(keys.alice)('POST', '/api/cti/call', { from: ALICE, to: DRIVER })).body
      .callId;
    const bobCall = (await as(keys.bob)('POST', '/api/cti/call', { from: BOB, to: DRIVER })).body.callId;
    await advance(40_000);
    const calls = (who: string) => new Set(heard[who]?.map((e) => e.callId).filter(Boolean));
    // Once the supervisor heard both calls end, every event before has been emitted to everyone.
    await supervisorHeardBothEnds;
    expect(calls('supervisor')).toEqual(new Set([aliceCall, bobCall]));
    expect(calls('alice')).toEqual(new Set([aliceCall]));
    expect(calls('bob')).toEqual(new Set([bobCall]));
    for (const socket of sockets) socket.close();
  });

  it('refuses a revoked key at once, and limits what roles and scopes reach', async () => {
    server = await startServer();
    const { admin, supervisor } = await site();
    const integration = await createKey(admin, { name: 'CRM', role: 'integration' });
    const reader = await createKey(admin, { name: 'BI', role: 'integration', scopes: ['events:read'] });
    expect((await as(integration)('GET', '/api/v1/webhooks')).status).toBe(200);
    expect((await as(integration)('GET', '/api/v1/keys')).status).toBe(403);
    expect((await supervisor('GET', '/api/v1/keys')).status).toBe(403);
    expect((await supervisor('GET', '/api/v1/webhooks')).status).toBe(403);
    expect((await as(reader)('GET', '/api/v1/events')).status).toBe(200);
    expect((await as(reader)('POST', '/api/cti/call', { from: ALICE, to: DRIVER })).status).toBe(403);

    const list = (await admin('GET', '/api/v1/keys')).body.data as { id: string; name: string }[];
    const crm = list.find((k) => k.name === 'CRM')!;
    const revoked = await admin('DELETE', `/api/v1/keys/${crm.id}`);
    expect(revoked.body.data.revokedAt).toEqual(expect.any(String));
    const after = await as(integration)('GET', '/api/v1/webhooks');
    expect(after.status).toBe(401);
    expect((await admin('DELETE', '/api/v1/keys/key_nope')).body.error.code).toBe('API_KEY_NOT_FOUND');
  });

  it('answers 429 with Retry-After past the rate limit of a key', async () => {
    server = await startServer({ env: { RATE_LIMIT_PER_MINUTE: '5' } });
    const first = await server.request('POST', '/api/v1/keys', { name: 'ops', role: 'admin' });
    const admin = as(first.body.data.key);
    const crm = as(await createKey(admin, { name: 'CRM', role: 'integration' }));
    const statuses: number[] = [];
    let limited: ApiResponse | undefined;
    for (let i = 0; i < 6; i++) {
      const res = await crm('GET', '/api/v1/events');
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(limited?.body.error.code).toBe('RATE_LIMITED');
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another key has its own allowance.
    expect((await admin('GET', '/api/v1/events')).status).toBe(200);
  });

  it('takes keys made and revoked with the CLI', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-keys-'));
    const config = loadConfig({}, { SWITCHBOARD_DATA_DIR: dataDir });
    const lines: string[] = [];
    const out = (line: string) => lines.push(line);
    expect(await keysCommand(['create', '--name', 'CRM', '--role', 'integration'], config, out)).toBe(0);
    const [id, key] = /^(key_\S+) \(integration\): (sb_\S+)$/.exec(lines[0] ?? '')?.slice(1) ?? [];
    expect(key).toBeDefined();
    await expect(keysCommand(['create', '--name', 'x', '--role', 'agent'], config, out)).rejects.toThrow(
      /agentId/,
    );
    expect(await keysCommand(['create', '--name', 'x', '--role', 'boss'], config, out)).toBe(2);

    server = await startServer({ dataDir });
    expect((await server.request('GET', '/api/v1/webhooks')).status).toBe(401);
    expect((await as(key!)('GET', '/api/v1/webhooks')).status).toBe(200);
    await server.close();

    expect(await keysCommand(['revoke', id!], config, out)).toBe(0);
    expect(await keysCommand(['list'], config, out)).toBe(0);
    expect(lines.at(-1)).toMatch(/integration\tCRM\tsb_.*revoked/);
    server = await startServer({ dataDir });
    expect((await as(key!)('GET', '/api/v1/webhooks')).status).toBe(401);
  });

  it('keeps an audit log of changes and security events, for admins only', async () => {
    server = await startServer();
    const { admin, alice, bob } = await site();
    const placed = await alice('POST', '/api/cti/call', { from: ALICE, to: DRIVER });
    await bob('POST', '/api/cti/hangup', { callId: placed.body.callId });
    await as('sb_wrong')('POST', '/api/cti/call', { from: ALICE, to: DRIVER });
    expect((await alice('GET', '/api/v1/audit')).status).toBe(403);

    const log = (await admin('GET', '/api/v1/audit?limit=1000')).body.data as {
      id: number;
      topic: string;
      action: string;
      at: string;
      detail: Record<string, unknown>;
    }[];
    const ids = log.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    const call = log.find((e) => e.action === 'POST /api/cti/call' && e.detail.status === 200);
    expect(call?.detail).toMatchObject({ role: 'agent', agentId: ALICE, ip: '127.0.0.1' });
    expect(call?.detail.keyId).toMatch(/^key_/);
    const security = (await admin('GET', '/api/v1/audit?topic=security')).body.data as typeof log;
    const actions = security.map((e) => e.action);
    expect(actions).toContain('UNAUTHORIZED');
    expect(actions.filter((a) => a === 'key.created')).toHaveLength(4); // admin, two agents, supervisor
    const forbidden = security.filter((e) => e.action === 'FORBIDDEN').map((e) => e.detail);
    expect(forbidden).toContainEqual(expect.objectContaining({ agentId: BOB, path: '/api/cti/hangup' }));
    expect(forbidden).toContainEqual(expect.objectContaining({ agentId: ALICE, path: '/api/v1/audit' }));
    expect(security.find((e) => e.action === 'UNAUTHORIZED')?.detail).toMatchObject({ keyId: 'none' });
  });

  it('logs an agent in to the console with a password: a short-lived token, refresh and logout', async () => {
    server = await startServer();
    const { admin } = await site();
    const password = 'correct horse battery';
    expect((await admin('PUT', `/api/v1/agents/${ALICE}/password`, { password })).status).toBe(200);
    const login = (body: unknown) => server.request('POST', '/api/v1/sessions', body);
    expect((await login({ agentId: ALICE, password: 'wrong password' })).status).toBe(401);
    expect((await login({ agentId: BOB, password })).status).toBe(401);

    const first = await login({ agentId: ALICE, password });
    expect(first.status).toBe(201);
    expect(first.body.data.token).toMatch(/^sbs_/);
    expect(first.body.data.expiresAt).toBe(new Date(server.sb.clock.now() + 3_600_000).toISOString());
    const alice = as(first.body.data.token);
    expect((await alice('GET', `/api/v1/agents/${ALICE}`)).status).toBe(200);
    expect((await alice('GET', `/api/v1/agents/${BOB}`)).status).toBe(403);
    expect((await alice('POST', '/api/cti/call', { from: ALICE, to: DRIVER })).status).toBe(200);
    expect(
      (await alice('PUT', `/api/v1/agents/${ALICE}/password`, { password: 'another good one' })).status,
    ).toBe(200);
    expect(
      (await alice('PUT', `/api/v1/agents/${BOB}/password`, { password: 'another good one' })).status,
    ).toBe(403);

    const refreshed = await alice('POST', '/api/v1/sessions/refresh');
    expect(refreshed.status).toBe(200);
    expect((await alice('GET', `/api/v1/agents/${ALICE}`)).status).toBe(401);
    const renewed = as(refreshed.body.data.token);
    expect((await renewed('DELETE', '/api/v1/sessions/current')).status).toBe(200);
    expect((await renewed('GET', `/api/v1/agents/${ALICE}`)).status).toBe(401);
    // A key is not a session: it has nothing to log out of.
    expect((await admin('DELETE', '/api/v1/sessions/current')).status).toBe(403);

    const again = as((await login({ agentId: ALICE, password: 'another good one' })).body.data.token);
    expect((await again('GET', `/api/v1/agents/${ALICE}`)).status).toBe(200);
    await advance(61 * 60_000);
    expect((await again('GET', `/api/v1/agents/${ALICE}`)).status).toBe(401);
  });
});
