import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import { type ExtendedError, Server, type Socket } from 'socket.io';
import { z } from 'zod';
import { ERROR_CATALOGUE, type ErrorBody, type ErrorCode, SwitchboardError } from '../core/errors.ts';
import type { DomainEvent, DomainEventType } from '../core/events.ts';
import type { EventFeed } from '../engine/types.ts';
import { type Authenticator, keyFromHeaders, type Principal } from './auth.ts';
import { type SocketEvent, toSocketEvent } from './cti-shapes.ts';
import { eventAgents, visibleToAgent } from './event-visibility.ts';
import { handshakeRefusal, type SitePolicy } from './site-guard.ts';
import { createSlowClientWatch, DEFAULT_MAX_PENDING_LIVE, type PendingMeter } from './slow-clients.ts';
import { createReplayer, type ReplayClient, type ReplayLimits, type ResumedInfo } from './socket-replay.ts';

export type { ResumedInfo } from './socket-replay.ts';

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
  /** Who the client is: an agent hears only its own calls and offers, other roles everything. */
  principal?: Principal;
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
  /** Checks the handshake's key and tells its role. */
  readonly auth: Authenticator;
  readonly cors: readonly string[] | '*' | false;
  /** Which host names and origins may open a connection. */
  readonly site: SitePolicy;
  readonly replay?: Partial<ReplayLimits>;
  /** Live events one client may leave unread before it is dropped; DEFAULT_MAX_PENDING_LIVE when absent. */
  readonly maxPendingLive?: number;
  readonly log: FastifyBaseLogger;
}

export interface SocketGateway {
  readonly io: SwitchboardIo;
  /** Stops delivering events and disconnects every client; the HTTP server is left to its owner. */
  close(): Promise<void>;
}

/** Sockets that are caught up; live events are broadcast to this room, encoded once for all. */
const LIVE_ROOM = 'live';

const LastSeq = z.number().int().min(0);
const ResumeRequest = z.object({ lastSeq: LastSeq });

/**
 * Socket.io on the API's HTTP server: every published event to every authorised client, and resume
 * from a seq without gap or duplicate (see socket-replay.ts). The gateway subscribes to the feed once,
 * at creation, so any event published after a replay starts is either in the log the replay reads or
 * in its buffer. Host, Origin and API key are checked at the engine.io handshake, before a session
 * exists.
 */
export function createSocketGateway(server: HttpServer, options: SocketGatewayOptions): SocketGateway {
  const { events, auth, site, log } = options;
  const io: SwitchboardIo = new Server(server, {
    serveClient: false,
    allowRequest: (request, callback) => {
      const refusal = handshakeRefusal(site, request);
      if (refusal !== undefined) return callback(refusal, false);
      void auth.resolve(handshakeKey(request)).then(
        (principal) => callback(principal ? null : 'UNAUTHORIZED', principal !== undefined),
        () => callback('UNAUTHORIZED', false),
      );
    },
    ...(options.cors === false ? {} : { cors: { origin: options.cors === '*' ? '*' : [...options.cors] } }),
  });
  const replayer = createReplayer({ events, log, ...(options.replay && { limits: options.replay }) });

  const rooms = io.sockets.adapter.rooms;
  const slowClients = createSlowClientWatch({
    maxPending: options.maxPendingLive ?? DEFAULT_MAX_PENDING_LIVE,
    clients: () => liveMeters(io),
    drop: (socketId, lastSeq) => {
      const socket = io.sockets.sockets.get(socketId);
      if (!socket) return;
      log.warn({ socketId, lastSeq }, 'dropping a Socket.io client that stopped reading');
      dropSlow(socket, lastSeq);
    },
  });
  /** Agents connected, by agent id; none on most servers, so the hot path skips the agent rooms. */
  let agentSockets = 0;
  const unsubscribe = events.subscribe((event) => {
    // Shaping and encoding an event for an empty room was a tenth of a quiet server's work per call.
    if (rooms.get(LIVE_ROOM)?.size) {
      emitEvent(io.to(LIVE_ROOM), event);
      slowClients.broadcast(event.seq);
    }
    if (agentSockets > 0) {
      const targets = [...new Set(eventAgents(event))].map(agentRoom).filter((room) => rooms.get(room)?.size);
      if (targets.length > 0) emitEvent(io.to(targets), event);
    }
    replayer.live(event);
  });

  io.use((socket, next) => {
    void auth.resolve(handshakeKey(socket.request)).then((principal) => {
      if (!principal) return next(connectError('UNAUTHORIZED', ERROR_CATALOGUE.UNAUTHORIZED.message));
      socket.data.principal = principal;
      next();
    }, next);
  });

  io.use((socket, next) => {
    const lastSeq = (socket.handshake.auth as { lastSeq?: unknown }).lastSeq;
    if (lastSeq === undefined) return next();
    const parsed = LastSeq.safeParse(lastSeq);
    if (!parsed.success)
      return next(connectError('VALIDATION_ERROR', 'auth.lastSeq must be a whole number >= 0.'));
    socket.data.lastSeq = parsed.data;
    next();
  });

  io.on('connection', (socket) => {
    const agentId = socket.data.principal?.role === 'agent' ? socket.data.principal.agentId : undefined;
    if (agentId !== undefined) {
      agentSockets += 1;
      socket.on('disconnect', () => {
        agentSockets -= 1;
      });
    }
    const client = replayClient(socket, agentId);
    if (socket.data.lastSeq === undefined) void socket.join(client.room);
    else replayer.resume(client, socket.data.lastSeq);
    socket.on('resume', (request) => {
      const parsed = ResumeRequest.safeParse(request);
      if (parsed.success) replayer.resume(client, parsed.data.lastSeq);
      else
        socket.emit(
          'resume_failed',
          errorBody('VALIDATION_ERROR', 'resume needs { lastSeq: whole number >= 0 }.'),
        );
    });
    socket.on('disconnect', () => replayer.forget(socket.id));
  });

  return {
    io,
    async close() {
      unsubscribe();
      replayer.close();
      io.disconnectSockets(true);
      io.engine.close();
    },
  };
}

