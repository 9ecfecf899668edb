/**
 * Event fan-out: `--clients` Socket.io clients (websocket, in a child process so the server's core is
 * the one measured) connected to a Switchboard in its own process (real clock, simulator, LOG_LEVEL
 * warn so that the figures are the fan-out's), while one-leg calls are placed at a steady rate. Each
 * call publishes 4 events (ringing, its leg ringing, answered after 100 ms, ended after 500 ms), each delivered to
 * every client.
 *
 *   npm run bench:fanout -- [--clients 1000] [--rates 20,50,100,200] [--duration 5]
 *                           [--slow 10 --max-pending 500]
 *
 * `--slow N` adds N clients that stop reading (long-poll sessions never renewed) beside the timed
 * ones; compare the timed clients' p99 with and without. `--max-pending` sets the server's
 * SOCKET_MAX_PENDING_EVENTS, so that the stalled clients are dropped within the run.
 *
 * Per rate: deliveries a second, and delivery latency (event `timestamp`, taken when it is published,
 * to its arrival at a client; whole ms) p50/p99/max. Memory per client is the server's RSS and heap
 * growth from connecting the clients, divided by their number. Prints figures only.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { percent, positive, processCpuSeconds, quantile, startChildServer } from './support/child-server.ts';
import { fmt } from './support/format.ts';

const TARGET_P99_MS = 50;
/** What a one-leg call publishes: call.ringing, call.leg.ringing, call.answered, call.ended. */
const EVENTS_PER_CALL = 4;

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '1000' },
    rates: { type: 'string', default: '20,50,100,200' },
    duration: { type: 'string', default: '5' },
    slow: { type: 'string', default: '0' },
    'max-pending': { type: 'string' },
  },
});
const clients = Math.round(positive(values.clients, '--clients'));
const rates = values.rates.split(',').map((r) => positive(r, '--rates'));
const duration = positive(values.duration, '--duration');
const slowClients = values.slow === '0' ? 0 : Math.round(positive(values.slow, '--slow'));
const maxPending =
  values['max-pending'] && String(Math.round(positive(values['max-pending'], '--max-pending')));

const here = dirname(fileURLToPath(import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-'));
const server = await startChildServer(
  {
    SWITCHBOARD_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    ...(maxPending && { SOCKET_MAX_PENDING_EVENTS: maxPending }),
  },
  { onEarlyExit: () => rmSync(dataDir, { recursive: true, force: true }) },
);
const worker = fork(join(here, 'support', 'fanout-clients.ts'), [], {
  execArgv: ['--import', 'tsx'],
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const ask = <T>(message: object, answerKey: string) =>
  new Promise<T>((resolve) => {
    const onMessage = (answer: Record<string, unknown>) => {
      if (!(answerKey in answer)) return;
      worker.off('message', onMessage);
      resolve(answer as T);
    };
    worker.on('message', onMessage);
    worker.send(message);
  });

try {
  await server.api('PUT', '/api/v1/sim/profiles', {
    match: '*',
    profile: { answerAfterMs: 100, hangupAfterMs: 500 },
  });
  const before = serverMemory(server.pid);
  const connectStart = performance.now();
  await ask({ connect: { url: server.base, count: clients } }, 'connected');
  const connectMs = performance.now() - connectStart;
  // Let the handshakes' garbage go before measuring what the clients hold.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const after = serverMemory(server.pid);
  const stalled = await Promise.all(Array.from({ length: slowClients }, () => stalledClient(server.base)));
  console.log(
    `Switchboard pid ${server.pid}: ${fmt(clients)} Socket.io clients connected in ${fmt(Math.round(connectMs))} ms; ` +
      `server memory per client: RSS ${perClient(after.rss - before.rss)}; node ${process.version}\n`,
  );
  for (const rate of rates) {
    await ask({ reset: true }, 'reset');
    const cpu = server.cpuMeter();
    const clientCpuStart = processCpuSeconds(worker.pid) ?? 0;
    const windowStart = performance.now();
    const placed = await placeCalls(rate, duration);
    // The last calls' answers and ends come up to 0.6 s later.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const share = cpu();
    const clientShare =
      ((processCpuSeconds(worker.pid) ?? 0) - clientCpuStart) / ((performance.now() - windowStart) / 1000);
    const report = await ask<Report>({ report: true }, 'delivered');
    const perSecond = report.spanMs > 0 ? (report.delivered * 1000) / report.spanMs : 0;
    const expected = placed.ok * EVENTS_PER_CALL * clients;
    const p99 = quantile(report.latencies, 0.99);
    console.log(
      `${rate} calls/s (${fmt(rate * EVENTS_PER_CALL * clients)} deliveries/s offered): ${fmt(Math.round(perSecond))} deliveries/s, ` +
        `${fmt(report.delivered)} of ${fmt(expected)} delivered; latency p50 ${quantile(report.latencies, 0.5)} ms, ` +
        `p99 ${p99} ms, max ${report.latencies.at(-1) ?? 0} ms` +
        (rate === 20
          ? ` (target p99 < ${TARGET_P99_MS} ms -> ${p99 < TARGET_P99_MS ? 'met' : 'MISSED'})`
          : ''),
    );
    console.log(
      `  server CPU ${percent(share.server)}, clients ${percent(clientShare)}; ${placed.failed} calls refused; ${report.disconnected} clients disconnected`,
    );
  }
  if (stalled.length > 0) {
    // Reading once now shows whether each stalled client was dropped (SLOW_CONSUMER after its events).
    const dropped = (await Promise.all(stalled.map((poll) => poll()))).filter((text) =>
      text.includes('"SLOW_CONSUMER"'),
    ).length;
    console.log(
      `${fmt(stalled.length)} clients that stopped reading: ${fmt(dropped)} dropped as SLOW_CONSUMER`,
    );
  }
} finally {
  worker.kill();
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}

interface Report {
  readonly delivered: number;
  readonly spanMs: number;
  readonly latencies: number[];
  readonly disconnected: number;
}

/** Places one-leg calls at `rate` a second for `seconds`, without waiting for each answer. */
async function placeCalls(rate: number, seconds: number): Promise<{ ok: number; failed: number }> {
  let ok = 0;
  let failed = 0;
  let n = 0;
  const pending: Promise<void>[] = [];
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    const due = Math.floor(((performance.now() - start) / 1000) * rate);
    while (n < due) {
      const to = `+1212555${String(n++ % 10_000).padStart(4, '0')}`;
      pending.push(
        fetch(`${server.base}/api/v1/calls`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ to }),
        }).then(
          async (res) => {
            await res.arrayBuffer();
            if (res.ok) ok++;
            else failed++;
          },
          () => void failed++,
        ),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await Promise.all(pending);
  return { ok, failed };
}

/**
 * A Socket.io client on long-polling that joins live delivery and then reads nothing until the
 * returned function polls once; the server must hold or drop what it is sent meanwhile.
 */
async function stalledClient(base: string): Promise<() => Promise<string>> {
  const url = `${base}/socket.io/?EIO=4&transport=polling`;
  const { sid } = JSON.parse((await (await fetch(url)).text()).slice(1)) as { sid: string };
  const session = `${url}&sid=${sid}`;
  const poll = async () => (await fetch(session)).text();
  await (await fetch(session, { method: 'POST', body: '40' })).arrayBuffer();
  await poll();
  return poll;
}

function perClient(bytes: number): string {
  return `${fmt(Math.round(bytes / clients))} B`;
}

function serverMemory(pid: number | undefined): { rss: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { rss: kib * 1024 };
}
