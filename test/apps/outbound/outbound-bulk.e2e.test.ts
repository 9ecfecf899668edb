import { describe, expect, it } from 'vitest';
import { type OutboundRig, outboundRigs } from '../../support/outbound-server.ts';
import type { EventClient, TestServer } from '../../support/server.ts';

const rig = outboundRigs();
let server: TestServer;
let client: EventClient;
let ok: OutboundRig['ok'];

async function start(env: Record<string, string> = {}): Promise<void> {
  ({ server, client, ok } = await rig(env));
}

const number = (i: number) => `+1212555${String(i).padStart(4, '0')}`;
const bulk = (calls: unknown[]) => server.request('POST', '/api/v1/calls/outbound/bulk', { calls });
/** When each outbound call began ringing, by the events a client received. */
const starts = () =>
  client.events.filter((e) => e.type === 'call.ringing').map((e) => Date.parse(e.timestamp));

describe('bulk', () => {
  it('accepts 1000 calls, refuses 1001, and starts them one per second', async () => {
    await start({ MAX_CONCURRENT_OUTBOUND_CALLS: '50' });
    // Short calls, so that pacing, not the concurrency limit, sets the rate.
    await ok('PUT', '/api/v1/sim/profiles', {
      match: '+1212*',
      profile: { answerAfterMs: 500, hangupAfterMs: 1_000 },
    });
    const tooMany = await bulk(
      Array.from({ length: 1001 }, (_, i) => ({ phoneNumber: number(i), agentId: 'alice' })),
    );
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.code).toBe('VALIDATION_ERROR');

    const res = await bulk(
      Array.from({ length: 1000 }, (_, i) => ({ phoneNumber: number(i), agentId: 'alice' })),
    );
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ total: 1000, successful: 1000, failed: 0, errors: [] });
    const ids = res.body.data.callLogIds as string[];
    expect(new Set(ids).size).toBe(1000);
    expect(await ok('GET', `/api/v1/calls/outbound/${ids[999]}`)).toMatchObject({
      status: 'queued',
      outboundStatus: 'queued',
    });
    const queued = await client.waitForCount((e) => e.type === 'outbound.queued', 1000);
    expect(queued.map((e) => (e.data as { callLogId: string }).callLogId)).toEqual(ids);

    await server.advance(0);
    expect(starts()).toHaveLength(1);
    expect((await ok('GET', '/api/v1/calls/outbound/stats')).rateLimiter.queuedJobs).toBe(999);
    await server.advance(9_999);
    expect(starts()).toHaveLength(10);
    await server.advance(1);
    expect(starts()).toHaveLength(11);
    // In the order sent.
    const first = await ok('GET', `/api/v1/calls/outbound/${ids[0]}`);
    const tenth = await ok('GET', `/api/v1/calls/outbound/${ids[10]}`);
    expect(first).toMatchObject({ status: 'completed', initiatedAt: '2026-01-05T09:00:00.000Z' });
    expect(tenth).toMatchObject({ initiatedAt: '2026-01-05T09:00:10.000Z' });
    await server.advance(1_000_000);
    const all = starts();
    expect(all).toHaveLength(1000);
    const gaps = all.slice(1).map((t, i) => t - (all[i] as number));
    expect(Math.min(...gaps)).toBe(1_000);
    expect((await ok('GET', `/api/v1/calls/outbound/${ids[999]}`)).status).toBe('completed');
  }, 120_000);

  it('waits within the concurrency limit', async () => {
    await start({ MAX_CONCURRENT_OUTBOUND_CALLS: '3' });
    await ok('PUT', '/api/v1/sim/profiles', {
      match: '+1212*',
      profile: { answerAfterMs: 0, hangupAfterMs: 10_000 },
    });
    const res = await bulk(
      Array.from({ length: 6 }, (_, i) => ({ phoneNumber: number(i), agentId: 'alice' })),
    );
    expect(res.body.data.successful).toBe(6);
    await server.advance(9_000);
    expect(starts()).toHaveLength(3);
    expect(await ok('GET', '/api/v1/calls/outbound/stats')).toMatchObject({
      activeCalls: 3,
      utilization: 100,
    });
    // The first ends at 10 s (it started at 0); the fourth takes its place.
    await server.advance(1_000);
    expect(starts()).toHaveLength(4);
    await server.advance(60_000);
    expect(starts()).toHaveLength(6);
  });

  it('refuses bad entries one by one and keeps the good ones', async () => {
    await start();
    const res = await bulk([
      { phoneNumber: number(1), agentId: 'alice', userId: 'u1', metadata: { row: 1 }, unknown: true },
      { phoneNumber: '12345', agentId: 'alice' },
      { phoneNumber: number(3), agentId: 'nobody' },
      { agentId: 'alice' },
      { phoneNumber: number(5), agentId: 'alice' },
    ]);
    expect(res.status).toBe(201);
    expect(res.body.data).toEqual({
      total: 5,
      successful: 2,
      failed: 3,
      callLogIds: [expect.any(String), expect.any(String)],
      errors: [
        { index: 1, phoneNumber: '12345', code: 'INVALID_PHONE_NUMBER', message: expect.any(String) },
        { index: 2, phoneNumber: number(3), code: 'AGENT_NOT_FOUND', message: expect.any(String) },
        { index: 3, code: 'VALIDATION_ERROR', message: expect.stringContaining('phoneNumber') },
      ],
    });
    expect(await ok('GET', `/api/v1/calls/outbound/${res.body.data.callLogIds[0]}`)).toMatchObject({
      userId: 'u1',
      metadata: { row: 1 },
    });
    expect(await ok('GET', `/api/v1/calls/outbound/${res.body.data.callLogIds[1]}`)).toMatchObject({
      status: 'queued',
      outboundStatus: 'queued',
    });
    // Canceled while queued: it never rings.
    const canceled = await ok('POST', `/api/v1/calls/outbound/${res.body.data.callLogIds[1]}/cancel`);
    expect(canceled.status).toBe('canceled');
    await server.advance(5_000);
    expect(starts()).toHaveLength(1);
    expect((await server.request('POST', '/api/v1/calls/outbound/bulk', { calls: [] })).status).toBe(400);
  });
});
