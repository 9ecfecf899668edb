import { afterEach, describe, expect, it } from 'vitest';
import type { Switchboard } from '../../../src/app.ts';
import type { DomainEvent } from '../../../src/core/events.ts';
import { agent, queue, startAcd } from '../../support/acd-harness.ts';
import { reservationViolations } from '../../support/acd-invariants.ts';
import { startServer } from '../../support/server.ts';
import { armStateFuse, type StateFuse } from '../../support/state-fuse.ts';

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
/** Bounds per step: a distributor that loops blows the state fuse long before it fills the database. */
const MAX_STATE_CHANGES_PER_STEP = 120;
const MAX_EVENTS_PER_STEP = 600;
const RING_ALL: ReadonlySet<string> = new Set(['q-ring']);

type AgentAction = 'login' | 'logout' | 'pause' | 'unpause';

/** How a sequence drives the server: straight into the engine and the ACD, or over HTTP. */
interface Surface {
  arrive(from: string, to: string): Promise<void>;
  party(action: 'answer' | 'reject' | 'hangup', channelId: string): Promise<void>;
  /** An agent command; a conflict (the agent is not in a state for it) is expected and ignored. */
  agent(id: string, action: AgentAction): Promise<void>;
  advance(ms: number): Promise<void>;
}

interface World {
  readonly sb: Switchboard;
  readonly surface: Surface;
  readonly events: DomainEvent[];
  readonly fuse: StateFuse;
  close(): Promise<void>;
}

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function configure(sb: Switchboard): Promise<void> {
  // Agents' phones ring until the test answers or rejects them; callers stay until the test hangs up.
  sb.driver.setProfile({ match: 'sim/*', profile: { answerAfterMs: null } });
  sb.driver.setProfile({ match: '+1415*', profile: { hangupAfterMs: null } });
  for (const id of AGENTS) await sb.acd.saveAgent(agent(id));
  await sb.acd.saveQueue(
    queue('q-main', ['a1', 'a2', 'a3', 'a4'], { offerTimeoutMs: 5_000, wrapUpMs: 3_000 }),
  );
  await sb.acd.saveQueue(
    queue('q-ring', ['a3', 'a4', 'a5', 'a6'], { strategy: 'ring_all', offerTimeoutMs: 4_000 }),
  );
  for (const [did, queueId] of Object.entries(DIDS)) {
    await sb.acd.saveRoute({ id: queueId, dialled: did, order: 1, destination: { kind: 'queue', queueId } });
  }
}

function observe(sb: Switchboard): { events: DomainEvent[]; fuse: StateFuse } {
  const events: DomainEvent[] = [];
  sb.engine.events.subscribe((e) => events.push(e));
  return { events, fuse: armStateFuse(sb.store.agentStates, MAX_STATE_CHANGES_PER_STEP) };
}

async function engineWorld(): Promise<World> {
  const h = await startAcd();
  await configure(h.sb);
  const { sb } = h;
  const conflictOnly = (e: { code?: string }) => expect(e.code).toBe('INVALID_STATE');
  const surface: Surface = {
    arrive: async (from, to) => void sb.driver.placeInboundCall({ from, to }),
    party: async (action, id) => {
      if (action === 'answer') sb.driver.partyAnswer(id);
      else if (action === 'reject') sb.driver.partyReject(id, 'rejected');
      else sb.driver.partyHangup(id);
    },
    agent: (id, action) =>
      (action === 'pause' ? sb.acd.pause(id, 'break') : sb.acd[action](id)).then(() => {}, conflictOnly),
    advance: (ms) => h.advance(ms),
  };
  return { sb, surface, ...observe(sb), close: () => h.close() };
}

async function httpWorld(): Promise<World> {
  const server = await startServer();
  await configure(server.sb);
  const expectStatus = async (path: string, body: unknown, allowed: readonly number[]) => {
    const res = await server.request('POST', path, body);
    expect(allowed, `${path} answered ${res.status} ${JSON.stringify(res.body)}`).toContain(res.status);
  };
  const surface: Surface = {
    arrive: (from, to) => expectStatus('/api/v1/sim/inbound', { from, to }, [200]),
    // The party may have gone by the time the request lands: the simulator then answers 404.
    party: (action, id) =>
      expectStatus(
        `/api/v1/sim/channels/${id}/${action}`,
        action === 'answer' ? undefined : {},
        [200, 404, 409],
      ),
    agent: (id, action) =>
      expectStatus(
        `/api/v1/agents/${id}/${action}`,
        action === 'pause' ? { reason: 'break' } : undefined,
        [200, 409],
      ),
    advance: (ms) => server.advance(ms),
  };
  return {
    sb: server.sb,
    surface,
    ...observe(server.sb),
    close: () => server.close({ removeData: true }),
  };
}

/** The caller of the call an agent channel belongs to (leg ids are channel ids). */
function callerOf(sb: Switchboard, agentChannel: string): string | undefined {
  const call = sb.engine.liveCalls().find((c) => c.legs.some((l) => l.id === agentChannel));
  return call?.legs.find((l) => l.role === 'caller' && l.status !== 'ended')?.id;
}

