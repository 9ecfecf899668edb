import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConfigOverrides } from '../../../src/config/config.ts';
import type { DomainEvent } from '../../../src/core/events.ts';
import { startServer, type TestServer } from '../../support/server.ts';
import { startReceiver, type WebhookReceiver } from '../../support/webhook-receiver.ts';

/** The verification snippet exactly as the README documents it. */
type Verify = (header: string, rawBody: string, secret: string, now?: number) => boolean;
const readme = readFileSync(join(import.meta.dirname, '..', '..', '..', 'README.md'), 'utf8');
const snippet = /<!-- webhook-verification -->\s*```js\n([\s\S]*?)```/.exec(readme)?.[1];
const verifySignature = new Function('require', `${snippet}\nreturn verifySwitchboardSignature;`)(
  createRequire(import.meta.url),
) as Verify;

const ENV: ConfigOverrides = { OUTBOUND_HTTP_ALLOW: '127.0.0.1' };
const DISPATCHER = 'dispatcher-001';
const DRIVER = '+12125550101';
const HOUR = 3_600_000;

let server: TestServer;
let receiver: WebhookReceiver;

beforeEach(async () => {
  receiver = await startReceiver();
});
afterEach(async () => {
  await server?.close({ removeData: true });
  await receiver.close();
});

async function ok(method: string, path: string, body?: unknown) {
  const res = await server.request(method, path, body);
  expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
  return res.body.data;
}

async function subscribe(extra: Record<string, unknown> = {}) {
  return ok('POST', '/api/v1/webhooks', { url: receiver.url, events: ['call.*'], ...extra });
}

/** A click-to-dial that the driver answers after 3 s and ends after 30 s more. */
async function placeCall(): Promise<string> {
  const res = await server.request('POST', '/api/cti/call', { from: DISPATCHER, to: DRIVER });
  expect(res.status).toBe(200);
  return res.body.callId;
}

/** Every logged event of the given types' families, in seq order. */
async function loggedEvents(prefix: string): Promise<DomainEvent[]> {
  const events: DomainEvent[] = await ok('GET', '/api/v1/events?after=0&limit=1000');
  return events.filter((e) => e.type.startsWith(prefix));
}

const bodies = (received: readonly { body: string }[]) =>
  received.map((r) => JSON.parse(r.body) as DomainEvent);

