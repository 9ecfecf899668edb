import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './support/server.ts';

/**
 * `Idempotency-Key` on the routes that create calls, through HTTP on a real server with the virtual
 * clock: a retry answers the first answer instead of placing another call.
 */

const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0).reverse()) await s.close({ removeData: true });
});

async function boot(options: Parameters<typeof startServer>[0] = {}): Promise<TestServer> {
  const server = await startServer(options);
  servers.push(server);
  return server;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const ORIGINATE = { from: 'PJSIP/1001', to: '+12125550100', context: { ticket: 'T-1', tags: ['a'] } };
const keyed = (key: string, more: Record<string, string> = {}) => ({ 'idempotency-key': key, ...more });

/** Every call the server has placed: live ones and records. */
async function callIds(server: TestServer): Promise<string[]> {
  const res = await server.request('GET', '/api/v1/calls?limit=500');
  return res.body.data.items.map((c: { id: string }) => c.id);
}

describe('Idempotency-Key on POST /api/v1/calls', () => {
  it('places one call for the same key twice and replays the first answer, marked as replayed', async () => {
    const server = await boot();
    const first = await server.request('POST', '/api/v1/calls', ORIGINATE, keyed('order-1'));
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    await server.advance(1_000);
    // Same body with its keys in another order: the same request.
    const { context, to, from } = ORIGINATE;
    const second = await server.request('POST', '/api/v1/calls', { context, to, from }, keyed('order-1'));
    expect(second.status).toBe(201);
    expect(second.body).toStrictEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await callIds(server)).toStrictEqual([first.body.data.id]);
  });

  it('places exactly one call for ten concurrent requests with one key; all get its answer', async () => {
    const server = await boot();
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => server.request('POST', '/api/v1/calls', ORIGINATE, keyed('burst'))),
    );
    expect(answers.map((a) => a.status)).toStrictEqual(Array(10).fill(201));
    const ids = new Set(answers.map((a) => a.body.data.id));
    expect(ids.size).toBe(1);
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(9);
    expect(await callIds(server)).toStrictEqual([...ids]);
  });

  it('refuses the same key with another body with 422 IDEMPOTENCY_KEY_REUSED, and places nothing', async () => {
    const server = await boot();
    await server.request('POST', '/api/v1/calls', ORIGINATE, keyed('k'));
    const other = await server.request(
      'POST',
      '/api/v1/calls',
      { ...ORIGINATE, to: '+12125550101' },
      keyed('k'),
    );
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ success: false, error: { code: 'IDEMPOTENCY_KEY_REUSED' } });
    expect(await callIds(server)).toHaveLength(1);
  });

  it('runs again once 24 hours have passed on the clock', async () => {
    const server = await boot();
    const first = await server.request('POST', '/api/v1/calls', ORIGINATE, keyed('daily'));
    await server.advance(DAY_MS - 1);
    const within = await server.request('POST', '/api/v1/calls', ORIGINATE, keyed('daily'));
    expect(within.body.data.id).toBe(first.body.data.id);
    await server.advance(1);
    const after = await server.request('POST', '/api/v1/calls', ORIGINATE, keyed('daily'));
    expect(after.status).toBe(201);
    expect(after.headers.get('idempotent-replayed')).toBeNull();
    expect(after.body.data.id).not.toBe(first.body.data.id);
    expect(await callIds(server)).toHaveLength(2);
  });

  it('still replays after a restart', async () => {
    const server = await boot();
    const first = await server.request('POST', '/api/v1/calls', ORIGINATE, keyed('durable'));
    await server.close();
    servers.pop();
    const again = await boot({ dataDir: server.dataDir });
    const replayed = await again.request('POST', '/api/v1/calls', ORIGINATE, keyed('durable'));
    expect(replayed.status).toBe(201);
    expect(replayed.body).toStrictEqual(first.body);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(await callIds(again)).toStrictEqual([first.body.data.id]);
  });

  it('keeps no refusal: a malformed or refused request leaves the key free for the corrected retry', async () => {
    const server = await boot();
    const malformed = await server.request('POST', '/api/v1/calls', { to: 42 }, keyed('fix-me'));
    expect(malformed.status).toBe(400);
    const refused = await server.request('POST', '/api/v1/calls', { to: 'not a number' }, keyed('fix-me'));
    expect(refused.body.error.code).toBe('INVALID_PHONE_NUMBER');
    const fixed = await server.request('POST', '/api/v1/calls', ORIGINATE, keyed('fix-me'));
    expect(fixed.status).toBe(201);
    expect(fixed.headers.get('idempotent-replayed')).toBeNull();
  });

  it('validates the key (1 to 255 characters) and places a call per request without one', async () => {
    const server = await boot();
    const long = await server.request('POST', '/api/v1/calls', ORIGINATE, keyed('x'.repeat(256)));
    expect(long.status).toBe(400);
    expect(long.body.error).toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(long.body.error.details).toContainEqual(expect.objectContaining({ in: 'headers' }));
    const max = await server.request('POST', '/api/v1/calls', ORIGINATE, keyed('x'.repeat(255)));
    expect(max.status).toBe(201);
    await server.request('POST', '/api/v1/calls', ORIGINATE);
    await server.request('POST', '/api/v1/calls', ORIGINATE);
    expect(await callIds(server)).toHaveLength(3);
  });

  it('keeps keys per API key: two credentials with one key place two calls', async () => {
    const server = await boot({ env: { SWITCHBOARD_API_KEYS: 'tenant-a-key,tenant-b-key' } });
    const a = await server.request(
      'POST',
      '/api/v1/calls',
      ORIGINATE,
      keyed('shared', { authorization: 'Bearer tenant-a-key' }),
    );
    const b = await server.request(
      'POST',
      '/api/v1/calls',
      ORIGINATE,
      keyed('shared', { 'x-api-key': 'tenant-b-key' }),
    );
    const aAgain = await server.request(
      'POST',
      '/api/v1/calls',
      ORIGINATE,
      keyed('shared', { 'x-api-key': 'tenant-a-key' }),
    );
    expect([a.status, b.status, aAgain.status]).toStrictEqual([201, 201, 201]);
    expect(b.body.data.id).not.toBe(a.body.data.id);
    expect(aAgain.body.data.id).toBe(a.body.data.id);
  });
});

