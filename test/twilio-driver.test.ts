import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CallSnapshot } from '../src/core/call.ts';
import { VirtualClock } from '../src/core/clock.ts';
import type { DomainEvent } from '../src/core/events.ts';
import { asEngineError } from '../src/engine/driver-errors.ts';
import { TwilioDriver } from '../src/telephony/twilio/twilio-driver.ts';
import { callStory } from './support/call-story.ts';
import { driverConformance } from './support/driver-conformance.ts';
import { ACCOUNT_SID, AUTH_TOKEN, FakeTwilio } from './support/fake-twilio.ts';
import { startProviderCallbackServer } from './support/provider-callback-server.ts';
import { TWILIO_NUMBER, type TwilioHarness, twilioHarness } from './support/twilio-harness.ts';

const AGENT = '1001';
const CUSTOMER = '+12125550198';

describe('Twilio driver: callbacks as they really come, and the provider failing', () => {
  let h: TwilioHarness;
  let events: DomainEvent[];

  beforeEach(async () => {
    h = await twilioHarness();
    events = [];
    h.engine.events.subscribe((e) => events.push(e));
  });

  afterEach(async () => {
    await h.close();
  });

  const story = (callId: string) => callStory(events, callId);

  it('every status callback sent twice changes nothing: one answer, one end', async () => {
    h.fake.duplicateCallbacks = true;
    const call = await h.engine.originate({ from: AGENT, to: CUSTOMER });
    await h.partyAnswer(await h.dialled(AGENT));
    const customer = await h.dialled(CUSTOMER);
    await h.partyAnswer(customer);
    await h.partyHangup(customer);
    expect(story(call.id)).toEqual([
      'call.ringing ringing',
      'call.answered answered',
      'call.ended ended normal',
    ]);
    const statusCallbacks = h.fake.callbacks.filter((c) => c.url.includes('/status?'));
    expect(statusCallbacks.length).toBeGreaterThan(0);
    expect(statusCallbacks.every((c) => c.status === 204)).toBe(true);
    const sids = statusCallbacks.map((c) => `${c.fields.CallSid} ${c.fields.SequenceNumber}`);
    expect(new Set(sids).size).toBe(sids.length / 2);
  });

  it('callbacks arriving in reverse (completed first) end the call once; the late ringing and answered are ignored', async () => {
    const call = await h.engine.originate({ to: CUSTOMER });
    const customer = await h.dialled(CUSTOMER);
    h.fake.holdCallbacks = true;
    await h.partyAnswer(customer);
    await h.advance(5_000);
    await h.partyHangup(customer);
    expect(story(call.id)).toEqual(['call.ringing ringing', 'call.answered answered']);
    await h.fake.releaseCallbacks('reversed');
    await h.advance(0);
    expect(story(call.id)).toEqual([
      'call.ringing ringing',
      'call.answered answered',
      'call.ended ended normal',
    ]);
    // Answered for the 5 s the party talked, whatever order the callbacks came in.
    expect((await h.engine.get(call.id)).duration).toBe(5);
  });

  it('Twilio answering 401 refuses the call with PROVIDER_AUTH_FAILED; the call is kept as failed network_error', async () => {
    h.fake.fail(401);
    await expect(h.engine.originate({ to: CUSTOMER })).rejects.toMatchObject({
      code: 'PROVIDER_AUTH_FAILED',
      status: 502,
      message: expect.stringContaining('Twilio answered 401: Authenticate'),
    });
    const failed = events.find((e) => e.type === 'call.failed');
    expect((failed?.data as { call: CallSnapshot } | undefined)?.call).toMatchObject({
      endReason: 'network_error',
    });
  });

  it('429 is PROVIDER_RATE_LIMITED with the Retry-After Twilio sent, 500 is PROVIDER_UNAVAILABLE', async () => {
    h.fake.fail(429, 1, { 'retry-after': '3' });
    await expect(h.engine.originate({ to: CUSTOMER })).rejects.toMatchObject({
      code: 'PROVIDER_RATE_LIMITED',
      status: 429,
      details: { retryAfterMs: 3_000 },
    });
    h.fake.fail(500);
    await expect(h.engine.originate({ to: CUSTOMER })).rejects.toMatchObject({
      code: 'PROVIDER_UNAVAILABLE',
      status: 503,
    });
    // The next request goes through: nothing stuck.
    const call = await h.engine.originate({ to: CUSTOMER });
    await h.partyAnswer(await h.dialled(CUSTOMER));
    expect((await h.engine.get(call.id)).status).toBe('answered');
  });

  it('a request Twilio never answers fails provider_unavailable after the request time-out', async () => {
    h.fake.fail('stall');
    const refused = h.driver
      .originate({ channelId: 'stalled', endpoint: { kind: 'number', value: CUSTOMER } })
      .catch((error: unknown) => error);
    await h.advance(9_999);
    let settled = false;
    void refused.then(() => {
      settled = true;
    });
    await Promise.resolve();
    expect(settled).toBe(false);
    await h.advance(1);
    expect(await refused).toMatchObject({
      kind: 'provider_unavailable',
      message: expect.stringContaining('did not answer within 10000 ms'),
    });
    expect(asEngineError(await refused)).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', status: 503 });
  });

  it('a hang-up Twilio refuses during an outage leaves the leg ended in Switchboard and is logged, not thrown', async () => {
    const call = await h.engine.originate({ to: CUSTOMER });
    await h.partyAnswer(await h.dialled(CUSTOMER));
    h.fake.outage();
    await expect(h.engine.hold(call.id)).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    await h.engine.hangup(call.id);
    await h.advance(0);
    expect((await h.engine.get(call.id)).status).toBe('ended');
  });
});

