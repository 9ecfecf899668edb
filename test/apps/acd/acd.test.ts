import { afterEach, describe, expect, it } from 'vitest';
import type { QueueStats } from '../../../src/apps/acd/events.ts';
import type { AgentProfile, AgentState } from '../../../src/core/agent.ts';
import type { CallSnapshot } from '../../../src/core/call.ts';
import type { DomainEventOf, DomainEventType } from '../../../src/core/events.ts';
import type { QueueConfig } from '../../../src/core/queue.ts';
import type { RouteDestination } from '../../../src/core/routing.ts';
import {
  type AcdHarness,
  type AcdHarnessOptions,
  agent,
  queue,
  startAcd,
} from '../../support/acd-harness.ts';

/**
 * Behaviour of the ACD through the engine, the simulator and the virtual clock: callers dial in, the
 * routing table sends them to queues, agents' phones ring and are answered (or not) by the test, and
 * time moves only when the test says. Assertions are on what clients see: events, agent states, call
 * snapshots and queue statistics.
 */

let h: AcdHarness;
afterEach(async () => h?.close());

/** The main DID of most tests, routed to queue `q`. */
const DID = '+13125550100';

/** Callers, by call id: the simulator channel of the caller. */
const callers = new Map<string, string>();
let callerCount = 0;

/**
 * A Switchboard whose agents' phones ring until the test answers or rejects them and whose callers
 * wait until the test hangs them up.
 */
async function setUp(options: AcdHarnessOptions = {}): Promise<AcdHarness> {
  h = await startAcd(options);
  callers.clear();
  h.sb.driver.setProfile({ match: 'sim/*', profile: { answerAfterMs: null } });
  h.sb.driver.setProfile({ match: '+1415*', profile: { hangupAfterMs: null } });
  return h;
}

async function agents(...profiles: (string | AgentProfile)[]): Promise<void> {
  for (const p of profiles) await h.sb.acd.saveAgent(typeof p === 'string' ? agent(p) : p);
}

async function login(...ids: string[]): Promise<void> {
  for (const id of ids) await h.sb.acd.login(id);
  await h.settle();
}

/** Saves a queue and routes `did` to it. */
async function queueAt(did: string, config: QueueConfig, priority?: 'normal' | 'high' | 'emergency') {
  await h.sb.acd.saveQueue(config);
  await route(did, { kind: 'queue', queueId: config.id, ...(priority && { priority }) });
}

async function route(dialled: string, destination: RouteDestination, caller?: string): Promise<void> {
  await h.sb.acd.saveRoute({
    id: `${dialled}${caller ?? ''}`,
    dialled,
    ...(caller !== undefined && { caller }),
    order: 1,
    destination,
  });
}

/** A caller dials `did`; resolves with the call's id once everything it set off has happened. */
async function dial(did = DID, from?: string): Promise<string> {
  const number = from ?? `+1415555${String(1000 + callerCount++).slice(-4)}`;
  const channelId = h.sb.driver.placeInboundCall({ from: number, to: did });
  await h.settle();
  const ringing = h.events.find(
    (e): e is DomainEventOf<'call.ringing'> =>
      e.type === 'call.ringing' && e.data.call.legs[0]?.id === channelId,
  );
  expect(ringing, `no call for inbound channel ${channelId}`).toBeDefined();
  callers.set(ringing!.data.call.id, channelId);
  return ringing!.data.call.id;
}

function eventsOf<T extends DomainEventType>(type: T, where: (e: DomainEventOf<T>) => boolean = () => true) {
  return h.events.filter((e): e is DomainEventOf<T> => e.type === type && where(e as DomainEventOf<T>));
}

/** Agents a call was offered to, in order. */
function offersOf(callId: string): string[] {
  return eventsOf('call.offered', (e) => e.callId === callId).map((e) => e.data.agentId);
}

/** Every offer made since event index `from`, as `agent<-call`. */
function offersSince(from: number): { agentId: string; callId: string }[] {
  return h.events
    .slice(from)
    .filter((e): e is DomainEventOf<'call.offered'> => e.type === 'call.offered')
    .map((e) => ({ agentId: e.data.agentId, callId: e.callId! }));
}

function offerEnds(callId: string) {
  return eventsOf('call.offer.ended', (e) => e.callId === callId).map((e) => ({
    agentId: e.data.agentId,
    reason: e.data.reason,
  }));
}

function stateOf(id: string): AgentState {
  return h.sb.acd.getAgent(id).status.state;
}

function states(...ids: string[]): Record<string, AgentState> {
  return Object.fromEntries(ids.map((id) => [id, stateOf(id)]));
}

/** The simulator channel of an agent's phone in a given state. */
function phone(agentId: string, state: 'ringing' | 'answered') {
  const found = h.sb.driver.channels().filter((c) => c.address === `sim/${agentId}` && c.state === state);
  expect(found, `${agentId} should have exactly one ${state} phone`).toHaveLength(1);
  return found[0]!;
}

function isRinging(agentId: string): boolean {
  return h.sb.driver.channels().some((c) => c.address === `sim/${agentId}` && c.state === 'ringing');
}

async function answer(agentId: string): Promise<void> {
  h.sb.driver.partyAnswer(phone(agentId, 'ringing').id);
  await h.settle();
}

async function reject(agentId: string): Promise<void> {
  h.sb.driver.partyReject(phone(agentId, 'ringing').id, 'rejected');
  await h.settle();
}

/** The agent puts the phone down, ending their call. */
async function hangUp(agentId: string): Promise<void> {
  h.sb.driver.partyHangup(phone(agentId, 'answered').id);
  await h.settle();
}

/** The caller of `callId` hangs up. */
async function abandon(callId: string): Promise<void> {
  h.sb.driver.partyHangup(callers.get(callId)!);
  await h.settle();
}

/** Answers the offer ringing `agentId`, then hangs it up: one complete call for that agent. */
async function takeAndFinish(agentId: string): Promise<void> {
  await answer(agentId);
  await hangUp(agentId);
}

function call(callId: string): Promise<CallSnapshot> {
  return h.sb.engine.get(callId);
}

function waiting(queueId = 'q'): string[] {
  return h.sb.acd.waitingIn(queueId).map((w) => w.callId);
}

function left(callId: string) {
  return eventsOf('queue.left', (e) => e.callId === callId).map((e) => e.data);
}

function agentStates(agentId: string, from = 0): AgentState[] {
  return h.events
    .slice(from)
    .filter((e): e is DomainEventOf<'agent.state'> => e.type === 'agent.state' && e.agentId === agentId)
    .map((e) => e.data.agent.status.state);
}

