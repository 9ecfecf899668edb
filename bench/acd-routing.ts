/**
 * ACD routing decision latency: how long the ACD takes, after something happens, to decide whom to
 * offer a caller to and to issue that offer.
 *
 *   npm run bench:acd -- [--decisions 20000] [--sizes 1000x50,10000x500,10000x50] [--waiting 1000]
 *                        [--seed 1] [--cpu-prof]
 *
 * The AcdService runs for real: agents and their state table, queues, waiting lists with priority,
 * the six strategies, reservations, stats counters, position announcements, and the one ordered lane
 * all its work goes through. What it talks to is stubbed so that only the ACD's own work is timed:
 * - the engine is a stub implementing CallControl & CallDistribution whose commands resolve at once
 *   (enqueue/offer/withdraw only record what was asked); outcomes are fed back as the engine's events
 *   (`call.offer.accepted` when an agent takes an offer, `call.offer.ended` for the ring-all losers,
 *   `call.ended` when a call is over);
 * - `publish` and the agent-state log drop what they are given (the event log and the store have
 *   their own benchmarks);
 * - the clock is a manual one, moved 1 ms per step by this script; no timer fires (wrap-up is 0).
 *
 * Per size (AGENTSxQUEUES): each agent is a member of 1-3 random queues and has 2-4 skills (levels
 * 1-10); queues cycle through the six strategies, and `skills` queues require one skill at level >= 3
 * (9 in 10 of their members have it). Then:
 * 1. morning: every agent logs in; callers arrive until every agent who can take a call is busy;
 * 2. the queues fill: callers spread evenly until `--waiting` callers wait;
 * 3. busy hour, measured ("agent free"): a random busy agent's call ends, and they must be given the
 *    most urgent caller of their queues; the offer is accepted, and a new caller arrives where that one
 *    was taken from, so the same number keep waiting; `--decisions` times;
 * 4. calls end with nobody calling until nobody waits, and then a tenth of the agents are left free;
 * 5. quiet hour, measured ("caller arrives"): a caller arrives at a random queue and is offered to a
 *    free member; it is accepted and another agent's call ends, so about a tenth stay free.
 *
 * Times are microseconds (performance.now()): "-> offer" is from the event (`call.ended` delivered) or
 * command (`enqueue()` called) to the engine's `offer()`; "whole reaction" is until the ACD is idle
 * again; "caller arrives, nobody free" is enqueue() to idle when no member is free. They include
 * garbage collection; the max is usually a GC pause.
 *
 * Work per event should depend on the queues the event touches, not on how many agents and queues
 * exist: 1k agents / 50 queues against 10k agents / 500 queues is ten times everything at the same
 * queue size; 10k agents / 50 queues (the size) has ten times larger queues. Prints figures
 * only; nothing is asserted.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { AcdService } from '../src/apps/acd/acd-service.ts';
import type { CallSnapshot } from '../src/core/call.ts';
import type { Clock, TimerHandle } from '../src/core/clock.ts';
import type { DomainEvent, DomainEventType } from '../src/core/events.ts';
import { QUEUE_STRATEGIES, type QueueConfig, type QueueStrategy } from '../src/core/queue.ts';
import type {
  AgentWithdrawal,
  CallControl,
  CallDistribution,
  EventFeed,
  OfferResult,
} from '../src/engine/types.ts';
import type { AgentStateLogRepository, ConfigRepository } from '../src/store/types.ts';

const TARGET_P99_US = 1_000;

const { values } = parseArgs({
  options: {
    decisions: { type: 'string', default: '20000' },
    seed: { type: 'string', default: '1' },
    sizes: { type: 'string', default: '1000x50,10000x500,10000x50' },
    waiting: { type: 'string', default: '1000' },
    'cpu-prof': { type: 'boolean', default: false },
  },
});
const DECISIONS = Number(values.decisions);
const SEED = Number(values.seed);

interface Size {
  readonly agents: number;
  readonly queues: number;
  readonly waiting: number;
}

/** `--sizes AGENTSxQUEUES,...`; the scaling summary compares the first three. */
const SIZES: readonly Size[] = values.sizes.split(',').map((text) => {
  const [agents, queues] = text.split('x').map(Number);
  if (!(agents! > 0 && queues! > 0)) throw new Error(`--sizes: "${text}" is not AGENTSxQUEUES`);
  return { agents: agents!, queues: queues!, waiting: Number(values.waiting) };
});

