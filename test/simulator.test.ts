import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Address } from '../src/core/call.ts';
import { VirtualClock } from '../src/core/clock.ts';
import { DriverError, type DriverEvent, type HangupCause } from '../src/telephony/driver.ts';
import { loadProfilesFile, parseProfilesYaml } from '../src/telephony/sim/load-profiles.ts';
import {
  DEFAULT_ENDPOINT_PROFILE,
  DEFAULT_NUMBER_PROFILE,
  ProfileError,
  type ProfileRule,
  parseProfileRules,
} from '../src/telephony/sim/profiles.ts';
import { RECENT_ENDED_CHANNELS, SimulatorDriver } from '../src/telephony/sim/simulator.ts';
import { driverConformance } from './support/driver-conformance.ts';

driverConformance('simulator', async () => {
  const clock = new VirtualClock();
  const driver = new SimulatorDriver({
    clock,
    profiles: [{ match: 'sim/quiet-*', profile: { answerAfterMs: null, hangupAfterMs: null } }],
  });
  return {
    driver,
    quietTarget: { kind: 'endpoint', value: 'sim/quiet-1' },
    advance: (ms) => clock.advance(ms),
    partyAnswer: async (channelId) => driver.partyAnswer(channelId),
    partyHangup: async (channelId) => driver.partyHangup(channelId),
    placeInbound: async (from, to) => void driver.placeInboundCall({ from, to }),
    dispose: async () => {
      expect(clock.pendingTimers, 'timers left behind').toBe(0);
    },
  };
});

const NUMBER: Address = { kind: 'number', value: '+15551234567' };
const PHONE: Address = { kind: 'endpoint', value: 'PJSIP/1001' };

/** A started simulator on a virtual clock, with every event it reports and the time it reported it. */
async function sim(profiles?: ProfileRule[]) {
  const clock = new VirtualClock();
  const t0 = clock.now();
  const driver = new SimulatorDriver({ clock, ...(profiles && { profiles }) });
  const events: DriverEvent[] = [];
  const at: number[] = [];
  driver.onEvent((e) => {
    events.push(e);
    at.push(clock.now() - t0);
  });
  await driver.start();
  events.length = 0;
  at.length = 0;
  let n = 0;
  const dial = async (endpoint: Address, timeoutMs?: number) => {
    const channelId = `out-${++n}`;
    await driver.originate({ channelId, endpoint, ...(timeoutMs !== undefined && { timeoutMs }) });
    return channelId;
  };
  const of = (channelId: string) =>
    events.flatMap((e, i) =>
      'channelId' in e && e.channelId === channelId
        ? [{ ...e, at: at[i]! } as DriverEvent & { at: number }]
        : [],
    );
  const timeline = (channelId: string) =>
    of(channelId).map((e) => {
      if (e.type === 'channel.hangup') return `${e.at} hangup ${e.cause}`;
      if (e.type === 'channel.dtmf') return `${e.at} dtmf ${e.digit} ${e.durationMs}`;
      return `${e.at} ${e.type.replace('channel.', '')}`;
    });
  return { clock, driver, events, dial, of, timeline, elapsed: () => clock.now() - t0 };
}

function driverError(fn: () => unknown): DriverError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DriverError);
    return error as DriverError;
  }
  throw new Error('expected a DriverError');
}

async function rejected(promise: Promise<unknown>): Promise<DriverError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DriverError);
  return error as DriverError;
}

describe('default profiles', () => {
  it('a number answers after 3 s and hangs up after 30 s of talk', async () => {
    const s = await sim();
    const id = await s.dial(NUMBER);
    await s.clock.advance(2_999);
    expect(s.driver.channel(id)?.state).toBe('ringing');
    await s.clock.advance(1);
    expect(s.driver.channel(id)?.state).toBe('answered');
    await s.clock.advance(30_000);
    expect(s.timeline(id)).toEqual(['0 ringing', '3000 answered', '33000 hangup normal']);
    expect(s.clock.pendingTimers).toBe(0);
  });

  it("an endpoint answers on the clock's next turn and never hangs up by itself", async () => {
    const s = await sim();
    const id = await s.dial(PHONE);
    expect(s.timeline(id)).toEqual(['0 ringing']);
    await s.clock.advance(0);
    expect(s.timeline(id)).toEqual(['0 ringing', '0 answered']);
    await s.clock.advance(24 * 3_600_000);
    expect(s.driver.channel(id)?.state).toBe('answered');
    expect(s.clock.pendingTimers).toBe(0);
  });

  it('are exported frozen and shared', () => {
    expect(DEFAULT_NUMBER_PROFILE).toEqual({
      answerAfterMs: 3_000,
      outcome: 'answer',
      hangupAfterMs: 30_000,
    });
    expect(DEFAULT_ENDPOINT_PROFILE).toEqual({ answerAfterMs: 0, outcome: 'answer', hangupAfterMs: null });
    expect(Object.isFrozen(DEFAULT_NUMBER_PROFILE)).toBe(true);
  });
});