describe('webhook subscriptions', () => {
  beforeEach(async () => {
    server = await startServer({ env: ENV });
  });

  it('creates, lists without the secret, changes and deletes a subscription', async () => {
    const created = await subscribe({ events: ['call.*', 'emergency.raised'], description: 'CRM' });
    expect(created).toMatchObject({
      url: receiver.url,
      active: true,
      events: ['call.*', 'emergency.raised'],
    });
    expect(created.secret).toMatch(/^whsec_/);
    const listed = await ok('GET', '/api/v1/webhooks');
    expect(listed).toHaveLength(1);
    expect(listed[0].secret).toBeUndefined();

    const paused = await ok('PATCH', `/api/v1/webhooks/${created.id}`, { active: false, batchSize: 5 });
    expect(paused).toMatchObject({ active: false, batchSize: 5 });
    expect(paused.secret).toBeUndefined();
    const rekeyed = await ok('PATCH', `/api/v1/webhooks/${created.id}`, {
      secret: 'a-new-secret-of-enough-length',
      batchSize: null,
    });
    expect(rekeyed.secret).toBe('a-new-secret-of-enough-length');
    expect(rekeyed.batchSize).toBeUndefined();

    const one = await ok('GET', `/api/v1/webhooks/${created.id}`);
    expect(one.figures).toEqual({ pending: 0, delivered: 0, dead: 0, attempts: 0 });
    await ok('DELETE', `/api/v1/webhooks/${created.id}`);
    const gone = await server.request('GET', `/api/v1/webhooks/${created.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('WEBHOOK_NOT_FOUND');
  });

  it('refuses bad input with 400 and a target the outbound policy denies with 422', async () => {
    for (const body of [
      { url: 'ftp://example.com/x', events: ['call.*'] },
      { url: receiver.url, events: [] },
      { url: receiver.url, events: ['Call.Ended'] },
      { url: receiver.url, events: ['call.*.ended'] },
      { url: receiver.url, events: ['call.*'], secret: 'short' },
      { url: receiver.url, events: ['call.*'], batchSize: 0 },
      { url: receiver.url, events: ['call.*'], extra: true },
    ]) {
      const res = await server.request('POST', '/api/v1/webhooks', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
    }
    const refused = await server.request('POST', '/api/v1/webhooks', {
      url: 'http://10.0.0.8/hook',
      events: ['*'],
    });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('WEBHOOK_TARGET_REFUSED');
    expect(await ok('GET', '/api/v1/webhooks')).toEqual([]);
  });
});

describe('webhook delivery', () => {
  it('POSTs each matching event signed, verified by the documented snippet', async () => {
    server = await startServer({ env: ENV });
    const { id, secret } = await subscribe();
    const callId = await placeCall();
    await server.advance(40_000);
    const calls = await loggedEvents('call.');
    expect(calls.map((e) => e.type)).toContain('call.ended');
    const received = await receiver.waitForAccepted(calls.length);

    expect(bodies(received)).toEqual(calls);
    const now = server.sb.clock.now();
    for (const r of received) {
      const header = String(r.headers['switchboard-signature']);
      expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      expect(verifySignature(header, r.body, secret, now)).toBe(true);
      expect(verifySignature(header, r.body.replace(callId, 'another-call'), secret, now)).toBe(false);
      expect(verifySignature(header, r.body, 'not-the-secret-at-all', now)).toBe(false);
      expect(verifySignature(header, r.body, secret, now + 10 * 60_000)).toBe(false);
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['switchboard-event-type']).toBe(JSON.parse(r.body).type);
    }
    const ids = received.map((r) => r.headers['switchboard-delivery-id']);
    expect(new Set(ids).size).toBe(received.length);

    const log = await ok('GET', `/api/v1/webhooks/${id}/deliveries`);
    expect(log).toHaveLength(calls.length);
    expect(log[0]).toMatchObject({ state: 'delivered', attempts: 1, lastStatus: 204, callId });
    expect(ids).toContain(log[0].id);
    const { figures } = await ok('GET', `/api/v1/webhooks/${id}`);
    expect(figures).toMatchObject({ delivered: calls.length, pending: 0, dead: 0, attempts: calls.length });
  });

  it('sends only the event types subscribed to, and several per POST when batching', async () => {
    server = await startServer({ env: ENV });
    await server.advance(0); // what the start-up publishes is committed before anyone subscribes
    await subscribe({ events: ['call.ended'] });
    await subscribe({ events: ['*'], batchSize: 50 });
    const since = server.sb.engine.events.lastSeq;
    await placeCall();
    await placeCall();
    await server.advance(40_000);
    const all = (await ok('GET', `/api/v1/events?after=${since}&limit=1000`)) as DomainEvent[];
    const ended = all.filter((e) => e.type === 'call.ended');
    expect(ended).toHaveLength(2);

    const singles = receiver.accepted().filter((r) => !r.body.startsWith('{"events"'));
    expect(bodies(singles)).toEqual(ended);
    const batched = receiver
      .accepted()
      .filter((r) => r.body.startsWith('{"events"'))
      .flatMap((r) => {
        const events = (JSON.parse(r.body) as { events: DomainEvent[] }).events;
        expect(String(r.headers['switchboard-delivery-id']).split(',')).toHaveLength(events.length);
        return events;
      });
    expect(batched.map((e) => e.seq).sort((a, b) => a - b)).toEqual(all.map((e) => e.seq));
    expect(batched.length).toBeGreaterThan(receiver.accepted().length - singles.length);
  });

  it('delivers every event once, in per-call order, after the receiver was down for an hour', async () => {
    server = await startServer({ env: ENV });
    const { id } = await subscribe();
    await receiver.down();
    const first = await placeCall();
    await server.advance(10_000);
    const second = await placeCall();
    await server.advance(40_000);
    // An hour of refused connections, in steps so the retries run as they fall due.
    for (let i = 0; i < 12; i++) await server.advance(5 * 60_000);
    expect(receiver.received).toEqual([]);
    const waiting = await ok('GET', `/api/v1/webhooks/${id}/deliveries?state=pending`);
    expect(waiting.length).toBeGreaterThan(0);
    // The head of each call's lane was tried and refused; the events behind it wait untried.
    const tried = waiting.filter((d: { attempts: number }) => d.attempts > 0);
    expect(tried).toHaveLength(2);
    for (const d of tried) expect(d.lastError).toMatch(/ECONNREFUSED/);

    await receiver.up();
    for (let i = 0; i < 8; i++) await server.advance(15 * 60_000);
    const calls = await loggedEvents('call.');
    const got = bodies(receiver.accepted());
    expect(got.map((e) => e.id).sort()).toEqual(calls.map((e) => e.id).sort());
    expect(new Set(got.map((e) => e.id)).size).toBe(got.length);
    for (const callId of [first, second]) {
      const seqs = got.filter((e) => e.callId === callId).map((e) => e.seq);
      expect(seqs.length).toBeGreaterThan(2);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
    const { figures } = await ok('GET', `/api/v1/webhooks/${id}`);
    expect(figures).toMatchObject({ delivered: calls.length, pending: 0, dead: 0 });
    expect(figures.attempts).toBeGreaterThan(calls.length);
  });

  it('dead-letters a delivery answered 500 for the whole retry window, then redelivers it', async () => {
    server = await startServer({ env: { ...ENV, WEBHOOK_RETRY_FOR_MS: String(HOUR) } });
    receiver.answer = () => ({ status: 500, body: 'database on fire' });
    const { id } = await subscribe({ events: ['call.ringing', 'call.answered'] });
    const callId = await placeCall();
    await server.advance(5_000);
    for (let i = 0; i < 8; i++) await server.advance(15 * 60_000);

    const dead = await ok('GET', `/api/v1/webhooks/${id}/deliveries?state=dead`);
    expect(dead).toHaveLength(2);
    for (const d of dead) {
      expect(d).toMatchObject({ state: 'dead', lastStatus: 500, lastResponse: 'database on fire', callId });
      expect(d.attempts).toBeGreaterThan(3);
    }
    const failures = await loggedEvents('webhook.failed');
    expect(failures.map((e) => (e.data as { deliveryId: string }).deliveryId).sort()).toEqual(
      dead.map((d: { id: string }) => d.id).sort(),
    );
    expect(failures[0]?.data).toMatchObject({ subscriptionId: id, lastStatus: 500 });
    const attemptsBefore = receiver.received.length;
    await server.advance(2 * HOUR);
    expect(receiver.received.length).toBe(attemptsBefore);

    receiver.answer = () => ({ status: 200 });
    expect(await ok('POST', `/api/v1/webhooks/${id}/redeliver`, {})).toEqual({ redelivered: 2 });
    await server.advance(0);
    const got = bodies(receiver.accepted());
    expect(got.map((e) => e.type)).toEqual(['call.ringing', 'call.answered']);
    const { figures } = await ok('GET', `/api/v1/webhooks/${id}`);
    expect(figures).toMatchObject({ delivered: 2, dead: 0, pending: 0 });

    const unknown = await server.request('GET', `/api/v1/webhooks/${id}/deliveries/nope`);
    expect(unknown.body.error.code).toBe('DELIVERY_NOT_FOUND');
    const one = await ok('GET', `/api/v1/webhooks/${id}/deliveries/${dead[0].id}`);
    expect(one).toMatchObject({ state: 'delivered', lastStatus: 200 });
    expect(await ok('POST', `/api/v1/webhooks/${id}/redeliver`, { deliveryIds: [dead[0].id] })).toEqual({
      redelivered: 1,
    });
    await server.advance(0);
    expect(receiver.accepted()).toHaveLength(3);
  });

  it('loses no undelivered event across a restart', async () => {
    server = await startServer({ env: ENV });
    await subscribe();
    await receiver.down();
    await placeCall();
    await server.advance(40_000);
    const calls = await loggedEvents('call.');
    const { dataDir } = server;
    await server.close();

    await receiver.up();
    server = await startServer({ dataDir, env: ENV });
    // The new process's virtual clock starts at the same instant again: move it past the retries.
    await server.advance(HOUR);
    const received = await receiver.waitForAccepted(calls.length);
    expect(bodies(received)).toEqual(calls);
    expect(receiver.accepted()).toHaveLength(calls.length);
  });
});
