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
 * day. Prints figures only; nothing is asserted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon, { type Request } from 'autocannon';
import { measure, positive, printRun, type RunFigures, startChildServer } from './support/child-server.ts';

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

try {
  await server.api('POST', '/api/v1/agents', {
    id: 'dispatcher-001',
    name: 'Alex Rivera',
    endpoint: 'sim/dispatcher-001',
    roles: ['dispatcher'],
  });
  console.log(
    `Switchboard pid ${server.pid} on ${server.base} (clock: real, store: sqlite, LOG_LEVEL=${values['log-level']}); ` +
      `node ${process.version}\n`,
  );
  await run({ connections: 10, seconds: 2 });

  const steadyCpu = server.cpuMeter();
  const steady = await run({ connections: 20, seconds: duration, rate });
  console.log(`Steady: ${rate} POST /api/cti/call a second over 20 connections for ${duration} s`);
  printRun(steady, steady.ok, steadyCpu());
  console.log(
    `  target:       p99 < ${TARGET_P99_MS} ms -> ${steady.p99 < TARGET_P99_MS ? 'met' : 'MISSED'}\n`,
  );

  const saturationCpu = server.cpuMeter();
  const saturation = await run({ connections: 50, seconds: duration });
  console.log(`Saturation: 50 connections, closed loop, for ${duration} s`);
  printRun(saturation, saturation.ok, saturationCpu());
  const health = (await server.api('GET', '/health')) as { liveCalls: number };
  console.log(`  live calls at the end: ${health.liveCalls.toLocaleString('en-US')}`);
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

function run(options: { connections: number; seconds: number; rate?: number }): Promise<RunFigures> {
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
      url: server.base,
      connections: options.connections,
      duration: options.seconds,
      requests: [request],
      ...(options.rate !== undefined && { overallRate: options.rate }),
    }),
  );
}
