import http from 'node:http';
import https from 'node:https';
import { type Clock, SystemClock } from '../../core/clock.ts';

export type AriMethod = 'GET' | 'POST' | 'DELETE' | 'PUT';
export type AriQuery = Readonly<Record<string, string | number | boolean | undefined>>;

export interface AriClientOptions {
  /** Base URL of ARI, e.g. `http://127.0.0.1:8088/ari`. */
  readonly url: string;
  readonly username: string;
  readonly password: string;
  /** Longest a request may take before it fails with a timeout (default 5000 ms). */
  readonly requestTimeoutMs?: number;
  /**
   * Persistent connections kept to Asterisk (default 8). Asterisk serves at most 100 HTTP sessions and
   * backlogs 10, so an unbounded pool drops requests under load; a few keep-alive sockets suffice.
   */
  readonly maxSockets?: number;
  /** Runs request timeouts; the system clock unless a test passes a virtual one. */
  readonly clock?: Clock;
}

export type AriErrorKind = 'http' | 'timeout' | 'network';

/** A request ARI refused (`http`, with its status and body), or one that never got an answer. */
export class AriError extends Error {
  constructor(
    readonly kind: AriErrorKind,
    readonly method: AriMethod,
    readonly path: string,
    message: string,
    readonly status?: number,
    readonly body?: unknown,
  ) {
    super(message);
    this.name = 'AriError';
  }

  /** What Asterisk said: the `message` (or `error`) of its JSON body, or the body text. */
  get detail(): string {
    const body = this.body as { message?: unknown; error?: unknown } | string | undefined;
    if (typeof body === 'string') return body.slice(0, 200);
    const said = body?.message ?? body?.error;
    return typeof said === 'string' ? said : '';
  }
}

/** A file ARI is sending: its type, its length when announced, and its bytes as they arrive. */
export interface AriDownload {
  readonly contentType: string;
  readonly size?: number;
  readonly body: AsyncIterable<Uint8Array>;
}

type Finish<T> = (error: AriError | undefined, value?: T) => void;

/** Longest a file download may take to start, and may stall while its body arrives. */
const DOWNLOAD_TIMEOUT_MS = 60_000;

/** Counters for health and benchmarks. */
export interface AriClientStats {
  readonly requests: number;
  readonly failures: number;
  readonly inFlight: number;
}

/**
 * A thin typed client for ARI's REST half over Node's own HTTP stack. Every request has its own
 * timeout and runs on a small pool of keep-alive sockets, so one slow request holds one socket and
 * never queues the others behind it. The password goes only into the Authorization header.
 */
export class AriClient {
  readonly baseUrl: string;
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;
  private readonly authorization: string;
  private readonly timeoutMs: number;
  private readonly clock: Clock;
  private counts = { requests: 0, failures: 0, inFlight: 0 };
  private idleWaiters: (() => void)[] = [];

