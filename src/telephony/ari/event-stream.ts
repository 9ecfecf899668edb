import WebSocket from 'ws';
import { backoffDelay } from '../../core/backoff.ts';
import type { Clock, TimerHandle } from '../../core/clock.ts';

export interface BackoffOptions {
  /** Wait before the first reconnection attempt, before jitter (default 500 ms). */
  readonly initialMs?: number;
  /** Longest wait between attempts, before jitter (default 30 s). */
  readonly maxMs?: number;
}

export interface EventStreamOptions {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Runs the back-off waits, so a test can move them with a virtual clock. */
  readonly clock: Clock;
  readonly backoff?: BackoffOptions;
  /** Source of jitter in [0, 1); Math.random unless a test fixes it. */
  readonly random?: () => number;
  /**
   * Real-time interval of WebSocket pings; a connection whose ping went unanswered for a whole
   * interval is dropped and reconnected (a half-open TCP connection never reports a close). 0 = off.
   */
  readonly heartbeatMs?: number;
  /** Longest the opening handshake may take (default 10 s). */
  readonly handshakeTimeoutMs?: number;
  /** Each text message, in order of arrival. */
  readonly onMessage: (text: string) => void;
  /** The stream is connected again after a loss; messages already flow. */
  readonly onReconnected: () => void;
  /** The connection was lost; reconnection attempts follow. */
  readonly onLost: (reason: string) => void;
  /** A reconnection attempt failed (or the application is still taken); the next is due in `delayMs`. */
  readonly onRetry?: (error: StreamConnectError, attempt: number, delayMs: number) => void;
}

export type EventStreamState = 'idle' | 'connecting' | 'open' | 'waiting' | 'replaced' | 'closed';

/** The upgrade was refused (`status` and `body` as the server sent them) or the server was not reached. */
export class StreamConnectError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly body?: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'StreamConnectError';
  }
}

/**
 * ARI's event WebSocket that comes back by itself: after a loss it reconnects with exponential
 * back-off and jitter until {@link close}. It carries no state of its own about calls; the driver
 * resynchronises after {@link EventStreamOptions.onReconnected}.
 */
export class EventStream {
  private ws: WebSocket | undefined;
  private current: EventStreamState = 'idle';
  private attempt = 0;
  private retryTimer: TimerHandle | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private awaitingPong = false;
  private reconnectCount = 0;
  private lastFailure: string | undefined;
  private readonly early = new WeakMap<WebSocket, string[]>();

  constructor(private readonly options: EventStreamOptions) {}

  get state(): EventStreamState {
    return this.current;
  }

  /** Reconnections that succeeded since the stream was opened. */
  get reconnects(): number {
    return this.reconnectCount;
  }

  /** Why the last connection attempt or connection failed, if one did. */
  get lastError(): string | undefined {
    return this.lastFailure;
  }

  /** Connects for the first time; rejects with {@link StreamConnectError} rather than retrying. */
  async open(): Promise<void> {
    if (this.current === 'open' || this.current === 'connecting') return;
    this.current = 'connecting';
    this.attempt = 0;
    try {
      this.attach(await this.connect());
    } catch (error) {
      this.current = 'closed';
      throw error;
    }
  }

  /** Closes the connection and stops reconnecting. */
  close(): void {
    this.current = 'closed';
    if (this.retryTimer) this.options.clock.clearTimer(this.retryTimer);
    this.retryTimer = undefined;
    this.dropSocket();
  }

  /**
   * Another client took the application (ApplicationReplaced). This socket hears nothing more, and a
   * new connection now would take the application back from the rival, which may do the same in turn.
   * So the socket is closed and `isFree` asked with back-off; once the rival has gone (Asterisk then
   * deletes the application, even for sockets still open: `application-replaced-then-free`), a new
   * connection registers it again and `onReconnected` follows. {@link close} stops the waiting.
   */
  reclaimWhenFree(isFree: () => Promise<boolean>): void {
    if (this.current === 'closed') return;
    this.dropSocket();
    this.current = 'replaced';
    this.attempt = 0;
    this.scheduleReclaim(isFree);
  }

  /**
   * The wait before the next attempt, reconnecting or asking whether the application is free. Equal
   * jitter (the default): never sooner than half the base, so a restarted Asterisk is not stampeded.
   */
  private nextDelay(): number {
    const { initialMs = 500, maxMs = 30_000 } = this.options.backoff ?? {};
    return backoffDelay({ initialMs, maxMs }, this.attempt, this.options.random);
  }

  private scheduleReclaim(isFree: () => Promise<boolean>): number {
    const delay = this.nextDelay();
    this.retryTimer = this.options.clock.setTimer(delay, () => {
      this.retryTimer = undefined;
      void this.reclaim(isFree);
    });
    return delay;
  }

