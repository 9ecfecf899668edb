import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../src/core/clock.ts';
import { ACCOUNT_SID, AUTH_TOKEN, FakeTwilio, postForm, twilioSignature } from './support/fake-twilio.ts';
import { startServer, type TestServer } from './support/server.ts';

const PUBLIC = 'https://switchboard.example.com';
const KEY = 'key-0123456789abcdef';
const CUSTOMER = '+12125550198';
const auth = { authorization: `Bearer ${KEY}` };

/** Switchboard on the Twilio driver, the fake Twilio calling it back at its public URL. */
describe('Twilio through the HTTP server', () => {
  let fake: FakeTwilio;
  let server: TestServer;

  beforeEach(async () => {
    fake = new FakeTwilio(new VirtualClock());
    const apiUrl = await fake.listen();
    server = await startServer({
      env: {
        SWITCHBOARD_DRIVER: 'twilio',
        TWILIO_ACCOUNT_SID: ACCOUNT_SID,
        TWILIO_AUTH_TOKEN: AUTH_TOKEN,
        TWILIO_CALLER_ID: '+15005550006',
        TWILIO_API_URL: apiUrl,
        SWITCHBOARD_PUBLIC_URL: PUBLIC,
        OUTBOUND_HTTP_ALLOW: '127.0.0.1',
        SWITCHBOARD_API_KEYS: KEY,
      },
    });
    fake.deliverTo = (url) => url.replace(PUBLIC, server.url);
  });

  afterEach(async () => {
    await server.close({ removeData: true });
    await fake.close();
  });

  /** Lets the fake deliver what it has and the engine act on it. */
  const settle = async () => {
    await fake.settle();
    await (server.sb.clock as VirtualClock).advance(0);
  };

  async function placeCall(): Promise<{ callId: string; sid: string; statusUrl: string }> {
    const res = await server.request('POST', '/api/v1/calls', { to: CUSTOMER }, auth);
    expect(res.status).toBe(201);
    await settle();
    const call = fake.callTo(CUSTOMER);
    if (!call?.statusCallback) throw new Error('Twilio was not asked to call');
    return { callId: res.body.data.id, sid: call.sid, statusUrl: call.statusCallback };
  }

  it('a call placed over HTTP runs on Twilio; its signed callbacks reach Switchboard at the public URL without an API key', async () => {
    const { callId, sid, statusUrl } = await placeCall();
    expect(statusUrl).toMatch(
      /^https:\/\/switchboard\.example\.com\/api\/v1\/telephony\/twilio\/status\?channel=/,
    );
    expect(fake.requests[0]).toMatchObject({
      method: 'POST',
      path: `/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`,
      fields: { To: CUSTOMER, From: '+15005550006', Method: 'POST', StatusCallbackMethod: 'POST' },
      status: 201,
    });
    fake.partyAnswer(sid);
    await settle();
    expect((await server.request('GET', `/api/v1/calls/${callId}`, undefined, auth)).body.data.status).toBe(
      'answered',
    );
    fake.partyHangup(sid);
    await settle();
    const ended = (await server.request('GET', `/api/v1/calls/${callId}`, undefined, auth)).body.data;
    expect(ended).toMatchObject({ status: 'ended', endReason: 'normal' });
    // Every callback was accepted: the status ones with 204, the TwiML fetch with XML.
    expect(fake.callbacks.map((c) => c.status)).toEqual([204, 204, 200, 204, 204]);
  });

  it('a forged callback is refused with 403 and changes nothing', async () => {
    const { callId, sid, statusUrl } = await placeCall();
    const fields = { AccountSid: ACCOUNT_SID, CallSid: sid, CallStatus: 'completed', CallDuration: '0' };
    const local = statusUrl.replace(PUBLIC, server.url);
    const host = 'switchboard.example.com';
    // Signed with another token; signed for another URL; not signed at all; signed, then a field altered.
    const forged: Record<string, string>[] = [
      { 'x-twilio-signature': twilioSignature('not-the-token', statusUrl, fields) },
      { 'x-twilio-signature': twilioSignature(AUTH_TOKEN, `${statusUrl}x`, fields) },
      {},
    ];
    for (const headers of forged) expect((await postForm(local, host, fields, headers)).status).toBe(403);
    const signed = twilioSignature(AUTH_TOKEN, statusUrl, fields);
    const altered = { ...fields, CallStatus: 'busy' };
    expect((await postForm(local, host, altered, { 'x-twilio-signature': signed })).status).toBe(403);
    await settle();
    expect((await server.request('GET', `/api/v1/calls/${callId}`, undefined, auth)).body.data.status).toBe(
      'ringing',
    );
    // The genuine one goes through.
    expect((await postForm(local, host, fields, { 'x-twilio-signature': signed })).status).toBe(204);
    await settle();
    expect((await server.request('GET', `/api/v1/calls/${callId}`, undefined, auth)).body.data.status).toBe(
      'ended',
    );
  });

  it('an outbound call (the outbound service) rings the agent on Twilio, then the customer; its log follows to completed', async () => {
    const agent = await server.request(
      'POST',
      '/api/v1/agents',
      { id: 'alice', name: 'Alice', endpoint: 'alice' },
      auth,
    );
    expect(agent.status).toBeLessThan(300);
    const placed = await server.request(
      'POST',
      '/api/v1/calls/outbound',
      { phoneNumber: CUSTOMER, agentId: 'alice' },
      auth,
    );
    expect(placed.status, JSON.stringify(placed.body)).toBeLessThan(300);
    await settle();
    const agentCall = fake.callTo('client:alice');
    if (!agentCall) throw new Error('Twilio was not asked to call the agent');
    fake.partyAnswer(agentCall.sid);
    await settle();
    const customerCall = fake.callTo(CUSTOMER);
    if (!customerCall) throw new Error('Twilio was not asked to call the customer');
    fake.partyAnswer(customerCall.sid);
    await settle();
    // Both sit in the call's conference.
    expect(agentCall.conference?.name).toBe(customerCall.conference?.name);
    fake.partyHangup(customerCall.sid);
    await settle();
    const log = (
      await server.request('GET', `/api/v1/calls/outbound/${placed.body.data.callLogId}`, undefined, auth)
    ).body.data;
    expect(log).toMatchObject({ status: 'completed', outboundStatus: 'completed' });
  });

  it('the rest of the API still needs its key, and foreign hosts are still refused', async () => {
    expect((await server.request('GET', '/api/v1/calls')).status).toBe(401);
    const { statusUrl } = await placeCall();
    const fields = { CallSid: 'CA0', CallStatus: 'ringing' };
    const other = await postForm(statusUrl.replace(PUBLIC, server.url), 'evil.example.net', fields, {
      'x-twilio-signature': twilioSignature(AUTH_TOKEN, statusUrl, fields),
    });
    expect(other.status).toBe(421);
  });
});

