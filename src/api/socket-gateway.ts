import type { Server as HttpServer } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import { type ExtendedError, Server, type Socket } from 'socket.io';
import { z } from 'zod';
import { ERROR_CATALOGUE, type ErrorBody, type ErrorCode, SwitchboardError } from '../core/errors.ts';
import type { DomainEvent, DomainEventType } from '../core/events.ts';
import type { EventFeed } from '../engine/types.ts';
import { type KeyCheck, keyFromHeaders } from './auth.ts';
import { type SocketEvent, toSocketEvent } from './cti-shapes.ts';

/** What a resume replayed: the seq it ended at (live events follow it) and how many it sent. */
export interface ResumedInfo {
  readonly lastSeq: number;
  readonly replayed: number;
}

/**
 * Events the server emits. Each domain event goes out under its own type name, so a misspelt name
 * does not compile, call events with the mock-CTI flat fields; `resumed` and `resume_failed` close a
 * replay (no domain type looks like them).
 */
export type ServerToClientEvents = { [T in DomainEventType]: (event: SocketEvent<T>) => void } & {
  resumed: (info: ResumedInfo) => void;
  resume_failed: (error: ErrorBody) => void;
};

/** Events a client may emit. */
export interface ClientToServerEvents {
  /** Replay every logged event after `lastSeq`, then continue live. */
  resume: (request: { lastSeq: number }) => void;
}

export interface SocketData {
  /** From the handshake's `auth.lastSeq`: where the replay on connect starts. */
  lastSeq?: number;
}

export type SwitchboardIo = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;
type SwitchboardSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;

export interface SocketGatewayOptions {
  readonly events: EventFeed;
  /** Undefined when authentication is off. */
  readonly checkKey: KeyCheck | undefined;
  readonly cors: readonly string[] | '*' | false;
  readonly log: FastifyBaseLogger;
}

export interface SocketGateway {
  readonly io: SwitchboardIo;
  /** Stops delivering events and disconnects every client; the HTTP server is left to its owner. */
  close(): Promise<void>;
}

/** Sockets that are caught up; live events are broadcast to this room, encoded once for all. */
const LIVE_ROOM = 'live';
const REPLAY_PAGE = 500;

const LastSeq = z.number().int().min(0);
const ResumeRequest = z.object({ lastSeq: LastSeq });

interface Replay {
  readonly socket: SwitchboardSocket;
  /** The last seq sent to this socket. */
  cursor: number;
  replayed: number;
  /**
   * Live events that arrived while the log was being read; `undefined` once the log is read and the
   * socket is draining (waiting for live delivery to reach `cursor` before it joins the live room).
   */
  buffer: DomainEvent[] | undefined;
}

/**
 * Socket.io on the API's HTTP server: every published event to every authorised client, and resume
 * from a seq without gap or duplicate. The gateway subscribes to the feed once, at creation, so any
 * event published after a replay starts is either in the log the replay reads or in its buffer.
 */
