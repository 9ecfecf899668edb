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
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon, { type Instance, type Request, type Result } from 'autocannon';
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

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-'));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
// Set before the server may exit, so an early exit is told apart from the one asked for.
let stopping = false;
const server = startServer();

try {
  await waitForHealth();
  console.log(
    `Switchboard pid ${server.pid} on ${base} (clock: virtual, store: sqlite in ${dataDir}); ` +
      `${connections} connections, node ${process.version}\n`,
  );

  const callIds: string[] = [];
  await setupRun(WARMUP_S, callIds);
  const warmupCalls = callIds.length;

  const setupCpu = cpuMeter();
  const setup = await setupRun(duration, callIds);
  const setupCpuShare = setupCpu();
  const created = callIds.length - warmupCalls;

  const advanceCpu = cpuMeter();
  const advanceStart = performance.now();
  await api('POST', '/api/v1/sim/clock/advance', { ms: ADVANCE_MS });
  const advanceMs = performance.now() - advanceStart;
  const advanceCpuShare = advanceCpu();
  // Requests still in flight when a timed run stopped created calls whose answers nobody read.
  const measuredIds = callIds.length;
  const known = new Set(callIds);
  for (const id of await liveCallIds()) if (!known.has(id)) callIds.push(id);

  const hangupCpu = cpuMeter();
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
  await stopServer();
  rmSync(dataDir, { recursive: true, force: true });
}

interface RunFigures {
  readonly result: Result;
  /** 2xx responses per second of the run. */
  readonly perSecond: number;
  readonly ok: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
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

/**
 * autocannon's own histogram records whole milliseconds, too coarse for sub-millisecond answers, so
 * latencies of 2xx answers are also recorded here at full precision.
 */
async function measure(instance: Instance): Promise<RunFigures> {
  const latencies: number[] = [];
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status >= 200 && status < 300) latencies.push(ms);
  });
  const result = await instance;
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] ?? 0;
  return {
    result,
    perSecond: result['2xx'] / result.duration,
    ok: result['2xx'],
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: latencies.at(-1) ?? 0,
  };
}

function printRun(run: RunFigures, counted: number, cpu: CpuShares): void {
  const r = run.result;
  const codes = Object.entries(r.statusCodeStats)
    .map(([code, { count }]) => `${code} ×${fmt(count)}`)
    .join(', ');
  console.log(
    `  throughput:   ${fmt(Math.round(run.perSecond))} req/s (2xx: ${fmt(counted)} in ${r.duration.toFixed(2)} s)`,
  );
  console.log(
    `  latency:      p50 ${ms(run.p50)}  p90 ${ms(run.p90)}  p99 ${ms(run.p99)}  max ${ms(run.max)}`,
  );
  console.log(
    `  errors:       ${r.errors} connection errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx (${codes || 'no answers'})`,
  );
  console.log(
    `  CPU:          server ${percent(cpu.server)} of one core, load generator ${percent(cpu.client)}`,
  );
}

function startServer(): ChildProcess {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CTI_PORT: String(port),
    SWITCHBOARD_DATA_DIR: dataDir,
    SWITCHBOARD_CLOCK: 'virtual',
    LOG_LEVEL: 'warn',
  };
  // Whatever the caller's shell has set must not turn this into another set-up (or off loopback).
  for (const name of ['DATABASE_URL', 'HOST', 'PORT', 'SWITCHBOARD_PROFILES', 'SWITCHBOARD_API_KEYS']) {
    delete env[name];
  }
  // node itself, not `npx tsx`, so the pid measured below is the server's.
  const profile = values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', 'src/cli/main.ts', 'start'], {
    cwd: root,
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  child.once('exit', (code, signal) => {
    if (!stopping) {
      console.error(`switchboard exited early (code ${code}, signal ${signal})`);
      rmSync(dataDir, { recursive: true, force: true });
      process.exit(1);
    }
  });
  return child;
}

async function stopServer(): Promise<void> {
  stopping = true;
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  server.kill('SIGTERM');
  const timer = setTimeout(() => server.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

async function waitForHealth(): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const res = await fetch(`${base}/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('the server did not answer /health within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
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

async function api(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(base + path, {
    method,
    ...(body !== undefined && {
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    }),
  });
  const json = (await res.json()) as { data?: unknown };
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json.data ?? json;
}

/** CPU used from now until the returned function is called, as shares of one core (server: Linux only). */
function cpuMeter(): () => CpuShares {
  const start = serverCpuSeconds();
  const startClient = process.cpuUsage();
  const startWall = performance.now();
  return () => {
    const wall = (performance.now() - startWall) / 1000;
    const end = serverCpuSeconds();
    const client = process.cpuUsage(startClient);
    return {
      server: start === undefined || end === undefined ? undefined : (end - start) / wall,
      client: (client.user + client.system) / 1e6 / wall,
    };
  };
}

/** Shares of one core: the server's, and this process's (autocannon), which must not be the limit. */
interface CpuShares {
  readonly server: number | undefined;
  readonly client: number;
}

function serverCpuSeconds(): number | undefined {
  try {
    const stat = readFileSync(`/proc/${server.pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime (fields 14 and 15 of the line) in clock ticks, 100 per second on Linux.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

function positive(text: string, flag: string): number {
  const n = Number(text);
  if (!(n > 0) || !Number.isFinite(n)) throw new Error(`${flag} must be a positive number, got "${text}"`);
  return n;
}

function ms(value: number): string {
  return `${value.toFixed(2)} ms`;
}

function percent(share: number | undefined): string {
  return share === undefined ? 'n/a' : `${Math.round(share * 100)}%`;
}
