import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CallEventData } from '../src/core/events.ts';
import { openStore } from '../src/store/open-store.ts';
import { connectEvents, startServer, type TestServer } from './support/server.ts';

const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close({ removeData: true }).catch(() => undefined);
});

async function start(dataDir?: string) {
  const server = await startServer(dataDir ? { dataDir } : {});
  servers.push(server);
  return server;
}

/** The statuses the store on `dataDir` holds for these calls, read without starting a server. */
async function openCallStatuses(dataDir: string, ids: readonly string[]): Promise<string[]> {
  const store = await openStore({ kind: 'sqlite', file: join(dataDir, 'switchboard.db') });
  try {
    return await Promise.all(ids.map(async (id) => (await store.calls.get(id))?.status ?? 'missing'));
  } finally {
    await store.close();
  }
}

describe('event resume', () => {
  it('a client that reconnects with its last seq gets exactly what it missed, in order', async () => {
    const server = await start();
    const first = await connectEvents(server.url);
    const a = await server.request('POST', '/api/v1/calls', { from: 'dispatcher-001', to: '+12125550101' });
    await first.waitFor((e) => e.type === 'call.leg.ringing' && e.callId === a.body.data.id);
    const lastSeen = first.events.at(-1)!.seq;
    first.close();

    // While the client is away: the first call is answered and ended, a second one starts.
    await server.advance(3_000);
    await server.request('POST', `/api/v1/calls/${a.body.data.id}/hangup`);
    const b = await server.request('POST', '/api/v1/calls', { from: 'dispatcher-002', to: '+12125550102' });
    await server.advance(0);

    const logged = await server.request('GET', `/api/v1/events?after=${lastSeen}`);
    const missed = logged.body.data.map((e: { seq: number; type: string }) => [e.seq, e.type]);
    expect(missed).toEqual([
      [lastSeen + 1, 'call.leg.ringing'],
      [lastSeen + 2, 'call.answered'],
      [lastSeen + 3, 'call.ended'],
      [lastSeen + 4, 'call.ringing'],
      [lastSeen + 5, 'call.leg.ringing'],
      [lastSeen + 6, 'call.leg.ringing'],
    ]);

    const again = await connectEvents(server.url, { lastSeq: lastSeen });
    await again.waitFor((e) => e.type === 'call.ringing' && e.callId === b.body.data.id);
    // Live events keep flowing after the replay, with no gap and no repeat.
    await server.advance(3_000);
    await again.waitFor((e) => e.type === 'call.answered' && e.callId === b.body.data.id);
    expect(again.events.map((e) => [e.seq, e.type])).toEqual([...missed, [lastSeen + 7, 'call.answered']]);
    again.close();
  });
});

describe('records across restarts', () => {
  it('keeps finished calls, and closes calls that were live at shutdown as server_restart', async () => {
    const first = await start();
    const done = await first.request('POST', '/api/cti/call', { from: 'dispatcher-001', to: '+12125550101' });
    await first.advance(3_000);
    await first.advance(5_000);
    await first.request('POST', '/api/cti/hangup', { callId: done.body.callId });
    const live = await first.request('POST', '/api/cti/call', { from: 'dispatcher-002', to: '+12125550102' });
    await first.advance(3_000);
    const before = (await first.request('GET', `/api/v1/calls/${done.body.callId}`)).body.data;
    const lastSeq = (await first.request('GET', '/api/v1/events?after=0&limit=500')).body.data.at(-1).seq;
    await first.close();

    const second = await start(first.dataDir);
    const after = (await second.request('GET', `/api/v1/calls/${done.body.callId}`)).body.data;
    expect(after).toEqual(before);
    const closed = (await second.request('GET', `/api/v1/calls/${live.body.callId}`)).body.data;
    expect(closed).toMatchObject({ status: 'ended', endReason: 'server_restart', duration: 0 });
    const listed = (await second.request('GET', '/api/v1/calls')).body.data.items.map(
      (c: { id: string }) => c.id,
    );
    expect(listed.sort()).toEqual([done.body.callId, live.body.callId].sort());

    // Seq keeps counting after the restart, so resuming clients never see a seq twice.
    const next = await second.request('POST', '/api/v1/calls', { to: '+12125550103' });
    const events = (await second.request('GET', `/api/v1/events?after=${lastSeq}`)).body.data;
    expect(events[0]).toMatchObject({ type: 'call.ended', callId: live.body.callId });
    expect(events.filter((e: { type: string }) => e.type === 'call.ringing').at(-1)).toMatchObject({
      callId: next.body.data.id,
    });
    expect(events.every((e: { seq: number }) => e.seq > lastSeq)).toBe(true);
  });
});

