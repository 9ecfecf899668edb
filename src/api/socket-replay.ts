import { setImmediate as nextTurn } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import { type ErrorBody, type ErrorCode, SwitchboardError } from '../core/errors.ts';
import type { DomainEvent } from '../core/events.ts';
import type { EventFeed } from '../engine/types.ts';

/** What a resume replayed: the seq it ended at (live events follow it) and how many it sent. */
export interface ResumedInfo {
  readonly lastSeq: number;
  readonly replayed: number;
}

/** Bounds on what resuming clients may cost the server. */
export interface ReplayLimits {
  /** Events read from the log per page. */
  readonly pageSize: number;
  /** Live events held for one socket while its replay runs; past it the socket must resume later. */
  readonly maxBufferedLive: number;
  /** Resume requests one socket may send per minute; past it the socket is disconnected. */
  readonly maxResumesPerMinute: number;
  /** Pages read and sent at once, across every socket; further replays wait their turn in order. */
  readonly maxConcurrentReads: number;
}

export const DEFAULT_REPLAY_LIMITS: ReplayLimits = {
  pageSize: 500,
  maxBufferedLive: 10_000,
  maxResumesPerMinute: 600,
  maxConcurrentReads: 4,
};

/** One socket as the replayer sees it; the gateway adapts a Socket.io socket to this. */
export interface ReplayClient {
  readonly id: string;
  send(event: DomainEvent): void;
  resumed(info: ResumedInfo): void;
  failed(error: ErrorBody): void;
  /** Resolves once everything sent so far has left the process (or the client is gone). */
  drained(): Promise<void>;
  joinLive(): void;
  leaveLive(): void;
  disconnect(): void;
}

export interface Replayer {
  /** Replays the log after `lastSeq` to `client`, then hands it to live delivery; supersedes its older resume. */
  resume(client: ReplayClient, lastSeq: number): void;
  /** Every live event, in seq order, after it was broadcast to the live room. */
  live(event: DomainEvent): void;
  /** The client disconnected. */
  forget(clientId: string): void;
  /** Stops every replay. */
  close(): void;
}

interface Replay {
  readonly client: ReplayClient;
  /** The last seq sent to this client. */
  cursor: number;
  replayed: number;
  /**
   * Live events that arrived while the log was being read; `undefined` once the log is read and the
   * client is draining (waiting for live delivery to reach `cursor` before it joins the live room).
   */
  buffer: DomainEvent[] | undefined;
}

const MINUTE = 60_000;

/**
 * Resume without gap or duplicate, at the pace the client reads: one page of the log at a time, the
 * next read only once the previous page has left the process, and a newer resume from the same socket
 * cancels the older one before its next read. Pages are read in turns shared fairly by every socket,
 * so replays cannot starve the event loop or the other clients; memory per socket stays within a
 * page and `maxBufferedLive` events.
 */
export function createReplayer(options: {
  readonly events: EventFeed;
  readonly log: FastifyBaseLogger;
  readonly limits?: Partial<ReplayLimits>;
  /** Milliseconds, for the resume rate; wall time by default. */
  readonly now?: () => number;
}): Replayer {
  const { events, log } = options;
  const limits = { ...DEFAULT_REPLAY_LIMITS, ...options.limits };
  const now = options.now ?? Date.now;
  const turns = createTurns(limits.maxConcurrentReads);
  const replays = new Map<string, Replay>();
  const resumeTimes = new Map<string, number[]>();
  /**
   * The seq of the last event delivered live. The feed delivers in seq order, so every event up to it
   * has been delivered and every later one is still to come.
   */
  let lastLive = 0;

  const current = (replay: Replay) => replays.get(replay.client.id) === replay;

  function fail(replay: Replay, code: ErrorCode, message: string): void {
    replays.delete(replay.client.id);
    replay.client.failed(new SwitchboardError(code, message).toBody());
    replay.client.disconnect();
  }

  /** Sliding window of this client's resume times, at most the limit long. */
  function withinRate(clientId: string): boolean {
    const at = now();
    const times = (resumeTimes.get(clientId) ?? []).filter((t) => at - t < MINUTE);
    resumeTimes.set(clientId, times);
    if (times.length >= limits.maxResumesPerMinute) return false;
    times.push(at);
    return true;
  }

  async function run(replay: Replay): Promise<void> {
    // Resumes that arrive together coalesce: only the newest one is still current after this turn.
    await nextTurn();
    try {
      for (;;) {
        if (!current(replay)) return;
        const release = await turns.take();
        let page: DomainEvent[];
        try {
          if (!current(replay)) return;
          page = await events.after(replay.cursor, limits.pageSize);
          if (!current(replay)) return;
          for (const event of page) send(replay, event);
        } finally {
          release();
        }
        if (page.length < limits.pageSize) break;
        await replay.client.drained();
        await nextTurn();
      }
    } catch (error) {
      if (!current(replay)) return;
      replays.delete(replay.client.id);
      log.error({ err: error, socketId: replay.client.id }, 'event replay failed');
      replay.client.failed(
        new SwitchboardError('INTERNAL_ERROR', 'Replay failed; emit resume again to retry.').toBody(),
      );
      return;
    }
    const buffered = replay.buffer ?? [];
    replay.buffer = undefined;
    for (const event of buffered) send(replay, event);
    replay.client.resumed({ lastSeq: replay.cursor, replayed: replay.replayed });
    if (replay.cursor <= lastLive) goLive(replay);
  }

  function send(replay: Replay, event: DomainEvent): void {
    if (event.seq <= replay.cursor) return;
    replay.client.send(event);
    replay.cursor = event.seq;
    replay.replayed += 1;
  }

  function goLive(replay: Replay): void {
    replays.delete(replay.client.id);
    replay.client.joinLive();
  }

  return {
    resume(client, lastSeq) {
      if (!withinRate(client.id)) {
        replays.delete(client.id);
        client.failed(
          new SwitchboardError(
            'RATE_LIMITED',
            `More than ${limits.maxResumesPerMinute} resume requests in a minute; reconnect later with auth.lastSeq.`,
          ).toBody(),
        );
        client.disconnect();
        return;
      }
      const replay: Replay = { client, cursor: lastSeq, replayed: 0, buffer: [] };
      replays.set(client.id, replay);
      client.leaveLive();
      void run(replay);
    },
    live(event) {
      lastLive = event.seq;
      for (const replay of [...replays.values()]) {
        if (replay.buffer === undefined) {
          // Draining: the log is read; a live event past the cursor is new to this client.
          send(replay, event);
          if (event.seq >= replay.cursor) goLive(replay);
        } else if (replay.buffer.length < limits.maxBufferedLive) {
          replay.buffer.push(event);
        } else {
          fail(
            replay,
            'REPLAY_OVERFLOW',
            'Live events piled up while the replay was being read; reconnect and resume from the last seq received.',
          );
        }
      }
    },
    forget(clientId) {
      replays.delete(clientId);
      resumeTimes.delete(clientId);
    },
    close() {
      replays.clear();
      resumeTimes.clear();
    },
  };
}

/** At most `concurrency` holders at once; waiters are served in arrival order. */
function createTurns(concurrency: number): { take(): Promise<() => void> } {
  let active = 0;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else active -= 1;
  };
  return {
    take() {
      if (active < concurrency) {
        active += 1;
        return Promise.resolve(once(release));
      }
      return new Promise((resolve) => waiting.push(() => resolve(once(release))));
    },
  };
}

function once(action: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    action();
  };
}
