import { type BackoffPolicy, backoffDelay, wait } from '../core/backoff.ts';
import type { CallSnapshot } from '../core/call.ts';
import type { Clock } from '../core/clock.ts';
import { isSwitchboardError } from '../core/errors.ts';
import type { DomainEvent, NewDomainEvent } from '../core/events.ts';
import { timeOrderedId } from '../core/ids.ts';
import { startSpan } from '../core/tracing.ts';
import type { Store } from '../store/types.ts';
import type { EventFeed, OutboxRouter } from './types.ts';

interface Waiter {
  readonly id: string;
  readonly timestamp: string;
  readonly event: NewDomainEvent;
  /** The call record this event is about, made durable in the same commit. */
  readonly record: CallSnapshot | undefined;
  readonly resolve: (event: DomainEvent) => void;
  readonly reject: (error: unknown) => void;
}

/** Back-off between attempts when the storage itself fails (not one event's data): 50, 200, 800, 3000 ms. */
const COMMIT_BACKOFF: BackoffPolicy = { initialMs: 50, factor: 4, maxMs: 3_000, jitter: 'none' };
const COMMIT_RETRIES = 4;

/**
 * Gives each event its seq, makes it durable in the event log (with the call record it is about, in
 * the same transaction), then hands it to live subscribers, always in seq order. Events published while
 * a write is in flight are written together in the next one (group commit), which keeps one writer and
 * strict ordering without a commit per event.
 *
 * One event must never sink the others sharing its commit: seqs are given only when a batch is
 * written, and an event that cannot be stored at all is refused alone, so the log stays gap-free.
 */
export class EventPublisher implements EventFeed {
  /** The last seq made durable. */
  private seq = 0;
  private queue: Waiter[] = [];
  private flushing = false;
  private scheduled = false;
  private readonly listeners = new Set<(event: DomainEvent) => void>();
  private idleWaiters: Array<() => void> = [];
  /** Waiting on the clock to try a failed commit again: for time to pass, which is not work. */
  private backingOff = false;
  private outbox: OutboxRouter | undefined;

  constructor(
    private readonly store: Pick<Store, 'events' | 'commit'>,
    private readonly clock: Clock,
    private readonly onListenerError: (error: unknown) => void = () => {},
  ) {}

  /** Continues numbering after what the log holds; call once before publishing. */
  async init(): Promise<void> {
    this.seq = await this.store.events.lastSeq();
  }

  /** Adds the webhook deliveries of each batch to its commit. */
  useOutbox(router: OutboxRouter): void {
    this.outbox = router;
  }

  get lastSeq(): number {
    return this.seq;
  }

  /**
   * Publishes one event, with the call record it changes; resolves once both are durable and the event
   * was delivered to subscribers. Rejects, alone, when this event or record cannot be stored.
   */
  publish(event: NewDomainEvent, record?: CallSnapshot): Promise<DomainEvent> {
    const timestamp = new Date(this.clock.now()).toISOString();
    // While tracing is on, a span from publishing to delivery, under the command that published it.
    const end = startSpan(`event ${event.type}`, event.callId);
    return new Promise((resolve, reject) => {
      this.queue.push({
        id: timeOrderedId(),
        timestamp,
        event,
        record,
        resolve: end
          ? (e) => {
              end();
              resolve(e);
            }
          : resolve,
        reject: end
          ? (error) => {
              end(error);
              reject(error);
            }
          : reject,
      });
      this.scheduleFlush();
    });
  }

  /** Whether any event waits to be committed or delivered (the commit may be on another thread). */
  get busy(): boolean {
    return (this.queue.length > 0 || this.flushing || this.scheduled) && !this.backingOff;
  }

  /** Resolves once every event published so far is committed and delivered (or refused). */
  idle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  subscribe(listener: (event: DomainEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  after(seq: number, limit: number): Promise<DomainEvent[]> {
    return this.store.events.after(seq, limit);
  }

  forCall(callId: string, after: number, limit: number): Promise<DomainEvent[]> {
    return this.store.events.forCall(callId, after, limit);
  }

  /**
   * Flushes after the current turn of the event loop, not at once: SQLite writes block the loop, so
   * without the pause every request would commit alone; with it, everything that arrived in the same
   * turn shares one commit.
   */
  private scheduleFlush(): void {
    if (this.flushing || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        await this.commitBatch(batch);
      }
    } finally {
      this.flushing = false;
      this.wakeIdle();
    }
  }

  private wakeIdle(): void {
    if (this.busy) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }

  /**
   * Commits a batch, numbering it just before. When the transaction fails, the events that cannot be
   * stored (their data does not serialise) are refused and the others committed at once without them;
   * when every event could be stored, the storage itself failed: a brief hiccup must not lose events,
   * so the batch is tried again after a back-off on the clock before it is given up.
   */
  private async commitBatch(batch: readonly Waiter[]): Promise<void> {
    let pending = batch;
    let attempt = 0;
    while (pending.length > 0) {
      const events = pending.map((waiter, i) => this.numbered(waiter, this.seq + 1 + i));
      try {
        const calls = pending.flatMap((w) => (w.record ? [w.record] : []));
        const deliveries = this.outbox?.(events, this.clock.now());
        await this.store.commit(deliveries ? { calls, events, deliveries } : { calls, events });
      } catch (error) {
        const refused = pending.map((waiter, i) => unstorable(waiter, events[i]!));
        if (refused.some((problem) => problem !== undefined)) {
          pending = pending.filter((waiter, i) => {
            const problem = refused[i];
            if (problem !== undefined) waiter.reject(problem);
            return problem === undefined;
          });
          continue;
        }
        // A closed store (the server is stopping) never comes back: waiting would only hold shutdown up.
        if (isStoreClosed(error) || attempt >= COMMIT_RETRIES) {
          for (const waiter of pending) waiter.reject(error);
          return;
        }
        this.backingOff = true;
        this.wakeIdle();
        await wait(this.clock, backoffDelay(COMMIT_BACKOFF, attempt++));
        this.backingOff = false;
        continue;
      }
      this.seq += events.length;
      this.deliver(pending, events);
      return;
    }
  }

  private numbered(waiter: Waiter, seq: number): DomainEvent {
    return { id: waiter.id, seq, timestamp: waiter.timestamp, ...waiter.event } as DomainEvent;
  }

  private deliver(waiters: readonly Waiter[], events: readonly DomainEvent[]): void {
    waiters.forEach((waiter, i) => {
      const event = events[i]!;
      for (const listener of this.listeners) {
        try {
          listener(event);
        } catch (error) {
          this.onListenerError(error);
        }
      }
      waiter.resolve(event);
    });
  }
}

/**
 * Why an event (or its record) cannot be stored as JSON — a BigInt, a getter that throws, nesting that
 * overflows the stack — or undefined when it can. Checked only after a failed commit, so the common
 * path serialises once.
 */
function unstorable(waiter: Waiter, event: DomainEvent): Error | undefined {
  try {
    JSON.stringify(event);
    if (waiter.record) JSON.stringify(waiter.record);
    return undefined;
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    return new Error(`The ${event.type} event cannot be stored: ${reason}`, { cause });
  }
}

function isStoreClosed(error: unknown): boolean {
  return isSwitchboardError(error) && error.code === 'API_UNAVAILABLE';
}