const SKILLS = ['en', 'de', 'fr', 'es', 'billing', 'tech', 'sales', 'claims', 'vip', 'fleet'];

// --- stubs --------------------------------------------------------------------------------------

/** A clock that only moves when the script says; timers are accepted and never fire. */
class ManualClock implements Clock {
  private t = Date.UTC(2026, 0, 5, 9, 0, 0);
  now(): number {
    return this.t;
  }
  tick(ms = 1): void {
    this.t += ms;
  }
  setTimer(ms: number): TimerHandle {
    return { due: this.t + ms };
  }
  clearTimer(): void {}
}

class MemoryRepo<T extends { readonly id: string }> implements ConfigRepository<T> {
  async save(): Promise<void> {}
  async get(): Promise<T | undefined> {
    return undefined;
  }
  async list(): Promise<T[]> {
    return [];
  }
  async delete(): Promise<boolean> {
    return true;
  }
}

const nullStateLog: AgentStateLogRepository = {
  async append() {},
  async list() {
    return [];
  },
};

interface StubCall {
  id: string;
  status: 'ringing' | 'queued' | 'answered' | 'ended';
  queueId: string | undefined;
  agentId: string | undefined;
  startedAt: number;
  answeredAt: number | undefined;
  /** Offers in flight: leg id -> agent id. */
  readonly offers: Map<string, string>;
}

/**
 * The engine as the ACD sees it, resolving every command at once. It records offers (and the moment
 * of the first one after {@link StubEngine.arm}) and lets the script feed events back.
 */
class StubEngine implements CallControl, CallDistribution {
  readonly calls = new Map<string, StubCall>();
  private listeners: ((event: DomainEvent) => void)[] = [];
  private seq = 0;
  private legs = 0;
  firstOfferAt: number | undefined;
  /** Offers made since the last arm(): [callId, legId, agentId]. */
  offers: [string, string, string][] = [];
  readonly events: EventFeed = {
    subscribe: (listener) => {
      this.listeners.push(listener);
      return () => {
        this.listeners = this.listeners.filter((l) => l !== listener);
      };
    },
    after: async () => [],
    forCall: async () => [],
    lastSeq: 0,
  };
  liveCount = 0;

  constructor(private readonly clock: ManualClock) {}

  arm(): void {
    this.firstOfferAt = undefined;
    this.offers = [];
  }

  newCall(id: string): void {
    this.calls.set(id, {
      id,
      status: 'ringing',
      queueId: undefined,
      agentId: undefined,
      startedAt: this.clock.now(),
      answeredAt: undefined,
      offers: new Map(),
    });
  }

  snapshot(call: StubCall): CallSnapshot {
    const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
    return {
      id: call.id,
      direction: 'inbound',
      status: call.status,
      from: '+14155550100',
      to: '+13125550100',
      context: {},
      legs: [...call.offers].map(([legId, agentId]) => ({
        id: legId,
        role: 'agent' as const,
        agentId,
        address: `sim/${agentId}`,
        status: call.agentId === agentId ? ('answered' as const) : ('ringing' as const),
        startedAt: iso(call.startedAt)!,
      })),
      startedAt: iso(call.startedAt)!,
      ...(call.answeredAt !== undefined && { answeredAt: iso(call.answeredAt) }),
      ...(call.status === 'ended' && { endedAt: iso(this.clock.now()), endReason: 'normal' as const }),
      ...(call.queueId !== undefined && { queueId: call.queueId }),
      ...(call.agentId !== undefined && { agentId: call.agentId }),
    };
  }

  emit<T extends DomainEventType>(type: T, call: StubCall, extra: object = {}): void {
    const event = {
      id: `e${++this.seq}`,
      seq: this.seq,
      type,
      timestamp: new Date(this.clock.now()).toISOString(),
      callId: call.id,
      data: { call: this.snapshot(call), ...extra },
    } as unknown as DomainEvent;
    for (const l of this.listeners) l(event);
  }

  private call(id: string): StubCall {
    const call = this.calls.get(id);
    if (!call) throw new Error(`no call ${id}`);
    return call;
  }

