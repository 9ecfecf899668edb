import { describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../../src/core/events.ts';
import { type OutboundRig, outboundRigs } from '../../support/outbound-server.ts';
import type { EventClient, TestServer } from '../../support/server.ts';

const rig = outboundRigs();
let server: TestServer;
let client: EventClient;
let ok: OutboundRig['ok'];

async function start(env: Record<string, string> = {}): Promise<void> {
  ({ server, client, ok } = await rig(env));
}

const profile = (match: string, p: Record<string, unknown>) =>
  ok('PUT', '/api/v1/sim/profiles', { match, profile: p });
const place = async (phoneNumber: string) =>
  (await ok('POST', '/api/v1/calls/outbound', { phoneNumber, agentId: 'alice', priority: 'high' }))
    .callLogId as string;
const retryEvents = () => client.events.filter((e) => e.type === 'outbound.retry.scheduled');
type RetryData = {
  callLogId: string;
  retryOf: string;
  category: string;
  call: { scheduledFor: string; retryCount: number };
};
const dataOf = (e: DomainEvent) => e.data as RetryData;

describe('retries', () => {
  it('retries a busy number with growing gaps, up to RETRY_BUSY_MAX, each as a new call log', async () => {
    await start({ RETRY_BUSY_MAX: '3', RETRY_BUSY_DELAY_MS: '60000' });
    await profile('+12125550142', { outcome: 'busy', failAfterMs: 0 });
    const first = await place('+12125550142');
    // Each attempt: the agent hears the busy tone for 2 s, then the call fails.
    await server.advance(3_600_000);
    const retries = retryEvents().map(dataOf);
    expect(retries).toHaveLength(3);
    const failures = client.events
      .filter((e) => e.type === 'call.failed')
      .map((e) => Date.parse(e.timestamp));
    expect(failures).toHaveLength(4);
    const gaps = retries.map((r, i) => Date.parse(r.call.scheduledFor) - (failures[i] as number));
    // Exponential from 60 s with equal jitter: [30, 60] s, then [60, 120] s, then [120, 240] s.
    expect(gaps[0]).toBeGreaterThanOrEqual(30_000);
    expect(gaps[0]).toBeLessThanOrEqual(60_000);
    expect(gaps[1]).toBeGreaterThanOrEqual(60_000);
    expect(gaps[1]).toBeLessThanOrEqual(120_000);
    expect(gaps[2]).toBeGreaterThanOrEqual(120_000);
    expect(gaps[2]).toBeLessThanOrEqual(240_000);
    expect(gaps[1]).toBeGreaterThan(gaps[0] as number);
    expect(gaps[2]).toBeGreaterThan(gaps[1] as number);
    for (const [i, r] of retries.entries()) {
      expect(r).toMatchObject({ retryOf: first, category: 'busy', call: { retryCount: i + 1 } });
      // Each retry rang when it was due.
      const rang = client.events.find(
        (e) =>
          e.type === 'call.ringing' &&
          (e.data.call.context.outbound as { callLogId?: string } | undefined)?.callLogId === r.callLogId,
      );
      expect(rang?.timestamp).toBe(r.call.scheduledFor);
    }
    expect(await ok('GET', `/api/v1/calls/outbound/${first}`)).toMatchObject({
      status: 'failed',
      outboundStatus: 'busy',
      failureReason: 'busy',
      failureCategory: 'busy',
      retryCount: 0,
      retryOf: null,
    });
    expect(await ok('GET', `/api/v1/calls/outbound/${retries[2]?.callLogId}`)).toMatchObject({
      status: 'failed',
      retryCount: 3,
      retryOf: first,
      priority: 'high',
      phoneNumber: '+12125550142',
    });
    const listed = await ok('GET', `/api/v1/calls/outbound/${first}/retries`);
    expect(listed).toEqual({
      callLogId: first,
      retries: retries.map((r, i) => ({
        attemptNumber: i + 1,
        scheduledFor: r.call.scheduledFor,
        status: 'failed',
        failureReason: 'busy',
        retryCallLogId: r.callLogId,
      })),
      totalRetries: 3,
      maxRetries: 3,
    });
    // A retry's own id lists the same chain.
    expect((await ok('GET', `/api/v1/calls/outbound/${retries[1]?.callLogId}/retries`)).totalRetries).toBe(3);
  });

  it('never retries an invalid number, and keeps each category’s own maximum', async () => {
    await start({ RETRY_NO_ANSWER_MAX: '1', RETRY_NO_ANSWER_DELAY_MS: '1000', RING_TIMEOUT_MS: '5000' });
    await profile('+12125550100', { outcome: 'invalid_number' });
    await profile('+12125550101', { answerAfterMs: null });
    const invalid = await place('+12125550100');
    const unanswered = await place('+12125550101');
    await server.advance(600_000);
    expect(await ok('GET', `/api/v1/calls/outbound/${invalid}`)).toMatchObject({
      status: 'failed',
      outboundStatus: 'invalid_number',
      failureCategory: 'invalid_number',
    });
    expect(await ok('GET', `/api/v1/calls/outbound/${invalid}/retries`)).toEqual({
      callLogId: invalid,
      retries: [],
      totalRetries: 0,
      maxRetries: 0,
    });
    expect(retryEvents().map((e) => dataOf(e).retryOf)).toEqual([unanswered]);
    expect(await ok('GET', `/api/v1/calls/outbound/${unanswered}/retries`)).toMatchObject({
      totalRetries: 1,
      maxRetries: 1,
      retries: [{ attemptNumber: 1, status: 'failed', failureReason: 'no_answer' }],
    });
  });

  it('retries a call the engine’s own limit refused (rate_limited)', async () => {
    await start({ MAX_LIVE_CALLS: '1', RETRY_RATE_LIMITED_MAX: '1', RETRY_RATE_LIMITED_DELAY_MS: '60000' });
    await profile('+12125550150', { answerAfterMs: 0, hangupAfterMs: 30_000 });
    // A plain click-to-dial holds the one live call the engine allows.
    await ok('POST', '/api/v1/calls', { from: 'alice', to: '+12125550150' });
    const s = await ok('POST', '/api/v1/calls/outbound/schedule', {
      phoneNumber: '+12125550151',
      agentId: 'alice',
      scheduledFor: '2026-01-05T09:00:10Z',
    });
    await server.advance(10_000);
    expect(await ok('GET', `/api/v1/calls/outbound/${s.callLogId}`)).toMatchObject({
      status: 'failed',
      outboundStatus: 'rate_limited',
      failureCategory: 'rate_limited',
      failureReason: 'CONCURRENT_LIMIT_REACHED',
    });
    const retry = dataOf(await client.waitFor((e) => e.type === 'outbound.retry.scheduled'));
    expect(retry).toMatchObject({ retryOf: s.callLogId, category: 'rate_limited' });
    await server.advance(120_000);
    expect((await ok('GET', `/api/v1/calls/outbound/${retry.callLogId}`)).status).toBe('completed');
  });

  it('retries the provider failing (network_error) and a call refused while the circuit is open', async () => {
    await start({
      RETRY_NETWORK_ERROR_MAX: '1',
      RETRY_NETWORK_ERROR_DELAY_MS: '1000',
      RETRY_API_UNAVAILABLE_MAX: '2',
      RETRY_API_UNAVAILABLE_DELAY_MS: '120000',
      OUTBOUND_BREAKER_THRESHOLD: '2',
    });
    await profile('+1212555*', { outcome: 'network_error' });
    const a = await place('+12125550001');
    await server.advance(2_000);
    // Its retry fails too: two failures open the circuit.
    await server.advance(10_000);
    expect((await ok('GET', '/api/v1/calls/outbound/stats')).circuitBreaker).toBe('open');
    expect(await ok('GET', `/api/v1/calls/outbound/${a}/retries`)).toMatchObject({
      totalRetries: 1,
      maxRetries: 1,
    });
    // A scheduled call due while it is open fails api_unavailable and waits for its own retry.
    await profile('+12125550009', { answerAfterMs: 1_000 });
    const s = await ok('POST', '/api/v1/calls/outbound/schedule', {
      phoneNumber: '+12125550009',
      agentId: 'alice',
      scheduledFor: '2026-01-05T09:00:30Z',
    });
    await server.advance(30_000);
    expect(await ok('GET', `/api/v1/calls/outbound/${s.callLogId}`)).toMatchObject({
      status: 'failed',
      outboundStatus: 'api_unavailable',
      failureReason: 'circuit_open',
    });
    const retry = retryEvents()
      .map(dataOf)
      .find((r) => r.retryOf === s.callLogId);
    expect(retry?.category).toBe('api_unavailable');
    // The circuit half-opens after 60 s; the retry (60..120 s later) is its trial, and connects.
    await server.advance(240_000);
    expect(await ok('GET', `/api/v1/calls/outbound/${retry?.callLogId}`)).toMatchObject({
      status: 'completed',
    });
    expect((await ok('GET', '/api/v1/calls/outbound/stats')).circuitBreaker).toBe('closed');
  });
});
