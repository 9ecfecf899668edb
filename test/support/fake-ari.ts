import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

/**
 * A fake Asterisk ARI on 127.0.0.1: REST and the event WebSocket on one port under `/ari`, with
 * Asterisk's own authentication answers (401 `{"message":"Authentication required"}` for REST and for
 * the upgrade, 400 HTML for an upgrade without `app`), one active WebSocket per application (a second
 * one replaces the first with `ApplicationReplaced`, and the first stays open but silent), and events
 * to an application without a WebSocket lost, as Asterisk loses them. What the PBX does is a
 * {@link FakeBackend}'s business: the stateful PBX of `fake-ari-pbx.ts` or the transcript replay of
 * `fake-ari-replay.ts`.
 *
 * Faults for tests: answer the next matching requests with a status, stall a request until released,
 * drop every WebSocket, refuse upgrades, change the credentials.
 */

export interface FakeRequest {
  readonly method: string;
  /** The path under `/ari`, without the query: `/channels/abc/answer`. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
}

export interface FakeResponse {
  readonly status: number;
  /** JSON-serialised unless it is a string or bytes; absent for an empty body. */
  readonly body?: unknown;
  /** The type of a body of bytes (a stored recording's `audio/wav`). */
  readonly contentType?: string;
}

/** What the fake PBX does with requests and connections. */
export interface FakeBackend {
  handle(request: FakeRequest): FakeResponse | Promise<FakeResponse>;
  /** An application's event WebSocket became active (`index`: how many it had before). */
  connected?(app: string, subscribeAll: boolean, index: number): void;
  /** An application lost its active WebSocket. */
  disconnected?(app: string): void;
}

/** A request as the fake saw it, for assertions. */
export interface LoggedRequest extends FakeRequest {
  readonly status: number;
}

interface AppSocket {
  readonly ws: WebSocket;
  readonly app: string;
  readonly subscribeAll: boolean;
  active: boolean;
}

interface Fault {
  readonly method: string;
  readonly path: RegExp;
  times: number;
  readonly respond?: FakeResponse;
  readonly stall?: HeldRequest;
}

interface HeldRequest {
  arrive(): void;
  readonly released: Promise<void>;
}

/** A request held back until {@link Stall.release}. */
export interface Stall {
  /** Resolves when the matching request has arrived. */
  readonly arrived: Promise<void>;
  release(): void;
}

const AUTH_REQUIRED = { message: 'Authentication required' };
const MISSING_APP_HTML =
  '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\r\n<html><head>\r\n<title>400 Bad Request</title>\r\n</head><body>\r\n<h1>Bad Request</h1>\r\n<p>HTTP request is missing param: [app]</p>\r\n<hr />\r\n<address>Asterisk/22.10.1</address>\r\n</body></html>\r\n';

/** Asterisk's ARI on a loopback port, minus the telephony (see the file's comment). */
export class FakeAriServer {
  readonly requests: LoggedRequest[] = [];
  /** Events sent to an application that had no active WebSocket. */
  lostEvents = 0;
  /** Event WebSockets accepted so far, per application. */
  readonly connections = new Map<string, number>();
  private server: Server | undefined;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sockets = new Set<AppSocket>();
  private readonly rawSockets = new Set<Socket>();
  /** Applications another client holds (no socket here: its events are lost to us). */
  private readonly rivals = new Set<string>();
  private faults: Fault[] = [];
  private refusingUpgrades: number | undefined;
  private port = 0;
  private backendRef: FakeBackend | undefined;

  constructor(
    private credentials: { username: string; password: string } = { username: 'cti', password: 'cti' },
  ) {}

  /** The ARI base URL (`http://127.0.0.1:<port>/ari`). */
  get url(): string {
    return `http://127.0.0.1:${this.port}/ari`;
  }

  get backend(): FakeBackend {
    if (!this.backendRef) throw new Error('fake ARI: no backend set');
    return this.backendRef;
  }

  set backend(backend: FakeBackend) {
    this.backendRef = backend;
  }