  async get(callId: string): Promise<CallSnapshot> {
    return this.snapshot(this.call(callId));
  }
  async enqueue(callId: string, queueId: string): Promise<CallSnapshot> {
    const call = this.call(callId);
    call.status = 'queued';
    call.queueId = queueId;
    return this.snapshot(call);
  }
  async offer(callId: string, offer: { agentId: string }): Promise<string> {
    this.firstOfferAt ??= performance.now();
    const legId = `${callId}-${++this.legs}`;
    this.call(callId).offers.set(legId, offer.agentId);
    this.offers.push([callId, legId, offer.agentId]);
    return legId;
  }
  async offerAll(callId: string, offers: readonly { agentId: string }[]): Promise<OfferResult[]> {
    return Promise.all(offers.map(async (offer) => ({ legId: await this.offer(callId, offer) })));
  }
  /** The stub's phones cannot tell whether they are registered. */
  async watchEndpoint(_endpoint: string): Promise<string | undefined> {
    return undefined;
  }

  async withdrawOffer(callId: string, legId: string): Promise<void> {
    this.calls.get(callId)?.offers.delete(legId);
  }
  async withdrawAgent(callId: string, agentId: string): Promise<AgentWithdrawal> {
    const offers = this.calls.get(callId)?.offers;
    for (const [legId, id] of offers ?? []) if (id === agentId) offers?.delete(legId);
    return 'withdrawn';
  }
  async end(callId: string): Promise<CallSnapshot> {
    return this.snapshot(this.call(callId));
  }
  private unused(): never {
    throw new Error('not used by the ACD benchmark');
  }
  originate = async () => this.unused();
  answer = async () => this.unused();
  hangup = async () => this.unused();
  hold = async () => this.unused();
  unhold = async () => this.unused();
  transfer = async () => this.unused();
  completeTransfer = async () => this.unused();
  cancelTransfer = async () => this.unused();
  sendDtmf = async () => this.unused();
  list = async () => this.unused();
  createQueued = async () => this.unused();
  // Position prompts resolve at once, as a driver that accepted them would.
  play = async () => 'playback';
  stopPlayback = async () => undefined;
  record = async () => this.unused();
  stopRecording = async () => this.unused();
}

// --- scenario -----------------------------------------------------------------------------------

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A set of ids with O(1) add, delete and uniform random pick. */
class IdSet {
  private readonly ids: string[] = [];
  private readonly index = new Map<string, number>();
  get size(): number {
    return this.ids.length;
  }
  add(id: string): void {
    if (this.index.has(id)) return;
    this.index.set(id, this.ids.length);
    this.ids.push(id);
  }
  delete(id: string): void {
    const i = this.index.get(id);
    if (i === undefined) return;
    const last = this.ids.pop()!;
    if (last !== id) {
      this.ids[i] = last;
      this.index.set(last, i);
    }
    this.index.delete(id);
  }
  random(random: () => number): string {
    return this.ids[Math.floor(random() * this.ids.length)]!;
  }
}

class Samples {
  readonly us: number[] = [];
  add(ms: number): void {
    this.us.push(ms * 1_000);
  }
  summary(): { n: number; p50: number; p99: number; max: number } {
    const s = Float64Array.from(this.us).sort();
    const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
    return { n: s.length, p50: at(0.5), p99: at(0.99), max: s[s.length - 1] ?? Number.NaN };
  }
}

interface Result {
  readonly size: Size;
  readonly membersPerQueue: number;
  readonly agentFree: Samples;
  readonly agentFreeWhole: Samples;
  readonly agentFreeNoOffer: number;
  readonly arrival: Samples;
  readonly arrivalWhole: Samples;
  readonly arrivalNobodyFree: Samples;
  readonly byStrategy: Map<QueueStrategy, Samples>;
  readonly waitingAtEnd: number;
  /** Agents left free after the morning: members only of queues whose callers they cannot take. */
  readonly idleAtStart: number;
  /** Free members per queue when the quiet hour starts. */
  readonly freePerQueue: number;
  readonly setupMs: number;
}