/** The caller hangs up the moment one of its offers stops ringing: its end reaches the ACD after the offer's. */
function hangUpWhenOfferEnds(w: World, callerChannel: string): void {
  const stop = w.sb.engine.events.subscribe((e) => {
    if (e.type !== 'call.offer.ended') return;
    if (!e.data.call.legs.some((l) => l.id === callerChannel)) return;
    stop();
    w.sb.driver.partyHangup(callerChannel);
  });
}

async function randomStep(w: World, random: () => number, n: number): Promise<string> {
  const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(random() * items.length)];
  const { surface, sb } = w;
  const channels = sb.driver.channels();
  const agentRinging = channels.filter((c) => c.address.startsWith('sim/') && c.state === 'ringing');
  const agentTalking = channels.filter((c) => c.address.startsWith('sim/') && c.state === 'answered');
  const callers = channels.filter((c) => c.direction === 'inbound');
  const roll = random();
  if (roll < 0.18) {
    const to = pick(Object.keys(DIDS))!;
    await surface.arrive(`+1415555${String(1000 + n).slice(-4)}`, to);
    return `arrival to ${to}`;
  }
  if (roll < 0.3 && agentRinging.length) {
    const c = pick(agentRinging)!;
    await surface.party('answer', c.id);
    return `${c.address} answers`;
  }
  if (roll < 0.37 && agentRinging.length) {
    const c = pick(agentRinging)!;
    await surface.party('reject', c.id);
    return `${c.address} rejects`;
  }
  if (roll < 0.45 && callers.length) {
    const c = pick(callers)!;
    await surface.party('hangup', c.id);
    return `caller ${c.address} hangs up`;
  }
  if (roll < 0.5 && agentTalking.length) {
    const c = pick(agentTalking)!;
    await surface.party('hangup', c.id);
    return `${c.address} hangs up`;
  }
  if (roll < 0.62 && agentRinging.length) {
    // Races: the ringing agent logs out, pauses or rejects while (or just as) their caller hangs up.
    const c = pick(agentRinging)!;
    const caller = callerOf(sb, c.id);
    if (!caller) return 'no race';
    const id = c.address.slice('sim/'.length);
    const move = pick(['logout', 'pause', 'reject'] as const)!;
    const agentMove = () => (move === 'reject' ? surface.party('reject', c.id) : surface.agent(id, move));
    const how = pick(['together', 'caller first', 'as the offer ends'] as const)!;
    if (how === 'as the offer ends') {
      hangUpWhenOfferEnds(w, caller);
      await agentMove();
    } else if (how === 'together') {
      await Promise.all([agentMove(), surface.party('hangup', caller)]);
    } else {
      await Promise.all([surface.party('hangup', caller), agentMove()]);
    }
    return `race: ${id} ${move}, caller hangs up ${how}`;
  }
  if (roll < 0.64 && callers.length) {
    // A caller hangs up as its offer rings out.
    const c = pick(callers)!;
    hangUpWhenOfferEnds(w, c.id);
    await surface.advance(5_000);
    return `caller ${c.address} hangs up when an offer ends, clock +5000 ms`;
  }
  if (roll < 0.82) {
    const id = pick(AGENTS)!;
    const action = pick(['login', 'logout', 'pause', 'unpause'] as const)!;
    await surface.agent(id, action);
    return `${id} ${action}`;
  }
  const ms = Math.floor(random() * 8_000);
  await surface.advance(ms);
  return `clock +${ms} ms`;
}

async function runSequence(w: World, seed: number, steps: number): Promise<void> {
  world = w;
  const random = mulberry32(seed);
  for (const id of AGENTS) await w.surface.agent(id, 'login');
  let answered = 0;
  let races = 0;
  for (let n = 0; n < steps; n++) {
    const before = w.events.length;
    w.fuse.reset();
    const step = await randomStep(w, random, n);
    await w.surface.advance(0);
    const label = `seed ${seed} step ${n} (${step})`;
    expect(w.fuse.blown, `${label}: agent state changes per step stay bounded`).toBe(false);
    expect(w.events.length - before, `${label}: events per step stay bounded`).toBeLessThan(
      MAX_EVENTS_PER_STEP,
    );
    expect(reservationViolations(w.sb, RING_ALL), label).toEqual([]);
    if (step.endsWith('answers')) answered++;
    if (step.startsWith('race')) races++;
  }
  // The sequence really exercised the interesting paths.
  expect(answered).toBeGreaterThan(3);
  expect(races).toBeGreaterThan(3);
  const types = new Set(w.events.map((e) => e.type));
  for (const t of ['call.offered', 'call.offer.ended', 'queue.entered', 'queue.left', 'agent.state']) {
    expect(types).toContain(t);
  }
}

describe('ACD reservation invariants', () => {
  for (const seed of [1, 2, 3, 4]) {
    it(`hold after every step of a random sequence with churn and races, through the engine (seed ${seed})`, async () => {
      await runSequence(await engineWorld(), seed, 400);
    });
  }
  for (const seed of [11, 12]) {
    it(`hold after every step of a random sequence with churn and races, over HTTP (seed ${seed})`, async () => {
      await runSequence(await httpWorld(), seed, 200);
    });
  }
});
