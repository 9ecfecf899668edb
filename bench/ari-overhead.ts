/**
 * What Switchboard adds on a PBX: one-leg cycles (originate → answered → hang up → gone), a number of
 * them at once, through a bare ARI client (a WebSocket and fetch, nothing else) and through
 * Switchboard's engine on its ARI driver (as production builds it: embedded SQLite store, every
 * event and record committed), against the same fake Asterisk in a process of its own
 * (bench/support/fake-pbx-process.ts: REST answers after `--rest-ms`, the phone answers
 * `--answer-ms` after the originate).
 *
 *   npm run bench:ari -- [--duration 5] [--concurrency 1,10,30] [--rest-ms 1] [--answer-ms 3]
 *
 * A cycle starts with the originate and ends once the channel is gone (bare: DELETE answered and
 * StasisEnd heard; Switchboard: `hangup()` resolved, which is after the record is durable).
 * "answered" is from the originate request to StasisStart (bare) or `call.answered` (Switchboard).
 * The two take turns of half a second until each has run `--duration` seconds, so that a busy machine
 * weighs on both alike. Prints both rates, their ratio, and originate → answered p50/p99; nothing is
 * asserted.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { createSwitchboard } from '../src/app.ts';
import { loadConfig } from '../src/config/config.ts';
import type { DomainEvent } from '../src/core/events.ts';
import { ms, positive, quantile } from './support/child-server.ts';
import { fmt } from './support/format.ts';

const TARGET_RATIO = 0.9;
const TARGET_ADDED_P50_MS = 2;
const ENDPOINT = 'PJSIP/1001';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '1,10,30' },
    'rest-ms': { type: 'string', default: '1' },
    'answer-ms': { type: 'string', default: '3' },
  },
});
const duration = positive(values.duration, '--duration');
const levels = values.concurrency.split(',').map((n) => Math.round(positive(n, '--concurrency')));

/** One run's figures: cycles a second and originate → answered latencies (ms, ascending). */
interface Figures {
  perSecond: number;
  readonly answered: number[];
}

/** Seconds of one turn; each side runs `--duration` seconds in all, in turns. */
const TURN_S = 0.5;

function add(into: Figures, run: Figures): void {
  into.perSecond += run.perSecond;
  into.answered.push(...run.answered);
}

/** A way to run one cycle: returns originate → answered in ms. */
type Cycle = () => Promise<number>;

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pbx = await startFakePbx();
const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-'));
const bare = await bareClient(pbx.url, 'bare');
const sb = await createSwitchboard(
  loadConfig(
    {},
    {
      CTI_PORT: '0',
      SWITCHBOARD_DATA_DIR: dataDir,
      SWITCHBOARD_DRIVER: 'ari',
      ARI_URL: pbx.url,
      ARI_USERNAME: 'cti',
      ARI_PASSWORD: 'cti',
      ARI_APP: 'switchboard',
    },
  ),
  { logger: false },
);
const switchboard = switchboardCycle(sb.engine);

try {
  console.log(
    `Fake Asterisk pid ${pbx.child.pid} at ${pbx.url} (REST ${values['rest-ms']} ms, answer ${values['answer-ms']} ms); ` +
      `${duration} s per run; node ${process.version}\n`,
  );
  await runFor(bare.cycle, 5, 1);
  await runFor(switchboard, 5, 1);
  for (const concurrency of levels) {
    // Short turns in alternation, so that whatever else the machine does weighs on both alike.
    const b: Figures = { perSecond: 0, answered: [] };
    const s: Figures = { perSecond: 0, answered: [] };
    for (let turn = 0; turn < duration / TURN_S; turn++) {
      add(b, await runFor(bare.cycle, concurrency, TURN_S));
      add(s, await runFor(switchboard, concurrency, TURN_S));
    }
    for (const f of [b, s]) {
      f.perSecond /= Math.ceil(duration / TURN_S);
      f.answered.sort((x, y) => x - y);
    }
    const ratio = s.perSecond / b.perSecond;
    const added = quantile(s.answered, 0.5) - quantile(b.answered, 0.5);
    console.log(`${concurrency} at once:`);
    console.log(`  bare ARI:     ${line(b)}`);
    console.log(`  Switchboard:  ${line(s)}`);
    console.log(
      `  ratio ${ratio.toFixed(2)} (target ≥ ${TARGET_RATIO} -> ${ratio >= TARGET_RATIO ? 'met' : 'MISSED'}); ` +
        `added answered p50 ${ms(added)} (target < ${TARGET_ADDED_P50_MS} ms -> ${added < TARGET_ADDED_P50_MS ? 'met' : 'MISSED'})`,
    );
  }
} finally {
  await sb.close();
  bare.close();
  pbx.child.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
}