/** An agent's sockets hear only the events about it and its calls. */
const agentRoom = (agentId: string) => `agent:${agentId}`;

/** A socket as the replayer drives it; an agent's replays and live events are its own only. */
function replayClient(
  socket: SwitchboardSocket,
  agentId: string | undefined,
): ReplayClient & { room: string } {
  const room = agentId === undefined ? LIVE_ROOM : agentRoom(agentId);
  return {
    id: socket.id,
    room,
    send: (event) => {
      if (agentId === undefined || visibleToAgent(event, agentId)) emitEvent(socket, event);
    },
    resumed: (info) => socket.emit('resumed', info),
    failed: (error) => socket.emit('resume_failed', error),
    drained: () => drained(socket),
    joinLive: () => void socket.join(room),
    leaveLive: () => void socket.leave(room),
    disconnect: () => socket.disconnect(true),
  };
}

/** engine.io's packet buffer is public in fact (its docs use it for back-pressure) but private in type. */
function writeBuffered(socket: SwitchboardSocket): number {
  return (socket.conn as unknown as { writeBuffer: readonly unknown[] }).writeBuffer.length;
}

/** The live room's sockets, each with how many packets wait for its transport. */
function* liveMeters(io: SwitchboardIo): Iterable<PendingMeter> {
  for (const id of io.sockets.adapter.rooms.get(LIVE_ROOM) ?? []) {
    const socket = io.sockets.sockets.get(id);
    if (socket) yield { id, pending: () => writeBuffered(socket) };
  }
}

/**
 * Stops live delivery to a client that fell too far behind and tells it where to resume: the notice
 * and the disconnect queue behind the events already buffered (engine.io closes once they are
 * written), so a client that catches up reads every event up to `lastSeq`, then why it was dropped.
 */
function dropSlow(socket: SwitchboardSocket, lastSeq: number): void {
  void socket.leave(LIVE_ROOM);
  socket.emit(
    'resume_failed',
    new SwitchboardError(
      'SLOW_CONSUMER',
      `More live events waited unread than allowed; reconnect with auth.lastSeq ${lastSeq} to resume.`,
      { lastSeq },
    ).toBody(),
  );
  socket.disconnect(true);
}

/**
 * Resolves once the socket's engine.io buffer is empty and its transport has handed the last write
 * to the operating system (a websocket's send callback, or a long-poll response), so a replay reads
 * the next page only as fast as the client takes them.
 */
async function drained(socket: SwitchboardSocket): Promise<void> {
  const conn = socket.conn;
  while (conn.readyState === 'open' && (writeBuffered(socket) > 0 || !conn.transport.writable)) {
    const transport = conn.transport;
    await new Promise<void>((resolve) => {
      const done = () => {
        transport.off('ready', done);
        conn.off('close', done);
        conn.off('upgrade', done);
        resolve();
      };
      transport.on('ready', done);
      conn.on('close', done);
      conn.on('upgrade', done);
    });
  }
}

/**
 * The key a handshake presents: the same headers as HTTP, or the `token` query parameter for
 * browsers' WebSockets, which cannot send headers. `auth.token` arrives only after engine.io has made
 * a session, too late to refuse one.
 */
function handshakeKey(request: IncomingMessage): string | undefined {
  const token = new URL(request.url ?? '/', 'http://switchboard').searchParams.get('token') ?? undefined;
  return keyFromHeaders(request.headers) ?? token;
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