  constructor(options: AriClientOptions) {
    this.baseUrl = options.url.replace(/\/+$/, '');
    this.base = new URL(this.baseUrl);
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:') {
      throw new Error(`ARI URL must start with http:// or https://, got "${options.url}"`);
    }
    this.transport = this.base.protocol === 'https:' ? https : http;
    const AgentClass = this.base.protocol === 'https:' ? https.Agent : http.Agent;
    this.agent = new AgentClass({ keepAlive: true, maxSockets: options.maxSockets ?? 8, maxFreeSockets: 8 });
    this.authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
    this.timeoutMs = options.requestTimeoutMs ?? 5_000;
    this.clock = options.clock ?? new SystemClock();
  }

  /** The WebSocket URL of the event stream for `app` (credentials go in a header, not here). */
  eventsUrl(app: string, subscribeAll: boolean): string {
    const url = new URL(`${this.baseUrl}/events`);
    url.protocol = this.base.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('app', app);
    if (subscribeAll) url.searchParams.set('subscribeAll', 'true');
    return url.toString();
  }

  /** Headers the event stream's upgrade request needs. */
  get authHeaders(): Record<string, string> {
    return { authorization: this.authorization };
  }

  get stats(): AriClientStats {
    return { ...this.counts };
  }

  /** Resolves once no request is in flight. */
  idle(): Promise<void> {
    if (this.counts.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * One ARI request; parameters go in the query string, as ARI expects. Resolves with the parsed JSON
   * body (undefined for 204); rejects with {@link AriError}.
   */
  request<T = unknown>(
    method: AriMethod,
    path: string,
    query?: AriQuery,
    options: { timeoutMs?: number } = {},
  ): Promise<T> {
    return this.exchange<T>(method, path, query, options.timeoutMs ?? this.timeoutMs, (res, finish) => {
      this.readAnswer(method, path, res, finish, (body) => finish(undefined, body as T));
    });
  }

  /**
   * A GET of a file (a stored recording): resolves once Asterisk has answered, with the body still to
   * be read, as it arrives; rejects with {@link AriError} for an error answer. A body that stalls for
   * the download timeout fails the read.
   */
  download(path: string): Promise<AriDownload> {
    const timeoutMs = Math.max(this.timeoutMs, DOWNLOAD_TIMEOUT_MS);
    return this.exchange<AriDownload>('GET', path, undefined, timeoutMs, (res, finish) => {
      const status = res.statusCode ?? 0;
      if (status < 200 || status >= 300) {
        this.readAnswer('GET', path, res, finish, () => undefined);
        return;
      }
      res.setTimeout(timeoutMs, () =>
        res.destroy(new Error(`ARI GET ${path}: the file stalled for ${timeoutMs} ms`)),
      );
      const length = Number(res.headers['content-length']);
      finish(undefined, {
        contentType: res.headers['content-type'] ?? 'application/octet-stream',
        ...(Number.isFinite(length) && { size: length }),
        body: res,
      });
    });
  }

  /** Closes the pooled sockets. */
  /** Closes the pooled sockets. */
  close(): void {
    this.agent.destroy();
  }

  /**
   * Sends one request, with its timeout, counted in flight until `finish` is called (once; later calls
   * do nothing). `onResponse` decides when the answer is complete.
   */
  private exchange<T>(
    method: AriMethod,
    path: string,
    query: AriQuery | undefined,
    timeoutMs: number,
    onResponse: (res: http.IncomingMessage, finish: Finish<T>) => void,
  ): Promise<T> {
    const target = `${this.base.pathname.replace(/\/+$/, '')}${path}${encodeQuery(query)}`;
    this.counts.requests++;
    this.counts.inFlight++;
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const finish: Finish<T> = (error, value) => {
        if (settled) return;
        settled = true;
        this.clock.clearTimer(timer);
        this.counts.inFlight--;
        if (error) this.counts.failures++;
        if (this.counts.inFlight === 0) {
          const waiters = this.idleWaiters;
          this.idleWaiters = [];
          for (const w of waiters) w();
        }
        if (error) reject(error);
        else resolve(value as T);
      };
      const req = this.transport.request(
        {
          protocol: this.base.protocol,
          hostname: this.base.hostname,
          port: this.base.port,
          path: target,
          method,
          agent: this.agent,
          headers: {
            authorization: this.authorization,
            accept: 'application/json',
            ...(method !== 'GET' && { 'content-length': '0' }),
          },
        },
        (res) => onResponse(res, finish),
      );
      const timer = this.clock.setTimer(timeoutMs, () => {
        finish(
          new AriError('timeout', method, path, `ARI ${method} ${path} got no answer within ${timeoutMs} ms`),
        );
        req.destroy();
      });
      req.on('error', (err) => finish(this.networkError(method, path, err)));
      req.end();
    });
  }

  /** Reads a whole answer: a 2xx body goes to `success` parsed, any other status fails as {@link AriError}. */
  private readAnswer<T>(
    method: AriMethod,
    path: string,
    res: http.IncomingMessage,
    finish: Finish<T>,
    success: (body: unknown) => void,
  ): void {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('error', (err) => finish(this.networkError(method, path, err)));
    res.on('end', () => {
      const status = res.statusCode ?? 0;
      const body = parseBody(Buffer.concat(chunks).toString('utf8'));
      if (status >= 200 && status < 300) {
        success(body);
        return;
      }
      const error = new AriError('http', method, path, '', status, body);
      error.message = `ARI ${method} ${path} answered ${status}${error.detail ? ` ${JSON.stringify(error.detail)}` : ''}`;
      finish(error);
    });
  }

  private networkError(method: AriMethod, path: string, err: Error): AriError {
    const code = (err as NodeJS.ErrnoException).code;
    const what = code === 'ECONNREFUSED' ? 'connection refused' : (code ?? err.message);
    return new AriError('network', method, path, `ARI ${method} ${path} failed: ${what} (${this.baseUrl})`);
  }
}

function encodeQuery(query: AriQuery | undefined): string {
  if (!query) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    // encodeURIComponent, not URLSearchParams: Asterisk does not read `+` as a space.
    if (value !== undefined) parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

function parseBody(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