describe('Idempotency-Key on the mock-CTI routes', () => {
  it('POST /api/cti/call answers the first answer again and places one call', async () => {
    const server = await boot();
    const body = { from: 'PJSIP/1001', to: '+12125550100' };
    const first = await server.request('POST', '/api/cti/call', body, keyed('cti-1'));
    const second = await server.request('POST', '/api/cti/call', body, keyed('cti-1'));
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body).toStrictEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(await callIds(server)).toHaveLength(1);
    const reused = await server.request(
      'POST',
      '/api/cti/call',
      { ...body, to: '+12125550101' },
      keyed('cti-1'),
    );
    expect(reused.status).toBe(422);
    expect(reused.body).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', error: expect.any(String) });
  });

  it('POST /api/cti/emergency raises one emergency for ten concurrent presses with one key', async () => {
    const server = await boot();
    const panic = { driverId: 'D-17', driverPhone: '+12125550177', location: { lat: 41.9, lng: -87.6 } };
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => server.request('POST', '/api/cti/emergency', panic, keyed('panic-1'))),
    );
    expect(answers.map((a) => a.status)).toStrictEqual(Array(10).fill(200));
    expect(new Set(answers.map((a) => a.body.emergencyId)).size).toBe(1);
    const listed = await server.request('GET', '/api/v1/emergencies');
    expect(listed.body.data).toHaveLength(1);
    const again = await server.request('POST', '/api/v1/emergencies', panic, keyed('panic-1'));
    // Another route with the same key is another request.
    expect(again.status).toBe(422);
  });
});