async function run(size: Size, decisions: number): Promise<Result> {
  const started = performance.now();
  const random = mulberry32(SEED);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const clock = new ManualClock();
  const engine = new StubEngine(clock);
  const acd = new AcdService({
    engine,
    publish: async () => undefined,
    store: {
      agents: new MemoryRepo(),
      queues: new MemoryRepo(),
      routes: new MemoryRepo(),
      agentStates: nullStateLog,
    },
    clock,
    options: { random: mulberry32(SEED + 1) },
  });
  await acd.start();

  // Agents with 2-4 skills (levels 1-10), members of 1-3 queues. A member of a `skills` queue has its
  // skill at a level that qualifies 9 times out of 10 (the others are members it never offers to).
  const strategyAt = (q: number) => QUEUE_STRATEGIES[q % QUEUE_STRATEGIES.length]!;
  const requiredAt = (q: number) => SKILLS[q % SKILLS.length]!;
  const agentIds: string[] = [];
  const members: string[][] = Array.from({ length: size.queues }, () => []);
  for (let i = 0; i < size.agents; i++) {
    const id = `agent-${String(i).padStart(5, '0')}`;
    const skills: Record<string, number> = {};
    const count = 2 + Math.floor(random() * 3);
    while (Object.keys(skills).length < count) skills[pick(SKILLS)] = 1 + Math.floor(random() * 10);
    const queueCount = 1 + Math.floor(random() * 3);
    const mine = new Set<number>();
    while (mine.size < queueCount) mine.add(Math.floor(random() * size.queues));
    for (const q of mine) {
      members[q]!.push(id);
      if (strategyAt(q) === 'skills') {
        skills[requiredAt(q)] = random() < 0.9 ? 3 + Math.floor(random() * 8) : 1 + Math.floor(random() * 2);
      }
    }
    await acd.saveAgent({ id, name: id, endpoint: `sim/${id}`, skills, teams: [], roles: ['agent'] });
    agentIds.push(id);
  }
  const queueIds: string[] = [];
  const strategyOf = new Map<string, QueueStrategy>();
  for (let q = 0; q < size.queues; q++) {
    const strategy = strategyAt(q);
    const config: QueueConfig = {
      id: `queue-${String(q).padStart(3, '0')}`,
      name: `Queue ${q}`,
      strategy,
      members: members[q]!,
      requiredSkills: strategy === 'skills' ? { [requiredAt(q)]: 3 } : {},
      offerTimeoutMs: 15_000,
      wrapUpMs: 0,
      whenNoAgents: 'wait',
      serviceLevelMs: 20_000,
      agingMs: 120_000,
    };
    await acd.saveQueue(config);
    queueIds.push(config.id);
    strategyOf.set(config.id, strategy);
  }
  for (const id of agentIds) await acd.login(id);

  // Who is busy (on a call the script can end) and who is free, each as a set with O(1) random pick.
  const busy = new Map<string, StubCall>();
  const busyIds = new IdSet();
  const freeIds = new IdSet();
  for (const id of agentIds) freeIds.add(id);
  const queuesOf = new Map<string, number[]>(agentIds.map((id) => [id, []]));
  members.forEach((ids, q) => {
    for (const id of ids) queuesOf.get(id)!.push(q);
  });
  let waiting = 0;
  let callCount = 0;

  /** Accepts every offer made (ring-all: the first wins, the others are canceled), until none is left. */
  const acceptOffers = async () => {
    while (engine.offers.length > 0) {
      const byCall = new Map<string, [string, string][]>();
      for (const [callId, legId, agentId] of engine.offers) {
        const legs = byCall.get(callId);
        if (legs) legs.push([legId, agentId]);
        else byCall.set(callId, [[legId, agentId]]);
      }
      engine.offers = [];
      for (const [callId, [[legId, agentId], ...losers]] of byCall as Map<
        string,
        [[string, string], ...[string, string][]]
      >) {
        const call = engine.calls.get(callId)!;
        for (const [lost] of losers) call.offers.delete(lost);
        call.agentId = agentId;
        call.status = 'answered';
        call.answeredAt = clock.now();
        engine.emit('call.offer.accepted', call, { legId, agentId });
        for (const [lost, loser] of losers) {
          engine.emit('call.offer.ended', call, { legId: lost, agentId: loser, reason: 'canceled' });
        }
        busy.set(agentId, call);
        busyIds.add(agentId);
        freeIds.delete(agentId);
        waiting--;
      }
      await acd.idle();
    }
  };

  const arrival = new Samples();
  const arrivalWhole = new Samples();
  const arrivalNobodyFree = new Samples();
  const byStrategy = new Map<QueueStrategy, Samples>(QUEUE_STRATEGIES.map((s) => [s, new Samples()]));
  let measuring = false;

  /** A caller arrives at queue `q`; the decision is timed to the first offer, the whole until idle. */
  const arrive = async (q: number): Promise<boolean> => {
    clock.tick();
    const id = `call-${++callCount}`;
    engine.newCall(id);
    const queueId = queueIds[q]!;
    engine.arm();
    const t0 = performance.now();
    await acd.enqueue(id, queueId);
    const t1 = performance.now();
    waiting++;
    const first = engine.firstOfferAt;
    if (first === undefined) {
      arrivalNobodyFree.add(t1 - t0);
    } else if (measuring) {
      arrival.add(first - t0);
      arrivalWhole.add(t1 - t0);
      byStrategy.get(strategyOf.get(queueId)!)!.add(first - t0);
    }
    await acceptOffers();
    return first !== undefined;
  };

  /** A random busy agent's call ends; the agent is given a caller if one waits for them. */
  const agentFree = new Samples();
  const agentFreeWhole = new Samples();
  let agentFreeNoOffer = 0;
  const endRandomCall = async (): Promise<string | undefined> => {
    clock.tick();
    const agentId = busyIds.random(random);
    const call = busy.get(agentId)!;
    busy.delete(agentId);
    busyIds.delete(agentId);
    freeIds.add(agentId);
    call.status = 'ended';
    engine.calls.delete(call.id);
    engine.arm();
    const t0 = performance.now();
    engine.emit('call.ended', call);
    await acd.idle();
    const t1 = performance.now();
    const offer = engine.offers[0];
    let queueId: string | undefined;
    if (engine.firstOfferAt !== undefined && offer) {
      queueId = engine.calls.get(offer[0])!.queueId!;
      if (measuring) {
        agentFree.add(engine.firstOfferAt - t0);
        agentFreeWhole.add(t1 - t0);
        byStrategy.get(strategyOf.get(queueId)!)!.add(engine.firstOfferAt - t0);
      }
    } else if (measuring) {
      agentFreeNoOffer++;
    }
    await acceptOffers();
    return queueId;
  };

  // 1. Morning: callers arrive at a queue of a random free agent and are offered to someone free
  //    there, until every agent who can take a call is busy.
  let fruitless = 0;
  while (freeIds.size > 0 && fruitless < 200) {
    const agentId = freeIds.random(random);
    fruitless = (await arrive(pick(queuesOf.get(agentId)!))) ? 0 : fruitless + 1;
  }
  const idleAtStart = freeIds.size;
  // 2. The queues fill up: callers spread evenly over the queues until the target number wait.
  for (let q = 0; waiting < size.waiting; q = (q + 1) % size.queues) await arrive(q);

  // 3. Busy hour, measured: a random busy agent's call ends; they must be given the most urgent caller
  //    of their queues. A new caller arrives where that one was taken from, so the queues stay full.
  measuring = true;
  for (let i = 0; i < decisions; i++) {
    const from = await endRandomCall();
    const refill = from === undefined ? pick(queuesOf.get(freeIds.random(random))!) : queueIds.indexOf(from);
    while (waiting < size.waiting) await arrive(refill);
  }
  const waitingAtEnd = waiting;

  // 4. The rush is over: calls end and nobody new calls until nobody waits; then a tenth of the agents
  //    are left free.
  measuring = false;
  while (waiting > 0 || freeIds.size < size.agents / 10) await endRandomCall();
  // Where draining freed more than that, callers come in at the queues of free agents until a tenth
  // are free (not measured).
  fruitless = 0;
  while (freeIds.size > size.agents / 10 && fruitless < 200) {
    const agentId = freeIds.random(random);
    fruitless = (await arrive(pick(queuesOf.get(agentId)!))) ? 0 : fruitless + 1;
  }

  let freeMemberships = 0;
  for (const id of agentIds) if (!busy.has(id)) freeMemberships += queuesOf.get(id)!.length;
  const freePerQueue = freeMemberships / size.queues;

  // 5. Quiet hour, measured: callers arrive at random queues with agents free; each takes one, and
  //    another agent's call ends, so that about a tenth stay free.
  measuring = true;
  for (let i = 0; i < decisions; i++) {
    await arrive(Math.floor(random() * size.queues));
    measuring = false;
    await endRandomCall();
    measuring = true;
  }
  acd.stop();
  return {
    size,
    membersPerQueue: members.reduce((n, m) => n + m.length, 0) / size.queues,
    agentFree,
    agentFreeWhole,
    agentFreeNoOffer,
    arrival,
    arrivalWhole,
    arrivalNobodyFree,
    byStrategy,
    waitingAtEnd,
    idleAtStart,
    freePerQueue,
    setupMs: performance.now() - started,
  };
}