/** A small seeded PRNG. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('strategies', () => {
  it('ring_all rings every free member; the first to answer takes the call, the others stop ringing', async () => {
    await setUp();
    await agents('a1', 'a2', 'a3', 'a4', 'a5');
    await queueAt(DID, queue('q', ['a1', 'a2', 'a3', 'a4', 'a5'], { strategy: 'ring_all' }));
    await login('a1', 'a2', 'a3', 'a4', 'a5');
    await h.sb.acd.pause('a4', 'break');
    // a5 is busy with a call of its own queue.
    await queueAt('+13125550109', queue('q-b', ['a5']));
    await dial('+13125550109');
    await answer('a5');

    const c = await dial();
    expect(offersOf(c).sort()).toEqual(['a1', 'a2', 'a3']);
    expect(states('a1', 'a2', 'a3', 'a4', 'a5')).toEqual({
      a1: 'reserved',
      a2: 'reserved',
      a3: 'reserved',
      a4: 'away',
      a5: 'on_call',
    });
    expect((await call(c)).status).toBe('ringing');

    await answer('a2');
    const snap = await call(c);
    expect(snap).toMatchObject({ status: 'answered', agentId: 'a2', queueId: 'q' });
    expect(offerEnds(c).sort((x, y) => x.agentId.localeCompare(y.agentId))).toEqual([
      { agentId: 'a1', reason: 'canceled' },
      { agentId: 'a3', reason: 'canceled' },
    ]);
    const agentLegs = snap.legs.filter((l) => l.role === 'agent');
    expect(agentLegs.map((l) => [l.agentId, l.status, l.endReason ?? null])).toEqual(
      expect.arrayContaining([
        ['a1', 'ended', 'canceled'],
        ['a2', 'answered', null],
        ['a3', 'ended', 'canceled'],
      ]),
    );
    expect(isRinging('a1') || isRinging('a3')).toBe(false);
    expect(states('a1', 'a2', 'a3')).toEqual({ a1: 'available', a2: 'on_call', a3: 'available' });
    // Losing a ring-all race is no missed offer.
    expect(h.sb.acd.getAgent('a1').status.missedOffers).toBe(0);
    expect(left(c)).toEqual([expect.objectContaining({ reason: 'answered' })]);
  });

  it('ring_all dials every free member at once: no phone waits for another dial to be answered', async () => {
    await setUp();
    await agents('a1', 'a2', 'a3');
    await queueAt(DID, queue('q', ['a1', 'a2', 'a3'], { strategy: 'ring_all' }));
    await login('a1', 'a2', 'a3');
    // The PBX takes its time over each dial: they are held until the test lets them through.
    const driver = h.sb.driver;
    const originate = driver.originate.bind(driver);
    const held: Array<() => void> = [];
    let holding = true;
    let firstHeld: () => void = () => {};
    const first = new Promise<void>((resolve) => {
      firstHeld = resolve;
    });
    driver.originate = (command) => {
      if (!holding) return originate(command);
      return new Promise((resolve, reject) => {
        held.push(() => void originate(command).then(resolve, reject));
        firstHeld();
      });
    };

    const channelId = driver.placeInboundCall({ from: '+14155551000', to: DID });
    const settling = h.settle();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    const heldAtOnce = held.length;
    // Let them through before asserting, so that a failure does not leave the engine waiting on them.
    holding = false;
    for (const release of held) release();
    await settling;
    expect(heldAtOnce).toBe(3);
    await h.settle();
    const offered = eventsOf('call.offered', (e) => e.data.call.legs[0]?.id === channelId);
    expect(offered.map((e) => e.data.agentId).sort()).toEqual(['a1', 'a2', 'a3']);
    expect(states('a1', 'a2', 'a3')).toEqual({ a1: 'reserved', a2: 'reserved', a3: 'reserved' });
    expect(['a1', 'a2', 'a3'].every(isRinging)).toBe(true);
  });

  it('longest_idle offers the member free the longest, counting from the end of their last call', async () => {
    await setUp();
    await agents('a1', 'a2', 'a3');
    await queueAt(DID, queue('q', ['a1', 'a2', 'a3']));
    // Logged in a3, then a1, then a2, a second apart.
    await login('a3');
    await h.advance(1_000);
    await login('a1');
    await h.advance(1_000);
    await login('a2');

    const c1 = await dial();
    expect(offersOf(c1)).toEqual(['a3']);
    await answer('a3');
    const c2 = await dial();
    expect(offersOf(c2)).toEqual(['a1']);
    await answer('a1');
    await h.advance(1_000);
    await hangUp('a3'); // a3 free again, but only since now
    await h.advance(1_000);
    await hangUp('a1'); // a1 later still

    const c3 = await dial();
    expect(offersOf(c3)).toEqual(['a2']); // never took a call: free the longest
    await answer('a2');
    const c4 = await dial();
    expect(offersOf(c4)).toEqual(['a3']);
    await answer('a3');
    const c5 = await dial();
    expect(offersOf(c5)).toEqual(['a1']);
  });

  it('fewest_calls offers the member with the fewest answered calls, even over one idle longer', async () => {
    await setUp();
    await agents('a1', 'a2', 'a3');
    await queueAt(DID, queue('q', ['a1', 'a2', 'a3'], { strategy: 'fewest_calls' }));
    await login('a1');
    await h.advance(1_000);
    await login('a2');

    const c1 = await dial();
    expect(offersOf(c1)).toEqual(['a1']); // equal (0): longest idle
    await takeAndFinish('a1');
    const c2 = await dial();
    expect(offersOf(c2)).toEqual(['a2']); // 0 calls beats 1
    await answer('a2');
    const c3 = await dial();
    expect(offersOf(c3)).toEqual(['a1']); // the only free one
    await answer('a1');
    await h.advance(1_000);
    await hangUp('a1'); // a1: 2 calls, free since now
    await h.advance(1_000);
    await hangUp('a2'); // a2: 1 call, free for less time than a1

    const c4 = await dial();
    expect(offersOf(c4)).toEqual(['a2']);
    await answer('a2');
    await login('a3'); // 0 calls, just logged in
    const c5 = await dial();
    expect(offersOf(c5)).toEqual(['a3']);
    expect(h.sb.acd.getAgent('a1').status.callsAnswered).toBe(2);
    expect(h.sb.acd.getAgent('a2').status.callsAnswered).toBe(2);
  });

  it('round_robin takes turns in member order, remembering whose turn it is across calls and skipping busy members', async () => {
    await setUp();
    await agents('a1', 'a2', 'a3', 'a4');
    await queueAt(DID, queue('q', ['a1', 'a2', 'a3', 'a4'], { strategy: 'round_robin' }));
    // Logged in in reverse: longest idle would start with a4.
    for (const id of ['a4', 'a3', 'a2', 'a1']) {
      await login(id);
      await h.advance(1_000);
    }
    const picks: string[] = [];
    const next = async () => {
      const c = await dial();
      const offered = offersOf(c);
      expect(offered).toHaveLength(1);
      picks.push(offered[0]!);
      return offered[0]!;
    };
    await takeAndFinish(await next()); // a1
    await answer(await next()); // a2 stays on the phone
    await takeAndFinish(await next()); // a3
    await takeAndFinish(await next()); // a4
    await takeAndFinish(await next()); // a1 again
    await takeAndFinish(await next()); // a2 is busy: a3
    await hangUp('a2');
    await takeAndFinish(await next()); // a4
    await takeAndFinish(await next()); // a1
    await takeAndFinish(await next()); // a2, free again
    expect(picks).toEqual(['a1', 'a2', 'a3', 'a4', 'a1', 'a3', 'a4', 'a1', 'a2']);
  });

  it('skills offers the best match of the required skills, then the longest idle; unqualified members never', async () => {
    await setUp();
    await agents(
      agent('s1', { skills: { german: 9, billing: 3 } }), // 12
      agent('s2', { skills: { german: 5, billing: 8 } }), // 13
      agent('s3', { skills: { german: 4, billing: 10 } }), // german below the minimum
      agent('s4', { skills: { billing: 10, french: 10 } }), // no german at all
      agent('s5', { skills: { german: 6, billing: 7, french: 9 } }), // 13; french does not count
    );
    await queueAt(
      DID,
      queue('q', ['s1', 's2', 's3', 's4', 's5'], {
        strategy: 'skills',
        requiredSkills: { german: 5, billing: 3 },
      }),
    );
    await login('s5');
    await h.advance(1_000);
    await login('s1', 's2', 's3', 's4');

    const c1 = await dial();
    expect(offersOf(c1)).toEqual(['s5']); // 13, tied with s2, idle longer
    await answer('s5');
    const c2 = await dial();
    expect(offersOf(c2)).toEqual(['s2']);
    await answer('s2');
    const c3 = await dial();
    expect(offersOf(c3)).toEqual(['s1']);
    await answer('s1');

    // Only unqualified members are free: the caller waits.
    const c4 = await dial();
    await h.advance(60_000);
    expect(offersOf(c4)).toEqual([]);
    expect(waiting()).toEqual([c4]);
    expect(states('s3', 's4')).toEqual({ s3: 'available', s4: 'available' });

    await hangUp('s1');
    expect(offersOf(c4)).toEqual(['s1']);
    const offeredToUnqualified = eventsOf('call.offered').filter((e) =>
      ['s3', 's4'].includes(e.data.agentId),
    );
    expect(offeredToUnqualified).toEqual([]);
  });

  it('skills: a qualified member who let the caller ring out gets it again while only unqualified members are free', async () => {
    await setUp();
    await agents(agent('q1', { skills: { german: 5 } }), agent('u1', { skills: { french: 9 } }));
    await queueAt(
      DID,
      queue('q', ['q1', 'u1'], { strategy: 'skills', requiredSkills: { german: 1 }, offerTimeoutMs: 5_000 }),
    );
    await login('q1', 'u1');
    const c = await dial();
    expect(offersOf(c)).toEqual(['q1']);
    await h.advance(5_000);
    expect(offerEnds(c)).toEqual([{ agentId: 'q1', reason: 'no_answer' }]);
    // q1 is the only one who can take it: a new round starts with them rather than leaving the caller.
    expect(offersOf(c)).toEqual(['q1', 'q1']);
    expect(stateOf('q1')).toBe('reserved');
    await answer('q1');
    expect(await call(c)).toMatchObject({ status: 'answered', agentId: 'q1' });
  });

  it('random offers only free members, as the seeded randomness chooses', async () => {
    const script = [0.1, 0.9, 0.7, 0.3, 0.5, 0.49];
    await setUp({ acd: { random: () => script.shift() ?? 0 } });
    await agents('r1', 'r2', 'r3', 'r4');
    await queueAt(DID, queue('q', ['r1', 'r2', 'r3', 'r4'], { strategy: 'random' }));
    // r2 is busy on a call of another queue, r4 is away: the draw is between r1 and r3.
    await queueAt('+13125550109', queue('q-other', ['r2']));
    await login('r1', 'r2', 'r3', 'r4');
    await h.sb.acd.pause('r4', 'lunch');
    await dial('+13125550109');
    await answer('r2');

    const picks: string[] = [];
    for (let i = 0; i < 6; i++) {
      const c = await dial();
      const offered = offersOf(c);
      expect(offered).toHaveLength(1);
      picks.push(offered[0]!);
      await takeAndFinish(offered[0]!);
    }
    expect(picks).toEqual(['r1', 'r3', 'r3', 'r1', 'r3', 'r1']);
  });

  it('random never offers a busy or away member, over many draws', async () => {
    await setUp({ acd: { random: mulberry32(7) } });
    await agents('r1', 'r2', 'r3', 'r4', 'r5');
    await queueAt(DID, queue('q', ['r1', 'r2', 'r3', 'r4', 'r5'], { strategy: 'random' }));
    await login('r1', 'r2', 'r3', 'r4', 'r5');
    await h.sb.acd.pause('r4', 'lunch');
    const mark = h.events.length;
    // Whoever takes the first call stays on it; everyone else finishes theirs.
    const first = await dial();
    const r = offersOf(first)[0]!;
    await answer(r);
    for (let i = 0; i < 20; i++) {
      const c = await dial();
      const [offered] = offersOf(c);
      expect(['r1', 'r2', 'r3', 'r5'].filter((id) => id !== r)).toContain(offered);
      await takeAndFinish(offered!);
    }
    expect(offersSince(mark).map((o) => o.agentId)).not.toContain('r4');
  });
});

describe('queue changes', () => {
  it('members added to a queue while logged in are offered its callers; members removed are not', async () => {
    await setUp();
    await agents('a1', 'a2');
    await queueAt(DID, queue('q', ['a1']));
    await login('a1', 'a2');
    await h.sb.acd.pause('a1', 'break');
    const c1 = await dial();
    expect(offersOf(c1)).toEqual([]);

    await h.sb.acd.saveQueue(queue('q', ['a1', 'a2']));
    await h.settle();
    expect(offersOf(c1)).toEqual(['a2']);
    await takeAndFinish('a2');

    await h.sb.acd.saveQueue(queue('q', ['a1']));
    const c2 = await dial();
    await h.advance(60_000);
    expect(offersOf(c2)).toEqual([]);
    expect(stateOf('a2')).toBe('available');
    await h.sb.acd.unpause('a1');
    await h.settle();
    expect(offersOf(c2)).toEqual(['a1']);
  });
});

describe('offers that are not answered', () => {
  it('an offer that rings out goes to the next agent; the first is free again with one missed offer', async () => {
    await setUp();
    await agents('a1', 'a2');
    await queueAt(DID, queue('q', ['a1', 'a2'], { offerTimeoutMs: 5_000 }));
    await login('a1');
    await h.advance(1_000);
    await login('a2');
    const c = await dial();
    expect(offersOf(c)).toEqual(['a1']);
    await h.advance(4_999);
    expect(offersOf(c)).toEqual(['a1']);
    await h.advance(1);
    expect(offerEnds(c)).toEqual([{ agentId: 'a1', reason: 'no_answer' }]);
    expect(offersOf(c)).toEqual(['a1', 'a2']);
    expect(isRinging('a1')).toBe(false);
    expect(states('a1', 'a2')).toEqual({ a1: 'available', a2: 'reserved' });
    expect(h.sb.acd.getAgent('a1').status.missedOffers).toBe(1);
    await answer('a2');
    expect(await call(c)).toMatchObject({ status: 'answered', agentId: 'a2' });
    // An answer resets the count for the agent who answered, not for the one who missed.
    expect(h.sb.acd.getAgent('a2').status.missedOffers).toBe(0);
  });

  it('a caller whose offer rang out keeps its place ahead of callers who came later', async () => {
    await setUp();
    await agents('a1', 'a2');
    await queueAt(DID, queue('q', ['a1', 'a2'], { offerTimeoutMs: 5_000 }));
    await login('a1', 'a2');
    await h.sb.acd.pause('a2', 'break');
    const c1 = await dial();
    await h.advance(1_000);
    const c2 = await dial();
    const c3 = await dial();
    expect(waiting()).toEqual([c1, c2, c3]);
    expect(eventsOf('queue.entered', (e) => e.callId === c2)[0]?.data.position).toBe(2);

    await h.advance(4_000); // a1 lets c1 ring out
    expect(offerEnds(c1)).toEqual([{ agentId: 'a1', reason: 'no_answer' }]);
    expect(waiting()).toEqual([c1, c2, c3]);
    // a1, the only free member, is offered c1 again (a new round), not c2.
    expect(offersOf(c1)).toEqual(['a1', 'a1']);
    expect(offersOf(c2)).toEqual([]);
    // a1 goes on a break while it rings (the offer is withdrawn); a2 comes back: still c1 first.
    await h.sb.acd.pause('a1', 'break');
    await h.settle();
    expect(waiting()).toEqual([c1, c2, c3]);
    const mark = h.events.length;
    await h.sb.acd.unpause('a2');
    await h.settle();
    expect(offersSince(mark)).toEqual([{ agentId: 'a2', callId: c1 }]);
  });

  it('an agent who lets 3 offers in a row ring out goes away with reason no_answer', async () => {
    await setUp();
    await agents('a1', 'a2');
    await queueAt(DID, queue('q', ['a1', 'a2'], { offerTimeoutMs: 5_000 }));
    await login('a1');
    const c = await dial();
    for (let i = 1; i <= 3; i++) {
      expect(stateOf('a1')).toBe('reserved');
      await h.advance(5_000);
    }
    expect(offersOf(c)).toEqual(['a1', 'a1', 'a1']);
    expect(h.sb.acd.getAgent('a1').status).toMatchObject({
      state: 'away',
      reason: 'no_answer',
      missedOffers: 3,
    });
    const last = eventsOf('agent.state', (e) => e.agentId === 'a1').at(-1)!;
    expect(last.data).toMatchObject({
      previous: 'available',
      agent: { status: { state: 'away', reason: 'no_answer' } },
    });
    // The caller waits, unoffered, until someone can take it.
    await h.advance(30_000);
    expect(offersOf(c)).toHaveLength(3);
    expect(waiting()).toEqual([c]);
    await login('a2');
    expect(offersOf(c)).toEqual(['a1', 'a1', 'a1', 'a2']);
    // Unpausing brings a1 back; an answer clears the count.
    await h.sb.acd.unpause('a1');
    const c2 = await dial();
    expect(offersOf(c2)).toEqual(['a1']);
    await answer('a1');
    expect(h.sb.acd.getAgent('a1').status.missedOffers).toBe(0);
  });

  it('a rejected offer goes to the next agent', async () => {
    await setUp();
    await agents('a1', 'a2');
    await queueAt(DID, queue('q', ['a1', 'a2']));
    await login('a1');
    await h.advance(1_000);
    await login('a2');
    const c = await dial();
    expect(offersOf(c)).toEqual(['a1']);
    await reject('a1');
    expect(offerEnds(c)).toEqual([{ agentId: 'a1', reason: 'rejected' }]);
    expect(offersOf(c)).toEqual(['a1', 'a2']);
    expect(h.sb.acd.getAgent('a1').status).toMatchObject({ state: 'available', missedOffers: 1 });
    await answer('a2');
    expect(await call(c)).toMatchObject({ status: 'answered', agentId: 'a2' });
  });

  it('an agent logging out while their phone rings returns the call to the queue at its place', async () => {
    await setUp();
    await agents('a1', 'a2');
    await queueAt(DID, queue('q', ['a1', 'a2']));
    await login('a1', 'a2');
    await h.sb.acd.pause('a2', 'break');
    const c1 = await dial();
    const c2 = await dial();
    expect(offersOf(c1)).toEqual(['a1']);

    await h.sb.acd.logout('a1');
    await h.settle();
    expect(stateOf('a1')).toBe('offline');
    expect(isRinging('a1')).toBe(false);
    expect(offerEnds(c1)).toEqual([{ agentId: 'a1', reason: 'canceled' }]);
    expect((await call(c1)).status).toBe('queued');
    expect(waiting()).toEqual([c1, c2]);
    // A withdrawn offer is not the agent's miss.
    expect(h.sb.acd.getAgent('a1').status.missedOffers).toBe(0);

    await h.sb.acd.unpause('a2');
    await h.settle();
    expect(offersOf(c1)).toEqual(['a1', 'a2']);
    expect(offersOf(c2)).toEqual([]);
  });
});

describe('wrap-up', () => {
  it('keeps the agent in wrap_up for wrapUpMs, offers nothing meanwhile, then offers the next caller', async () => {
    await setUp();
    await agents('a1');
    await queueAt(DID, queue('q', ['a1'], { wrapUpMs: 10_000 }));
    await login('a1');
    const mark = h.events.length;
    const c1 = await dial();
    await answer('a1');
    await h.advance(20_000);
    await hangUp('a1');
    expect(h.sb.acd.getAgent('a1').status).toMatchObject({ state: 'wrap_up', callId: c1 });

    await h.advance(1_000);
    const c2 = await dial();
    await h.advance(8_999);
    expect(stateOf('a1')).toBe('wrap_up');
    expect(offersOf(c2)).toEqual([]);
    expect(waiting()).toEqual([c2]);

    await h.advance(1);
    expect(offersOf(c2)).toEqual(['a1']);
    expect(agentStates('a1', mark)).toEqual(['reserved', 'on_call', 'wrap_up', 'available', 'reserved']);
    const done = eventsOf('agent.state', (e) => e.agentId === 'a1' && e.data.previous === 'wrap_up');
    expect(done.map((e) => e.timestamp)).toEqual([new Date(h.clock.now()).toISOString()]);
  });

  it('wrap-up comes from the queue of the call; pausing during wrap-up cancels its end', async () => {
    await setUp();
    await agents('a1');
    await queueAt(DID, queue('q', ['a1'], { wrapUpMs: 10_000 }));
    await queueAt('+13125550109', queue('q-fast', ['a1'], { wrapUpMs: 0 }));
    await login('a1');
    await dial('+13125550109');
    await takeAndFinish('a1');
    expect(stateOf('a1')).toBe('available');
    await dial();
    await takeAndFinish('a1');
    expect(stateOf('a1')).toBe('wrap_up');
    await h.sb.acd.pause('a1', 'break');
    await h.advance(20_000);
    expect(h.sb.acd.getAgent('a1').status).toMatchObject({ state: 'away', reason: 'break' });
  });
});

describe('overflow', () => {
  it('after maxWaitMs a caller goes on to another queue and is answered there', async () => {
    await setUp();
    await agents('a1', 'b1');
    await queueAt(
      DID,
      queue('q', ['a1'], { maxWaitMs: 30_000, overflow: { kind: 'queue', queueId: 'q-backup' } }),
    );
    await h.sb.acd.saveQueue(queue('q-backup', ['b1']));
    await login('a1', 'b1');
    await h.sb.acd.pause('a1', 'break');
    await h.sb.acd.pause('b1', 'break');
    const c = await dial();
    await h.advance(29_999);
    expect(waiting('q')).toEqual([c]);
    await h.sb.acd.unpause('b1'); // free in the backup queue only
    await h.advance(1);

    expect(left(c)).toEqual([{ queueId: 'q', callId: c, reason: 'overflow', waitedMs: 30_000 }]);
    expect(waiting('q')).toEqual([]);
    expect(waiting('q-backup')).toEqual([c]);
    expect(eventsOf('queue.entered', (e) => e.callId === c).map((e) => e.queueId)).toEqual(['q', 'q-backup']);
    expect(offersOf(c)).toEqual(['b1']);
    await answer('b1');
    expect(await call(c)).toMatchObject({ status: 'answered', agentId: 'b1', queueId: 'q-backup' });
    expect(h.sb.acd.stats('q')).toMatchObject({ entered: 1, overflowed: 1, answered: 0 });
    expect(h.sb.acd.stats('q-backup')).toMatchObject({ entered: 1, answered: 1 });
  });

  it('after maxWaitMs a caller is connected to an overflow number; a ringing offer is withdrawn', async () => {
    await setUp();
    await agents('a1');
    await queueAt(
      DID,
      queue('q', ['a1'], {
        offerTimeoutMs: 60_000,
        maxWaitMs: 20_000,
        overflow: { kind: 'number', to: '+12125550199' },
      }),
    );
    await login('a1');
    const c = await dial();
    expect(offersOf(c)).toEqual(['a1']);
    await h.advance(20_000);

    expect(left(c)).toEqual([expect.objectContaining({ reason: 'overflow', waitedMs: 20_000 })]);
    expect(offerEnds(c)).toEqual([{ agentId: 'a1', reason: 'canceled' }]);
    expect(stateOf('a1')).toBe('available');
    expect(await call(c)).toMatchObject({ status: 'transferring', transferTo: '+12125550199' });
    // The overflow number answers after 3 s (the simulator's default for numbers).
    await h.advance(3_000);
    const snap = await call(c);
    expect(snap).toMatchObject({ status: 'answered', transferTo: '+12125550199' });
    expect(snap.legs.find((l) => l.role === 'transfer_target')).toMatchObject({
      address: '+12125550199',
      status: 'answered',
    });
    const target = h.sb.driver.channels().find((ch) => ch.address === '+12125550199')!;
    const caller = h.sb.driver.channel(callers.get(c)!)!;
    expect(target.bridgeId).toBeDefined();
    expect(caller).toMatchObject({ state: 'answered', held: false, bridgeId: target.bridgeId });
    expect(eventsOf('call.transferred', (e) => e.callId === c)).toHaveLength(1);
  });

  it('after maxWaitMs a caller can be hung up with a reason', async () => {
    await setUp();
    await agents('a1');
    await queueAt(
      DID,
      queue('q', ['a1'], { maxWaitMs: 45_000, overflow: { kind: 'hangup', reason: 'busy' } }),
    );
    await login('a1');
    await h.sb.acd.pause('a1', 'break');
    const c = await dial();
    await h.advance(45_000);
    expect(left(c)).toEqual([expect.objectContaining({ reason: 'overflow', waitedMs: 45_000 })]);
    expect(await call(c)).toMatchObject({ status: 'failed', endReason: 'busy' });
    expect(h.sb.driver.channel(callers.get(c)!)).toMatchObject({ state: 'ended', cause: 'busy' });
    expect(h.sb.acd.stats('q')).toMatchObject({ waiting: 0, overflowed: 1, abandoned: 0 });
  });

  it("whenNoAgents 'overflow' sends callers on at once when nobody is logged in, and as the last member logs out", async () => {
    await setUp();
    await agents('a1', 'b1');
    await queueAt(
      DID,
      queue('q', ['a1'], { whenNoAgents: 'overflow', overflow: { kind: 'queue', queueId: 'q-backup' } }),
    );
    await h.sb.acd.saveQueue(queue('q-backup', ['b1']));
    const c1 = await dial();
    expect(left(c1)).toEqual([{ queueId: 'q', callId: c1, reason: 'no_agents', waitedMs: 0 }]);
    expect(waiting('q-backup')).toEqual([c1]);

    // Logged in but away still counts as staffed: the caller waits.
    await login('a1');
    await h.sb.acd.pause('a1', 'break');
    const c2 = await dial();
    await h.advance(60_000);
    expect(waiting('q')).toEqual([c2]);
    await h.sb.acd.logout('a1');
    await h.settle();
    expect(left(c2)).toEqual([expect.objectContaining({ reason: 'no_agents', waitedMs: 60_000 })]);
    expect(waiting('q-backup')).toEqual([c1, c2]);
  });

  it("whenNoAgents 'wait' keeps callers waiting for the first agent to log in", async () => {
    await setUp();
    await agents('a1');
    await queueAt(DID, queue('q', ['a1'], { overflow: { kind: 'hangup', reason: 'busy' } }));
    const c = await dial();
    await h.advance(300_000);
    expect(waiting()).toEqual([c]);
    await login('a1');
    expect(offersOf(c)).toEqual(['a1']);
  });
});

describe('business hours', () => {
  const BERLIN = {
    timeZone: 'Europe/Berlin',
    weekly: {
      mon: ['08:00-18:00'],
      tue: ['08:00-18:00'],
      wed: ['08:00-18:00'],
      thu: ['08:00-18:00'],
      fri: ['08:00-18:00'],
    },
    holidays: ['2026-04-03'],
  };
  const AFTER_HOURS = '+12125550150';

  async function berlin(start: string): Promise<void> {
    await setUp({ start: Date.parse(start) });
    await agents('a1');
    await queueAt(
      DID,
      queue('q', ['a1'], { businessHours: BERLIN, closedAction: { kind: 'number', to: AFTER_HOURS } }),
    );
    await login('a1');
  }

  it('closed (07:30 CET, Friday before the change to summer time): the caller goes to the closed action', async () => {
    await berlin('2026-03-27T06:30:00Z');
    const c = await dial();
    expect(left(c)).toEqual([{ queueId: 'q', callId: c, reason: 'closed', waitedMs: 0 }]);
    expect(offersOf(c)).toEqual([]);
    expect(await call(c)).toMatchObject({ status: 'transferring', transferTo: AFTER_HOURS });
    await h.advance(3_000);
    expect(await call(c)).toMatchObject({ status: 'answered', transferTo: AFTER_HOURS });
    expect(h.sb.acd.stats('q')).toMatchObject({ entered: 1, overflowed: 1 });
  });

  it('after the change to summer time, 07:30 local (05:30Z) is closed and 08:30 local (06:30Z) open', async () => {
    // Monday 2026-03-30, the day after Europe/Berlin moved from UTC+1 to UTC+2.
    await berlin('2026-03-30T05:30:00Z');
    const early = await dial();
    expect(left(early)).toEqual([expect.objectContaining({ reason: 'closed' })]);
    expect(offersOf(early)).toEqual([]);

    // 06:30Z: 08:30 in Berlin now, though it was 07:30 (closed) at the same UTC time on Friday.
    await h.advance(60 * 60_000);
    const open = await dial();
    expect(left(open)).toEqual([]);
    expect(offersOf(open)).toEqual(['a1']);
    await answer('a1');
    expect(await call(open)).toMatchObject({ status: 'answered', agentId: 'a1' });
    await hangUp('a1');

    // 15:59:59Z is 17:59:59 local: still open; 16:00Z is 18:00 local: closed.
    await h.clock.advanceTo(Date.parse('2026-03-30T15:59:59Z'));
    const last = await dial();
    expect(offersOf(last)).toEqual(['a1']);
    await takeAndFinish('a1');
    await h.clock.advanceTo(Date.parse('2026-03-30T16:00:00Z'));
    const late = await dial();
    expect(left(late)).toEqual([expect.objectContaining({ reason: 'closed' })]);
  });

  it('a holiday closes the whole local day; closedAction hangup ends the call with its reason', async () => {
    await setUp({ start: Date.parse('2026-04-03T10:00:00Z') }); // Good Friday, 12:00 in Berlin
    await agents('a1');
    await queueAt(
      DID,
      queue('q', ['a1'], { businessHours: BERLIN, closedAction: { kind: 'hangup', reason: 'rejected' } }),
    );
    await login('a1');
    const c = await dial();
    expect(left(c)).toEqual([expect.objectContaining({ reason: 'closed' })]);
    expect(await call(c)).toMatchObject({ status: 'failed', endReason: 'rejected' });
    expect(offersOf(c)).toEqual([]);
  });
});

describe('priority', () => {
  const HIGH = '+13125550101';
  const EMERGENCY = '+13125550102';

  async function prioritised(agingMs = 120_000): Promise<void> {
    await setUp();
    await agents('a1');
    await queueAt(DID, queue('q', ['a1'], { agingMs }));
    await route(HIGH, { kind: 'queue', queueId: 'q', priority: 'high' });
    await route(EMERGENCY, { kind: 'queue', queueId: 'q', priority: 'emergency' });
    await login('a1');
    await h.sb.acd.pause('a1', 'break');
  }

  it('emergency before high before normal, first come first served within a level', async () => {
    await prioritised();
    const n1 = await dial(DID);
    await h.advance(1_000);
    const hi1 = await dial(HIGH);
    await h.advance(1_000);
    const e1 = await dial(EMERGENCY);
    await h.advance(1_000);
    const n2 = await dial(DID);
    const hi2 = await dial(HIGH);
    const e2 = await dial(EMERGENCY);
    expect(waiting()).toEqual([e1, e2, hi1, hi2, n1, n2]);
    expect(eventsOf('queue.entered', (e) => e.callId === e2)[0]?.data).toMatchObject({
      position: 2,
      priority: 'emergency',
    });
    expect(h.sb.acd.waitingIn('q').map((w) => w.priority)).toEqual([
      'emergency',
      'emergency',
      'high',
      'high',
      'normal',
      'normal',
    ]);

    const served: string[] = [];
    await h.sb.acd.unpause('a1');
    await h.settle();
    for (let i = 0; i < 6; i++) {
      const ringing = offersSince(0).at(-1)!;
      served.push(ringing.callId);
      await takeAndFinish('a1');
    }
    expect(served).toEqual([e1, e2, hi1, hi2, n1, n2]);
  });

  it('a caller ranked ahead of others pushes them back, and they are told their new place', async () => {
    await prioritised();
    const n1 = await dial(DID);
    const n2 = await dial(DID);
    const hi = await dial(HIGH);
    const mark = h.events.length;
    const e = await dial(EMERGENCY);
    expect(waiting()).toEqual([e, hi, n1, n2]);
    const moved = h.events
      .slice(mark)
      .filter((ev): ev is DomainEventOf<'queue.position'> => ev.type === 'queue.position')
      .map((ev) => [ev.callId, ev.data.position]);
    expect(moved).toEqual([
      [hi, 2],
      [n1, 3],
      [n2, 4],
    ]);
    // A normal arrival goes to the back: nobody moves.
    const mark2 = h.events.length;
    await dial(DID);
    expect(h.events.slice(mark2).filter((ev) => ev.type === 'queue.position')).toEqual([]);
  });

  it('ageing: a normal caller who waited longer than agingMs goes before a newer high one', async () => {
    await prioritised(60_000);
    const old = await dial(DID);
    await h.advance(30_000);
    const highEarly = await dial(HIGH); // old has waited 30 s < 60 s: high goes first
    expect(waiting()).toEqual([highEarly, old]);
    await h.advance(31_000);
    const highLate = await dial(HIGH); // old has waited 61 s: it has caught up with a new high call
    const normalLate = await dial(DID);
    expect(waiting()).toEqual([highEarly, old, highLate, normalLate]);
    // Emergencies still go before everyone.
    const e = await dial(EMERGENCY);
    expect(waiting()).toEqual([e, highEarly, old, highLate, normalLate]);

    await h.sb.acd.unpause('a1');
    await h.settle();
    const served: string[] = [];
    for (let i = 0; i < 5; i++) {
      served.push(offersSince(0).at(-1)!.callId);
      await takeAndFinish('a1');
    }
    expect(served).toEqual([e, highEarly, old, highLate, normalLate]);
  });
});

describe('abandonment', () => {
  it('a caller hanging up while waiting leaves with reason abandoned; callers behind move up', async () => {
    await setUp();
    await agents('a1');
    await queueAt(DID, queue('q', ['a1']));
    await login('a1');
    await h.sb.acd.pause('a1', 'break');
    const c1 = await dial();
    const c2 = await dial();
    const c3 = await dial();
    await h.advance(12_000);
    const mark = h.events.length;
    await abandon(c1);

    expect(left(c1)).toEqual([{ queueId: 'q', callId: c1, reason: 'abandoned', waitedMs: 12_000 }]);
    expect(await call(c1)).toMatchObject({ status: 'ended', endReason: 'canceled' });
    const moved = h.events
      .slice(mark)
      .filter((e): e is DomainEventOf<'queue.position'> => e.type === 'queue.position')
      .map((e) => [e.callId, e.data.position]);
    expect(moved).toEqual([
      [c2, 1],
      [c3, 2],
    ]);
    // One agent logged in and no talk history yet: 3 minutes per caller ahead, own turn included.
    const estimates = eventsOf('queue.position', (e) => e.callId === c3).map((e) => e.data.estimatedWaitMs);
    expect(estimates).toEqual([2 * 180_000]);
    expect(eventsOf('queue.entered', (e) => e.callId === c3)[0]?.data.estimatedWaitMs).toBe(3 * 180_000);
    expect(waiting()).toEqual([c2, c3]);
    expect(h.sb.acd.stats('q')).toMatchObject({ entered: 3, abandoned: 1, waiting: 2, serviceLevel: 0 });

    // Nobody behind: no position updates.
    const mark2 = h.events.length;
    await abandon(c3);
    expect(h.events.slice(mark2).filter((e) => e.type === 'queue.position')).toEqual([]);
    expect(h.sb.acd.stats('q')).toMatchObject({ abandoned: 2, waiting: 1 });
  });

  it('a waiting caller hears their place as a prompt on entering, and again with each periodic update', async () => {
    await setUp();
    await agents('a1');
    await queueAt(DID, queue('q', ['a1']));
    const c1 = await dial();
    const played = () => eventsOf('call.playback.finished', (e) => e.callId === c1).length;
    await h.advance(10_000);
    expect(played()).toBe(1);
    await h.advance(60_000);
    expect(played()).toBe(2);
  });

  it('callers far back hear their new place with the next periodic update', async () => {
    await setUp();
    const t0 = h.clock.now();
    await agents('a1');
    await queueAt(DID, queue('q', ['a1']));
    await login('a1');
    await h.sb.acd.pause('a1', 'break');
    const calls: string[] = [];
    for (let i = 0; i < 25; i++) calls.push(await dial());
    await h.advance(10_000);
    const mark = h.events.length;
    await abandon(calls[0]!);
    const positions = () =>
      new Map(
        h.events
          .slice(mark)
          .filter((e): e is DomainEventOf<'queue.position'> => e.type === 'queue.position')
          .map((e) => [e.callId, e.data.position]),
      );
    // The next 20 at once...
    expect([...positions().keys()]).toEqual(calls.slice(1, 21));
    // ...the others when the queue's figures are next published.
    await h.clock.advanceTo(t0 + 60_000);
    expect(positions()).toEqual(new Map(calls.slice(1).map((c, i) => [c, i + 1])));
    // Nothing changed since: no repeats.
    const mark2 = h.events.length;
    await h.advance(60_000);
    expect(h.events.slice(mark2).filter((e) => e.type === 'queue.position')).toEqual([]);
  });

  it('a caller hanging up while an agent is being offered the call frees the agent', async () => {
    await setUp();
    await agents('a1');
    await queueAt(DID, queue('q', ['a1']));
    await login('a1');
    const c = await dial();
    expect(stateOf('a1')).toBe('reserved');
    await abandon(c);
    expect(left(c)).toEqual([expect.objectContaining({ reason: 'abandoned' })]);
    expect(stateOf('a1')).toBe('available');
    expect(isRinging('a1')).toBe(false);
    expect(h.sb.acd.getAgent('a1').status.missedOffers).toBe(0);
    // And is offered the next caller.
    const c2 = await dial();
    expect(offersOf(c2)).toEqual(['a1']);
  });
});

describe('statistics', () => {
  it('answered, service level, average wait and talk, live and in periodic queue.stats events', async () => {
    await setUp();
    const t0 = h.clock.now();
    const at = (s: number) => h.clock.advanceTo(t0 + s * 1_000);
    await agents('a1', 'a2');
    await queueAt(DID, queue('q', ['a1', 'a2'], { serviceLevelMs: 20_000 }));
    await login('a1', 'a2');
    await h.sb.acd.pause('a2', 'break');

    const c1 = await dial(); // t=0, offered to a1 at once
    await at(5);
    await answer('a1'); // waited 5 s: within the service level
    await at(10);
    const c2 = await dial(); // waits for a1
    const c3 = await dial();
    await at(15);
    await abandon(c3); // abandoned after 5 s
    expect(h.sb.acd.stats('q')).toMatchObject({
      waiting: 1,
      longestWaitMs: 5_000,
      agentsLoggedIn: 2,
      agentsAvailable: 0,
      entered: 3,
      answered: 1,
      abandoned: 1,
      serviceLevel: 0.5,
      averageWaitMs: 5_000,
      averageTalkMs: null,
    });

    await at(60); // the first periodic report
    const first = eventsOf('queue.stats', (e) => e.queueId === 'q');
    expect(first).toHaveLength(1);
    expect(first[0]!.timestamp).toBe(new Date(t0 + 60_000).toISOString());
    expect(first[0]!.data.stats).toMatchObject({
      waiting: 1,
      longestWaitMs: 50_000,
      answered: 1,
      abandoned: 1,
    });

    await at(65);
    await hangUp('a1'); // c1 talked 60 s; a1 is offered c2, which waited 55 s
    expect(offersOf(c2)).toEqual(['a1']);
    await answer('a1');
    await at(185);
    await hangUp('a1'); // c2 talked 120 s

    const expected: Partial<QueueStats> = {
      queueId: 'q',
      waiting: 0,
      longestWaitMs: 0,
      entered: 3,
      answered: 2,
      abandoned: 1,
      overflowed: 0,
      serviceLevel: 1 / 3,
      averageWaitMs: (5_000 + 55_000) / 2,
      averageTalkMs: (60_000 + 120_000) / 2,
    };
    expect(h.sb.acd.stats('q')).toMatchObject(expected);
    await at(240);
    const reports = eventsOf('queue.stats', (e) => e.queueId === 'q');
    expect(reports.map((e) => e.timestamp)).toEqual(
      [60, 120, 180, 240].map((s) => new Date(t0 + s * 1_000).toISOString()),
    );
    expect(reports.at(-1)!.data.stats).toMatchObject({
      ...expected,
      at: new Date(t0 + 240_000).toISOString(),
    });
    expect((await call(c1)).duration).toBe(60);
    expect((await call(c2)).duration).toBe(120);
  });

  it('figures are per reporting interval: a new interval starts from zero', async () => {
    await setUp();
    await agents('a1');
    await queueAt(DID, queue('q', ['a1']));
    await login('a1');
    await dial();
    await takeAndFinish('a1');
    expect(h.sb.acd.stats('q')).toMatchObject({ entered: 1, answered: 1 });
    await h.advance(15 * 60_000);
    expect(h.sb.acd.stats('q')).toMatchObject({ entered: 0, answered: 0, serviceLevel: null });
  });
});

describe('inbound routing', () => {
  it('a DID routed to a queue puts the caller in it, answered with music on hold', async () => {
    await setUp();
    await agents('a1');
    await queueAt(DID, queue('q', ['a1']));
    const c = await dial();
    expect(await call(c)).toMatchObject({ status: 'queued', queueId: 'q' });
    const ch = h.sb.driver.channel(callers.get(c)!)!;
    expect(ch).toMatchObject({ state: 'answered', held: true });
    expect(eventsOf('queue.entered', (e) => e.callId === c)[0]?.data).toMatchObject({
      queueId: 'q',
      position: 1,
      priority: 'normal',
    });
  });

  it('a DID routed to an agent rings that agent directly', async () => {
    await setUp();
    await agents('a1', 'a2');
    await route('+13125550111', { kind: 'agent', agentId: 'a2' });
    await login('a1', 'a2');
    const c = await dial('+13125550111');
    expect(offersOf(c)).toEqual(['a2']);
    expect(stateOf('a1')).toBe('available');
    await answer('a2');
    expect(await call(c)).toMatchObject({ status: 'answered', agentId: 'a2' });
    // The agent's personal queue is no queue of the API.
    expect(h.sb.acd.listQueues()).toEqual([]);
  });

  it('a DID routed to a number connects the caller to it', async () => {
    await setUp();
    await route('+13125550112', { kind: 'number', to: '+12125550123' });
    const c = await dial('+13125550112');
    expect(await call(c)).toMatchObject({ status: 'transferring', transferTo: '+12125550123' });
    await h.advance(3_000);
    const snap = await call(c);
    expect(snap).toMatchObject({ status: 'answered', transferTo: '+12125550123' });
    const target = h.sb.driver.channels().find((ch) => ch.address === '+12125550123');
    expect(target).toMatchObject({ state: 'answered' });
    expect(h.sb.driver.channel(callers.get(c)!)).toMatchObject({
      state: 'answered',
      bridgeId: target!.bridgeId,
    });
  });

  it('a DID routed to hang-up refuses the call with the configured reason', async () => {
    await setUp();
    await route('+13125550113', { kind: 'hangup', reason: 'busy' });
    const c = await dial('+13125550113');
    expect(await call(c)).toMatchObject({ status: 'failed', endReason: 'busy' });
    expect(h.sb.driver.channel(callers.get(c)!)).toMatchObject({ state: 'ended', cause: 'busy' });
  });

  it('an unknown DID gets the default: it keeps ringing for the business application', async () => {
    await setUp();
    await agents('a1');
    await queueAt(DID, queue('q', ['a1']));
    await login('a1');
    const c = await dial('+13125550999');
    await h.advance(10_000);
    const snap = await call(c);
    expect(snap.status).toBe('ringing');
    expect(snap.queueId).toBeUndefined();
    expect(snap.legs).toHaveLength(1);
    expect(eventsOf('queue.entered', (e) => e.callId === c)).toEqual([]);
    expect(offersOf(c)).toEqual([]);
    expect(stateOf('a1')).toBe('available');
    // The application takes it into a queue itself.
    await h.sb.acd.enqueue(c, 'q', 'high');
    await h.settle();
    expect(offersOf(c)).toEqual(['a1']);
  });

  it('a route for a caller pattern wins over the route for everyone else', async () => {
    await setUp();
    await agents('a1', 'v1');
    await queueAt(DID, queue('q', ['a1']));
    await h.sb.acd.saveQueue(queue('q-vip', ['v1']));
    await route(DID, { kind: 'queue', queueId: 'q-vip' }, '+1212*');
    await login('a1', 'v1');
    const vip = await dial(DID, '+12125550001');
    const other = await dial(DID, '+14155550001');
    expect(offersOf(vip)).toEqual(['v1']);
    expect(offersOf(other)).toEqual(['a1']);
  });
});

describe('dispatch', () => {
  it('Alice on another call, Bob available: Bob is offered the call', async () => {
    await setUp();
    await agents(agent('alice', { roles: ['dispatcher'] }), agent('bob', { roles: ['dispatcher'] }));
    await queueAt(DID, queue('dispatch', ['alice', 'bob']));
    await login('alice');
    await h.advance(60_000);
    await login('bob');
    const first = await dial();
    expect(offersOf(first)).toEqual(['alice']); // idle the longest
    await answer('alice');

    const second = await dial();
    expect(offersOf(second)).toEqual(['bob']);
    expect(states('alice', 'bob')).toEqual({ alice: 'on_call', bob: 'reserved' });
    expect(h.sb.acd.getAgent('bob').status.callId).toBe(second);
    await answer('bob');
    expect(await call(second)).toMatchObject({ status: 'answered', agentId: 'bob', queueId: 'dispatch' });
    expect(await call(first)).toMatchObject({ status: 'answered', agentId: 'alice' });
    expect(eventsOf('call.offered', (e) => e.data.agentId === 'alice').map((e) => e.callId)).toEqual([first]);
  });
});

describe('agents placing calls', () => {
  it('click-to-dial from an agent rings their phone, keeps them busy, and frees them when it ends', async () => {
    await setUp();
    await agents(agent('alice', { endpoint: 'sim/alice-desk' }));
    await queueAt(DID, queue('q', ['alice']));
    await login('alice');
    const call = await h.sb.engine.originate({ from: 'alice', to: '+12125550101' });
    await h.settle();
    expect(call.from).toBe('alice');
    expect(call.agentId).toBe('alice');
    const live = await h.sb.engine.get(call.id);
    expect(live.legs[0]).toMatchObject({ role: 'caller', address: 'sim/alice-desk', agentId: 'alice' });
    expect(h.sb.acd.getAgent('alice').status).toMatchObject({ state: 'on_call', callId: call.id });

    // A caller arriving meanwhile waits: alice is busy with her own call.
    const waitingCaller = await dial();
    expect(eventsOf('call.offered', (e) => e.callId === waitingCaller)).toEqual([]);

    await h.advance(3_000);
    await h.sb.engine.hangup(call.id);
    await h.settle();
    // Free again, she is offered the waiting caller at once.
    expect(eventsOf('call.offered', (e) => e.callId === waitingCaller).map((e) => e.agentId)).toEqual([
      'alice',
    ]);
  });
});

describe('an overflow that fires as the agent answers', () => {
  it('never tears down a call an agent has taken', async () => {
    await setUp();
    await agents('a1');
    await queueAt(DID, queue('q', ['a1']));
    await login('a1');
    const c1 = await dial();
    await answer('a1');
    expect((await call(c1)).agentId).toBe('a1');
    // What the overflow would do, had its timer been queued just before the answer was handled.
    await expect(h.sb.engine.end(c1, 'busy', { onlyIfWaiting: true })).rejects.toMatchObject({
      code: 'INVALID_STATE',
    });
    await expect(h.sb.engine.transfer(c1, '+12125550150', { onlyIfWaiting: true })).rejects.toMatchObject({
      code: 'INVALID_STATE',
    });
    expect(await call(c1)).toMatchObject({ status: 'answered', agentId: 'a1' });
  });
});
