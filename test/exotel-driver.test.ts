import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CallSnapshot } from '../src/core/call.ts';
import type { DomainEvent } from '../src/core/events.ts';
import { callStory } from './support/call-story.ts';
import { type ExotelHarness, exotelHarness } from './support/exotel-harness.ts';
import { postJson } from './support/fake-exotel.ts';

const AGENT = '+919812345678';
const CUSTOMER = '+919900112233';

describe('Exotel driver: verified, idempotent callbacks; what Exotel cannot do refused before dialling', () => {
  let h: ExotelHarness;
  let events: DomainEvent[];

  beforeEach(async () => {
    h = await exotelHarness();
    events = [];
    h.engine.events.subscribe((e) => events.push(e));
  });

  afterEach(async () => {
    await h.close();
  });

  const story = (callId: string) => callStory(events, callId);

  async function clickToDial() {
    const call = await h.engine.originate({ from: AGENT, to: CUSTOMER });
    const agent = await h.dialled(AGENT);
    await h.partyAnswer(agent);
    const customer = await h.dialled(CUSTOMER);
    await h.partyAnswer(customer);
    return { callId: call.id, agent, customer };
  }

  it('click-to-dial is one connect request: From the agent, To the customer, callbacks as JSON to a URL with a secret', async () => {
    await clickToDial();
    const connects = h.fake.requests.filter((r) => r.path.endsWith('/Calls/connect.json'));
    expect(connects).toHaveLength(1);
    expect(connects[0]?.fields).toMatchObject({
      From: AGENT,
      To: CUSTOMER,
      CallerId: '+918047091234',
      'StatusCallbackEvents[0]': 'terminal',
      'StatusCallbackEvents[1]': 'answered',
      StatusCallbackContentType: 'application/json',
    });
    expect(connects[0]?.fields.StatusCallback).toMatch(
      /\/api\/v1\/telephony\/exotel\/status\?channel=[^&]+&token=[0-9a-f]{32}$/,
    );
  });

  it('a callback without the secret, or with another, is refused with 403 and changes nothing', async () => {
    const { callId } = await clickToDial();
    const call = [...h.fake.calls.values()][0];
    const url = call?.callback ?? '';
    const terminal = { CallSid: call?.sid, EventType: 'terminal', Status: 'completed', Legs: [] };
    const host = new URL(url).host;
    for (const forged of [
      url.replace(/token=[0-9a-f]+/, 'token=0123456789abcdef0123456789abcdef'),
      url.replace(/&token=.*/, ''),
    ]) {
      expect(await postJson(forged, host, terminal)).toBe(403);
    }
    await h.advance(0);
    expect((await h.engine.get(callId)).status).toBe('answered');
    expect(await postJson(url, host, terminal)).toBe(204);
    await h.advance(0);
    expect((await h.engine.get(callId)).status).toBe('ended');
  });

  it('callbacks sent twice change nothing: one answer, one end', async () => {
    h.fake.duplicateCallbacks = true;
    const { callId, customer } = await clickToDial();
    await h.partyHangup(customer);
    expect(story(callId)).toEqual([
      'call.ringing ringing',
      'call.answered answered',
      'call.ended ended normal',
    ]);
    expect(h.fake.callbacks.length).toBe(6);
    expect(h.fake.callbacks.every((c) => c.status === 204)).toBe(true);
  });

  it('callbacks in reverse (terminal before the answers) end the call once; the late answers are ignored', async () => {
    const call = await h.engine.originate({ to: CUSTOMER });
    const customer = await h.dialled(CUSTOMER);
    h.fake.holdCallbacks = true;
    await h.partyAnswer(customer);
    await h.partyHangup(customer);
    expect(story(call.id)).toEqual(['call.ringing ringing']);
    await h.fake.releaseCallbacks('reversed');
    await h.advance(0);
    // Never heard answered: the terminal callback ends it by the leg's own status.
    expect(story(call.id)).toEqual(['call.ringing ringing', 'call.ended ended normal']);
    expect(h.engine.liveCount).toBe(0);
  });

  it('a terminal callback that never comes: the call is read back from Call details and ended', async () => {
    h.fake.loseTerminalCallbacks = true;
    const { callId, customer } = await clickToDial();
    await h.partyHangup(customer);
    expect((await h.engine.get(callId)).status).toBe('answered');
    await h.advance(60_000);
    expect(h.fake.requests.some((r) => r.method === 'GET' && r.path.endsWith('.json'))).toBe(true);
    expect(story(callId)).toEqual([
      'call.ringing ringing',
      'call.answered answered',
      'call.ended ended normal',
    ]);
  });

  it('refuses with NOT_SUPPORTED, before any request to Exotel, what its API cannot do', async () => {
    const { callId } = await clickToDial();
    const before = h.fake.requests.length;
    const refusals = [
      async () => h.engine.hangup(callId),
      async () => h.engine.transfer(callId, '+919900445566'),
      async () => h.engine.hold(callId),
      async () => h.engine.sendDtmf(callId, '1'),
      async () => h.engine.play(callId, 'sound:hello'),
      async () => h.engine.recordings.start(callId, 'on_demand'),
      async () => h.engine.addParticipant(callId, { to: '+919900445566' }),
    ];
    for (const refusal of refusals) {
      await expect(refusal()).rejects.toMatchObject({
        code: 'NOT_SUPPORTED',
        message: expect.stringMatching(/exotel driver cannot/i),
      });
    }
    expect(h.fake.requests.length).toBe(before);
    expect((await h.engine.get(callId)).status).toBe('answered');
  });

  it('Exotel answering 401, 429 and 500 refuses the call with the matching catalogue error', async () => {
    h.fake.fail(401);
    await expect(h.engine.originate({ from: AGENT, to: CUSTOMER })).rejects.toMatchObject({
      code: 'PROVIDER_AUTH_FAILED',
      message: expect.stringContaining('Exotel answered 401: Authentication required'),
    });
    h.fake.fail(429, 1, { 'retry-after': '10' });
    await expect(h.engine.originate({ from: AGENT, to: CUSTOMER })).rejects.toMatchObject({
      code: 'PROVIDER_RATE_LIMITED',
      details: { retryAfterMs: 10_000 },
    });
    h.fake.fail(500);
    await expect(h.engine.originate({ from: AGENT, to: CUSTOMER })).rejects.toMatchObject({
      code: 'PROVIDER_UNAVAILABLE',
    });
    expect(
      events
        .filter((e) => e.type === 'call.failed')
        .map((e) => (e.data as { call: CallSnapshot }).call.endReason),
    ).toEqual(['network_error', 'network_error', 'network_error']);
  });
});