  private async reclaim(isFree: () => Promise<boolean>): Promise<void> {
    if (this.current !== 'replaced') return;
    let failure: StreamConnectError | undefined;
    try {
      if (!(await isFree())) failure = new StreamConnectError('the application is held by another client');
    } catch (error) {
      failure = new StreamConnectError(
        `cannot tell whether the application is free: ${(error as Error).message}`,
      );
    }
    if (this.current !== 'replaced') return;
    if (failure) {
      this.lastFailure = failure.message;
      this.attempt++;
      this.options.onRetry?.(failure, this.attempt, this.scheduleReclaim(isFree));
      return;
    }
    this.current = 'waiting';
    await this.retry();
  }

  /** Lets go of the socket without reporting a loss (its close handler no longer applies). */
  private dropSocket(): void {
    this.stopHeartbeat();
    const ws = this.ws;
    this.ws = undefined;
    if (!ws) return;
    ws.removeAllListeners();
    ws.on('error', () => undefined);
    if (ws.readyState === WebSocket.OPEN) ws.close(1000, 'closing');
    else ws.terminate();
  }

  private connect(): Promise<WebSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.options.url, {
        headers: { ...this.options.headers },
        handshakeTimeout: this.options.handshakeTimeoutMs ?? 10_000,
      });
      // Events can follow the upgrade response in the same TCP read, before `open` is handled:
      // they wait here until the connection is attached.
      const early: string[] = [];
      this.early.set(ws, early);
      ws.on('message', (data, isBinary) => {
        if (isBinary) return;
        const queue = this.early.get(ws);
        if (queue) queue.push(data.toString());
        else if (this.ws === ws) this.options.onMessage(data.toString());
      });
      let settled = false;
      const fail = (error: StreamConnectError) => {
        if (settled) return;
        settled = true;
        ws.removeAllListeners();
        this.early.delete(ws);
        ws.on('error', () => undefined);
        ws.terminate();
        reject(error);
      };
      ws.once('open', () => {
        settled = true;
        ws.removeAllListeners('unexpected-response');
        ws.removeAllListeners('error');
        resolve(ws);
      });
      ws.once('unexpected-response', (_req, res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', () => undefined);
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          fail(new StreamConnectError(`upgrade refused with ${res.statusCode}`, res.statusCode, body));
        });
      });
      ws.once('error', (err: NodeJS.ErrnoException) => {
        const code = err.code;
        const what = code === 'ECONNREFUSED' ? 'connection refused' : (code ?? err.message);
        fail(new StreamConnectError(what, undefined, undefined, code));
      });
    });
  }

  private attach(ws: WebSocket): void {
    this.ws = ws;
    this.current = 'open';
    this.attempt = 0;
    // Delivered on the next turn, so that whoever awaited the connection sees it open first.
    setImmediate(() => {
      const queue = this.early.get(ws);
      this.early.delete(ws);
      if (this.ws !== ws || !queue) return;
      for (const text of queue) this.options.onMessage(text);
    });
    ws.on('pong', () => {
      this.awaitingPong = false;
    });
    ws.on('error', (err) => {
      this.lastFailure = err.message;
    });
    ws.on('close', (code, reason) => {
      if (this.ws !== ws) return;
      // What arrived before the loss still happened: deliver it before reporting the loss.
      const queue = this.early.get(ws);
      this.early.delete(ws);
      if (queue) for (const text of queue) this.options.onMessage(text);
      this.ws = undefined;
      this.stopHeartbeat();
      const why = `event WebSocket closed (${code}${reason.length ? ` ${reason.toString()}` : ''})`;
      this.lastFailure = why;
      this.current = 'waiting';
      this.options.onLost(why);
      if (this.current === 'waiting') this.scheduleRetry();
    });
    this.startHeartbeat(ws);
  }

  private scheduleRetry(): number {
    const delay = this.nextDelay();
    this.retryTimer = this.options.clock.setTimer(delay, () => {
      this.retryTimer = undefined;
      void this.retry();
    });
    return delay;
  }

  private async retry(): Promise<void> {
    if (this.current !== 'waiting') return;
    this.current = 'connecting';
    try {
      const ws = await this.connect();
      if (this.current !== 'connecting') {
        ws.terminate();
        return;
      }
      this.reconnectCount++;
      this.attach(ws);
      this.options.onReconnected();
    } catch (error) {
      if (this.current !== 'connecting') return;
      this.current = 'waiting';
      const failure = error as StreamConnectError;
      this.lastFailure = failure.message;
      this.attempt++;
      const delay = this.scheduleRetry();
      this.options.onRetry?.(failure, this.attempt, delay);
    }
  }

  private startHeartbeat(ws: WebSocket): void {
    const every = this.options.heartbeatMs ?? 20_000;
    if (every <= 0) return;
    this.awaitingPong = false;
    this.heartbeat = setInterval(() => {
      if (this.awaitingPong) {
        // No pong for a whole interval: the peer is gone without a close; the close handler retries.
        ws.terminate();
        return;
      }
      this.awaitingPong = true;
      ws.ping();
    }, every);
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }
}