export function createSocketGateway(server: HttpServer, options: SocketGatewayOptions): SocketGateway {
  const { events, checkKey, log } = options;
  const io: SwitchboardIo = new Server(server, {
    serveClient: false,
    ...(options.cors === false ? {} : { cors: { origin: options.cors === '*' ? '*' : [...options.cors] } }),
  });
  const replays = new Map<string, Replay>();
  /**
   * The seq of the last event delivered live. The feed delivers in seq order, so every event up to it
   * has been delivered and every later one is still to come.
   */
  let lastLive = 0;

  const unsubscribe = events.subscribe((event) => {
    lastLive = event.seq;
    emitEvent(io.to(LIVE_ROOM), event);
    for (const replay of replays.values()) {
      if (replay.buffer) replay.buffer.push(event);
      else drain(replay, event);
    }
  });

  io.use((socket, next) => {
    if (checkKey && !checkKey(tokenOf(socket))) return next(connectError('UNAUTHORIZED'));
    const lastSeq = (socket.handshake.auth as { lastSeq?: unknown }).lastSeq;
    if (lastSeq === undefined) return next();
    const parsed = LastSeq.safeParse(lastSeq);
    if (!parsed.success)
      return next(connectError('VALIDATION_ERROR', 'auth.lastSeq must be a whole number >= 0.'));
    socket.data.lastSeq = parsed.data;
    next();
  });

  io.on('connection', (socket) => {
    if (socket.data.lastSeq === undefined) void socket.join(LIVE_ROOM);
    else void resume(socket, socket.data.lastSeq);
    socket.on('resume', (request) => {
      const parsed = ResumeRequest.safeParse(request);
      if (parsed.success) void resume(socket, parsed.data.lastSeq);
      else
        socket.emit(
          'resume_failed',
          errorBody('VALIDATION_ERROR', 'resume needs { lastSeq: whole number >= 0 }.'),
        );
    });
    socket.on('disconnect', () => replays.delete(socket.id));
  });

  /**
   * Sends every logged event after `lastSeq`, then the live ones buffered meanwhile. The log can be
   * ahead of live delivery (an event is logged before it is delivered), so the socket joins the live
   * room only once live delivery has reached what it was sent; until then it drains, taking live
   * events past its cursor one by one. A newer resume (or a disconnect) replaces the map entry, which
   * stops this one.
   */
  async function resume(socket: SwitchboardSocket, lastSeq: number): Promise<void> {
    const replay: Replay = { socket, cursor: lastSeq, replayed: 0, buffer: [] };
    replays.set(socket.id, replay);
    void socket.leave(LIVE_ROOM);
    try {
      for (;;) {
        const page = await events.after(replay.cursor, REPLAY_PAGE);
        if (replays.get(socket.id) !== replay) return;
        const before = replay.cursor;
        for (const event of page) send(replay, event);
        if (page.length < REPLAY_PAGE || replay.cursor === before) break;
      }
    } catch (error) {
      if (replays.get(socket.id) !== replay) return;
      replays.delete(socket.id);
      log.error({ err: error, socketId: socket.id }, 'event replay failed');
      socket.emit('resume_failed', errorBody('INTERNAL_ERROR', 'Replay failed; emit resume again to retry.'));
      return;
    }
    const buffered = replay.buffer ?? [];
    replay.buffer = undefined;
    for (const event of buffered) send(replay, event);
    socket.emit('resumed', { lastSeq: replay.cursor, replayed: replay.replayed });
    if (replay.cursor <= lastLive) goLive(replay);
  }

  function send(replay: Replay, event: DomainEvent): void {
    if (event.seq <= replay.cursor) return;
    emitEvent(replay.socket, event);
    replay.cursor = event.seq;
    replay.replayed += 1;
  }

  /** A live event for a draining socket: sent if new to it; once live delivery reaches it, it goes live. */
  function drain(replay: Replay, event: DomainEvent): void {
    send(replay, event);
    if (event.seq >= replay.cursor) goLive(replay);
  }

  function goLive(replay: Replay): void {
    replays.delete(replay.socket.id);
    void replay.socket.join(LIVE_ROOM);
  }

  return {
    io,
    async close() {
      unsubscribe();
      replays.clear();
      io.disconnectSockets(true);
      io.engine.close();
    },
  };
}

/** The key a client presents: `auth.token`, else the same headers as HTTP (for non-browser clients). */
function tokenOf(socket: SwitchboardSocket): string | undefined {
  const token = (socket.handshake.auth as { token?: unknown }).token;
  if (typeof token === 'string' && token.length > 0) return token;
  return keyFromHeaders(socket.handshake.headers);
}

interface Emitter {
  emit(type: DomainEventType, event: SocketEvent<DomainEventType>): boolean;
}

/**
 * Emits a domain event under its type name, as {@link toSocketEvent} shapes it. TypeScript cannot tie `event.type` to `event` across the
 * union, so the typed emitter is viewed through a signature that takes any member with its own type.
 */
function emitEvent(
  target: { emit: SwitchboardSocket['emit'] } | ReturnType<SwitchboardIo['to']>,
  event: DomainEvent,
): void {
  (target as unknown as Emitter).emit(event.type, toSocketEvent(event));
}

function errorBody(code: ErrorCode, message?: string): ErrorBody {
  return new SwitchboardError(code, message).toBody();
}

/** A handshake refusal; the client sees `message` and `data` (the shared error shape) in connect_error. */
function connectError(code: ErrorCode, message: string = ERROR_CATALOGUE[code].message): ExtendedError {
  return Object.assign(new Error(message), { data: errorBody(code, message) });
}
