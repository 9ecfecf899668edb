/**
 * ACD chaos run: agents churn (log in, log out, pause, unpause at random), callers arrive and hang up
 * at random, agents answer, reject and hang up, and callers hang up as their offers ring, end or are
 * withdrawn — everything racing the distributor — for a bounded number of steps on the virtual clock.
 *
 *   npm run bench:chaos -- [--agents 10] [--steps 20000] [--seed 1]
 *
 * The whole server runs in process (engine, simulator, ACD, embedded store, every event logged);
 * nothing is stubbed. After every step the ACD's reservation invariants are checked against the
 * engine's view (test/support/acd-invariants.ts): a stuck agent (reserved with no live offer), a stuck
 * caller (an ended call waiting, or a caller unoffered while an agent of its queue is free). A step
 * that makes more than MAX_STATE_CHANGES agent state changes trips a fuse, which stops a runaway
 * distributor instead of letting it fill the database; the run then reports it and stops. At the end
 * every caller hangs up and every agent must come back free. Prints figures; exits 1 on a violation.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createSwitchboard } from '../src/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { VirtualClock } from '../src/core/clock.ts';
import type { DomainEvent } from '../src/core/events.ts';
import { reservationViolations } from '../test/support/acd-invariants.ts';
import { armStateFuse } from '../test/support/state-fuse.ts';
import { fmt, whole } from './support/format.ts';

const MAX_STATE_CHANGES = 200;
const MAX_VIOLATIONS_SHOWN = 5;

const { values } = parseArgs({
  options: {
    agents: { type: 'string', default: '10' },
    steps: { type: 'string', default: '20000' },
    seed: { type: 'string', default: '1' },
  },
});
const agentCount = whole(values.agents, '--agents');
const steps = whole(values.steps, '--steps');
let seed = whole(values.seed, '--seed');

/** mulberry32: a seeded PRNG, so a run can be replayed. */
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(random() * items.length)];

const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-chaos-'));
const clock = new VirtualClock();
const sb = await createSwitchboard(loadConfig({}, { SWITCHBOARD_DATA_DIR: dataDir }), {
  clock,
  logger: false,
});
const settle = () => clock.advance(0);

// Agents' phones ring until the run answers or rejects them; callers stay until the run hangs them up.
sb.driver.setProfile({ match: 'sim/*', profile: { answerAfterMs: null } });
sb.driver.setProfile({ match: '+1415*', profile: { hangupAfterMs: null } });
const agents = Array.from({ length: agentCount }, (_, i) => `agent-${i + 1}`);
for (const id of agents) {
  await sb.acd.saveAgent({ id, name: id, endpoint: `sim/${id}`, skills: {}, teams: [], roles: ['agent'] });
}
const half = Math.ceil(agentCount / 2);
const queues = [
  { id: 'sales', strategy: 'longest_idle', members: agents.slice(0, half + 1), did: '+13125550100' },
  { id: 'support', strategy: 'ring_all', members: agents.slice(half - 1), did: '+13125550101' },
] as const;
for (const q of queues) {
  await sb.acd.saveQueue({
    id: q.id,
    name: q.id,
    strategy: q.strategy,
    members: [...q.members],
    requiredSkills: {},
    offerTimeoutMs: 8_000,
    wrapUpMs: 2_000,
    whenNoAgents: 'wait',
    serviceLevelMs: 20_000,
    agingMs: 120_000,
  });
  await sb.acd.saveRoute({
    id: q.id,
    dialled: q.did,
    order: 1,
    destination: { kind: 'queue', queueId: q.id },
  });
}
const ringAll = new Set(queues.filter((q) => q.strategy === 'ring_all').map((q) => q.id));

const counts = new Map<string, number>();
sb.engine.events.subscribe((e: DomainEvent) => counts.set(e.type, (counts.get(e.type) ?? 0) + 1));
const totalEvents = () => [...counts.values()].reduce((a, b) => a + b, 0);
const fuse = armStateFuse(sb.store.agentStates, MAX_STATE_CHANGES);

/** The caller hangs up the moment one of its offers stops ringing. */
function hangUpWhenOfferEnds(callerChannel: string): void {
  const stop = sb.engine.events.subscribe((e) => {
    if (e.type !== 'call.offer.ended' || !e.data.call.legs.some((l) => l.id === callerChannel)) return;
    stop();
    sb.driver.partyHangup(callerChannel);
  });
}

const ignoreConflicts = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: { code?: string }) => {
      if (e.code !== 'INVALID_STATE') throw e;
    },
  );
const agentCommand = (id: string, action: 'login' | 'logout' | 'pause' | 'unpause') =>
  ignoreConflicts(action === 'pause' ? sb.acd.pause(id, 'break') : sb.acd[action](id));

/** What the parties do, by cumulative probability: who among the channels, and what. */
const PARTY_MOVES: ReadonlyArray<{
  upTo: number;
  among: 'ringing' | 'talking' | 'callers';
  what: string;
  act: (channelId: string) => void;
}> = [
  { upTo: 0.3, among: 'ringing', what: 'agent answers', act: (id) => sb.driver.partyAnswer(id) },
  { upTo: 0.35, among: 'ringing', what: 'agent rejects', act: (id) => sb.driver.partyReject(id, 'rejected') },
  { upTo: 0.43, among: 'callers', what: 'caller hangs up', act: (id) => sb.driver.partyHangup(id) },
  { upTo: 0.5, among: 'talking', what: 'agent ends a call', act: (id) => sb.driver.partyHangup(id) },
];