describe('profile outcomes', () => {
  it.each([
    ['busy', 1_000],
    ['rejected', 1_000],
    ['unreachable', 0],
    ['invalid_number', 0],
  ] as const)('%s fails the channel with that cause after %i ms by default', async (outcome, after) => {
    const s = await sim([{ match: NUMBER.value, profile: { outcome } }]);
    const id = await s.dial(NUMBER, 30_000);
    await s.clock.advance(60_000);
    // As Asterisk does (originate-busy transcript), only a party that rejects the call rang first.
    const rang = outcome === 'rejected' ? ['0 ringing'] : [];
    expect(s.timeline(id)).toEqual([...rang, `${after} hangup ${outcome}`]);
    expect(s.clock.pendingTimers).toBe(0);
  });

  it('failAfterMs sets when the failure comes', async () => {
    const s = await sim([{ match: NUMBER.value, profile: { outcome: 'busy', failAfterMs: 4_500 } }]);
    const id = await s.dial(NUMBER);
    await s.clock.advance(10_000);
    expect(s.timeline(id)).toEqual(['4500 hangup busy']);
  });

  it('answerAfterMs and hangupAfterMs set when the party answers and hangs up', async () => {
    const s = await sim([{ match: NUMBER.value, profile: { answerAfterMs: 1_200, hangupAfterMs: 5_000 } }]);
    const id = await s.dial(NUMBER);
    await s.clock.advance(60_000);
    expect(s.timeline(id)).toEqual(['0 ringing', '1200 answered', '6200 hangup normal']);
  });

  it('a party that never answers rings until the originate timeout, then no_answer', async () => {
    const s = await sim([{ match: NUMBER.value, profile: { answerAfterMs: null } }]);
    const id = await s.dial(NUMBER, 45_000);
    await s.clock.advance(44_999);
    expect(s.driver.channel(id)?.state).toBe('ringing');
    await s.clock.advance(1);
    expect(s.timeline(id)).toEqual(['0 ringing', '45000 hangup no_answer']);
    expect(s.clock.pendingTimers).toBe(0);
  });

  it('without a timeout, a party that never answers rings until someone hangs up', async () => {
    const s = await sim([{ match: NUMBER.value, profile: { answerAfterMs: null } }]);
    const id = await s.dial(NUMBER);
    await s.clock.advance(3_600_000);
    expect(s.driver.channel(id)?.state).toBe('ringing');
    await s.driver.hangup(id, 'canceled');
    expect(s.timeline(id)).toEqual(['0 ringing', '3600000 hangup canceled']);
  });

  it('the timeout does not end a channel that was answered first', async () => {
    const s = await sim();
    const id = await s.dial(NUMBER, 5_000);
    await s.clock.advance(20_000);
    expect(s.driver.channel(id)?.state).toBe('answered');
  });

  it('when the answer and the timeout fall due together, the party wins', async () => {
    const s = await sim();
    const id = await s.dial(NUMBER, 3_000);
    await s.clock.advance(3_000);
    expect(s.driver.channel(id)?.state).toBe('answered');
  });
});

describe('profile matching', () => {
  const rules: ProfileRule[] = [
    { match: '*', profile: { answerAfterMs: 100 } },
    { match: '+1*', profile: { answerAfterMs: 200 } },
    { match: '+1555*', profile: { answerAfterMs: 300 } },
    { match: '+15551234567', profile: { answerAfterMs: 400 } },
  ];
  const answeredAt = async (s: Awaited<ReturnType<typeof sim>>, address: Address) => {
    const id = await s.dial(address);
    await s.clock.advance(1_000);
    return s.of(id).find((e) => e.type === 'channel.answered')?.at;
  };

  it('prefers an exact match, then the longest prefix, then shorter ones', async () => {
    const s = await sim(rules);
    expect(await answeredAt(s, { kind: 'number', value: '+15551234567' })).toBe(400);
    expect(await answeredAt(s, { kind: 'number', value: '+15551234568' })).toBe(1_300);
    expect(await answeredAt(s, { kind: 'number', value: '+12125550100' })).toBe(2_200);
    expect(await answeredAt(s, { kind: 'number', value: '+442071234567' })).toBe(3_100);
  });

  it('does not depend on the order rules were given in', async () => {
    const s = await sim([...rules].reverse());
    expect(await answeredAt(s, { kind: 'number', value: '+15551234568' })).toBe(300);
  });

  it('a later rule with the same match replaces the earlier one, in place', async () => {
    const s = await sim(rules);
    s.driver.setProfile({ match: '+1555*', profile: { answerAfterMs: 50 } });
    expect(s.driver.listProfiles().map((r) => r.match)).toEqual(['*', '+1*', '+1555*', '+15551234567']);
    expect(s.driver.listProfiles()[2]).toEqual({ match: '+1555*', profile: { answerAfterMs: 50 } });
    expect(await answeredAt(s, { kind: 'number', value: '+15551234568' })).toBe(50);
  });

  it('removing a rule falls back to the next best match, then to the defaults', async () => {
    const s = await sim([{ match: '+1555*', profile: { answerAfterMs: 300 } }]);
    expect(s.driver.removeProfile('+1555*')).toBe(true);
    expect(s.driver.removeProfile('+1555*')).toBe(false);
    const id = await s.dial(NUMBER);
    await s.clock.advance(3_000);
    expect(s.timeline(id)).toEqual(['0 ringing', '3000 answered']);
  });

  it('fields a rule leaves out take the defaults of the kind of address', async () => {
    const s = await sim([{ match: '*', profile: { hangupAfterMs: 1_000 } }]);
    const phone = await s.dial(PHONE);
    const number = await s.dial(NUMBER);
    await s.clock.advance(10_000);
    expect(s.timeline(phone)).toEqual(['0 ringing', '0 answered', '1000 hangup normal']);
    expect(s.timeline(number)).toEqual(['0 ringing', '3000 answered', '4000 hangup normal']);
  });

  it('channels keep the profile they were placed with', async () => {
    const s = await sim();
    const id = await s.dial(NUMBER);
    s.driver.setProfile({ match: NUMBER.value, profile: { outcome: 'busy' } });
    await s.clock.advance(3_000);
    expect(s.driver.channel(id)?.state).toBe('answered');
  });

  it('matches endpoints and device names too', async () => {
    const s = await sim([
      { match: 'sim/*', profile: { answerAfterMs: 700 } },
      { match: 'dispatcher-001', profile: { outcome: 'unreachable' } },
    ]);
    const desk = await s.dial({ kind: 'endpoint', value: 'sim/desk-7' });
    const dispatcher = await s.dial({ kind: 'endpoint', value: 'dispatcher-001' });
    await s.clock.advance(1_000);
    expect(s.timeline(desk)).toEqual(['0 ringing', '700 answered']);
    expect(s.timeline(dispatcher)).toEqual(['0 hangup unreachable']);
  });

  it('refuses an invalid rule with invalid, naming the field', () => {
    const driver = new SimulatorDriver({ clock: new VirtualClock() });
    const error = driverError(() =>
      driver.setProfile({ match: '+1555*', profile: { outcome: 'gone' as 'busy' } }),
    );
    expect(error.kind).toBe('invalid');
    expect(error.message).toContain('profile.outcome');
    expect(driverError(() => driver.setProfile({ match: 'a*b', profile: {} })).message).toContain('match');
    expect(driver.listProfiles()).toEqual([]);
  });

  it('refuses invalid rules at construction with a ProfileError', () => {
    expect(
      () =>
        new SimulatorDriver({
          clock: new VirtualClock(),
          profiles: [{ match: 'x', profile: { answerAfterMs: -5 } }],
        }),
    ).toThrow(/entry 1 \(match "x"\): profile\.answerAfterMs: must be 0 or more/);
  });
});

