/**
 * IVR at scale: many callers at once in IVR sessions on the simulator, in-process (createSwitchboard:
 * simulator, embedded SQLite in a temporary folder, virtual clock), every event logged as in production.
 *
 *   npm run bench:ivr -- [--callers 10000] [--samples 500]
 *
 * Each caller dials a line routed to a flow that asks for a PIN (`gather`), then for a confirmation
 * (`menu`), then hangs up. Figures:
 * - memory per caller in an IVR session: heap with every caller listening to the PIN prompt, against
 *   the same number of calls ringing with no IVR (so the difference is what the IVR adds: the answered
 *   call, its prompt playing, the session and its trace);
 * - engine time per DTMF step, two ways: every caller keys "1234#" at once (wall time over the digits
 *   handled, each through the simulator, the engine, the event log and the IVR); and one caller at a
 *   time pressing one key while all the others wait, from the key to the IVR's `ivr.input` (p50/p99);
 * - the hang-up of everyone, with each session's trace written into its call record.
 * Prints figures only; nothing is asserted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createSwitchboard } from '../src/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { VirtualClock } from '../src/core/clock.ts';
import type { DomainEvent } from '../src/core/events.ts';
import { exposeGc, fmt, mib, signedMiB, whole } from './support/format.ts';

const IVR_LINE = '+13125550199';
const PLAIN_LINE = '+13125550198';
const WARMUP = 500;
const BATCH = 1_000;

const FLOW = {
  id: 'bench',
  start: 'pin',
  nodes: {
    pin: {
      kind: 'gather',
      prompt: 'Please enter your four digit PIN, then press hash.',
      minDigits: 4,
      maxDigits: 8,
      firstDigitTimeoutMs: 120_000,
      interDigitTimeoutMs: 60_000,
      next: 'confirm',
      failure: 'bye',
    },
    confirm: {
      kind: 'menu',
      prompt: 'You entered {{ digits }}. Press 1 to confirm.',
      options: { 1: 'bye' },
      timeoutMs: 120_000,
    },
    bye: { kind: 'hangup' },
  },
};

const { values } = parseArgs({
  options: {
    callers: { type: 'string', default: '10000' },
    samples: { type: 'string', default: '500' },
  },
});
const callers = whole(values.callers, '--callers');
const samples = Math.min(whole(values.samples, '--samples'), callers);
const gc = exposeGc();

const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-ivr-'));
const clock = new VirtualClock();
const sb = await createSwitchboard(loadConfig({}, { SWITCHBOARD_DATA_DIR: dataDir }), {
  clock,
  logger: false,
});
// Callers stay on the line (and never give up ringing) until hung up.
sb.driver.setProfile({ match: '*', profile: { hangupAfterMs: null } });
await sb.ivr.saveFlow(FLOW);
await sb.acd.saveRoute({
  id: 'bench-ivr',
  dialled: IVR_LINE,
  order: 0,
  destination: { kind: 'ivr', flowId: 'bench' },
});

const byChannel = new Map<string, string>();
const counts = new Map<string, number>();
let inputWaiter: { callId: string; resolve: () => void } | undefined;
sb.engine.events.subscribe((event: DomainEvent) => {
  counts.set(event.type, (counts.get(event.type) ?? 0) + 1);
  if (event.type === 'call.ringing') byChannel.set(event.data.call.legs[0]!.id, event.data.call.id);
  const waiter = inputWaiter;
  if (event.type === 'ivr.input' && waiter !== undefined && waiter.callId === event.callId) waiter.resolve();
});

const benchStart = performance.now();
/** Where the run is, on stderr: the figures on stdout stay clean. */
const progress = (what: string) =>
  process.stderr.write(`[${((performance.now() - benchStart) / 1000).toFixed(1)} s] ${what}\n`);