function line(f: Figures): string {
  return (
    `${fmt(Math.round(f.perSecond))} cycles/s, originate → answered ` +
    `p50 ${ms(quantile(f.answered, 0.5))} p99 ${ms(quantile(f.answered, 0.99))} (${fmt(f.answered.length)} cycles)`
  );
}

/** `concurrency` loops each running cycles back to back for `seconds`. */
async function runFor(cycle: Cycle, concurrency: number, seconds: number): Promise<Figures> {
  const answered: number[] = [];
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) answered.push(await cycle());
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  answered.sort((a, b) => a - b);
  return { perSecond: answered.length / elapsed, answered };
}

/** Switchboard's engine: originate a one-leg call, wait for `call.answered`, hang up. */
function switchboardCycle(engine: typeof sb.engine): Cycle {
  const waiting = new Map<string, () => void>();
  engine.events.subscribe((event: DomainEvent) => {
    if (event.type === 'call.answered') waiting.get(event.callId ?? '')?.();
  });
  return async () => {
    const started = performance.now();
    let answeredAt = 0;
    let markAnswered: () => void = () => {};
    const answered = new Promise<void>((resolve) => {
      markAnswered = () => {
        answeredAt = performance.now();
        resolve();
      };
    });
    const call = await engine.originate({ to: ENDPOINT });
    waiting.set(call.id, markAnswered);
    // The answer may have been published before originate() resolved.
    if (engine.liveCalls().find((c) => c.id === call.id)?.status === 'answered' && answeredAt === 0)
      markAnswered();
    await answered;
    waiting.delete(call.id);
    await engine.hangup(call.id);
    return answeredAt - started;
  };
}

/** A minimal ARI application: one WebSocket for events, fetch for REST. */
async function bareClient(url: string, app: string): Promise<{ cycle: Cycle; close(): void }> {
  const auth = `Basic ${Buffer.from('cti:cti').toString('base64')}`;
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/events?app=${app}`, {
    headers: { authorization: auth },
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const waiters = new Map<string, () => void>();
  ws.on('message', (data) => {
    const event = JSON.parse(String(data)) as { type: string; channel?: { id: string } };
    if (event.type === 'StasisStart' || event.type === 'StasisEnd') {
      waiters.get(`${event.type} ${event.channel?.id}`)?.();
    }
  });
  const when = (type: string, id: string) =>
    new Promise<void>((resolve) => waiters.set(`${type} ${id}`, resolve));
  let n = 0;
  const rest = async (method: string, path: string) => {
    const res = await fetch(`${url}${path}`, { method, headers: { authorization: auth } });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status}`);
    await res.arrayBuffer();
  };
  return {
    async cycle() {
      const id = `bare-${process.pid}-${n++}`;
      const started = performance.now();
      // Listening before asking: the answer may come before the REST reply.
      const stasisStart = when('StasisStart', id);
      await rest('POST', `/channels?endpoint=${encodeURIComponent(ENDPOINT)}&app=${app}&channelId=${id}`);
      await stasisStart;
      const answeredMs = performance.now() - started;
      const stasisEnd = when('StasisEnd', id);
      await rest('DELETE', `/channels/${id}`);
      await stasisEnd;
      waiters.delete(`StasisStart ${id}`);
      waiters.delete(`StasisEnd ${id}`);
      return answeredMs;
    },
    close: () => ws.close(),
  };
}

async function startFakePbx(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'bench/support/fake-pbx-process.ts',
      '--rest-ms',
      values['rest-ms'],
      '--answer-ms',
      values['answer-ms'],
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the fake PBX exited (code ${code})`)));
  });
  return { child, url };
}