describe('DTMF from the party', () => {
  it('a profile script presses digit by digit through the clock', async () => {
    const s = await sim([
      {
        match: NUMBER.value,
        profile: {
          answerAfterMs: 0,
          dtmf: { digits: '12#', afterMs: 1_000, interDigitMs: 500, durationMs: 80 },
        },
      },
    ]);
    const id = await s.dial(NUMBER);
    await s.clock.advance(1_999);
    expect(s.timeline(id)).toEqual(['0 ringing', '0 answered', '1000 dtmf 1 80', '1500 dtmf 2 80']);
    await s.clock.advance(1);
    expect(s.timeline(id).at(-1)).toBe('2000 dtmf # 80');
  });

  it('script defaults: after 1000 ms, 250 ms apart, 100 ms tones', async () => {
    const s = await sim([{ match: NUMBER.value, profile: { answerAfterMs: 0, dtmf: { digits: '9*' } } }]);
    const id = await s.dial(NUMBER);
    await s.clock.advance(5_000);
    expect(s.timeline(id)).toEqual(['0 ringing', '0 answered', '1000 dtmf 9 100', '1250 dtmf * 100']);
  });

  it('a script stops when the party hangs up', async () => {
    const s = await sim([
      {
        match: NUMBER.value,
        profile: { answerAfterMs: 0, hangupAfterMs: 1_600, dtmf: { digits: '123456' } },
      },
    ]);
    const id = await s.dial(NUMBER);
    await s.clock.advance(10_000);
    expect(s.timeline(id).slice(2)).toEqual([
      '1000 dtmf 1 100',
      '1250 dtmf 2 100',
      '1500 dtmf 3 100',
      '1600 hangup normal',
    ]);
    expect(s.clock.pendingTimers).toBe(0);
  });

  it('partySendDtmf presses the first digit now and the rest one gap apart; later presses queue', async () => {
    const s = await sim();
    const id = await s.dial(PHONE);
    await s.clock.advance(0);
    s.driver.partySendDtmf(id, '12', 300);
    s.driver.partySendDtmf(id, '#');
    expect(s.timeline(id).slice(2)).toEqual(['0 dtmf 1 100']);
    await s.clock.advance(2_000);
    expect(s.timeline(id).slice(2)).toEqual(['0 dtmf 1 100', '300 dtmf 2 100', '550 dtmf # 100']);
    expect(s.clock.pendingTimers).toBe(0);
  });

  it('refuses bad digits and channels that are not answered', async () => {
    const s = await sim();
    const id = await s.dial(PHONE);
    expect(driverError(() => s.driver.partySendDtmf(id, '1')).kind).toBe('invalid');
    await s.clock.advance(0);
    expect(driverError(() => s.driver.partySendDtmf(id, '1x')).kind).toBe('invalid');
    expect(driverError(() => s.driver.partySendDtmf(id, '')).kind).toBe('invalid');
    expect(driverError(() => s.driver.partySendDtmf(id, '1', -1)).kind).toBe('invalid');
  });
});

