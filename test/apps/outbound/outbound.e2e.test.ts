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

const place = (body: Record<string, unknown>) => server.request('POST', '/api/v1/calls/outbound', body);
const outbound = (id: string) => ok('GET', `/api/v1/calls/outbound/${id}`);
const profile = (match: string, p: Record<string, unknown>) =>
  ok('PUT', '/api/v1/sim/profiles', { match, profile: p });

describe('one outbound call now', () => {
  it('rings the agent, then the number; the log follows it to completed', async () => {
    await start();
    const res = await place({
      phoneNumber: '+12125550001',
      agentId: 'alice',
      userId: 'u-7',
      metadata: { deal: 42 },
      extra: 'ignored',
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      success: true,
      data: { callLogId: expect.any(String), status: 'initiated', message: expect.any(String) },
    });
    const id = res.body.data.callLogId as string;
    const first = await outbound(id);
    expect(first).toMatchObject({
      callLogId: id,
      status: 'initiated',
      outboundStatus: 'dialing',
      phoneNumber: '+12125550001',
      agentId: 'alice',
      userId: 'u-7',
      metadata: { deal: 42 },
      priority: 'medium',
      startedAt: null,
      duration: null,
      scheduledFor: null,
      initiatedAt: '2026-01-05T09:00:00.000Z',
      retryCount: 0,
      retryOf: null,
      failureReason: null,
    });
    // The agent's phone answers at once; the number rings.
    await server.advance(0);
    expect(await outbound(id)).toMatchObject({ status: 'ringing', outboundStatus: 'ringing' });
    const call = await ok('GET', `/api/v1/calls/${first.callId}`);
    expect(call).toMatchObject({
      from: 'alice',
      to: '+12125550001',
      context: { outbound: { callLogId: id, userId: 'u-7' } },
    });
    await server.advance(3_000);
    expect(await outbound(id)).toMatchObject({
      status: 'in-progress',
      outboundStatus: 'connected',
      startedAt: '2026-01-05T09:00:03.000Z',
      duration: 0,
    });
    await server.advance(10_000);
    expect((await outbound(id)).duration).toBe(10);
    await server.advance(20_000);
    expect(await outbound(id)).toMatchObject({
      status: 'completed',
      outboundStatus: 'completed',
      duration: 30,
    });
    await client.waitFor((e) => e.type === 'call.ended' && e.callId === first.callId);
  });

  it('serves the same fields at GET /calls/:callLogId and cancels at POST /calls/:callLogId/cancel', async () => {
    await start();
    await profile('+1212*', { answerAfterMs: null });
    const { callLogId } = (await place({ phoneNumber: '+12125550002', agentId: 'alice' })).body.data;
    await server.advance(0);
    const same = await ok('GET', `/api/v1/calls/${callLogId}`);
    expect(same).toEqual(await outbound(callLogId));
    expect(same).toMatchObject({ status: 'ringing', outboundStatus: 'ringing' });
    const canceled = await server.request('POST', `/api/v1/calls/${callLogId}/cancel`);
    expect(canceled.status).toBe(200);
    expect(canceled.body.data).toEqual({ callLogId, status: 'canceled', message: expect.any(String) });
    const event = await client.waitFor((e) => e.type === 'outbound.canceled');
    expect(event.data).toMatchObject({ callLogId, call: { callLogId, status: 'canceled' } });
    await client.waitFor((e) => e.type === 'call.ended' && e.callId === same.callId);
    expect(await outbound(callLogId)).toMatchObject({ status: 'canceled', outboundStatus: 'canceled' });
    const again = await server.request('POST', `/api/v1/calls/outbound/${callLogId}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'INVALID_STATE', details: { status: 'canceled' } });
    // A plain call keeps its own shape at GET /calls/:id.
    const plain = await ok('POST', '/api/v1/calls', { from: 'sim/alice', to: '+12125559999' });
    expect((await ok('GET', `/api/v1/calls/${plain.id}`)).direction).toBe('outbound');
  });

  it('places a call once for a retried request with the same Idempotency-Key', async () => {
    await start();
    const body = { phoneNumber: '+12125550004', agentId: 'alice' };
    const headers = { 'idempotency-key': 'crm-req-1' };
    const first = await server.request('POST', '/api/v1/calls/outbound', body, headers);
    const again = await server.request('POST', '/api/v1/calls/outbound', body, headers);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((await ok('GET', '/api/v1/calls/outbound/stats')).activeCalls).toBe(1);
  });

  it('cancels a call still ringing the agent (initiated), and answers 404 for an unknown log', async () => {
    await start();
    await profile('sim/alice', { answerAfterMs: null });
    const { callLogId } = (await place({ phoneNumber: '+12125550003', agentId: 'alice' })).body.data;
    await server.advance(1_000);
    expect(await outbound(callLogId)).toMatchObject({ status: 'initiated', outboundStatus: 'dialing' });
    expect((await server.request('POST', `/api/v1/calls/outbound/${callLogId}/cancel`)).status).toBe(200);
    const callId = (await outbound(callLogId)).callId;
    const ended = await client.waitFor((e) => e.type === 'call.ended' && e.callId === callId);
    expect((ended.data as { call: { endReason: string } }).call.endReason).toBe('canceled');
    expect(await outbound(callLogId)).toMatchObject({ status: 'canceled', outboundStatus: 'canceled' });
    const unknown = await server.request('POST', '/api/v1/calls/no-such-log/cancel');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('CALL_NOT_FOUND');
  });

  it('starts waiting calls by priority: high before medium before low', async () => {
    await start({ MAX_CONCURRENT_OUTBOUND_CALLS: '1' });
    await profile('+1212*', { answerAfterMs: 0, hangupAfterMs: 1_000 });
    const at = '2026-01-05T09:01:00Z';
    const ids: Record<string, string> = {};
    for (const [n, priority] of [
      [1, 'low'],
      [2, 'medium'],
      [3, 'high'],
    ] as const) {
      const res = await server.request('POST', '/api/v1/calls/outbound/schedule', {
        phoneNumber: `+121255500${n}0`,
        agentId: 'alice',
        scheduledFor: at,
        priority,
      });
      ids[priority] = res.body.data.callLogId;
    }
    expect((await outbound(ids.low as string)).priority).toBe('low');
    await server.advance(120_000);
    const order = client.events
      .filter((e) => e.type === 'call.ringing')
      .map(
        (e) =>
          (e.data as { call: { context: Record<string, { callLogId?: string }> } }).call.context.outbound
            ?.callLogId,
      );
    expect(order).toEqual([ids.high, ids.medium, ids.low]);
  });

  it('refuses what it cannot call, with the contract’s codes', async () => {
    await start();
    const bad = await place({ phoneNumber: '5551234', agentId: 'alice' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('INVALID_PHONE_NUMBER');
    const zero = await place({ phoneNumber: '+0551234567', agentId: 'alice' });
    expect(zero.body.error.code).toBe('INVALID_PHONE_NUMBER');
    const missing = await place({ agentId: 'alice' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('VALIDATION_ERROR');
    const priority = await place({ phoneNumber: '+12125550003', agentId: 'alice', priority: 'urgent' });
    expect(priority.body.error.code).toBe('VALIDATION_ERROR');
    const nobody = await place({ phoneNumber: '+12125550003', agentId: 'bob' });
    expect(nobody.status).toBe(404);
    expect(nobody.body.error.code).toBe('AGENT_NOT_FOUND');
    const unknown = await server.request('GET', '/api/v1/calls/outbound/no-such-log');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('CALL_NOT_FOUND');
    expect((await server.request('POST', '/api/v1/calls/outbound/no-such-log/cancel')).body.error.code).toBe(
      'CALL_NOT_FOUND',
    );
    expect((await server.request('GET', '/api/v1/calls/no-such-log')).body.error.code).toBe('CALL_NOT_FOUND');
    // Nothing was dialled for any of them.
    expect((await ok('GET', '/api/v1/calls/outbound/stats')).activeCalls).toBe(0);
  });
});

describe('limits', () => {
  it('answers the 11th call with 429 while 10 are live, and takes it once one ends', async () => {
    await start();
    await profile('+1212*', { answerAfterMs: 1_000, hangupAfterMs: 60_000 });
    await profile('+12125550000', { answerAfterMs: 1_000, hangupAfterMs: 5_000 });
    const ids: string[] = [];
    ids.push((await place({ phoneNumber: '+12125550000', agentId: 'alice' })).body.data.callLogId);
    for (let i = 1; i < 10; i++) {
      const res = await place({
        phoneNumber: `+1212555${String(1230 + i).padStart(4, '0')}`,
        agentId: 'alice',
      });
      expect(res.status).toBe(201);
      ids.push(res.body.data.callLogId);
    }
    expect(await ok('GET', '/api/v1/calls/outbound/stats')).toEqual({
      activeCalls: 10,
      maxConcurrentCalls: 10,
      utilization: 100,
      circuitBreaker: 'closed',
      rateLimiter: { currentJobs: 0, queuedJobs: 0 },
    });
    const eleventh = await place({ phoneNumber: '+12125559999', agentId: 'alice' });
    expect(eleventh.status).toBe(429);
    expect(eleventh.body.error).toMatchObject({
      code: 'CONCURRENT_LIMIT_REACHED',
      details: { activeCalls: 10, maxConcurrentCalls: 10 },
    });
    await server.advance(6_000);
    expect(await outbound(ids[0] as string)).toMatchObject({ status: 'completed' });
    expect((await place({ phoneNumber: '+12125559999', agentId: 'alice' })).status).toBe(201);
  });

  it('takes its limit from MAX_CONCURRENT_OUTBOUND_CALLS', async () => {
    await start({ MAX_CONCURRENT_OUTBOUND_CALLS: '2' });
    expect((await place({ phoneNumber: '+12125550001', agentId: 'alice' })).status).toBe(201);
    expect((await place({ phoneNumber: '+12125550002', agentId: 'alice' })).status).toBe(201);
    expect((await place({ phoneNumber: '+12125550003', agentId: 'alice' })).status).toBe(429);
    expect(await ok('GET', '/api/v1/calls/outbound/stats')).toMatchObject({
      maxConcurrentCalls: 2,
      utilization: 100,
    });
  });

  it('starts no more calls per second than OUTBOUND_RATE_PER_SECOND; the rest wait their turn', async () => {
    await start({ OUTBOUND_RATE_PER_SECOND: '2' });
    const placing = [0, 1, 2, 3, 4].map((i) =>
      place({ phoneNumber: `+1212555${String(100 + i).padStart(4, '0')}`, agentId: 'alice' }),
    );
    const waiting = async (queuedJobs: number) => {
      // The five requests reach the server in real time: look until they have (each look is a request).
      for (let i = 0; i < 1000; i++) {
        const stats = await ok('GET', '/api/v1/calls/outbound/stats');
        if (stats.rateLimiter.queuedJobs === queuedJobs) return stats;
        await new Promise((resolve) => setImmediate(resolve));
      }
      throw new Error(`never ${queuedJobs} waiting`);
    };
    // Two start at once, three wait (and count against the concurrency limit while they do).
    expect(await waiting(3)).toMatchObject({
      activeCalls: 5,
      rateLimiter: { currentJobs: 0, queuedJobs: 3 },
    });
    await server.advance(1_000);
    await waiting(1);
    await server.advance(1_000);
    const answers = await Promise.all(placing);
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201, 201]);
    const initiated = await Promise.all(answers.map((a) => outbound(a.body.data.callLogId)));
    expect(initiated.map((c) => c.initiatedAt)).toEqual([
      '2026-01-05T09:00:00.000Z',
      '2026-01-05T09:00:00.000Z',
      '2026-01-05T09:00:01.000Z',
      '2026-01-05T09:00:01.000Z',
      '2026-01-05T09:00:02.000Z',
    ]);
  });

  it('opens the circuit after 5 provider failures, lets one trial through after 60 s, closes on its success', async () => {
    await start({ RETRY_NETWORK_ERROR_MAX: '0' });
    await profile('+1212555000*', { outcome: 'network_error' });
    // The callee's failures are not the provider's: they never open it.
    await profile('+1212555111*', { outcome: 'busy', failAfterMs: 0 });
    for (let i = 0; i < 6; i++) {
      expect((await place({ phoneNumber: `+1212555111${i}`, agentId: 'alice' })).status).toBe(201);
      // The agent hears the refusal tone for 2 s before the call ends.
      await server.advance(2_000);
    }
    expect((await ok('GET', '/api/v1/calls/outbound/stats')).circuitBreaker).toBe('closed');
    const failed: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await place({ phoneNumber: `+1212555000${i}`, agentId: 'alice' });
      failed.push(res.body.data.callLogId);
      await server.advance(2_000);
    }
    expect(await outbound(failed[4] as string)).toMatchObject({
      status: 'failed',
      outboundStatus: 'network_error',
      failureReason: 'network_error',
      failureCategory: 'network_error',
    });
    expect((await ok('GET', '/api/v1/calls/outbound/stats')).circuitBreaker).toBe('open');
    const refused = await place({ phoneNumber: '+12125552220', agentId: 'alice' });
    expect(refused.status).toBe(503);
    expect(refused.body.error).toMatchObject({
      code: 'API_UNAVAILABLE',
      details: { circuitBreaker: 'open', retryAfterMs: 60_000 },
    });
    await server.advance(59_999);
    expect((await place({ phoneNumber: '+12125552220', agentId: 'alice' })).status).toBe(503);
    await server.advance(1);
    expect((await ok('GET', '/api/v1/calls/outbound/stats')).circuitBreaker).toBe('half-open');
    await profile('+1212555222*', { answerAfterMs: null });
    const trial = await place({ phoneNumber: '+12125552220', agentId: 'alice' });
    expect(trial.status).toBe(201);
    // One trial at a time.
    expect((await place({ phoneNumber: '+12125552221', agentId: 'alice' })).status).toBe(503);
    await server.advance(0);
    expect((await ok('GET', '/api/v1/calls/outbound/stats')).circuitBreaker).toBe('closed');
    expect((await place({ phoneNumber: '+12125552221', agentId: 'alice' })).status).toBe(201);
  });

  it('opens again when the half-open trial fails', async () => {
    await start({
      RETRY_NETWORK_ERROR_MAX: '0',
      OUTBOUND_BREAKER_THRESHOLD: '2',
      OUTBOUND_BREAKER_RESET_MS: '10000',
    });
    await profile('+1212555000*', { outcome: 'network_error' });
    for (let i = 0; i < 2; i++) {
      await place({ phoneNumber: `+1212555000${i}`, agentId: 'alice' });
      await server.advance(2_000);
    }
    expect((await ok('GET', '/api/v1/calls/outbound/stats')).circuitBreaker).toBe('open');
    await server.advance(10_000);
    expect((await place({ phoneNumber: '+12125550009', agentId: 'alice' })).status).toBe(201);
    await server.advance(2_000);
    expect((await ok('GET', '/api/v1/calls/outbound/stats')).circuitBreaker).toBe('open');
  });
});
