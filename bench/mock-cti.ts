/**
 * Click-to-dial as integrations send it: POST /api/cti/call with a dispatcher in `from` (two legs: the
 * dispatcher's phone, then the number) and a small context, against a Switchboard in its own process
 * with the real clock, the simulator and default logging (info: one access line per request).
 *
 *   npm run bench:cti -- [--duration 10] [--rate 1000] [--cpu-prof DIR] [--log-level info]
 *
 * 1. warm-up: 2 s at 10 connections;
 * 2. steady: `--rate` requests a second over 20 connections for `--duration` s (latency at a load the
 *    server can carry: the figure integrations feel);
 * 3. saturation: 50 connections, each sending its next request as soon as the last is answered, for
 *    `--duration` s.
 *
 * The dispatcher's phone answers at once; the numbers answer after 3 s and hang up after 30 s (the
 * simulator's defaults), so tens of thousands of calls are live during the saturation run, as on a busy
 * day. Each run is repeated, right after, against a minimal in-memory mock of the same route
 * (bench/support/minimal-mock-cti.ts) in a process of its own: the floor that this machine and load
 * generator set, side by side. Prints figures only; nothing is asserted.
 */

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon, { type Request } from 'autocannon';
import {
  cpuMeter,
  measure,
  positive,
  printRun,
  type RunFigures,
  startChildServer,
} from './support/child-server.ts';

const TARGET_P99_MS = 5;

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    rate: { type: 'string', default: '1000' },
    'cpu-prof': { type: 'string' },
    'log-level': { type: 'string', default: 'info' },
  },
});
const duration = positive(values.duration, '--duration');
const rate = Math.round(positive(values.rate, '--rate'));

const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-'));
const server = await startChildServer(
  { SWITCHBOARD_DATA_DIR: dataDir, LOG_LEVEL: values['log-level'] },
  { cpuProfDir: values['cpu-prof'], onEarlyExit: () => rmSync(dataDir, { recursive: true, force: true }) },
);

const mock = await startMinimalMock();
try {
  await server.api('POST', '/api/v1/agents', {
    id: 'dispatcher-001',
    name: 'Alex Rivera',
    endpoint: 'sim/dispatcher-001',
    roles: ['dispatcher'],
  });
  console.log(
    `Switchboard pid ${server.pid} on ${server.base} (clock: real, store: sqlite, LOG_LEVEL=${values['log-level']}); ` +
      `minimal mock pid ${mock.pid} on ${mock.base}; node ${process.version}\n`,
  );
  await run(server.base, { connections: 10, seconds: 2 });
  await run(mock.base, { connections: 10, seconds: 2 });

  console.log(`Steady: ${rate} POST /api/cti/call a second over 20 connections for ${duration} s`);
  const steadyCpu = server.cpuMeter();
  const steady = await run(server.base, { connections: 20, seconds: duration, rate });
  console.log('Switchboard');
  printRun(steady, steady.ok, steadyCpu());
  const mockSteadyCpu = cpuMeter(mock.pid);
  const mockSteady = await run(mock.base, { connections: 20, seconds: duration, rate });
  console.log('minimal in-memory mock');
  printRun(mockSteady, mockSteady.ok, mockSteadyCpu());
  console.log(
    `  target:       Switchboard p99 < ${TARGET_P99_MS} ms -> ${steady.p99 < TARGET_P99_MS ? 'met' : 'MISSED'}` +
      ` (p99 ${(steady.p99 / mockSteady.p99).toFixed(2)}× the mock's)\n`,
  );

  console.log(`Saturation: 50 connections, closed loop, for ${duration} s`);
  const saturationCpu = server.cpuMeter();
  const saturation = await run(server.base, { connections: 50, seconds: duration });
  console.log('Switchboard');
  printRun(saturation, saturation.ok, saturationCpu());
  const health = (await server.api('GET', '/health')) as { liveCalls: number };
  console.log(`  live calls at the end: ${health.liveCalls.toLocaleString('en-US')}`);
  const mockSaturationCpu = cpuMeter(mock.pid);
  const mockSaturation = await run(mock.base, { connections: 50, seconds: duration });
  console.log('minimal in-memory mock');
  printRun(mockSaturation, mockSaturation.ok, mockSaturationCpu());
  console.log(
    `  ratio:        Switchboard ${(saturation.perSecond / mockSaturation.perSecond).toFixed(2)}× the mock's throughput`,
  );
} finally {
  mock.stop();
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

/** Starts the minimal mock in a process of its own, on a free port. */
async function startMinimalMock(): Promise<{ base: string; pid: number | undefined; stop(): void }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./support/minimal-mock-cti.ts', import.meta.url))],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<string>((resolve, reject) => {
    lines.once('line', (line) => resolve(line.replace('listening ', '')));
    child.once('exit', (code) => reject(new Error(`the minimal mock exited early (code ${code})`)));
  });
  return { base: `http://127.0.0.1:${port}`, pid: child.pid, stop: () => child.kill('SIGTERM') };
}

function run(
  base: string,
  options: { connections: number; seconds: number; rate?: number },
): Promise<RunFigures> {
  let n = 0;
  const request: Request = {
    method: 'POST',
    path: '/api/cti/call',
    headers: { 'content-type': 'application/json' },
    // The integrations' body: a different number per call, a dispatcher, a few labelled ids.
    setupRequest: (req) => {
      const k = n++;
      return {
        ...req,
        body: JSON.stringify({
          from: 'dispatcher-001',
          to: `+1212555${String(k % 10_000).padStart(4, '0')}`,
          context: { ticketId: `T-${100_000 + k}`, driverId: String(k % 500), source: 'dispatch-console' },
        }),
      };
    },
  };
  return measure(
    autocannon({
      url: base,
      connections: options.connections,
      duration: options.seconds,
      requests: [request],
      ...(options.rate !== undefined && { overallRate: options.rate }),
    }),
  );
}