describe('inbound calls', () => {
  it('announces the caller with a sim-in id and rings until the engine answers', async () => {
    const s = await sim();
    const id = s.driver.placeInboundCall({ from: '+15557770001', to: '+15550000100' });
    expect(id).toBe('sim-in-1');
    expect(s.driver.placeInboundCall({ from: '+15557770002', to: '+15550000100' })).toBe('sim-in-2');
    expect(s.events[0]).toEqual({
      type: 'channel.inbound',
      channelId: 'sim-in-1',
      from: '+15557770001',
      to: '+15550000100',
    });
    expect(s.driver.channel(id)).toMatchObject({
      direction: 'inbound',
      address: '+15557770001',
      to: '+15550000100',
      state: 'ringing',
    });
    await s.clock.advance(3_600_000);
    expect(s.driver.channel(id)?.state).toBe('ringing');
  });

  it("the caller's profile governs its DTMF and hang-up once answered", async () => {
    const s = await sim([
      {
        match: '+1555777*',
        profile: { hangupAfterMs: 4_000, dtmf: { digits: '42#', afterMs: 1_000, interDigitMs: 500 } },
      },
    ]);
    const id = s.driver.placeInboundCall({ from: '+15557770001', to: '+15550000100' });
    await s.clock.advance(2_000);
    await s.driver.ring(id);
    await s.driver.answer(id);
    await s.clock.advance(10_000);
    expect(s.timeline(id)).toEqual([
      '0 inbound',
      '2000 answered',
      '3000 dtmf 4 100',
      '3500 dtmf 2 100',
      '4000 dtmf # 100',
      '6000 hangup normal',
    ]);
  });

  it('a caller from a number hangs up after the default 30 s of talk; an extension never does', async () => {
    const s = await sim();
    const outside = s.driver.placeInboundCall({ from: '+15557770001', to: '200' });
    const inside = s.driver.placeInboundCall({ from: '1003', to: '200' });
    await s.driver.answer(outside);
    await s.driver.answer(inside);
    await s.clock.advance(3_600_000);
    expect(s.timeline(outside)).toEqual(['0 inbound', '0 answered', '30000 hangup normal']);
    expect(s.driver.channel(inside)?.state).toBe('answered');
  });

  it('the caller abandons with canceled after abandonAfterMs if nobody answers', async () => {
    const s = await sim();
    const id = s.driver.placeInboundCall({ from: '+15557770001', to: '200', abandonAfterMs: 10_000 });
    await s.clock.advance(9_999);
    expect(s.driver.channel(id)?.state).toBe('ringing');
    await s.clock.advance(1);
    expect(s.timeline(id)).toEqual(['0 inbound', '10000 hangup canceled']);
    expect(s.clock.pendingTimers).toBe(0);
  });

  it('an answered caller does not abandon', async () => {
    const s = await sim([{ match: '*', profile: { hangupAfterMs: null } }]);
    const id = s.driver.placeInboundCall({ from: '+15557770001', to: '200', abandonAfterMs: 10_000 });
    await s.clock.advance(5_000);
    await s.driver.answer(id);
    await s.clock.advance(60_000);
    expect(s.driver.channel(id)?.state).toBe('answered');
    expect(s.clock.pendingTimers).toBe(0);
  });

  it('refuses bad input and placing calls while stopped', async () => {
    const s = await sim();
    expect(driverError(() => s.driver.placeInboundCall({ from: '', to: '200' })).kind).toBe('invalid');
    expect(
      driverError(() => s.driver.placeInboundCall({ from: '+1555', to: '200', abandonAfterMs: -1 })).kind,
    ).toBe('invalid');
    await s.driver.stop();
    expect(driverError(() => s.driver.placeInboundCall({ from: '+1555', to: '200' })).kind).toBe(
      'unavailable',
    );
  });
});

describe('party actions', () => {
  const quiet: ProfileRule[] = [{ match: '*', profile: { answerAfterMs: null, hangupAfterMs: null } }];

  it('partyAnswer answers a ringing outbound channel now, ignoring the profile', async () => {
    const s = await sim(quiet);
    const id = await s.dial(NUMBER, 30_000);
    await s.clock.advance(700);
    s.driver.partyAnswer(id);
    expect(s.timeline(id)).toEqual(['0 ringing', '700 answered']);
    await s.clock.advance(60_000);
    expect(s.driver.channel(id)?.state).toBe('answered');
  });

  it.each(['busy', 'rejected'] as const)('partyReject ends a ringing channel with %s', async (cause) => {
    const s = await sim(quiet);
    const id = await s.dial(NUMBER);
    s.driver.partyReject(id, cause);
    expect(s.timeline(id)).toEqual(['0 ringing', `0 hangup ${cause}`]);
  });

  it('partyReject defaults to rejected; partyHangup to normal, or the cause given', async () => {
    const s = await sim(quiet);
    const a = await s.dial(NUMBER);
    const b = await s.dial(NUMBER);
    const c = await s.dial(NUMBER);
    s.driver.partyReject(a);
    s.driver.partyHangup(b);
    s.driver.partyHangup(c, 'network_error');
    expect([a, b, c].map((id) => s.timeline(id).at(-1))).toEqual([
      '0 hangup rejected',
      '0 hangup normal',
      '0 hangup network_error',
    ]);
    expect(s.driver.channel(c)).toMatchObject({ state: 'ended', cause: 'network_error' });
  });

  it('partyHold and partyUnhold report channel.held and channel.unheld', async () => {
    const s = await sim(quiet);
    const id = await s.dial(NUMBER);
    s.driver.partyAnswer(id);
    s.driver.partyHold(id);
    expect(s.driver.channel(id)?.held).toBe(true);
    await s.clock.advance(2_500);
    s.driver.partyUnhold(id);
    expect(s.timeline(id)).toEqual(['0 ringing', '0 answered', '0 held', '2500 unheld']);
    expect(s.driver.channel(id)?.held).toBe(false);
  });

  it('throw not_found for unknown and ended channels', async () => {
    const s = await sim(quiet);
    const id = await s.dial(NUMBER);
    s.driver.partyHangup(id);
    for (const channelId of ['nope', id]) {
      expect(driverError(() => s.driver.partyAnswer(channelId)).kind).toBe('not_found');
      expect(driverError(() => s.driver.partyHangup(channelId)).kind).toBe('not_found');
      expect(driverError(() => s.driver.partyReject(channelId)).kind).toBe('not_found');
      expect(driverError(() => s.driver.partySendDtmf(channelId, '1')).kind).toBe('not_found');
      expect(driverError(() => s.driver.partyHold(channelId)).kind).toBe('not_found');
      expect(driverError(() => s.driver.partyUnhold(channelId)).kind).toBe('not_found');
    }
    expect(driverError(() => s.driver.partyAnswer(id)).message).toContain('ended');
  });

  it('throw invalid for the wrong state, naming it', async () => {
    const s = await sim(quiet);
    const id = await s.dial(NUMBER);
    expect(driverError(() => s.driver.partyHold(id)).kind).toBe('invalid');
    expect(driverError(() => s.driver.partyUnhold(id)).kind).toBe('invalid');
    s.driver.partyAnswer(id);
    const again = driverError(() => s.driver.partyAnswer(id));
    expect(again.kind).toBe('invalid');
    expect(again.message).toContain('answered');
    expect(driverError(() => s.driver.partyReject(id)).kind).toBe('invalid');
    expect(driverError(() => s.driver.partyUnhold(id)).kind).toBe('invalid');
    s.driver.partyHold(id);
    expect(driverError(() => s.driver.partyHold(id)).kind).toBe('invalid');
    expect(driverError(() => s.driver.partyHangup(id, 'bogus' as HangupCause)).kind).toBe('invalid');
    expect(driverError(() => s.driver.partyReject(id, 'normal' as 'busy')).kind).toBe('invalid');

    const inbound = s.driver.placeInboundCall({ from: '+15557770001', to: '200' });
    expect(driverError(() => s.driver.partyAnswer(inbound)).kind).toBe('invalid');
    expect(driverError(() => s.driver.partyReject(inbound)).kind).toBe('invalid');
  });
});