describe('Twilio driver: an outage', () => {
  it('every call during the outage is refused PROVIDER_UNAVAILABLE (a 5xx, what a circuit breaker counts) and fails network_error; calls go through again once Twilio is back', async () => {
    const h = await twilioHarness();
    const failed: CallSnapshot[] = [];
    h.engine.events.subscribe((e) => {
      if (e.type === 'call.failed') failed.push((e.data as { call: CallSnapshot }).call);
    });
    try {
      h.fake.outage();
      for (let i = 0; i < 5; i++) {
        await expect(h.engine.originate({ to: CUSTOMER })).rejects.toMatchObject({
          code: 'PROVIDER_UNAVAILABLE',
          status: 503,
        });
      }
      expect(failed.map((c) => c.endReason)).toEqual(Array(5).fill('network_error'));
      h.fake.recover();
      const call = await h.engine.originate({ to: CUSTOMER });
      await h.partyAnswer(await h.dialled(CUSTOMER));
      expect((await h.engine.get(call.id)).status).toBe('answered');
    } finally {
      await h.close();
    }
  });
});

driverConformance('twilio (fake Twilio)', async () => {
  const clock = new VirtualClock();
  const fake = new FakeTwilio(clock);
  const apiBaseUrl = await fake.listen();
  const receiver = await startProviderCallbackServer();
  const driver = new TwilioDriver({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    callerId: TWILIO_NUMBER,
    publicBaseUrl: receiver.url,
    apiBaseUrl,
    mediaBaseUrl: 'https://media.example.com',
    fetch,
    clock,
  });
  receiver.attach(driver);
  fake.voiceUrl = `${receiver.url}/api/v1/telephony/twilio/voice`;
  fake.statusUrl = `${receiver.url}/api/v1/telephony/twilio/status`;
  clock.onSettle(async () => {
    await driver.idle();
    await fake.settle();
  });
  const sidOf = (channelId: string) => {
    const found = [...fake.calls.values()].find(
      (c) => c.url && new URL(c.url).searchParams.get('channel') === channelId,
    );
    return found?.sid ?? channelId.replace(/^twilio-/, '');
  };
  return {
    driver,
    quietTarget: { kind: 'number', value: '+12125550123' },
    advance: (ms) => clock.advance(ms),
    partyAnswer: async (channelId) => fake.partyAnswer(sidOf(channelId)),
    partyHangup: async (channelId) => fake.partyHangup(sidOf(channelId)),
    placeInbound: async (from, to) => void fake.inboundCall(from, to),
    dispose: async () => {
      await receiver.close();
      await fake.close();
    },
  };
});