let arrivals = 0;
async function step(): Promise<string> {
  const channels = sb.driver.channels();
  const ringing = channels.filter((c) => c.address.startsWith('sim/') && c.state === 'ringing');
  const talking = channels.filter((c) => c.address.startsWith('sim/') && c.state === 'answered');
  const callers = channels.filter((c) => c.direction === 'inbound');
  const roll = random();
  if (roll < 0.2) {
    arrivals++;
    sb.driver.placeInboundCall({
      from: `+1415555${String(arrivals % 10_000).padStart(4, '0')}`,
      to: pick(queues)!.did,
    });
    return 'arrival';
  }
  for (const move of PARTY_MOVES) {
    const among = { ringing, talking, callers }[move.among];
    if (roll < move.upTo && among.length) {
      move.act(pick(among)!.id);
      return move.what;
    }
  }
  if (roll < 0.6 && ringing.length) {
    const c = pick(ringing)!;
    const call = sb.engine.liveCalls().find((x) => x.legs.some((l) => l.id === c.id));
    const caller = call?.legs.find((l) => l.role === 'caller' && l.status !== 'ended');
    if (!caller) return 'no race';
    const id = c.address.slice('sim/'.length);
    hangUpWhenOfferEnds(caller.id);
    const move = pick(['logout', 'pause', 'reject', 'hang up at once'] as const)!;
    if (move === 'reject') sb.driver.partyReject(c.id, 'rejected');
    else if (move === 'hang up at once') {
      const command = agentCommand(id, pick(['logout', 'pause'] as const)!);
      sb.driver.partyHangup(caller.id);
      await command;
    } else await agentCommand(id, move);
    return `race (${move})`;
  }
  if (roll < 0.85) {
    await agentCommand(pick(agents)!, pick(['login', 'logout', 'pause', 'unpause'] as const)!);
    return 'agent churn';
  }
  await clock.advance(Math.floor(random() * 6_000));
  return 'clock';
}

const violations: string[] = [];
let runaway: string | undefined;
let maxEventsInStep = 0;
let done = 0;
const started = performance.now();
const startedVirtual = clock.now();
for (const id of agents) await agentCommand(id, 'login');
for (; done < steps && violations.length === 0; done++) {
  const before = totalEvents();
  fuse.reset();
  const what = await step();
  await settle();
  maxEventsInStep = Math.max(maxEventsInStep, totalEvents() - before);
  if (fuse.blown) {
    runaway = `step ${done} (${what}): more than ${MAX_STATE_CHANGES} agent state changes — the distributor ran away`;
    break;
  }
  for (const problem of reservationViolations(sb, ringAll))
    violations.push(`step ${done} (${what}): ${problem}`);
}
// Wind down: every caller hangs up, wrap-ups end; every agent must then be free (or away/offline).
for (const c of sb.driver.channels()) if (c.direction === 'inbound') sb.driver.partyHangup(c.id);
await clock.advance(60_000);
const leftBusy = sb.acd
  .listAgents()
  .filter((a) => !['available', 'away', 'offline'].includes(a.status.state));
for (const a of leftBusy)
  violations.push(`after the run: ${a.id} is still ${a.status.state} (${a.status.callId})`);
const leftWaiting = queues.flatMap((q) => sb.acd.waitingIn(q.id));
for (const w of leftWaiting) violations.push(`after the run: ${w.callId} still waits`);

const wallS = (performance.now() - started) / 1000;
const virtualS = (clock.now() - startedVirtual) / 1000;
const figures = sb.acd.distributionFigures();
const dbBytes = statSync(join(dataDir, 'switchboard.db'), { throwIfNoEntry: false })?.size;
const n = (type: string) => fmt(counts.get(type) ?? 0);
console.log(`ACD chaos run: ${agentCount} agents, 2 queues (longest idle, ring-all), seed ${values.seed}`);
console.log(
  `  steps          ${fmt(done)} of ${fmt(steps)} in ${wallS.toFixed(1)} s wall, ${fmt(Math.round(virtualS))} s virtual`,
);
console.log(
  `  events         ${fmt(totalEvents())} (${fmt(Math.round(totalEvents() / wallS))}/s wall, ${(totalEvents() / virtualS).toFixed(1)}/s virtual); most in one step ${fmt(maxEventsInStep)}`,
);
console.log(`  agent.state    ${n('agent.state')}`);
console.log(
  `  calls          ${fmt(arrivals)} arrived, ${n('call.offer.accepted')} answered by an agent, ${n('call.offered')} offers, ${n('call.offer.ended')} offers ended unanswered`,
);
console.log(`  queue.left     ${n('queue.left')}`);
console.log(
  `  distributor    ${fmt(figures.attempts)} attempts, ${fmt(figures.failures)} refused offers, ${fmt(figures.dropped)} callers dropped (call gone), ${fmt(figures.backoffs)} back-offs`,
);
if (dbBytes !== undefined) console.log(`  database       ${(dbBytes / 1024 / 1024).toFixed(1)} MiB`);
console.log(`  stuck agents   ${leftBusy.length}; stuck callers ${leftWaiting.length}`);
if (runaway) console.log(`  RUNAWAY        ${runaway}`);
console.log(`  violations     ${violations.length}`);
for (const v of violations.slice(0, MAX_VIOLATIONS_SHOWN)) console.log(`    ${v}`);
await sb.close();
rmSync(dataDir, { recursive: true, force: true });
process.exitCode = runaway || violations.length > 0 ? 1 : 0;
