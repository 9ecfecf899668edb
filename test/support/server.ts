import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { createSwitchboard, type Switchboard, type SwitchboardParts } from '../../src/app.ts';
import { type ConfigOverrides, loadConfig } from '../../src/config/config.ts';
import { VirtualClock } from '../../src/core/clock.ts';
import type { DomainEvent } from '../../src/core/events.ts';

export interface ApiResponse<T = any> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

/** A Switchboard on an ephemeral port with the virtual clock and its own embedded store. */
export interface TestServer {
  readonly url: string;
  readonly sb: Switchboard;
  readonly dataDir: string;
  /** Any HTTP request; `body` objects are sent as JSON, strings as they are. */
  request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ApiResponse<T>>;
  /** Moves the virtual clock through the public simulator API. */
  advance(ms: number): Promise<void>;
  /** Stops the server; the data folder is kept unless `removeData`. */
  close(options?: { removeData?: boolean }): Promise<void>;
}

/** Starts a server; pass `dataDir` to reopen the same embedded store (a restart). */
export async function startServer(
  options: {
    dataDir?: string;
    env?: ConfigOverrides;
    parts?: Pick<SwitchboardParts, 'env' | 'cdrSource' | 'logger'>;
  } = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'switchboard-test-'));
  const config = loadConfig({}, { CTI_PORT: '0', SWITCHBOARD_DATA_DIR: dataDir, ...options.env });
  const sb = await createSwitchboard(config, { clock: new VirtualClock(), logger: false, ...options.parts });
  const url = await sb.listen();
  // Start-up's own events commit on the store's writer thread; a test starts once they have landed,
  // so a client connecting now hears only what the test itself causes.
  await sb.engine.idle();
  const request = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
    }
    const res = await fetch(url + path, init);
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed as any, headers: res.headers };
  };
  return {
    url,
    sb,
    dataDir,
    request,
    async advance(ms: number) {
      const res = await request('POST', '/api/v1/sim/clock/advance', { ms });
      if (res.status !== 200) throw new Error(`advance failed: ${res.status} ${JSON.stringify(res.body)}`);
    },
    async close({ removeData = false } = {}) {
      await sb.close();
      if (removeData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A real Socket.io client that records every event it receives, in order. */
export interface EventClient {
  readonly socket: Socket;
  readonly events: DomainEvent[];
  /** Resolves with the first recorded event (past or future) that matches. */
  waitFor(predicate: (event: DomainEvent) => boolean, what?: string): Promise<DomainEvent>;
  /** Resolves once `count` matching events were recorded. */
  waitForCount(predicate: (event: DomainEvent) => boolean, count: number): Promise<DomainEvent[]>;
  close(): void;
}

/** Connects a Socket.io client, optionally resuming after `lastSeq`. */
export async function connectEvents(url: string, auth: Record<string, unknown> = {}): Promise<EventClient> {
  const socket = io(url, { transports: ['websocket'], auth, reconnection: false, forceNew: true });
  const events: DomainEvent[] = [];
  const waiters = new Set<() => void>();
  socket.onAny((type: string, event: DomainEvent) => {
    if (typeof event === 'object' && event && event.type === type) {
      events.push(event);
      for (const wake of [...waiters]) wake();
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => reject(err));
  });
  const waitForCount = (predicate: (e: DomainEvent) => boolean, count: number) =>
    new Promise<DomainEvent[]>((resolve, reject) => {
      const check = () => {
        const found = events.filter(predicate);
        if (found.length >= count) {
          waiters.delete(check);
          resolve(found);
        }
      };
      socket.once('disconnect', () => {
        if (waiters.has(check)) reject(new Error('socket disconnected while waiting'));
      });
      waiters.add(check);
      check();
    });
  return {
    socket,
    events,
    waitForCount,
    waitFor: async (predicate) => (await waitForCount(predicate, 1))[0]!,
    close: () => socket.close(),
  };
}

/**
 * A POST with exactly the headers given: unlike fetch, nothing adds a Content-Type, as with the
 * mock-CTI contract's own examples. The answer is parsed as JSON.
 */
export function rawPost(
  url: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
        }
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text), headers });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A port free now on 127.0.0.1, for a server that must come back on the same address (a restart). */
export async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
