/**
 * The outbound service holding many scheduled calls and firing them on time, and its bulk throughput.
 *
 *   npm run bench:outbound -- [--calls 100000] [--window 3600] [--bulk 10000] [--concurrency 32]
 *
 * 1. schedule: `--calls` calls are scheduled through HTTP (POST /api/v1/calls/outbound/schedule,
 *    `--concurrency` requests in flight), spread evenly over the next `--window` seconds. Each is a
 *    call log and a job in the store (SQLite); memory is measured before and after, after a GC.
 * 2. fire: the virtual clock moves one second at a time through the window. Printed: how late each call
 *    started against its scheduled second (virtual time: the limits' doing, 0 when they keep up), and
 *    the real time each virtual second took (under 1000 ms means it keeps up with real time).
 * 3. bulk: `--bulk` calls in lists of 1000 (POST /api/v1/calls/outbound/bulk), accepted and then
 *    started with no pacing gap; accept and start rates in real time.
 *
 * Limits are raised (the point is the scheduler, not MAX_CONCURRENT_OUTBOUND_CALLS), calls are short
 * (answer at once, 1 s of talk). Prints figures only; nothing is asserted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createSwitchboard } from '../src/app.ts';
import { loadConfig } from '../src/config/config.ts';
import { VirtualClock } from '../src/core/clock.ts';
import { exposeGc, fmt, mib, signedMiB, whole } from './support/format.ts';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '100000' },
    window: { type: 'string', default: '3600' },
    bulk: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '32' },
  },
});
const calls = whole(values.calls, '--calls');
const windowS = whole(values.window, '--window');
const bulkCalls = whole(values.bulk, '--bulk');
const concurrency = whole(values.concurrency, '--concurrency');
const gc = exposeGc();

const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-outbound-'));
const clock = new VirtualClock();
const config = loadConfig(
  {},
  {
    CTI_PORT: '0',
    SWITCHBOARD_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    MAX_CONCURRENT_OUTBOUND_CALLS: '100000',
    OUTBOUND_RATE_PER_SECOND: '10000',
    OUTBOUND_MAX_STARTING: '10000',
    OUTBOUND_BULK_INTERVAL_MS: '0',
  },
);
const sb = await createSwitchboard(config, { clock, logger: false });
const base = await sb.listen();
const post = async (path: string, body: unknown) => {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { data: unknown }).data;
};

/** When each call log's call began ringing (virtual ms), from the engine's own events. */
const rang = new Map<string, number>();
sb.engine.events.subscribe((event) => {
  if (event.type !== 'call.ringing') return;
  const id = (event.data.call.context.outbound as { callLogId?: string } | undefined)?.callLogId;
  if (id) rang.set(id, Date.parse(event.timestamp));
});

const percentile = (sorted: readonly number[], p: number) =>
  sorted.length === 0
    ? 0
    : (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number);
const number = (i: number) => `+1212${String(2_000_000 + (i % 7_000_000)).padStart(7, '0')}`;

try {
  await post('/api/v1/agents', { id: 'bench', name: 'Bench', endpoint: 'sim/bench' });
  await post('/api/v1/sim/profiles', {
    match: '+1212*',
    profile: { answerAfterMs: 0, hangupAfterMs: 1_000 },
  }).catch(() => undefined);
  await fetch(`${base}/api/v1/sim/profiles`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ match: '+1212*', profile: { answerAfterMs: 0, hangupAfterMs: 1_000 } }),
  });
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const rssBefore = process.memoryUsage().rss;

  // 1. schedule
  const start = clock.now() + 1_000;
  const due = new Map<string, number>();
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < calls; i = next++) {
        const at = start + Math.floor((i * windowS * 1000) / calls / 1000) * 1000;
        const data = (await post('/api/v1/calls/outbound/schedule', {
          phoneNumber: number(i),
          agentId: 'bench',
          scheduledFor: new Date(at).toISOString(),
        })) as { callLogId: string };
        due.set(data.callLogId, at);
      }
    }),
  );
  const scheduleS = (performance.now() - t0) / 1000;
  await sb.idle();
  gc();
  const heapHeld = process.memoryUsage().heapUsed;
  const rssHeld = process.memoryUsage().rss;
  console.log(`schedule: ${fmt(calls)} calls over ${fmt(windowS)} s in ${scheduleS.toFixed(1)} s real`);
  console.log(`  ${fmt(Math.round(calls / scheduleS))} schedules/s through HTTP (${concurrency} in flight)`);
  console.log(
    `  held: heap ${mib(heapHeld)} (${signedMiB(heapHeld - heapBefore)}), rss ${mib(rssHeld)} (${signedMiB(rssHeld - rssBefore)}); ` +
      `${fmt(Math.round((heapHeld - heapBefore) / calls))} B of heap per scheduled call (the store holds them)`,
  );

  // 2. fire
  await clock.advanceTo(start - 1);
  const stepMs: number[] = [];
  const firing0 = performance.now();
  for (let s = 0; s <= windowS + 2; s++) {
    const t = performance.now();
    await clock.advance(1_000);
    stepMs.push(performance.now() - t);
  }
  const fireS = (performance.now() - firing0) / 1000;
  const lags = [...due]
    .map(([id, at]) => (rang.get(id) ?? Number.POSITIVE_INFINITY) - at)
    .sort((a, b) => a - b);
  const missing = lags.filter((l) => !Number.isFinite(l)).length;
  const fired = lags.filter((l) => Number.isFinite(l));
  stepMs.sort((a, b) => a - b);
  gc();
  console.log(
    `fire: ${fmt(fired.length)} of ${fmt(calls)} started (${fmt(missing)} never), ${fireS.toFixed(1)} s real for ${fmt(windowS)} s virtual`,
  );
  console.log(
    `  scheduling lag (virtual ms): p50 ${percentile(fired, 50)}, p99 ${percentile(fired, 99)}, max ${fired.at(-1) ?? 0}`,
  );
  console.log(
    `  real ms per virtual second (≈${fmt(Math.round(calls / windowS))} calls due each): p50 ${percentile(stepMs, 50).toFixed(1)}, ` +
      `p99 ${percentile(stepMs, 99).toFixed(1)}, max ${(stepMs.at(-1) ?? 0).toFixed(1)}`,
  );
  console.log(
    `  heap after firing: ${mib(process.memoryUsage().heapUsed)}, rss ${mib(process.memoryUsage().rss)}`,
  );

  // 3. bulk
  rang.clear();
  const ids: string[] = [];
  const b0 = performance.now();
  for (let done = 0; done < bulkCalls; done += 1000) {
    const size = Math.min(1000, bulkCalls - done);
    const data = (await post('/api/v1/calls/outbound/bulk', {
      calls: Array.from({ length: size }, (_, i) => ({
        phoneNumber: number(calls + done + i),
        agentId: 'bench',
      })),
    })) as { callLogIds: string[] };
    ids.push(...data.callLogIds);
  }
  const acceptS = (performance.now() - b0) / 1000;
  // Without a pacing gap they start as they are accepted; the clock moves for any left.
  while (ids.some((id) => !rang.has(id))) await clock.advance(100);
  await sb.idle();
  const allS = (performance.now() - b0) / 1000;
  console.log(
    `bulk: ${fmt(ids.length)} calls in lists of 1000 accepted in ${acceptS.toFixed(1)} s (${fmt(Math.round(ids.length / acceptS))} calls/s); ` +
      `all started ${allS.toFixed(1)} s after the first list (${fmt(Math.round(ids.length / allS))} starts/s, no pacing gap)`,
  );
} finally {
  await sb.close();
  rmSync(dataDir, { recursive: true, force: true });
}
