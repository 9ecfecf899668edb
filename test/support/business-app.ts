import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the business application received. */
export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: unknown;
}

/**
 * A stand-in for the dispatch application the driver check-in flow talks to, on 127.0.0.1 and a
 * port of its own. `slow` makes it hold every request unanswered (until `close`), to see timeouts.
 */
export interface BusinessApp {
  /** Base URL of the check-in API (what the flow's `dispatchApi` points at). */
  readonly url: string;
  readonly received: ReceivedRequest[];
  slow: boolean;
  /** Resolves once `count` requests have arrived (including those already in). */
  waitForRequests(count: number): Promise<ReceivedRequest[]>;
  /** Resolves once a held request's connection was closed by the client (an abort). */
  waitForAbort(): Promise<void>;
  close(): Promise<void>;
}

/** Drivers the application knows: id -> what it answers. */
const DRIVERS: Record<string, { name: string; activeTrips: number; trips: { id: string }[] }> = {
  '4711': { name: 'Dana Driver', activeTrips: 1, trips: [{ id: 'T-100' }] },
  '5150': { name: 'Idle Ivan', activeTrips: 0, trips: [] },
};

export async function startBusinessApp(): Promise<BusinessApp> {
  const received: ReceivedRequest[] = [];
  const waiters = new Set<() => void>();
  const abortWaiters = new Set<() => void>();
  const held = new Set<ServerResponse>();
  let aborts = 0;
  const app: { slow: boolean } = { slow: false };

  const server: Server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      raw += chunk;
    });
    req.on('end', () => {
      const path = (req.url ?? '').replace(/^\/switchboard/, '');
      received.push({
        method: req.method ?? '',
        path,
        headers: req.headers,
        body: raw ? JSON.parse(raw) : undefined,
      });
      for (const wake of [...waiters]) wake();
      if (app.slow) {
        held.add(res);
        res.on('close', () => {
          held.delete(res);
          aborts++;
          for (const wake of [...abortWaiters]) wake();
        });
        return;
      }
      answer(req.method ?? '', path, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/switchboard`,
    received,
    get slow() {
      return app.slow;
    },
    set slow(value: boolean) {
      app.slow = value;
    },
    waitForRequests: (count) =>
      new Promise((resolve) => {
        const check = () => {
          if (received.length < count) return;
          waiters.delete(check);
          resolve(received.slice(0, count));
        };
        waiters.add(check);
        check();
      }),
    waitForAbort: () =>
      new Promise((resolve) => {
        const check = () => {
          if (aborts === 0) return;
          abortWaiters.delete(check);
          resolve();
        };
        abortWaiters.add(check);
        check();
      }),
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function answer(method: string, path: string, res: ServerResponse): void {
  const send = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const driver = /^\/drivers\/([^/]+)$/.exec(path);
  if (method === 'GET' && driver) {
    const found = DRIVERS[decodeURIComponent(driver[1]!)];
    if (found) send(200, found);
    else send(404, { error: 'unknown driver' });
  } else if (method === 'POST' && path === '/checkins') {
    send(201, { recorded: true });
  } else {
    send(404, { error: 'no such route' });
  }
}

/** A URL on 127.0.0.1 where nothing listens: connections are refused at once. */
export async function refusingUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/switchboard`;
}

/** A bare HTTP server on one loopback address that counts what reaches it. */
export interface PlainServer {
  /** `http://host:port`. */
  readonly url: string;
  readonly port: number;
  /** Requests received, as `METHOD path` with the Host header. */
  readonly hits: { readonly line: string; readonly host: string | undefined }[];
  close(): Promise<void>;
}

/** Serves `handle` on `host` (any 127.0.0.0/8 address, or ::1) and a port of its own. */
export async function servePlain(
  host: string,
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<PlainServer> {
  const hits: { line: string; host: string | undefined }[] = [];
  const server = createServer((req, res) => {
    hits.push({ line: `${req.method} ${req.url}`, host: req.headers.host });
    handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    hits,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