describe('engine commands', () => {
  it('sendDtmf appends to what the party received; hold and unhold set held silently', async () => {
    const s = await sim();
    const id = await s.dial(PHONE);
    await s.clock.advance(0);
    await s.driver.sendDtmf(id, '12');
    await s.driver.sendDtmf(id, '#');
    await s.driver.hold(id);
    expect(s.driver.channel(id)).toMatchObject({ dtmfReceived: '12#', held: true });
    await s.driver.unhold(id);
    expect(s.driver.channel(id)?.held).toBe(false);
    expect(s.timeline(id)).toEqual(['0 ringing', '0 answered']);
  });

  it('refuses commands in the wrong state with invalid', async () => {
    const s = await sim();
    const id = await s.dial(NUMBER);
    expect((await rejected(s.driver.answer(id))).kind).toBe('invalid');
    expect((await rejected(s.driver.ring(id))).kind).toBe('invalid');
    expect((await rejected(s.driver.hold(id))).kind).toBe('invalid');
    expect((await rejected(s.driver.sendDtmf(id, '1'))).kind).toBe('invalid');
    await s.clock.advance(3_000);
    expect((await rejected(s.driver.sendDtmf(id, 'x'))).kind).toBe('invalid');
    expect((await rejected(s.driver.hangup(id, 'bogus' as HangupCause))).kind).toBe('invalid');
    const inbound = s.driver.placeInboundCall({ from: '+15557770001', to: '200' });
    await s.driver.answer(inbound);
    expect((await rejected(s.driver.answer(inbound))).kind).toBe('invalid');
    expect((await rejected(s.driver.ring(inbound))).kind).toBe('invalid');
  });

  it('refuses a channel id that is in use, and bad originate requests', async () => {
    const s = await sim();
    await s.driver.originate({ channelId: 'a', endpoint: NUMBER });
    expect((await rejected(s.driver.originate({ channelId: 'a', endpoint: NUMBER }))).kind).toBe('invalid');
    expect((await rejected(s.driver.originate({ channelId: '', endpoint: NUMBER }))).kind).toBe('invalid');
    expect(
      (await rejected(s.driver.originate({ channelId: 'b', endpoint: { kind: 'number', value: '' } }))).kind,
    ).toBe('invalid');
    expect(
      (await rejected(s.driver.originate({ channelId: 'c', endpoint: NUMBER, timeoutMs: -1 }))).kind,
    ).toBe('invalid');
  });

  it('hangs up with the cause the engine gives, and keeps the ended channel visible', async () => {
    const s = await sim();
    const id = await s.dial(NUMBER);
    await s.driver.hangup(id, 'no_answer');
    expect(s.timeline(id)).toEqual(['0 ringing', '0 hangup no_answer']);
    expect(s.driver.channel(id)).toMatchObject({ state: 'ended', cause: 'no_answer' });
    expect(s.driver.channels()).toEqual([]);
  });

  it('redirect makes the channel leave its bridge with channel.hangup normal', async () => {
    const s = await sim();
    const id = await s.dial(PHONE);
    await s.clock.advance(0);
    await s.driver.createBridge('b');
    await s.driver.addToBridge('b', id);
    await s.driver.redirect(id, NUMBER);
    expect(s.timeline(id)).toEqual(['0 ringing', '0 answered', '0 hangup normal']);
    expect(s.driver.channel(id)?.bridgeId).toBeUndefined();
  });

  it('snapshots show the caller id, bridge and role', async () => {
    const s = await sim();
    await s.driver.originate({ channelId: 'x', endpoint: PHONE, callerId: '+15550001111' });
    await s.driver.createBridge('b1');
    await s.driver.createBridge('b2');
    await s.driver.addToBridge('b1', 'x', 'listen');
    expect(s.driver.channel('x')).toEqual({
      id: 'x',
      direction: 'outbound',
      address: 'PJSIP/1001',
      callerId: '+15550001111',
      state: 'ringing',
      held: false,
      muted: false,
      hears: [],
      bridgeId: 'b1',
      bridgeRole: 'listen',
      dtmfReceived: '',
      createdAt: s.clock.now(),
    });
    await s.driver.addToBridge('b2', 'x', 'whisper');
    expect(s.driver.channel('x')).toMatchObject({ bridgeId: 'b2', bridgeRole: 'whisper' });
    expect((await rejected(s.driver.removeFromBridge('b1', 'x'))).kind).toBe('invalid');
    await s.driver.destroyBridge('b2');
    expect(s.driver.channel('x')?.bridgeId).toBeUndefined();
    expect((await rejected(s.driver.createBridge('b1'))).kind).toBe('invalid');
    expect((await rejected(s.driver.addToBridge('b1', 'x', 'shout' as 'normal'))).kind).toBe('invalid');
  });

  it('shows who hears whom: listen is heard by nobody, whisper by the agent alone, normal by all; mute silences', async () => {
    const s = await sim([{ match: '*', profile: { answerAfterMs: null, hangupAfterMs: null } }]);
    const customer = await s.dial(NUMBER);
    const agent = await s.dial(PHONE);
    const supervisor = await s.dial({ kind: 'endpoint', value: 'PJSIP/1002' });
    for (const id of [customer, agent, supervisor]) s.driver.partyAnswer(id);
    await s.driver.createBridge('b');
    await s.driver.addToBridge('b', customer);
    await s.driver.addToBridge('b', agent);
    const hearing = () =>
      [customer, agent, supervisor].map((id) => s.driver.channel(id)?.hears.map((h) => h.slice(4)));
    await s.driver.addToBridge('b', supervisor, 'listen');
    // Dialled to an endpoint, the agent is whom a whisper reaches, although the customer came first.
    expect(hearing()).toEqual([['2'], ['1'], ['1', '2']]);
    await s.driver.addToBridge('b', supervisor, 'whisper');
    expect(hearing()).toEqual([['2'], ['1', '3'], ['1', '2']]);
    await s.driver.addToBridge('b', supervisor, 'normal');
    expect(hearing()).toEqual([
      ['2', '3'],
      ['1', '3'],
      ['1', '2'],
    ]);
    await s.driver.mute(customer);
    expect(s.driver.channel(customer)?.muted).toBe(true);
    expect(hearing()).toEqual([['2', '3'], ['3'], ['2']]);
    await s.driver.unmute(customer);
    await s.driver.hold(agent);
    expect(hearing()).toEqual([['3'], [], ['1']]);
    expect((await rejected(s.driver.mute('nobody'))).kind).toBe('not_found');
  });

  it('declares every capability and all three bridge roles', () => {
    const driver = new SimulatorDriver({ clock: new VirtualClock() });
    expect(driver.name).toBe('simulator');
    expect(driver.capabilities).toEqual({
      hold: true,
      dtmf: true,
      redirect: true,
      bridgeRoles: ['normal', 'listen', 'whisper'],
      mute: true,
      playback: true,
      recording: true,
      hangup: true,
      bridging: true,
    });
  });

  it('keeps only the most recent ended channels', async () => {
    const s = await sim();
    for (let i = 0; i <= RECENT_ENDED_CHANNELS; i++) {
      const id = await s.dial(NUMBER);
      await s.driver.hangup(id, 'normal');
    }
    expect(s.driver.channel('out-1')).toBeUndefined();
    expect(s.driver.channel('out-2')?.state).toBe('ended');
    expect(s.driver.channel(`out-${RECENT_ENDED_CHANNELS + 1}`)?.state).toBe('ended');
  });
});

