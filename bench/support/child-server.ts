import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Instance, Result } from 'autocannon';

// A Switchboard in its own process for the HTTP benchmarks, so their figures are the server's alone
// (the load generator runs on another core), and the latency figures they share.

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A server started by {@link startChildServer}. */
export interface ChildServer {
  readonly base: string;
  readonly pid: number | undefined;
  /** CPU used from now until the returned function is called, as shares of one core. */
  cpuMeter(): () => CpuShares;
  /** Any request; JSON in and out; throws on a non-2xx. */
  api(method: string, path: string, body?: unknown): Promise<unknown>;
  stop(): Promise<void>;
}

/** Shares of one core: the server's (Linux only), and this process's (the load generator). */
export interface CpuShares {
  readonly server: number | undefined;
  readonly client: number;
}

/**
 * Starts `switchboard start` with `env` on a free loopback port and waits for /health. `cpuProfDir`
 * makes node write the server's V8 CPU profile there when it stops. An early exit ends this process.
 */
export async function startChildServer(
  env: Record<string, string>,
  options: { cpuProfDir?: string | undefined; onEarlyExit?: () => void } = {},
): Promise<ChildServer> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const childEnv: NodeJS.ProcessEnv = { ...process.env, CTI_PORT: String(port), ...env };
  // Whatever the caller's shell has set must not turn this into another set-up (or off loopback).
  for (const name of ['DATABASE_URL', 'HOST', 'PORT', 'SWITCHBOARD_PROFILES', 'SWITCHBOARD_API_KEYS']) {
    delete childEnv[name];
  }
  const profile = options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] : [];
  // node itself, not `npx tsx`, so the pid measured is the server's.
  const child: ChildProcess = spawn(
    process.execPath,
    [...profile, '--import', 'tsx', 'src/cli/main.ts', 'start'],
    // Log lines are written (the cost is the server's) but not shown.
    { cwd: root, env: childEnv, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  let stopping = false;
  child.once('exit', (code, signal) => {
    if (stopping) return;
    console.error(`switchboard exited early (code ${code}, signal ${signal})`);
    options.onEarlyExit?.();
    process.exit(1);
  });
  const api = async (method: string, path: string, body?: unknown) => {
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
  };
  await waitForHealth(base);
  return {
    base,
    pid: child.pid,
    api,
    cpuMeter: () => cpuMeter(child.pid),
    async stop() {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function waitForHealth(base: string): Promise<void> {
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

/** CPU used by process `pid` (and by this one) from now until the returned function is called. */
export function cpuMeter(pid: number | undefined): () => CpuShares {
  const start = processCpuSeconds(pid);
  const startClient = process.cpuUsage();
  const startWall = performance.now();
  return () => {
    const wall = (performance.now() - startWall) / 1000;
    const end = processCpuSeconds(pid);
    const client = process.cpuUsage(startClient);
    return {
      server: start === undefined || end === undefined ? undefined : (end - start) / wall,
      client: (client.user + client.system) / 1e6 / wall,
    };
  };
}

/** CPU seconds a process has used (Linux /proc), or undefined elsewhere. */
export function processCpuSeconds(pid: number | undefined): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime (fields 14 and 15 of the line) in clock ticks, 100 per second on Linux.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** A free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

/** An autocannon run's figures, with latencies of 2xx answers at full precision. */
export interface RunFigures {
  readonly result: Result;
  /** 2xx responses per second of the run. */
  readonly perSecond: number;
  readonly ok: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

/**
 * autocannon's own histogram records whole milliseconds, too coarse for sub-millisecond answers, so
 * latencies of 2xx answers are also recorded here at full precision.
 */
export async function measure(instance: Instance): Promise<RunFigures> {
  const latencies: number[] = [];
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status >= 200 && status < 300) latencies.push(ms);
  });
  const result = await instance;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => quantile(latencies, q);
  return {
    result,
    perSecond: result['2xx'] / result.duration,
    ok: result['2xx'],
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    p999: at(0.999),
    max: latencies.at(-1) ?? 0,
  };
}

/** The `q` quantile of ascending `sorted` values (0 when empty). */
export function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
}

/** Prints a run's throughput, latency, errors and CPU. */
export function printRun(run: RunFigures, counted: number, cpu: CpuShares): void {
  const r = run.result;
  const codes = Object.entries(r.statusCodeStats)
    .map(([code, { count }]) => `${code} ×${count.toLocaleString('en-US')}`)
    .join(', ');
  console.log(
    `  throughput:   ${Math.round(run.perSecond).toLocaleString('en-US')} req/s (2xx: ${counted.toLocaleString('en-US')} in ${r.duration.toFixed(2)} s)`,
  );
  console.log(
    `  latency:      p50 ${ms(run.p50)}  p90 ${ms(run.p90)}  p99 ${ms(run.p99)}  p999 ${ms(run.p999)}  max ${ms(run.max)}`,
  );
  console.log(
    `  errors:       ${r.errors} connection errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx (${codes || 'no answers'})`,
  );
  // CPU per answer stays meaningful on a busy machine, where wall-clock figures mostly measure the others.
  const perRequest =
    cpu.server === undefined
      ? 'n/a'
      : `${Math.round((cpu.server * r.duration * 1e6) / Math.max(1, counted))} µs`;
  console.log(
    `  CPU:          server ${percent(cpu.server)} of one core (${perRequest} per answer), load generator ${percent(cpu.client)}`,
  );
}

/** A positive number from a command-line flag, or a clear error naming the flag. */
export function positive(text: string, flag: string): number {
  const n = Number(text);
  if (!(n > 0) || !Number.isFinite(n)) throw new Error(`${flag} must be a positive number, got "${text}"`);
  return n;
}

export function ms(value: number): string {
  return `${value.toFixed(2)} ms`;
}

export function percent(share: number | undefined): string {
  return share === undefined ? 'n/a' : `${Math.round(share * 100)}%`;
}