describe('records written before calls listed bridges and transfers', () => {
  it('load as they were through the REST call resource and the mock-CTI status', async () => {
    const first = await start();
    await first.close();
    // A record as an older Switchboard wrote it: one transfer named only by transferTo, no bridges.
    const at = (s: number) => new Date(Date.UTC(2025, 0, 1, 9, 0, s)).toISOString();
    const old = {
      id: 'old-transferred-call',
      direction: 'outbound',
      status: 'ended',
      from: '+12125550101',
      to: '+12125550102',
      context: {},
      legs: [
        {
          id: 'old-1',
          role: 'caller',
          address: 'PJSIP/1001',
          status: 'ended',
          startedAt: at(0),
          answeredAt: at(2),
          endedAt: at(10),
          endReason: 'transferred',
        },
        {
          id: 'old-2',
          role: 'callee',
          address: '+12125550102',
          status: 'ended',
          startedAt: at(2),
          answeredAt: at(4),
          endedAt: at(30),
          endReason: 'normal',
        },
        {
          id: 'old-3',
          role: 'transfer_target',
          address: '+12125550103',
          status: 'ended',
          startedAt: at(10),
          answeredAt: at(14),
          endedAt: at(30),
          endReason: 'normal',
        },
      ],
      startedAt: at(0),
      answeredAt: at(4),
      endedAt: at(30),
      duration: 26,
      endReason: 'normal',
      transferTo: '+12125550103',
      transferInitiatedAt: at(10),
    } as const;
    const store = await openStore({ kind: 'sqlite', file: join(first.dataDir, 'switchboard.db') });
    await store.calls.save(old);
    await store.close();

    const second = await start(first.dataDir);
    const rest = await second.request('GET', `/api/v1/calls/${old.id}`);
    expect(rest.status).toBe(200);
    expect(rest.body.data).toEqual(old);
    const cti = await second.request('GET', `/api/cti/status?callId=${old.id}`);
    expect(cti.status).toBe(200);
    expect(cti.body).toMatchObject({ callId: old.id, status: 'ended' });
    const listed = await second.request('GET', '/api/v1/calls');
    expect(listed.body.data.items).toContainEqual(old);
  });
});

describe('restart after a crash', () => {
  it('ends the calls left live with server_restart and publishes call.ended for each, for resuming clients', async () => {
    const first = await start();
    const answered = await first.request('POST', '/api/v1/calls', {
      from: 'dispatcher-001',
      to: '+12125550101',
    });
    await first.advance(3_000);
    await first.advance(3_000);
    const ringing = await first.request('POST', '/api/v1/calls', { to: '+12125550102' });
    const left = [answered.body.data.id, ringing.body.data.id];
    // The originate answers once its record is written; its events may still be on the writer thread.
    await first.sb.engine.idle();
    const seen = (await first.request('GET', '/api/v1/events?after=0&limit=500')).body.data;
    const lastSeq = seen.at(-1).seq;
    // As after kill -9: the records stay as they were, live; nothing gets to end the calls.
    await first.sb.store.close();
    await first.close();
    expect((await openCallStatuses(first.dataDir, left)).every((s) => s !== 'ended')).toBe(true);

    const second = await start(first.dataDir);
    const resumed = await connectEvents(second.url, { lastSeq });
    const ends = await resumed.waitForCount((e) => e.type === 'call.ended', 2);
    resumed.close();
    expect(ends.map((e) => e.callId).sort()).toEqual([...left].sort());
    expect(ends.map((e) => e.seq).sort()).toEqual([lastSeq + 1, lastSeq + 2]);
    for (const end of ends) {
      const { call } = end.data as CallEventData;
      expect(call).toMatchObject({ status: 'ended', endReason: 'server_restart' });
      expect(call.legs.every((leg) => leg.status === 'ended')).toBe(true);
    }
    const logged = (await second.request('GET', `/api/v1/events?after=${lastSeq}`)).body.data;
    // Before anything of the new process: the driver connects after the leftovers are ended.
    expect(logged.map((e: { type: string }) => e.type)).toEqual([
      'call.ended',
      'call.ended',
      'driver.connected',
    ]);
    const record = (await second.request('GET', `/api/v1/calls/${answered.body.data.id}`)).body.data;
    expect(record).toMatchObject({ status: 'ended', endReason: 'server_restart' });
    expect(second.sb.engine.liveCount).toBe(0);
  });
});

describe('bad input', () => {
  it('answers 400 with the error shape, never 500', async () => {
    const server = await start();
    const cases: Array<[string, string, unknown, string]> = [
      ['POST', '/api/v1/calls', '{"to": "+1555', 'VALIDATION_ERROR'],
      ['POST', '/api/v1/calls', { to: '+12125550101', colour: 'red' }, 'VALIDATION_ERROR'],
      ['POST', '/api/v1/calls', { from: 'dispatcher-001' }, 'VALIDATION_ERROR'],
      ['POST', '/api/v1/calls', { to: 15551230001 }, 'VALIDATION_ERROR'],
      ['POST', '/api/v1/calls', { to: 'not a number!' }, 'INVALID_PHONE_NUMBER'],
      ['POST', '/api/v1/calls', { to: '+12125550101', ringTimeoutMs: -5 }, 'VALIDATION_ERROR'],
      ['GET', '/api/v1/calls?status=dancing', undefined, 'VALIDATION_ERROR'],
      ['GET', '/api/v1/calls?limit=100000', undefined, 'VALIDATION_ERROR'],
      ['GET', '/api/v1/events?after=-1', undefined, 'VALIDATION_ERROR'],
      ['POST', '/api/v1/sim/clock/advance', { ms: 'soon' }, 'VALIDATION_ERROR'],
    ];
    for (const [method, path, body, code] of cases) {
      const res = await server.request(method, path, body);
      expect({ path, body, status: res.status }).toEqual({ path, body, status: 400 });
      expect(res.body).toMatchObject({ success: false, error: { code, message: expect.any(String) } });
    }
    const cti = await server.request('POST', '/api/cti/call', { from: 'dispatcher-001', to: '+1' });
    expect(cti.status).toBe(400);
    expect(cti.body.error).toEqual(expect.any(String));
  });
});