describe('media', () => {
  it('plays sound media for 1 s and text for 1 s plus 50 ms a character', async () => {
    const s = await sim();
    const id = await s.dial(PHONE);
    await s.clock.advance(0);
    await s.driver.play(id, 'p1', 'sound:hello-world');
    await s.driver.play(id, 'p2', 'Hello');
    await s.driver.play(id, 'p3', 'recording:greeting');
    await s.clock.advance(5_000);
    expect(s.timeline(id).slice(2)).toEqual([
      '1000 playback.finished',
      '1000 playback.finished',
      '1250 playback.finished',
    ]);
    expect(
      s
        .of(id)
        .slice(2)
        .map((e) => e.type === 'playback.finished' && e.playbackId),
    ).toEqual(['p1', 'p3', 'p2']);
  });

  it('stopPlayback finishes at once; a hang-up finishes playbacks before the channel.hangup', async () => {
    const s = await sim();
    const id = await s.dial(PHONE);
    await s.clock.advance(0);
    await s.driver.play(id, 'p1', 'sound:beep');
    await s.driver.play(id, 'p2', 'sound:beep');
    await s.driver.stopPlayback('p1');
    expect((await rejected(s.driver.stopPlayback('p1'))).kind).toBe('not_found');
    expect((await rejected(s.driver.play(id, 'p2', 'sound:beep'))).kind).toBe('invalid');
    await s.driver.hangup(id, 'normal');
    expect(s.timeline(id).slice(2)).toEqual([
      '0 playback.finished',
      '0 playback.finished',
      '0 hangup normal',
    ]);
    expect(s.clock.pendingTimers).toBe(0);
  });

  it('recordings report their duration when stopped, at maxDurationMs, or when their target goes', async () => {
    const s = await sim();
    const id = await s.dial(PHONE);
    await s.clock.advance(0);
    await s.driver.createBridge('b');
    await s.driver.startRecording({ kind: 'channel', id }, 'r-stop');
    await s.driver.startRecording({ kind: 'channel', id }, 'r-max', { maxDurationMs: 2_000 });
    await s.driver.startRecording({ kind: 'bridge', id: 'b' }, 'r-bridge');
    await s.driver.startRecording({ kind: 'channel', id }, 'r-hangup');
    expect((await rejected(s.driver.startRecording({ kind: 'channel', id }, 'r-stop'))).kind).toBe('invalid');
    expect(
      (await rejected(s.driver.startRecording({ kind: 'channel', id }, 'r-bad', { maxDurationMs: 0 }))).kind,
    ).toBe('invalid');
    await s.clock.advance(1_500);
    await s.driver.stopRecording('r-stop');
    await s.clock.advance(1_500);
    await s.driver.destroyBridge('b');
    await s.clock.advance(1_000);
    await s.driver.hangup(id, 'normal');
    const finished = s.events.flatMap((e) =>
      e.type === 'recording.finished' ? [[e.recordingId, e.target.kind, e.durationMs]] : [],
    );
    expect(finished).toEqual([
      ['r-stop', 'channel', 1_500],
      ['r-max', 'channel', 2_000],
      ['r-bridge', 'bridge', 3_000],
      ['r-hangup', 'channel', 4_000],
    ]);
    expect(s.events.at(-1)).toEqual({ type: 'channel.hangup', channelId: id, cause: 'normal' });
    expect(s.clock.pendingTimers).toBe(0);
  });
});