describe('Twilio down: the outbound circuit breaker', () => {
  it('provider outage: each outbound call Twilio refuses (503) counts; the circuit opens and refuses further calls, then half-opens once Twilio is back', async () => {
    const fake = new FakeTwilio(new VirtualClock());
    const apiUrl = await fake.listen();
    const server = await startServer({
      env: {
        SWITCHBOARD_DRIVER: 'twilio',
        TWILIO_ACCOUNT_SID: ACCOUNT_SID,
        TWILIO_AUTH_TOKEN: AUTH_TOKEN,
        TWILIO_CALLER_ID: '+15005550006',
        TWILIO_API_URL: apiUrl,
        SWITCHBOARD_PUBLIC_URL: PUBLIC,
        OUTBOUND_HTTP_ALLOW: '127.0.0.1',
        OUTBOUND_BREAKER_THRESHOLD: '3',
        OUTBOUND_BREAKER_RESET_MS: '60000',
        RETRY_NETWORK_ERROR_MAX: '0',
      },
    });
    try {
      const clock = server.sb.clock as VirtualClock;
      const agent = await server.request('POST', '/api/v1/agents', {
        id: 'alice',
        name: 'Alice',
        endpoint: 'alice',
      });
      expect(agent.status).toBeLessThan(300);
      const stats = async () => (await server.request('GET', '/api/v1/calls/outbound/stats')).body.data;
      fake.outage();
      for (let i = 0; i < 3; i++) {
        const res = await server.request('POST', '/api/v1/calls/outbound', {
          phoneNumber: CUSTOMER,
          agentId: 'alice',
        });
        expect(res.status, JSON.stringify(res.body)).toBe(503);
        expect(res.body.error.code).toBe('PROVIDER_UNAVAILABLE');
        await clock.advance(0);
      }
      expect((await stats()).circuitBreaker).toBe('open');
      const sent = fake.requests.length;
      const refused = await server.request('POST', '/api/v1/calls/outbound', {
        phoneNumber: CUSTOMER,
        agentId: 'alice',
      });
      expect(refused.status).toBe(503);
      expect(refused.body.error).toMatchObject({
        code: 'API_UNAVAILABLE',
        details: { circuitBreaker: 'open' },
      });
      // Refused by the breaker: Twilio was not asked again.
      expect(fake.requests.length).toBe(sent);
      fake.recover();
      await clock.advance(60_000);
      const trial = await server.request('POST', '/api/v1/calls/outbound', {
        phoneNumber: CUSTOMER,
        agentId: 'alice',
      });
      expect(trial.status, JSON.stringify(trial.body)).toBeLessThan(300);
      await fake.settle();
      expect(fake.callTo('client:alice')).toBeDefined();
    } finally {
      await server.close({ removeData: true });
      await fake.close();
    }
  });
});