// --- report -------------------------------------------------------------------------------------

const fmt = (us: number) => (Number.isFinite(us) ? us.toFixed(1).padStart(8) : '       -');

function line(label: string, samples: Samples, target = false): string {
  const { n, p50, p99, max } = samples.summary();
  const verdict = target ? (p99 < TARGET_P99_US ? '  (p99 < 1 ms: met)' : '  (p99 < 1 ms: MISSED)') : '';
  return `  ${label.padEnd(38)} n=${String(n).padStart(6)}  p50 ${fmt(p50)}  p99 ${fmt(p99)}  max ${fmt(max)}${verdict}`;
}

let profiler: Session | undefined;
if (values['cpu-prof']) {
  profiler = new Session();
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.start');
}

console.log(
  `ACD routing decision latency, microseconds (node ${process.version}; stub engine, see the header)\n` +
    `${DECISIONS} "agent free" decisions per size; seed ${SEED}\n`,
);
// A short warm-up so that the first size is not paying for the JIT.
await run({ agents: 500, queues: 20, waiting: 200 }, 2_000);

const results: Result[] = [];
for (const size of SIZES) {
  const r = await run(size, DECISIONS);
  results.push(r);
  console.log(
    `${size.agents} agents, ${size.queues} queues (~${r.membersPerQueue.toFixed(0)} members each), ` +
      `${size.waiting} callers waiting  [${(r.setupMs / 1000).toFixed(1)} s]`,
  );
  console.log(line('agent free -> offer', r.agentFree, true));
  console.log(line(`caller arrives -> offer (~${r.freePerQueue.toFixed(0)} free)`, r.arrival, true));
  console.log(line('agent free, whole reaction', r.agentFreeWhole));
  console.log(line('caller arrives, whole reaction', r.arrivalWhole));
  console.log(line('caller arrives, nobody free', r.arrivalNobodyFree));
  for (const [strategy, samples] of r.byStrategy)
    console.log(line(`  decisions in ${strategy} queues`, samples));
  console.log(
    `  agents never busy (only in queues they are not qualified for): ${r.idleAtStart}; ` +
      `agent free with nobody they could take: ${r.agentFreeNoOffer}; callers waiting through the busy hour: ${r.waitingAtEnd}\n`,
  );
}

if (results.length >= 2) {
  const ratio = (a: Samples, b: Samples) => (b.summary().p50 / a.summary().p50).toFixed(2);
  const name = (r: Result) => `${r.size.agents}/${r.size.queues}`;
  const [first, ...rest] = results as [Result, ...Result[]];
  console.log(`Scaling: p50 at each size / p50 at ${name(first)}`);
  for (const r of rest) {
    console.log(
      `  ${name(r).padEnd(12)} agent free ${ratio(first.agentFree, r.agentFree)}x, ` +
        `caller arrives ${ratio(first.arrival, r.arrival)}x ` +
        `(agents x${r.size.agents / first.size.agents}, queues x${r.size.queues / first.size.queues}, ` +
        `queue size x${(r.membersPerQueue / first.membersPerQueue).toFixed(1)})`,
    );
  }
}

if (profiler) {
  const { profile } = await profiler.post('Profiler.stop');
  const file = `acd-routing-${Date.now()}.cpuprofile`;
  writeFileSync(file, JSON.stringify(profile));
  console.log(`\nCPU profile written to ${file}`);
}