describe('event delivery', () => {
  it('an event caused inside a listener reaches every listener after the current one', async () => {
    const s = await sim();
    const second: string[] = [];
    s.driver.onEvent((e) => {
      if (e.type === 'channel.answered') s.driver.partyHangup(e.channelId);
    });
    s.driver.onEvent((e) => second.push(e.type));
    const id = await s.dial(PHONE);
    await s.clock.advance(0);
    expect(second).toEqual(['channel.ringing', 'channel.answered', 'channel.hangup']);
    expect(s.timeline(id)).toEqual(['0 ringing', '0 answered', '0 hangup normal']);
  });

  it('a listener that throws does not stop delivery; the error reaches whoever caused the event', async () => {
    const s = await sim();
    s.driver.onEvent(() => {
      throw new Error('listener bug');
    });
    await expect(s.dial(PHONE)).rejects.toThrow('listener bug');
    expect(s.events.map((e) => e.type)).toEqual(['channel.ringing']);
    await expect(s.clock.advance(0)).rejects.toThrow('listener bug');
    expect(s.events.map((e) => e.type)).toEqual(['channel.ringing', 'channel.answered']);
  });

  it('commands reject with unavailable before start', async () => {
    const driver = new SimulatorDriver({ clock: new VirtualClock() });
    expect((await rejected(driver.originate({ channelId: 'a', endpoint: NUMBER }))).kind).toBe('unavailable');
    expect((await rejected(driver.hangup('a', 'normal'))).kind).toBe('unavailable');
  });
});

describe('reset and stop', () => {
  it('reset ends every live channel with normal, clears timers and bridges, restores the profiles', async () => {
    const s = await sim([{ match: '+1555*', profile: { answerAfterMs: 500 } }]);
    s.driver.setProfile({ match: '*', profile: { outcome: 'busy' } });
    s.driver.removeProfile('+1555*');
    const a = await s.dial(NUMBER, 30_000);
    const b = await s.dial(PHONE);
    const c = s.driver.placeInboundCall({ from: '+15557770001', to: '200', abandonAfterMs: 5_000 });
    await s.driver.createBridge('b');
    await s.driver.play(a, 'p', 'sound:beep');
    await s.driver.startRecording({ kind: 'bridge', id: 'b' }, 'r');
    s.driver.reset();
    expect([a, b, c].map((id) => s.timeline(id).at(-1))).toEqual([
      '0 hangup normal',
      '0 hangup normal',
      '0 hangup normal',
    ]);
    expect(
      s.events.filter((e) => e.type === 'recording.finished' || e.type === 'playback.finished'),
    ).toHaveLength(2);
    expect(s.clock.pendingTimers).toBe(0);
    expect(s.driver.channels()).toEqual([]);
    expect(s.driver.listProfiles()).toEqual([{ match: '+1555*', profile: { answerAfterMs: 500 } }]);
    expect((await rejected(s.driver.destroyBridge('b'))).kind).toBe('not_found');
    const again = await s.dial(NUMBER);
    await s.clock.advance(500);
    expect(s.driver.channel(again)?.state).toBe('answered');
  });

  it('stop ends live channels with network_error, then reports driver.disconnected; start again works', async () => {
    const s = await sim();
    const id = await s.dial(NUMBER);
    await s.driver.stop();
    expect(s.events.slice(-2)).toEqual([
      { type: 'channel.hangup', channelId: id, cause: 'network_error' },
      { type: 'driver.disconnected', reason: 'simulator stopped' },
    ]);
    expect(s.clock.pendingTimers).toBe(0);
    await s.driver.start();
    expect(s.events.at(-1)).toEqual({ type: 'driver.connected' });
    await s.dial(NUMBER);
  });
});