try {
  // Warm-up: libphonenumber's metadata, compiled hot paths, SQLite's cache; none of it per caller.
  const warm = await dialAll(WARMUP, IVR_LINE, 9_000_000);
  await pressAll(warm, '1234#');
  await hangUpAll(warm);
  await clock.advance(60_000);
  const baseline = await measure();
  progress('warmed up');

  const ringing = await dialAll(callers, PLAIN_LINE, 0);
  const plain = await measure();
  progress(`${fmt(callers)} calls ringing without IVR`);
  await hangUpAll(ringing);
  await clock.advance(60_000);

  let started = performance.now();
  const channels = await dialAll(callers, IVR_LINE, 1_000_000);
  const enterMs = performance.now() - started;
  const inIvr = await measure();
  const live = sb.ivr.liveCount;
  expectAllIn('pin', callers);
  progress(`${fmt(live)} callers in IVR sessions`);

  const eventsBefore = total();
  started = performance.now();
  await pressAll(channels, '1234#');
  const digitsMs = performance.now() - started;
  const digitEvents = total() - eventsBefore;
  const atMenu = await measure();
  expectAllIn('confirm', callers);
  progress('every caller keyed 1234#');

  // One key at a time, while everybody else waits in the menu.
  const latencies: number[] = [];
  for (const channelId of channels.slice(0, samples)) {
    const callId = byChannel.get(channelId)!;
    const heard = new Promise<void>((resolve) => {
      inputWaiter = { callId, resolve };
    });
    const t0 = performance.now();
    sb.driver.partySendDtmf(channelId, '1');
    await heard;
    latencies.push(performance.now() - t0);
  }
  await clock.advance(0);
  progress(`${fmt(samples)} single keys timed`);

  started = performance.now();
  await hangUpAll(channels.slice(samples));
  const hangupMs = performance.now() - started;
  await clock.advance(60_000);
  const after = await measure();
  const sample = await sb.engine.get(byChannel.get(channels[0]!)!);
  const traced = (sample.context.ivr as { trace?: unknown[] } | undefined)?.trace?.length ?? 0;

  latencies.sort((a, b) => a - b);
  const per = (s: Sample, from: Sample) => (s.heap - from.heap) / callers;
  console.log(
    `IVR at scale: ${fmt(callers)} simultaneous callers in IVR sessions, in-process ` +
      `(createSwitchboard: simulator, SQLite in ${dataDir}, virtual clock), node ${process.version}\n`,
  );
  console.log('                                             heap used    per caller');
  row('baseline (after warm-up)', baseline.heap);
  row(`${fmt(callers)} calls ringing, no IVR`, plain.heap, per(plain, baseline));
  row(`${fmt(callers)} callers in the PIN prompt`, inIvr.heap, per(inIvr, baseline));
  row(`${fmt(callers)} callers in the menu`, atMenu.heap, per(atMenu, baseline));
  row('all hung up', after.heap);
  console.log('');
  console.log(
    `  memory per IVR session (in the prompt, minus a ringing call): ${fmt(Math.round(per(inIvr, plain)))} B; ` +
      `after 5 DTMF steps and a second prompt: ${fmt(Math.round(per(atMenu, plain)))} B`,
  );
  console.log(
    `  entering: ${fmt(callers)} callers routed, answered, session started and prompted in ${seconds(enterMs)} ` +
      `(${rate(callers, enterMs)} callers/s); live sessions: ${fmt(live)}`,
  );
  console.log(
    `  DTMF, everyone at once: ${fmt(callers * 5)} digits in ${seconds(digitsMs)} -> ` +
      `${((digitsMs * 1000) / (callers * 5)).toFixed(1)} us per DTMF step (${rate(callers * 5, digitsMs)} digits/s, ` +
      `${fmt(digitEvents)} events logged)`,
  );
  console.log(
    `  DTMF, one key at a time with ${fmt(callers - 1)} others waiting (${fmt(latencies.length)} samples, key -> ivr.input): ` +
      `p50 ${ms(pct(latencies, 0.5))}, p99 ${ms(pct(latencies, 0.99))}, max ${ms(latencies.at(-1)!)}`,
  );
  console.log(
    `  hang-up of ${fmt(callers - samples)} callers, each trace written into its call record: ${seconds(hangupMs)}; ` +
      `a finished caller's record keeps a trace of ${traced} steps`,
  );
  console.log(`  after hang-up: heap ${signedMiB(after.heap - baseline.heap)} vs baseline`);
} finally {
  await sb.close();
  rmSync(dataDir, { recursive: true, force: true });
}

interface Sample {
  readonly heap: number;
}

async function measure(): Promise<Sample> {
  for (let i = 0; i < 2; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  return { heap: process.memoryUsage().heapUsed };
}

/** `count` callers dial `to`; resolves with their channel ids once every call has settled. */
async function dialAll(count: number, to: string, offset: number): Promise<string[]> {
  const channels: string[] = [];
  for (let start = 0; start < count; start += BATCH) {
    const n = Math.min(BATCH, count - start);
    for (let i = 0; i < n; i++) {
      const from = `+1415${String(2_000_000 + ((offset + start + i) % 8_000_000)).padStart(7, '0')}`;
      channels.push(sb.driver.placeInboundCall({ from, to }));
    }
    await clock.advance(0);
  }
  return channels;
}

/**
 * Every caller keys `digits`, 250 ms apart, all at the same virtual instant. The first keys go in
 * {@link BATCH} callers per event-loop turn: the engine commits a turn's call records in one INSERT,
 * which SQLite refuses beyond about 3,600 calls (32,766 bound variables), losing those events.
 */
async function pressAll(channels: readonly string[], digits: string): Promise<void> {
  for (let start = 0; start < channels.length; start += BATCH) {
    for (const channelId of channels.slice(start, start + BATCH))
      sb.driver.partySendDtmf(channelId, digits, 250);
    await clock.advance(0);
  }
  for (let i = 1; i < digits.length; i++) await clock.advance(250);
}

/** Stops the run with a message, rather than waiting forever, when callers are not where expected. */
function expectAllIn(node: string, count: number): void {
  const where = new Map<string, number>();
  for (const session of sb.ivr.sessions()) where.set(session.node, (where.get(session.node) ?? 0) + 1);
  if (where.get(node) !== count) {
    throw new Error(`expected ${fmt(count)} callers in "${node}", found ${JSON.stringify([...where])}`);
  }
}

async function hangUpAll(channels: readonly string[]): Promise<void> {
  for (let start = 0; start < channels.length; start += BATCH) {
    for (const channelId of channels.slice(start, start + BATCH)) sb.driver.partyHangup(channelId);
    await clock.advance(0);
  }
}

function total(): number {
  let n = 0;
  for (const count of counts.values()) n += count;
  return n;
}

function pct(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function row(label: string, heap: number, perCaller?: number): void {
  const per = perCaller === undefined ? '' : `${fmt(Math.round(perCaller))} B`;
  console.log(`  ${label.padEnd(40)} ${mib(heap).padStart(11)} ${per.padStart(13)}`);
}

function seconds(value: number): string {
  return `${(value / 1000).toFixed(1)} s`;
}

function ms(value: number): string {
  return `${value.toFixed(2)} ms`;
}

function rate(count: number, elapsed: number): string {
  return fmt(Math.round((count * 1000) / elapsed));
}
