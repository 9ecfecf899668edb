import { request as httpRequest } from 'node:http';
import { connect as netConnect } from 'node:net';
import pino from 'pino';
import { io } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createSwitchboard } from '../src/app.ts';
import { type ConfigOverrides, loadConfig } from '../src/config/config.ts';
import { VirtualClock } from '../src/core/clock.ts';
import { connectEvents, startServer, type TestServer } from './support/server.ts';

const servers: TestServer[] = [];
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  for (const s of servers.splice(0)) await s.close({ removeData: true }).catch(() => undefined);
});

async function start(env: ConfigOverrides = {}): Promise<TestServer> {
  const server = await startServer({ env });
  servers.push(server);
  return server;
}

const EVIL = 'http://evil.example';

/** An HTTP request with a chosen Host header (fetch does not let a caller set it). */
function withHost(url: string, host: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}/health`, { headers: { host } }, (res) => {
      let text = '';
      res.on('data', (chunk) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens a Socket.io connection from a browser page at `origin`; resolves with how it ended. */
function socketFrom(url: string, origin: string): Promise<'connected' | 'refused'> {
  const socket = io(url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    extraHeaders: { origin },
  });
  cleanups.push(() => socket.close());
  return new Promise((resolve) => {
    socket.once('connect', () => resolve('connected'));
    socket.once('connect_error', () => resolve('refused'));
  });
}

/** A raw TCP connection to the server; resolves once the server closes it. */
function rawConnection(url: string, send: string): Promise<void> {
  const { port } = new URL(url);
  const socket = netConnect(Number(port), '127.0.0.1', () => socket.write(send));
  cleanups.push(() => socket.destroy());
  socket.on('error', () => undefined);
  socket.resume(); // read what the server answers, or its end never arrives
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

describe('cross-site access to a server without keys', () => {
  it('refuses a WebSocket from a foreign Origin, so it receives no events', async () => {
    const server = await start();
    expect(await socketFrom(server.url, EVIL)).toBe('refused');
    const handshake = await server.request('GET', '/socket.io/?EIO=4&transport=polling', undefined, {
      origin: EVIL,
    });
    expect(handshake.status).toBe(403);
    expect(handshake.body).toMatchObject({ message: 'ORIGIN_NOT_ALLOWED' });
  });

  it('refuses a state-changing request from a foreign Origin and changes nothing', async () => {
    const server = await start();
    await server.request('POST', '/api/v1/sim/inbound', { from: '+12125550101', to: '+12125550199' });
    const channels = () => server.request('GET', '/api/v1/sim/channels');
    expect((await channels()).body.data).toHaveLength(1);

    const refused = await server.request('POST', '/api/v1/sim/reset', undefined, { origin: EVIL });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ success: false, error: { code: 'ORIGIN_NOT_ALLOWED' } });
    const nullOrigin = await server.request('POST', '/api/v1/sim/reset', undefined, { origin: 'null' });
    expect(nullOrigin.status).toBe(403);
    expect((await channels()).body.data).toHaveLength(1);

    // Server-side clients send no Origin; the server's own pages send its origin.
    expect(
      (await server.request('POST', '/api/v1/sim/reset', undefined, { origin: server.url })).status,
    ).toBe(200);
    expect((await server.request('POST', '/api/v1/sim/reset')).status).toBe(200);
    expect((await channels()).body.data).toHaveLength(0);
  });

  it('lets an origin listed in CORS_ORIGINS act and connect', async () => {
    const server = await start({ CORS_ORIGINS: 'https://crm.example' });
    const reset = await server.request('POST', '/api/v1/sim/reset', undefined, {
      origin: 'https://crm.example',
    });
    expect(reset.status).toBe(200);
    expect(await socketFrom(server.url, 'https://crm.example')).toBe('connected');
    expect(await socketFrom(server.url, EVIL)).toBe('refused');
  });

  it('refuses a Host header that does not name the server (DNS rebinding), unless ALLOWED_HOSTS lists it', async () => {
    const server = await start({ ALLOWED_HOSTS: 'switchboard.example' });
    const port = new URL(server.url).port;
    const rebound = await withHost(server.url, `evil.example:${port}`);
    expect(rebound.status).toBe(421);
    expect(rebound.body).toMatchObject({ success: false, error: { code: 'HOST_NOT_ALLOWED' } });
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `switchboard.example:${port}`]) {
      expect((await withHost(server.url, host)).status, host).toBe(200);
    }
    const handshake = await new Promise<number>((resolve) => {
      httpRequest(`${server.url}/socket.io/?EIO=4&transport=polling`, { headers: { host: 'evil.example' } })
        .on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .end();
    });
    expect(handshake).toBe(403);
  });

  it('still serves Node clients, which send no Origin', async () => {
    const server = await start();
    const client = await connectEvents(server.url);
    await server.request('POST', '/api/v1/calls', { from: 'dispatcher-001', to: '+12125550101' });
    await client.waitFor((e) => e.type === 'call.ringing');
    client.close();
  });
});

describe('slow clients', () => {
  const short: ConfigOverrides = {
    HTTP_HEADERS_TIMEOUT_MS: '200',
    HTTP_REQUEST_TIMEOUT_MS: '400',
    HTTP_IDLE_TIMEOUT_MS: '400',
  };

  it('closes a connection whose request line never ends', async () => {
    const server = await start(short);
    await rawConnection(server.url, 'GET /hea');
  });

  it('closes a connection whose body never ends', async () => {
    const server = await start(short);
    await rawConnection(
      server.url,
      'POST /api/v1/sim/reset HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a',
    );
  });

  it('closes a connection that sends nothing', async () => {
    const server = await start(short);
    await rawConnection(server.url, '');
  });
});

describe('logs', () => {
  it('never show a key passed in the query string', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'trace' }, { write: (line: string) => lines.push(line) });
    const config = loadConfig({}, { CTI_PORT: '0', SWITCHBOARD_DATA_DIR: `/tmp/sb-logs-${process.pid}` });
    const sb = await createSwitchboard(config, { clock: new VirtualClock(), logger });
    cleanups.push(() => sb.close());
    const url = await sb.listen();
    await fetch(`${url}/api/v1/calls?api_key=secret-1&limit=1`);
    await fetch(`${url}/api/v1/calls?apiKey=secret-2`);
    await fetch(`${url}/health?token=secret-3`);
    const logged = lines.join('\n');
    expect(logged).toContain('/api/v1/calls?api_key=[REDACTED]&limit=1');
    expect(logged).not.toMatch(/secret-\d/);
  });
});
