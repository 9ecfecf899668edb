import { io, type Socket } from 'socket.io-client';
import type { DomainEvent, ErrorCode, EventOf, EventType } from './types.ts';

export interface EventStreamOptions {
  /**
   * Replay the log after this seq before live events (0: the whole log). Without it the stream starts
   * with live events. After a reconnect it resumes after the last seq it delivered (or after this one,
   * while it has delivered none).
   */
  readonly lastSeq?: number;
  /** An API key; the client passes its own. */
  readonly apiKey?: string;
}

/** Where the stream stands: `replaying` until a resume has caught up, then `live`. */
export type StreamStatus = 'connecting' | 'replaying' | 'live' | 'disconnected';

/** A refusal the stream received: a failed handshake (`UNAUTHORIZED`, ...) or resume. */
export interface StreamError {
  readonly code: ErrorCode | 'CONNECT_FAILED';
  readonly message: string;
}

/**
 * The live events, typed by name, with resume built in: every (re)connect asks the server for the
 * events after the last `seq` delivered, so a reconnect loses nothing and repeats nothing.
 */
export interface EventStream {
  /** Calls `handler` with every event of `type`; returns a function that stops it. */
  on<T extends EventType>(type: T, handler: (event: EventOf<T>) => void): () => void;
  /** Calls `handler` with every event; returns a function that stops it. */
  onAny(handler: (event: DomainEvent) => void): () => void;
  /** Calls `handler` whenever the status changes (and once now); returns a function that stops it. */
  onStatus(handler: (status: StreamStatus) => void): () => void;
  onError(handler: (error: StreamError) => void): () => void;
  /**
   * Resolves once the stream is live (any replay done); rejects when a connection attempt fails first
   * (a browser's WebSocket does not say why: check the key with a REST call, which does).
   */
  ready(): Promise<void>;
  /** The seq of the last event delivered (0 before any). */
  readonly lastSeq: number;
  readonly status: StreamStatus;
  close(): void;
}

/** Opens a stream on the Socket.io server at `baseUrl` (the page's own origin when empty). */
export function openEventStream(baseUrl: string, options: EventStreamOptions = {}): EventStream {
  let lastSeq = options.lastSeq ?? 0;
  // Without a starting seq the first connection takes live events only; every later one resumes.
  let resume = options.lastSeq !== undefined;
  let status: StreamStatus = 'connecting';
  let closed = false;
  const handlers = new Map<string, Set<(event: DomainEvent) => void>>();
  const anyHandlers = new Set<(event: DomainEvent) => void>();
  const statusHandlers = new Set<(status: StreamStatus) => void>();
  const errorHandlers = new Set<(error: StreamError) => void>();

  const socketOptions = {
    transports: ['websocket'],
    // The WebSocket's own address, never the page's: browsers cannot send headers on a WebSocket.
    ...(options.apiKey && { query: { token: options.apiKey } }),
    auth: (send: (auth: object) => void) => send(resume ? { lastSeq } : {}),
  };
  const socket: Socket = baseUrl ? io(baseUrl, socketOptions) : io(socketOptions);

  const setStatus = (next: StreamStatus) => {
    if (next === status) return;
    status = next;
    for (const handler of [...statusHandlers]) handler(next);
  };
  const fail = (error: StreamError) => {
    for (const handler of [...errorHandlers]) handler(error);
  };

  socket.on('connect', () => setStatus(resume ? 'replaying' : 'live'));
  socket.on('resumed', () => setStatus('live'));
  socket.on('disconnect', (reason) => {
    setStatus('disconnected');
    // The server drops a client that fell behind (after telling it where to resume): come back.
    if (reason === 'io server disconnect' && !closed) socket.connect();
  });
  socket.on('connect_error', (error: Error & { data?: { code?: ErrorCode } }) => {
    const code =
      error.data?.code ?? (/^[A-Z_]+$/.test(error.message) ? (error.message as ErrorCode) : undefined);
    fail({ code: code ?? 'CONNECT_FAILED', message: error.message });
  });
  socket.on('resume_failed', (error: { code: ErrorCode; message: string }) => fail(error));
  socket.onAny((type: string, event: DomainEvent) => {
    if (typeof event !== 'object' || event === null || event.type !== type || typeof event.seq !== 'number')
      return;
    if (event.seq <= lastSeq) return;
    lastSeq = event.seq;
    resume = true;
    for (const handler of [...(handlers.get(type) ?? [])]) handler(event);
    for (const handler of [...anyHandlers]) handler(event);
  });

  const subscribe = <H>(set: Set<H>, handler: H) => {
    set.add(handler);
    return () => void set.delete(handler);
  };

  return {
    on(type, handler) {
      const set = handlers.get(type) ?? new Set();
      handlers.set(type, set);
      return subscribe(set, handler as (event: DomainEvent) => void);
    },
    onAny: (handler) => subscribe(anyHandlers, handler),
    onStatus(handler) {
      handler(status);
      return subscribe(statusHandlers, handler);
    },
    onError: (handler) => subscribe(errorHandlers, handler),
    ready: () =>
      new Promise<void>((resolve, reject) => {
        if (status === 'live') return resolve();
        const stopStatus = subscribe(statusHandlers, (next: StreamStatus) => {
          if (next !== 'live') return;
          stopStatus();
          stopError();
          resolve();
        });
        // The first connection failing rejects (a refused key, a wrong address); socket.io goes on
        // retrying, and a later `ready()` waits for it.
        const stopError = subscribe(errorHandlers, (error: StreamError) => {
          stopStatus();
          stopError();
          reject(Object.assign(new Error(error.message), { code: error.code }));
        });
      }),
    get lastSeq() {
      return lastSeq;
    },
    get status() {
      return status;
    },
    close() {
      closed = true;
      socket.close();
      setStatus('disconnected');
    },
  };
}