  /** Listens on an ephemeral port (or the one it had, to come back after {@link goDown}). */
  async listen(): Promise<string> {
    const server = createServer((req, res) => void this.onRequest(req, res));
    server.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket as Socket, head));
    server.on('connection', (socket) => {
      this.rawSockets.add(socket);
      socket.on('close', () => this.rawSockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this.url;
  }

  /** Stops listening and cuts every connection: Asterisk going away. */
  async goDown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.ws.terminate();
    for (const socket of this.rawSockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async close(): Promise<void> {
    await this.goDown();
    this.wss.close();
  }

  setCredentials(username: string, password: string): void {
    this.credentials = { username, password };
  }

  /** Sends an event to the application's active WebSocket; lost (and counted) when it has none. */
  emit(app: string, event: object): boolean {
    const target = this.activeSocket(app);
    if (!target) {
      this.lostEvents++;
      return false;
    }
    target.ws.send(JSON.stringify(event));
    return true;
  }

  /** Whether the application has an active WebSocket, and whether it subscribed to everything. */
  appState(app: string): { connected: boolean; subscribeAll: boolean } {
    const socket = this.activeSocket(app);
    return { connected: socket !== undefined, subscribeAll: socket?.subscribeAll ?? false };
  }

  /**
   * Resolves once every open WebSocket has processed what was sent before: a ping after the events,
   * answered by a pong, which the client sends only after reading (and dispatching) them.
   */
  async flush(): Promise<void> {
    await Promise.all(
      [...this.sockets].map(
        (s) =>
          new Promise<void>((resolve) => {
            if (s.ws.readyState !== s.ws.OPEN) {
              resolve();
              return;
            }
            const done = () => {
              s.ws.off('pong', done);
              s.ws.off('close', done);
              resolve();
            };
            s.ws.on('pong', done);
            s.ws.on('close', done);
            s.ws.ping();
          }),
      ),
    );
  }

  /** Cuts every event WebSocket without a close frame (the client sees 1006). */
  dropWebSockets(): void {
    for (const s of this.sockets) s.ws.terminate();
  }

  /** Refuses the next `count` upgrades (all of them while `count` is undefined) with 503. */
  refuseUpgrades(count?: number): void {
    this.refusingUpgrades = count ?? Number.POSITIVE_INFINITY;
  }

  acceptUpgrades(): void {
    this.refusingUpgrades = undefined;
  }

  /** Whether anyone holds the application (GET /applications/{app} answers 200, else 404). */
  appHeld(app: string): boolean {
    return this.rivals.has(app) || this.activeSocket(app) !== undefined;
  }

  /**
   * Another client registers the application: the current WebSocket gets ApplicationReplaced and
   * nothing more, and the rival holds the application until {@link releaseApplication}.
   */
  replaceApplication(app: string): void {
    const current = this.activeSocket(app);
    this.rivals.add(app);
    if (!current) return;
    current.active = false;
    current.ws.send(
      JSON.stringify({
        type: 'ApplicationReplaced',
        timestamp: asteriskTime(),
        application: app,
        asterisk_id: ASTERISK_ID,
      }),
    );
    this.backendRef?.disconnected?.(app);
  }

  /**
   * The rival closes its WebSocket: Asterisk deletes the application although the replaced socket is
   * still open, and that socket never hears another event (`application-replaced-then-free`).
   */
  releaseApplication(app: string): void {
    this.rivals.delete(app);
  }

  /** Answers the next `times` requests matching `method` and `path` with `status` and `body`. */
  failNext(method: string, path: RegExp, status: number, body?: unknown, times = 1): void {
    this.faults.push({ method, path, times, respond: body === undefined ? { status } : { status, body } });
  }

  /** Holds the next request matching `method` and `path` until released; others go on meanwhile. */
  stall(method: string, path: RegExp): Stall {
    let arrive!: () => void;
    let release!: () => void;
    const arrived = new Promise<void>((resolve) => {
      arrive = resolve;
    });
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.faults.push({ method, path, times: 1, stall: { arrive, released } });
    return { arrived, release };
  }

  /** Requests matching a method and path pattern, in order. */
  requestsMatching(method: string, path: RegExp): LoggedRequest[] {
    return this.requests.filter((r) => r.method === method && path.test(r.path));
  }

  private activeSocket(app: string): AppSocket | undefined {
    for (const s of this.sockets) if (s.app === app && s.active) return s;
    return undefined;
  }

  private authorised(req: IncomingMessage, query: URLSearchParams): boolean {
    const expected = `${this.credentials.username}:${this.credentials.password}`;
    const header = req.headers.authorization;
    if (header?.startsWith('Basic ')) {
      return Buffer.from(header.slice(6), 'base64').toString('utf8') === expected;
    }
    return query.get('api_key') === expected;
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/^\/ari(?=\/|$)/, '') || '/';
    const query = Object.fromEntries(url.searchParams);
    delete query.api_key;
    req.resume();
    let response: FakeResponse;
    if (!this.authorised(req, url.searchParams)) {
      response = { status: 401, body: AUTH_REQUIRED };
    } else {
      const fault = this.takeFault(method, path);
      if (fault?.stall) {
        fault.stall.arrive();
        await fault.stall.released;
      }
      try {
        response = fault?.respond ?? (await this.backend.handle({ method, path, query }));
      } catch (error) {
        response = { status: 500, body: { message: `fake ARI: ${(error as Error).message}` } };
      }
    }
    this.requests.push({ method, path, query, status: response.status });
    if (res.destroyed) return;
    const headers: Record<string, string> = {};
    if (response.status === 401) headers['www-authenticate'] = 'Basic realm="Asterisk REST Interface"';
    if (response.body === undefined) {
      res.writeHead(response.status, headers).end();
      return;
    }
    if (response.body instanceof Uint8Array) {
      headers['content-type'] = response.contentType ?? 'application/octet-stream';
      headers['content-length'] = String(response.body.byteLength);
      res.writeHead(response.status, headers).end(response.body);
      return;
    }
    const text = typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
    headers['content-type'] = typeof response.body === 'string' ? 'text/html' : 'application/json';
    res.writeHead(response.status, headers).end(text);
  }

  private takeFault(method: string, path: string): Fault | undefined {
    const fault = this.faults.find((f) => f.method === method && f.path.test(path));
    if (!fault) return undefined;
    fault.times--;
    if (fault.times <= 0) this.faults = this.faults.filter((f) => f !== fault);
    return fault;
  }

  private onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const refuse = (status: number, text: string, body: string, type: string) => {
      socket.end(
        `HTTP/1.1 ${status} ${text}\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    };
    if (url.pathname !== '/ari/events') {
      refuse(404, 'Not Found', JSON.stringify({ message: 'Resource not found' }), 'application/json');
      return;
    }
    if (!this.authorised(req, url.searchParams)) {
      refuse(401, 'Unauthorized', JSON.stringify(AUTH_REQUIRED), 'application/json');
      return;
    }
    const app = url.searchParams.get('app');
    if (!app) {
      refuse(400, 'Bad Request', MISSING_APP_HTML, 'text/html');
      return;
    }
    if (this.refusingUpgrades !== undefined && this.refusingUpgrades > 0) {
      this.refusingUpgrades--;
      refuse(503, 'Service Unavailable', '', 'text/plain');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const subscribeAll = url.searchParams.get('subscribeAll') === 'true';
      const previous = this.activeSocket(app);
      this.rivals.delete(app);
      if (previous) {
        previous.active = false;
        previous.ws.send(
          JSON.stringify({
            type: 'ApplicationReplaced',
            timestamp: asteriskTime(),
            application: app,
            asterisk_id: ASTERISK_ID,
          }),
        );
      }
      const entry: AppSocket = { ws, app, subscribeAll, active: true };
      this.sockets.add(entry);
      const index = this.connections.get(app) ?? 0;
      this.connections.set(app, index + 1);
      ws.on('close', () => {
        this.sockets.delete(entry);
        if (entry.active) this.backendRef?.disconnected?.(app);
      });
      ws.on('error', () => undefined);
      this.backendRef?.connected?.(app, subscribeAll, index);
    });
  }
}

export const ASTERISK_ID = '02:fc:00:00:00:01';

/** A timestamp in Asterisk's format (`2026-11-22T03:53:58.566+0000`). */
export function asteriskTime(ms: number = Date.now()): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}
