/**
 * Heap per live call: many simultaneous calls held by the engine as production builds it
 * (createSwitchboard: simulator driver, embedded SQLite store in a temporary folder), on a virtual clock.
 *
 *   npm run bench:memory -- [--calls 100000] [--batch 1000]
 *
 * Every call is a click-to-dial from an agent's phone (`dispatcher-N`) to a number. Measured after a
 * full garbage collection: while every call rings (the agent's phone, before the clock moves), once
 * every call is answered (both parties up and bridged; the simulator's parties are told never to hang
 * up), a minute later, and once all are hung up (back near the baseline, or something leaks).
 * Prints figures only; nothing is asserted. Every call is written to SQLite several times, so 100,000
 * calls take about two minutes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createSwitchboard } from '../src/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { VirtualClock } from '../src/core/clock.ts';
import { exposeGc, fmt, mib, signedMiB, whole } from './support/format.ts';

const TARGET_BYTES_PER_CALL = 2 * 1024;
const WARMUP_CALLS = 1_000;

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '100000' },
    batch: { type: 'string', default: '1000' },
  },
});
const calls = whole(values.calls, '--calls');
const batch = whole(values.batch, '--batch');
const gc = exposeGc();

const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-'));
const clock = new VirtualClock();
const sb = await createSwitchboard(loadConfig({}, { SWITCHBOARD_DATA_DIR: dataDir }), {
  clock,
  logger: false,
});
// Both parties stay on the line until hung up, so that every call is live when measured.
sb.driver.setProfile({ match: '*', profile: { hangupAfterMs: null } });

try {
  // The first calls load libphonenumber's metadata, compile the hot paths and warm SQLite's page cache;
  // none of that is per-call memory, so it is in the baseline.
  await hangUpAll(await originateAll(WARMUP_CALLS));
  await clock.advance(60_000);
  const baseline = await measure();

  let started = performance.now();
  const ids = await originateAll(calls);
  const originateMs = performance.now() - started;
  const ringing = await measure();

  started = performance.now();
  await clock.advance(3_000);
  const answerMs = performance.now() - started;
  const answered = await measure();
  // A minute into the calls: the ring timeouts, cancelled at answer, have left the virtual clock,
  // which drops a cancelled timer only when its time comes (a system clock frees it at once).
  await clock.advance(60_000);
  const talking = await measure();
  const statuses = await countStatuses(ids);

  started = performance.now();
  await hangUpAll(ids);
  const hangupMs = performance.now() - started;
  ids.length = 0;
  // What stays is expected to be the virtual clock's timer array, which keeps its peak capacity.
  const after = await measure();

  const live = (s: Sample) => ({
    heap: (s.heap - baseline.heap) / calls,
    rss: (s.rss - baseline.rss) / calls,
  });
  console.log(
    `Memory per live call: ${fmt(calls)} simultaneous click-to-dial calls, in-process ` +
      `(createSwitchboard: simulator, SQLite in ${dataDir}, virtual clock), node ${process.version}\n`,
  );
  console.log('                                  heap used     per call        RSS     per call');
  row('baseline (after warm-up)', baseline);
  row(`${fmt(calls)} ringing`, ringing, live(ringing));
  row(`${fmt(calls)} just answered`, answered, live(answered));
  row(`${fmt(calls)} talking, 1 min in`, talking, live(talking));
  row('all hung up', after);
  console.log('');
  console.log(
    `  target: < ${fmt(TARGET_BYTES_PER_CALL)} B of heap per live call -> ringing ` +
      `${verdict(live(ringing).heap)}, just answered ${verdict(live(answered).heap)}, ` +
      `talking ${verdict(live(talking).heap)}`,
  );
  console.log(
    `  after hang-up: heap ${signedMiB(after.heap - baseline.heap)} vs baseline ` +
      `(${signed((after.heap - baseline.heap) / calls)} B per call that was live)`,
  );
  console.log(`  statuses after a minute of talk: ${statuses}; live calls left: ${sb.engine.liveCount}`);
  console.log(
    `  time: originate ${seconds(originateMs)} (${rate(calls, originateMs)} calls/s, ${fmt(batch)} at a time), ` +
      `answer by advancing 3 s ${seconds(answerMs)}, hang-up ${seconds(hangupMs)}`,
  );
  console.log(
    '  (RSS also holds what is not V8 heap: SQLite page cache, allocator slack, code; it rarely shrinks.)',
  );
} finally {
  await sb.close();
  rmSync(dataDir, { recursive: true, force: true });
}

interface Sample {
  readonly heap: number;
  readonly rss: number;
}

async function measure(): Promise<Sample> {
  // Twice, with a turn of the event loop between, so that objects freed by finalisers go too.
  for (let i = 0; i < 2; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, rss: usage.rss };
}

/** Originates `count` calls, `batch` at a time; resolves with their ids. */
async function originateAll(count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < count; start += batch) {
    const n = Math.min(batch, count - start);
    const made = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        sb.engine.originate({
          from: `dispatcher-${start + i}`,
          // A different valid US number for each of up to a million calls.
          to: `+1212${String(2_000_000 + ((start + i) % 8_000_000)).padStart(7, '0')}`,
        }),
      ),
    );
    for (const call of made) ids.push(call.id);
  }
  return ids;
}

async function hangUpAll(ids: readonly string[]): Promise<void> {
  for (let start = 0; start < ids.length; start += batch) {
    await Promise.all(ids.slice(start, start + batch).map((id) => sb.engine.hangup(id)));
  }
}

async function countStatuses(ids: readonly string[]): Promise<string> {
  const counts = new Map<string, number>();
  for (const id of ids) {
    const { status } = await sb.engine.get(id);
    counts.set(status, (counts.get(status) ?? 0) + 1);
  }
  return [...counts].map(([status, n]) => `${status} ${fmt(n)}`).join(', ');
}

function row(label: string, s: Sample, perCall?: { heap: number; rss: number }): void {
  const heapPer = perCall ? `${fmt(Math.round(perCall.heap))} B` : '';
  const rssPer = perCall ? `${fmt(Math.round(perCall.rss))} B` : '';
  console.log(
    `  ${label.padEnd(30)} ${mib(s.heap).padStart(10)} ${heapPer.padStart(12)} ${mib(s.rss).padStart(10)} ${rssPer.padStart(12)}`,
  );
}

function verdict(bytes: number): string {
  // One decimal: a figure this close to the target must not read as rounded into it.
  const shown = bytes.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  return `${shown} B ${bytes < TARGET_BYTES_PER_CALL ? 'met' : 'MISSED'}`;
}

function signed(n: number): string {
  return `${n >= 0 ? '+' : ''}${n.toFixed(1)}`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function rate(count: number, ms: number): string {
  return fmt(Math.round((count * 1000) / ms));
}
