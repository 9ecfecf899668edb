import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createSwitchboard, type Switchboard } from '../src/app.ts';
import { startBanner } from '../src/cli/banner.ts';
import { loadConfig } from '../src/config/config.ts';
import { VirtualClock } from '../src/core/clock.ts';

const KEY = 'k-logging-0123456789';

let running: { sb: Switchboard; dataDir: string } | undefined;
afterEach(async () => {
  await running?.sb.close();
  if (running) rmSync(running.dataDir, { recursive: true, force: true });
  running = undefined;
});

/** A Switchboard logging through pino at `level` into `lines`, as `npm start` logs to stdout. */
async function start(level: string) {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-logging-'));
  const config = loadConfig(
    {},
    { CTI_PORT: '0', SWITCHBOARD_DATA_DIR: dataDir, SWITCHBOARD_API_KEYS: KEY, LOG_LEVEL: level },
  );
  const sb = await createSwitchboard(config, { clock: new VirtualClock(), logger });
  running = { sb, dataDir };
  const url = await sb.listen();
  const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
  const send = (method: string, path: string, body?: unknown) =>
    fetch(url + path, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { url, lines, send, config };
}

const aboutRequests = (lines: Record<string, unknown>[]) => lines.filter((l) => l.reqId !== undefined);

describe('logs at the default level', () => {
  it('writes one concise line per request, without the key', async () => {
    const { lines, send } = await start('info');
    const before = lines.length;
    const res = await send('POST', '/api/cti/call', { from: 'dispatcher-001', to: '+12125550101' });
    expect(res.status).toBe(200);
    const { callId } = await res.json();
    expect((await send('GET', `/api/cti/status?callId=${callId}`)).status).toBe(200);
    expect((await send('POST', '/api/cti/hangup', { callId: 'nope' })).status).toBe(404);

    const requests = aboutRequests(lines.slice(before));
    expect(requests.map((l) => l.msg)).toEqual([
      expect.stringMatching(/^POST \/api\/cti\/call 200 \d+(\.\d)?ms$/),
      expect.stringMatching(new RegExp(`^GET /api/cti/status\\?callId=${callId} 200 `)),
      expect.stringMatching(/^POST \/api\/cti\/hangup 404 /),
    ]);
    expect(requests[0]).toMatchObject({ level: 30, method: 'POST', url: '/api/cti/call', statusCode: 200 });
    expect(JSON.stringify(lines)).not.toContain(KEY);
  });

  it('keeps health probes and metrics scrapes to debug', async () => {
    const info = await start('info');
    const before = info.lines.length;
    expect((await info.send('GET', '/health')).status).toBe(200);
    expect((await info.send('GET', '/api/v1/metrics')).status).toBe(200);
    expect(aboutRequests(info.lines.slice(before))).toEqual([]);
  });

  it('shows probes at debug level', async () => {
    const debug = await start('debug');
    expect((await debug.send('GET', '/health')).status).toBe(200);
    expect(aboutRequests(debug.lines).map((l) => l.msg)).toEqual([
      expect.stringMatching(/^GET \/health 200 /),
    ]);
  });

  it('names one host in the start-up banner and in the log', async () => {
    const { url, lines } = await start('info');
    const listening = lines.map((l) => String(l.msg)).filter((m) => m.startsWith('Server listening at '));
    expect(listening).toEqual([`Server listening at ${url}`]);
    const banner = startBanner({
      url,
      driver: 'simulator',
      store: 'sqlite',
      clock: 'real',
      authRequired: true,
    });
    expect(banner).toContain(`API:      ${url}/api/v1`);
    expect(banner).toContain(`Socket.io at ${url}`);
    expect(banner).not.toContain('localhost');
  });
});
