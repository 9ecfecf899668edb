import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../../src/core/events.ts';
import { openStore } from '../../../src/store/open-store.ts';
import { connectEvents, type EventClient, startServer, type TestServer } from '../../support/server.ts';

const servers: TestServer[] = [];
const clients: EventClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.close({ removeData: true }).catch(() => undefined);
});

/** A server on `dataDir` (a restart), with a client that reads the event log after `lastSeq`. */
async function start(dataDir?: string, lastSeq?: number) {
  const server = await startServer(dataDir ? { dataDir } : {});
  servers.push(server);
  // Jobs due at start run before any client can connect: the client reads them back from the log.
  const client = await connectEvents(server.url, lastSeq === undefined ? {} : { lastSeq });
  clients.push(client);
  return { server, client };
}

async function ok(server: TestServer, method: string, path: string, body?: unknown) {
  const res = await server.request(method, path, body);
  expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
  return res.body.data;
}

/** The call logs whose calls began ringing, by the events a client received. */
const dialled = (client: EventClient) =>
  client.events
    .filter((e) => e.type === 'call.ringing')
    .map(
      (e) =>
        (e.data as { call: { context: { outbound?: { callLogId?: string } } } }).call.context.outbound
          ?.callLogId,
    )
    .filter((id): id is string => id !== undefined);

const DAY = 24 * 3600 * 1000;

describe('outbound jobs across a restart', () => {
  it('loses no pending job and fires none twice', async () => {
    const { server: first, client: one } = await start();
    await ok(first, 'POST', '/api/v1/agents', { id: 'alice', name: 'Alice', endpoint: 'sim/alice' });
    const a = await ok(first, 'POST', '/api/v1/calls/outbound/schedule', {
      phoneNumber: '+12125550101',
      agentId: 'alice',
      scheduledFor: '2026-01-05T09:30:00Z',
    });
    const b = await ok(first, 'POST', '/api/v1/calls/outbound/schedule', {
      phoneNumber: '+12125550102',
      agentId: 'alice',
      scheduledFor: '2026-01-05T10:00:00Z',
      recurring: { frequency: 'daily', interval: 1, maxOccurrences: 2 },
    });
    const bulk = await ok(first, 'POST', '/api/v1/calls/outbound/bulk', {
      calls: [0, 1, 2, 3, 4].map((i) => ({ phoneNumber: `+1212555020${i}`, agentId: 'alice' })),
    });
    await ok(first, 'PUT', '/api/v1/sim/profiles', {
      match: '+12125550199',
      profile: { outcome: 'busy', failAfterMs: 0 },
    });
    const busy = await ok(first, 'POST', '/api/v1/calls/outbound', {
      phoneNumber: '+12125550199',
      agentId: 'alice',
    });
    await first.advance(2_000);
    const retry = await one.waitFor((e) => e.type === 'outbound.retry.scheduled');
    const beforeRestart = dialled(one);
    expect(beforeRestart).toEqual([
      bulk.callLogIds[0],
      busy.callLogId,
      bulk.callLogIds[1],
      bulk.callLogIds[2],
    ]);
    await first.close();

    const { server: second, client: two } = await start(first.dataDir, one.events.at(-1)?.seq ?? 0);
    await second.advance(DAY);
    await second.advance(DAY);
    const afterRestart = dialled(two);
    const all = [...beforeRestart, ...afterRestart];
    expect(new Set(all).size).toBe(all.length);
    const secondOfB = client2Scheduled(two).find((id) => id !== b.callLogId);
    expect(new Set(afterRestart)).toEqual(
      new Set([
        bulk.callLogIds[3],
        bulk.callLogIds[4],
        (retry.data as { callLogId: string }).callLogId,
        a.callLogId,
        b.callLogId,
        secondOfB,
      ]),
    );
    expect(afterRestart).toHaveLength(6);
    // A call the restart cut off ends with it; it is not dialled again.
    const cut = await ok(second, 'GET', `/api/v1/calls/outbound/${bulk.callLogIds[2]}`);
    expect(cut.endedAt).not.toBeNull();
    expect(['completed', 'failed']).toContain(cut.status);
  });

  it('takes over a job its dead process had claimed, and never redials a call it may have dialled', async () => {
    const { server: first } = await start();
    await ok(first, 'POST', '/api/v1/agents', { id: 'alice', name: 'Alice', endpoint: 'sim/alice' });
    const due = await ok(first, 'POST', '/api/v1/calls/outbound/schedule', {
      phoneNumber: '+12125550101',
      agentId: 'alice',
      scheduledFor: '2026-01-05T09:10:00Z',
    });
    await first.close();
    // As if a process had claimed the job and been killed (kill -9) before it dialled, and another had
    // been killed between marking its call initiated and hearing back from the phone system.
    const store = await openStore({ kind: 'sqlite', file: join(first.dataDir, 'switchboard.db') });
    const claimed = await store.jobs.claim({
      kind: 'outbound.start',
      now: Date.parse('2026-01-05T09:10:00Z'),
      limit: 5,
      owner: 'killed',
      leaseMs: 3_600_000,
    });
    expect(claimed.map((j) => j.payload.callLogId)).toEqual([due.callLogId]);
    const midDial = {
      ...(await store.outboundCalls.get(due.callLogId)),
      id: randomUUID(),
      status: 'initiated',
      callId: null,
    };
    await store.outboundCalls.save(midDial as never);
    await store.close();

    const { server: second, client } = await start(first.dataDir, 0);
    expect(await ok(second, 'GET', `/api/v1/calls/outbound/${midDial.id}`)).toMatchObject({
      status: 'failed',
      failureReason: 'server_restart',
    });
    await second.advance(600_000);
    expect(dialled(client)).toEqual([due.callLogId]);
    await second.advance(DAY);
    expect(dialled(client)).toEqual([due.callLogId]);
  });
});

function client2Scheduled(client: EventClient): string[] {
  return client.events
    .filter((e: DomainEvent) => e.type === 'outbound.scheduled')
    .map((e) => (e.data as { callLogId: string }).callLogId);
}
