import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../src/core/clock.ts';
import { EXOTEL_KEY, EXOTEL_SID, EXOTEL_TOKEN, FakeExotel, postJson } from './support/fake-exotel.ts';
import { startServer, type TestServer } from './support/server.ts';

const PUBLIC = 'https://cti.example.in';
const KEY = 'key-0123456789abcdef';
const AGENT = '+919812345678';
const CUSTOMER = '+919900112233';
const auth = { authorization: `Bearer ${KEY}` };

describe('Exotel through the HTTP server', () => {
  let fake: FakeExotel;
  let server: TestServer;

  beforeEach(async () => {
    fake = new FakeExotel(new VirtualClock());
    const apiUrl = await fake.listen();
    server = await startServer({
      env: {
        SWITCHBOARD_DRIVER: 'exotel',
        EXOTEL_SID,
        EXOTEL_API_KEY: EXOTEL_KEY,
        EXOTEL_API_TOKEN: EXOTEL_TOKEN,
        EXOTEL_VIRTUAL_NUMBER: '+918047091234',
        EXOTEL_API_URL: apiUrl,
        SWITCHBOARD_PUBLIC_URL: PUBLIC,
        OUTBOUND_HTTP_ALLOW: '127.0.0.1',
        SWITCHBOARD_API_KEYS: KEY,
        DEFAULT_COUNTRY: 'IN',
      },
    });
    fake.deliverTo = (url) => url.replace(PUBLIC, server.url);
  });

  afterEach(async () => {
    await server.close({ removeData: true });
    await fake.close();
  });

  const settle = async () => {
    await fake.settle();
    await (server.sb.clock as VirtualClock).advance(0);
  };
  const get = async (callId: string) =>
    (await server.request('GET', `/api/v1/calls/${callId}`, undefined, auth)).body.data;

  it('click-to-dial over HTTP: one connect to Exotel, JSON callbacks at the public URL without an API key, the call answered then ended', async () => {
    const res = await server.request('POST', '/api/v1/calls', { from: AGENT, to: CUSTOMER }, auth);
    expect(res.status).toBe(201);
    await settle();
    const call = fake.legTo(AGENT)?.call;
    if (!call) throw new Error('Exotel was not asked to call');
    expect(call.callback).toMatch(/^https:\/\/cti\.example\.in\/api\/v1\/telephony\/exotel\/status\?/);
    fake.partyAnswer(call.sid, 0);
    await settle();
    fake.partyAnswer(call.sid, 1);
    await settle();
    expect(await get(res.body.data.id)).toMatchObject({ status: 'answered' });
    // Exotel cannot end a call: the API says so instead of pretending.
    const hangup = await server.request('POST', `/api/v1/calls/${res.body.data.id}/hangup`, {}, auth);
    expect(hangup.status).toBe(422);
    expect(hangup.body.error.code).toBe('NOT_SUPPORTED');
    fake.partyHangup(call.sid, 1);
    await settle();
    expect(await get(res.body.data.id)).toMatchObject({ status: 'ended', endReason: 'normal' });
    expect(fake.callbacks.map((c) => c.status)).toEqual([204, 204, 204]);
  });

  it('a callback with a wrong secret is refused with 403 through the server', async () => {
    const res = await server.request('POST', '/api/v1/calls', { from: AGENT, to: CUSTOMER }, auth);
    await settle();
    const call = fake.legTo(AGENT)?.call;
    const forged = (call?.callback ?? '').replace(/token=[0-9a-f]+/, `token=${'f'.repeat(32)}`);
    const status = await postJson(forged.replace(PUBLIC, server.url), 'cti.example.in', {
      CallSid: call?.sid,
      EventType: 'terminal',
      Status: 'busy',
    });
    expect(status).toBe(403);
    await settle();
    expect(await get(res.body.data.id)).toMatchObject({ status: 'ringing' });
  });

  it('an outbound call (the outbound service) runs as one Exotel connect: agent, then customer; its log follows to completed', async () => {
    const agent = await server.request(
      'POST',
      '/api/v1/agents',
      { id: 'asha', name: 'Asha', endpoint: AGENT },
      auth,
    );
    expect(agent.status).toBeLessThan(300);
    const placed = await server.request(
      'POST',
      '/api/v1/calls/outbound',
      { phoneNumber: CUSTOMER, agentId: 'asha' },
      auth,
    );
    expect(placed.status, JSON.stringify(placed.body)).toBeLessThan(300);
    await settle();
    const call = fake.legTo(AGENT)?.call;
    if (!call) throw new Error('Exotel was not asked to call');
    expect(call.legs.map((l) => l.number)).toEqual([AGENT, CUSTOMER]);
    fake.partyAnswer(call.sid, 0);
    await settle();
    fake.partyAnswer(call.sid, 1);
    await settle();
    fake.partyHangup(call.sid, 0);
    await settle();
    const log = (
      await server.request('GET', `/api/v1/calls/outbound/${placed.body.data.callLogId}`, undefined, auth)
    ).body.data;
    expect(log).toMatchObject({ status: 'completed', outboundStatus: 'completed' });
  });
});
