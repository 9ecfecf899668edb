import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server.ts';
import { startReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

let server: TestServer;
let receiver: WebhookReceiver;
afterEach(async () => {
  await server?.close({ removeData: true });
  await receiver?.close();
});

describe('readiness and graceful drain', () => {
  it('answers /ready apart from /health, and drains: no new calls, commands finished, outbox sent', async () => {
    receiver = await startReceiver();
    server = await startServer({ env: { OUTBOUND_HTTP_ALLOW: '127.0.0.1' } });
    const ready = await server.request('GET', '/ready');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({
      status: 'ready',
      checks: { store: true, migrations: 'current', driver: true, draining: false },
    });

    const hook = await server.request('POST', '/api/v1/webhooks', { url: receiver.url, events: ['call.*'] });
    expect(hook.status).toBe(201);
    await receiver.down();
    const call = await server.request('POST', '/api/cti/call', {
      from: 'dispatcher-001',
      to: '+12125550101',
    });
    expect(call.status).toBe(200);
    await server.advance(0);
    expect(receiver.received).toEqual([]);
    await receiver.up();
    const waiting = await server.request(
      'GET',
      `/api/v1/webhooks/${hook.body.data.id}/deliveries?state=pending`,
    );
    expect(waiting.body.data.length).toBeGreaterThan(0);

    // The retries are seconds away; the drain sends them now, in order.
    await server.sb.drain();
    const sent = receiver.accepted().map((r) => JSON.parse(r.body).seq as number);
    expect(sent).toHaveLength(waiting.body.data.length);
    expect(sent).toEqual([...sent].sort((a, b) => a - b));
    const draining = await server.request('GET', '/ready');
    expect(draining.status).toBe(503);
    expect(draining.body.checks.draining).toBe(true);
    expect((await server.request('GET', '/health')).status).toBe(200);
    const refused = await server.request('POST', '/api/cti/call', {
      from: 'dispatcher-001',
      to: '+12125550102',
    });
    expect(refused.status).toBe(503);
    expect(refused.body.code).toBe('API_UNAVAILABLE');
    // The live call still answers commands.
    const status = await server.request('GET', `/api/cti/status?callId=${call.body.callId}`);
    expect(status.status).toBe(200);
  });
});
