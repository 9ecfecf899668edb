/**
 * Call set-up and hang-up through the HTTP API, against a Switchboard in its own process (so the
 * figures are the server's alone: autocannon and this script run on another core).
 *
 *   npm run bench:calls -- [--duration 5] [--connections 10] [--cpu-prof DIR]
 *
 * 1. set-up: autocannon POSTs /api/v1/calls for `--duration` seconds (after a 1 s warm-up). The clock
 *    is virtual, so the agent's phone never auto-answers and every call stays ringing: this is the
 *    originate path alone (validation, engine, simulator, record and event written to SQLite).
 * 2. the clock is advanced 3 s: every agent phone answers, the dialled number is rung and answers,
 *    the two are bridged.
 * 3. hang-up: every call created is hung up (POST /api/v1/calls/:id/hangup), each exactly once.
 *
 * Each connection sends its next request when the previous one is answered (a closed loop), so
 * latency is about connections ÷ throughput: the targets (≥ 3,000 set-ups/s, p99 < 10 ms) can only
 * hold together at a modest number of connections, hence the default of 10.
 *
 * Prints figures only; targets are shown next to them and nothing is asserted. `--cpu-prof DIR`
 * writes the server's V8 CPU profile there when it stops (open it in Chrome DevTools).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon, { type Request } from 'autocannon';
import {
  measure,
  percent,
  positive,
  printRun,
  type RunFigures,
  startChildServer,
} from './support/child-server.ts';
import { fmt } from './support/format.ts';

const TARGET_SETUPS_PER_S = 3_000;
const TARGET_P99_MS = 10;
const WARMUP_S = 1;
const ADVANCE_MS = 3_000;

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '10' },
    'cpu-prof': { type: 'string' },
  },
});
const duration = positive(values.duration, '--duration');
const connections = Math.round(positive(values.connections, '--connections'));

const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-'));
const server = await startChildServer(
  { SWITCHBOARD_DATA_DIR: dataDir, SWITCHBOARD_CLOCK: 'virtual', LOG_LEVEL: 'warn' },
  { cpuProfDir: values['cpu-prof'], onEarlyExit: () => rmSync(dataDir, { recursive: true, force: true }) },
);
const { base, api } = server;

try {
  console.log(
    `Switchboard pid ${server.pid} on ${base} (clock: virtual, store: sqlite in ${dataDir}); ` +
      `${connections} connections, node ${process.version}\n`,
  );

  const callIds: string[] = [];
  await setupRun(WARMUP_S, callIds);
  const warmupCalls = callIds.length;

  const setupCpu = server.cpuMeter();
  const setup = await setupRun(duration, callIds);
  const setupCpuShare = setupCpu();
  const created = callIds.length - warmupCalls;

  const advanceCpu = server.cpuMeter();
  const advanceStart = performance.now();
  await api('POST', '/api/v1/sim/clock/advance', { ms: ADVANCE_MS });
  const advanceMs = performance.now() - advanceStart;
  const advanceCpuShare = advanceCpu();
  // Requests still in flight when a timed run stopped created calls whose answers nobody read.
  const measuredIds = callIds.length;
  const known = new Set(callIds);
  for (const id of await liveCallIds()) if (!known.has(id)) callIds.push(id);

  const hangupCpu = server.cpuMeter();
  const hangup = await hangupRun(callIds);
  const hangupCpuShare = hangupCpu();
  const health = (await api('GET', '/health')) as { liveCalls: number };

  console.log(`Set-up: POST /api/v1/calls for ${duration} s (after a ${WARMUP_S} s warm-up)`);
  printRun(setup, created, setupCpuShare);
  console.log(
    `  target:       ≥ ${fmt(TARGET_SETUPS_PER_S)} set-ups/s on one core -> ` +
      `${setup.perSecond >= TARGET_SETUPS_PER_S ? 'met' : 'MISSED'}; p99 < ${TARGET_P99_MS} ms -> ` +
      `${setup.p99 < TARGET_P99_MS ? 'met' : 'MISSED'}`,
  );
  console.log(
    `  calls created: ${fmt(callIds.length)} (${fmt(warmupCalls)} from the warm-up, ` +
      `${fmt(callIds.length - measuredIds)} whose answer was still in flight when a run stopped)`,
  );
  console.log('');
  console.log(`Answer: POST /api/v1/sim/clock/advance {ms: ${ADVANCE_MS}} with ${fmt(callIds.length)} calls`);
  console.log(
    `  ${fmt(Math.round(advanceMs))} ms for ${fmt(callIds.length)} calls (agent answers, number dialled, ` +
      `number answers, bridged): ${fmt(Math.round((callIds.length * 1000) / advanceMs))} calls/s, ` +
      `server CPU ${percent(advanceCpuShare.server)}`,
  );
  console.log('');
  console.log(`Hang-up: POST /api/v1/calls/:id/hangup, each of the ${fmt(callIds.length)} calls once`);
  printRun(hangup, hangup.ok, hangupCpuShare);
  console.log(
    `  target:       p99 < ${TARGET_P99_MS} ms -> ${hangup.p99 < TARGET_P99_MS ? 'met' : 'MISSED'}` +
      ` (no throughput target for hang-up)`,
  );
  const reasons = Object.entries(hangup.endReasons)
    .map(([reason, n]) => `${reason} ${fmt(n)}`)
    .join(', ');
  console.log(`  ended calls by endReason: ${reasons || 'none'}; live calls left: ${health.liveCalls}`);
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

function setupRun(seconds: number, callIds: string[]): Promise<RunFigures> {
  let n = 0;
  const request: Request = {
    method: 'POST',
    path: '/api/v1/calls',
    headers: { 'content-type': 'application/json' },
    // A different dialled number per call, as in real traffic; all are valid US numbers.
    setupRequest: (req) => ({
      ...req,
      body: JSON.stringify({
        from: 'dispatcher-001',
        to: `+1212555${String(n++ % 10_000).padStart(4, '0')}`,
      }),
    }),
    onResponse: (status, body) => {
      if (status === 201) callIds.push((JSON.parse(body) as { data: { id: string } }).data.id);
    },
  };
  return measure(autocannon({ url: base, connections, duration: seconds, requests: [request] }));
}

async function hangupRun(
  callIds: readonly string[],
): Promise<RunFigures & { endReasons: Record<string, number> }> {
  const endReasons: Record<string, number> = {};
  let next = 0;
  const request: Request = {
    method: 'POST',
    // `amount` below makes autocannon ask for exactly one request per id; the fallback only guards
    // against a miscount, and would show up as a non-2xx.
    setupRequest: (req) => ({ ...req, path: `/api/v1/calls/${callIds[next++] ?? 'no-such-call'}/hangup` }),
    onResponse: (status, body) => {
      if (status !== 200) return;
      const reason = (JSON.parse(body) as { data: { endReason?: string } }).data.endReason ?? 'none';
      endReasons[reason] = (endReasons[reason] ?? 0) + 1;
    },
  };
  const figures = await measure(
    autocannon({
      url: base,
      connections: Math.min(connections, callIds.length),
      amount: callIds.length,
      requests: [request],
    }),
  );
  return { ...figures, endReasons };
}

/** Ids of every live call, from the call records. */
async function liveCallIds(): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const query = `status=ringing,answered,on_hold&limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = (await api('GET', `/api/v1/calls?${query}`)) as {
      items: { id: string }[];
      nextCursor?: string;
    };
    for (const call of page.items) ids.push(call.id);
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}