describe('resources', () => {
  it('leaves no timer behind once every channel has ended, however it ended', async () => {
    const s = await sim([
      { match: '+1555000*', profile: { outcome: 'busy' } },
      { match: '+1555001*', profile: { answerAfterMs: null } },
      {
        match: '+1555002*',
        profile: { hangupAfterMs: 2_000, dtmf: { digits: '123456789', interDigitMs: 100 } },
      },
    ]);
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const value = `+155500${i % 3}${String(i).padStart(4, '0')}`;
      ids.push(await s.dial({ kind: 'number', value }, 20_000));
    }
    ids.push(s.driver.placeInboundCall({ from: '+15557770001', to: '200', abandonAfterMs: 1_000 }));
    await s.driver.play(ids[2]!, 'p', 'long text to speak');
    await s.driver.startRecording({ kind: 'channel', id: ids[5]! }, 'r', { maxDurationMs: 60_000 });
    await s.clock.advance(3_500);
    expect(s.clock.pendingTimers).toBeGreaterThan(0);
    await s.clock.advance(30_000);
    expect(s.driver.channels()).toEqual([]);
    expect(s.clock.pendingTimers).toBe(0);
    for (const id of ids) {
      expect(s.of(id).filter((e) => e.type === 'channel.hangup')).toHaveLength(1);
      expect(s.of(id).at(-1)?.type).toBe('channel.hangup');
    }
  });
});

describe('profiles files', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sim-profiles-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('reads a list of rules with the profile fields inline', () => {
    const path = file(
      'list.yaml',
      [
        '- match: "+1555*"',
        '  answerAfterMs: 1500',
        '  hangupAfterMs: null',
        '- match: PJSIP/1005',
        '  outcome: busy',
        '  failAfterMs: 300',
        "- match: '*'",
        '  dtmf: { digits: "12#", afterMs: 500 }',
      ].join('\n'),
    );
    expect(loadProfilesFile(path)).toEqual([
      { match: '+1555*', profile: { answerAfterMs: 1_500, hangupAfterMs: null } },
      { match: 'PJSIP/1005', profile: { outcome: 'busy', failAfterMs: 300 } },
      { match: '*', profile: { dtmf: { digits: '12#', afterMs: 500 } } },
    ]);
  });

  it('reads { profiles: [...] }, accepts { match, profile } entries, and an empty file', () => {
    const path = file(
      'wrapped.yaml',
      'profiles:\n  - match: sim/*\n    profile:\n      answerAfterMs: 0\n  - match: "+1"\n    outcome: rejected\n',
    );
    expect(loadProfilesFile(path)).toEqual([
      { match: 'sim/*', profile: { answerAfterMs: 0 } },
      { match: '+1', profile: { outcome: 'rejected' } },
    ]);
    expect(loadProfilesFile(file('empty.yaml', ''))).toEqual([]);
  });

  it('writes back what listProfiles returns', async () => {
    const s = await sim();
    s.driver.setProfile({ match: '+1555*', profile: { answerAfterMs: null, dtmf: { digits: '1' } } });
    s.driver.setProfile({ match: 'PJSIP/*', profile: { outcome: 'unreachable' } });
    const path = file('roundtrip.yaml', stringify({ profiles: s.driver.listProfiles() }));
    expect(loadProfilesFile(path)).toEqual(s.driver.listProfiles());
  });

  it('names the file, line, entry and field of each problem', () => {
    const path = file(
      'bad.yaml',
      [
        '- match: "+1555*"',
        '  answerAfterMs: 1000',
        '- match: PJSIP/1005',
        '  outcome: bussy',
        '- match: sim/*',
        '  dtmf:',
        '    digits: "12x"',
        '  ringFor: 3',
      ].join('\n'),
    );
    let error: unknown;
    try {
      loadProfilesFile(path);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProfileError);
    const message = (error as ProfileError).message;
    expect(message).toContain(`${path}: 3 problems in profile rules`);
    expect(message).toContain(
      `${path}:4: entry 2 (match "PJSIP/1005"): outcome: must be one of answer, busy`,
    );
    expect(message).toContain(
      `${path}:7: entry 3 (match "sim/*"): dtmf.digits: may only contain 0-9, *, # and A-D`,
    );
    expect(message).toContain(`${path}:8: entry 3 (match "sim/*"): ringFor: unknown field`);
    expect((error as ProfileError).issues.map((i) => [i.path.join('.'), i.line])).toEqual([
      ['1.outcome', 4],
      ['2.dtmf.digits', 7],
      ['2.ringFor', 8],
    ]);
  });

  it('names a missing match, and a document of the wrong shape', () => {
    expect(() => loadProfilesFile(file('nomatch.yaml', 'profiles:\n  - outcome: busy\n'))).toThrow(
      /nomatch\.yaml:2: entry 1: match: is missing/,
    );
    expect(() => loadProfilesFile(file('scalar.yaml', 'busy\n'))).toThrow(
      /scalar\.yaml:1: expected a list of profile rules/,
    );
    expect(() => loadProfilesFile(file('notlist.yaml', 'profiles: 3\n'))).toThrow(
      /notlist\.yaml:1: profiles must be a list/,
    );
  });

  it('names the line of a YAML syntax error', () => {
    const path = file('syntax.yaml', '- match: "+1555*"\n  outcome: [busy\n');
    expect(() => loadProfilesFile(path)).toThrow(new RegExp(`^${escapeRegExp(path)}:\\d+: not valid YAML`));
  });

  it('names a file that cannot be read', () => {
    const path = join(dir, 'missing.yaml');
    expect(() => loadProfilesFile(path)).toThrow(`${path}: cannot read profiles file (ENOENT)`);
  });

  it('parseProfileRules and parseProfilesYaml name the source they are given', () => {
    expect(() => parseProfileRules([{ match: '' }], 'request body')).toThrow(
      'request body: entry 1 (match ""): match: must not be empty',
    );
    expect(() => parseProfilesYaml('- match: x\n  answerAfterMs: -1\n', 'inline')).toThrow(
      'inline:2: entry 1 (match "x"): answerAfterMs: must be 0 or more milliseconds',
    );
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
