import { afterEach, describe, expect, it } from 'vitest';
import type { CallSnapshot } from '../src/core/call.ts';
import { type AcdHarness, agent, queue, startAcd } from './support/acd-harness.ts';

/** A small seeded PRNG, so a failing sequence can be replayed from its seed. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const AGENTS = ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'];
const DIDS = { '+13125550100': 'q-main', '+13125550101': 'q-ring' } as const;

let h: AcdHarness;
afterEach(async () => h?.close());

async function setUp(): Promise<void> {
  h = await startAcd();
  // Agents' phones ring until the test answers or rejects them; callers stay until the test hangs up.
  h.sb.driver.setProfile({ match: 'sim/*', profile: { answerAfterMs: null } });
  h.sb.driver.setProfile({ match: '+1415*', profile: { hangupAfterMs: null } });
  for (const id of AGENTS) await h.sb.acd.saveAgent(agent(id));
  await h.sb.acd.saveQueue(
    queue('q-main', ['a1', 'a2', 'a3', 'a4'], { offerTimeoutMs: 5_000, wrapUpMs: 3_000 }),
  );
  await h.sb.acd.saveQueue(
    queue('q-ring', ['a3', 'a4', 'a5', 'a6'], { strategy: 'ring_all', offerTimeoutMs: 4_000 }),
  );
  for (const [did, queueId] of Object.entries(DIDS)) {
    await h.sb.acd.saveRoute({
      id: queueId,
      dialled: did,
      order: 1,
      destination: { kind: 'queue', queueId },
    });
  }
}

function openOffers(call: CallSnapshot) {
  return call.legs.filter((l) => l.role === 'agent' && l.status !== 'answered' && l.status !== 'ended');
}

/** The reservation invariants of the ACD issue, checked against the engine's own view of the calls. */
function checkInvariants(step: string): void {
  const live = new Map(h.sb.engine.liveCalls().map((c) => [c.id, c]));
  const agents = h.sb.acd.listAgents();
  for (const a of agents) {
    const { state, callId } = a.status;
    if (state === 'reserved') {
      const call = callId ? live.get(callId) : undefined;
      expect(call, `${step}: ${a.id} reserved for a call that is not live`).toBeDefined();
      const mine = openOffers(call!).filter((l) => l.agentId === a.id);
      expect(mine.length, `${step}: ${a.id} reserved without exactly one ringing offer`).toBe(1);
    }
    if (state === 'on_call') {
      const call = callId ? live.get(callId) : undefined;
      expect(call?.agentId, `${step}: ${a.id} on a call that is not theirs or not live`).toBe(a.id);
    }
  }
  for (const call of live.values()) {
    const offers = openOffers(call);
    const ringAll = call.queueId === 'q-ring';
    if (!ringAll)
      expect(offers.length, `${step}: call ${call.id} offered to several agents`).toBeLessThanOrEqual(1);
    for (const offer of offers) {
      const owner = agents.find((a) => a.id === offer.agentId);
      expect(
        owner?.status,
        `${step}: offer ${offer.id} rings an agent who is not reserved for it`,
      ).toMatchObject({
        state: 'reserved',
        callId: call.id,
      });
    }
  }
  for (const queueId of Object.values(DIDS)) {
    const members = h.sb.acd.getQueue(queueId).members;
    const free = agents.filter((a) => members.includes(a.id) && a.status.state === 'available');
    for (const waiting of h.sb.acd.waitingIn(queueId)) {
      const call = live.get(waiting.callId);
      expect(call, `${step}: ${waiting.callId} waits in ${queueId} but is not live`).toBeDefined();
      // Work-conserving: nobody waits unoffered while a member of the queue is free.
      if (waiting.offeredTo.length === 0) {
        expect(
          free.map((a) => a.id),
          `${step}: ${waiting.callId} waits while agents are free`,
        ).toEqual([]);
      }
    }
  }
}

async function randomStep(random: () => number, n: number): Promise<string> {
  const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(random() * items.length)];
  const channels = h.sb.driver.channels();
  const agentRinging = channels.filter((c) => c.address.startsWith('sim/') && c.state === 'ringing');
  const agentTalking = channels.filter((c) => c.address.startsWith('sim/') && c.state === 'answered');
  const callers = channels.filter((c) => c.direction === 'inbound');
  const roll = random();
  const ignoreConflicts = (p: Promise<unknown>) => p.catch((e) => expect(e.code).toBe('INVALID_STATE'));
  if (roll < 0.2) {
    const to = pick(Object.keys(DIDS))!;
    h.sb.driver.placeInboundCall({ from: `+1415555${String(1000 + n).slice(-4)}`, to });
    return `arrival to ${to}`;
  }
  if (roll < 0.35 && agentRinging.length) {
    const c = pick(agentRinging)!;
    h.sb.driver.partyAnswer(c.id);
    return `${c.address} answers`;
  }
  if (roll < 0.45 && agentRinging.length) {
    const c = pick(agentRinging)!;
    h.sb.driver.partyReject(c.id, 'rejected');
    return `${c.address} rejects`;
  }
  if (roll < 0.55 && callers.length) {
    const c = pick(callers)!;
    h.sb.driver.partyHangup(c.id);
    return `caller ${c.address} hangs up`;
  }
  if (roll < 0.63 && agentTalking.length) {
    const c = pick(agentTalking)!;
    h.sb.driver.partyHangup(c.id);
    return `${c.address} hangs up`;
  }
  if (roll < 0.8) {
    const id = pick(AGENTS)!;
    const action = pick(['login', 'logout', 'pause', 'unpause'] as const)!;
    const acd = h.sb.acd;
    await ignoreConflicts(
      action === 'pause' ? acd.pause(id, 'break') : action === 'login' ? acd.login(id) : acd[action](id),
    );
    return `${id} ${action}`;
  }
  const ms = Math.floor(random() * 8_000);
  await h.advance(ms);
  return `clock +${ms} ms`;
}

describe('ACD reservation invariants', () => {
  for (const seed of [1, 2, 3]) {
    it(`hold after every step of a random sequence (seed ${seed})`, async () => {
      await setUp();
      const random = mulberry32(seed);
      for (const id of AGENTS) await h.sb.acd.login(id);
      let answered = 0;
      for (let n = 0; n < 500; n++) {
        const step = await randomStep(random, n);
        await h.settle();
        checkInvariants(`seed ${seed} step ${n} (${step})`);
        if (step.endsWith('answers')) answered++;
      }
      // The sequence really exercised the interesting paths.
      expect(answered).toBeGreaterThan(5);
      const types = new Set(h.events.map((e) => e.type));
      for (const t of ['call.offered', 'call.offer.ended', 'queue.entered', 'queue.left', 'agent.state']) {
        expect(types).toContain(t);
      }
    });
  }
});
