import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * kill -9 for real: a Switchboard in its own process (virtual clock, embedded store) is killed with
 * SIGKILL while outbound jobs wait; the next process on the same data folder starts each job once, and
 * never again one the first had started.
 */

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** `switchboard start` on a free port; resolves with its base URL once it printed its banner. */
function spawnServer(dataDir: string): Promise<{ child: ChildProcess; base: string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CTI_PORT: '0',
    SWITCHBOARD_DATA_DIR: dataDir,
    SWITCHBOARD_CLOCK: 'virtual',
    LOG_LEVEL: 'silent',
  };
  for (const name of ['DATABASE_URL', 'HOST', 'PORT', 'SWITCHBOARD_PROFILES', 'SWITCHBOARD_API_KEYS'])
    delete env[name];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'start'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolveStart, reject) => {
    let out = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      out += chunk;
      const url = /http:\/\/127\.0\.0\.1:\d+/.exec(out)?.[0];
      if (url) resolveStart({ child, base: url });
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`server exited (${code ?? signal}) before listening`)),
    );
  });
}

async function api(base: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(base + path, {
    method,
    ...(body !== undefined && {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  });
  const json = (await res.json()) as { data: unknown };
  expect(res.status, `${method} ${path}: ${JSON.stringify(json)}`).toBeLessThan(300);
  return json.data;
}

/** The call logs whose calls began ringing, by the shared event log (both processes' events). */
async function dialled(base: string): Promise<string[]> {
  const events = (await api(base, 'GET', '/api/v1/events?after=0&limit=1000')) as {
    type: string;
    data: { call?: { context?: { outbound?: { callLogId?: string } } } };
  }[];
  return events
    .filter((e) => e.type === 'call.ringing')
    .map((e) => e.data.call?.context?.outbound?.callLogId)
    .filter((id): id is string => id !== undefined);
}

describe('outbound jobs after kill -9', () => {
  it('the next process starts each waiting call once, and none the killed one had started', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-kill-'));
    dirs.push(dataDir);
    const first = await spawnServer(dataDir);
    await api(first.base, 'POST', '/api/v1/agents', { id: 'alice', name: 'Alice', endpoint: 'sim/alice' });
    const now = Date.parse((await api(first.base, 'GET', '/api/v1/sim/clock')).now);
    const scheduled = await api(first.base, 'POST', '/api/v1/calls/outbound/schedule', {
      phoneNumber: '+12125550101',
      agentId: 'alice',
      scheduledFor: new Date(now + 600_000).toISOString(),
    });
    const bulk = await api(first.base, 'POST', '/api/v1/calls/outbound/bulk', {
      calls: [0, 1, 2, 3].map((i) => ({ phoneNumber: `+1212555020${i}`, agentId: 'alice' })),
    });
    await api(first.base, 'POST', '/api/v1/sim/clock/advance', { ms: 1_000 });
    const before = await dialled(first.base);
    expect(before).toEqual(bulk.callLogIds.slice(0, 2));

    first.child.kill('SIGKILL');
    await new Promise((resolveExit) => first.child.once('exit', resolveExit));

    const second = await spawnServer(dataDir);
    // Its virtual clock starts at its own start, a little after the first's: the jobs are still ahead or due.
    await api(second.base, 'POST', '/api/v1/sim/clock/advance', { ms: 3_600_000 });
    const all = await dialled(second.base);
    expect(new Set(all).size).toBe(all.length);
    expect(new Set(all)).toEqual(new Set([...bulk.callLogIds, scheduled.callLogId]));
    // Those the killed process had dialled end with the restart; they are not dialled again.
    const cut = await api(second.base, 'GET', `/api/v1/calls/outbound/${bulk.callLogIds[1]}`);
    expect(cut).toMatchObject({ failureReason: 'server_restart' });
  }, 120_000);
});
