import { randomUUID } from 'node:crypto';
import { type BackoffPolicy, backoffDelay, wait } from '../core/backoff.ts';
import type { CallSnapshot } from '../core/call.ts';
import type { Clock } from '../core/clock.ts';
import { isSwitchboardError } from '../core/errors.ts';
import type { DomainEvent, NewDomainEvent } from '../core/events.ts';
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
 * strict ordering without a commit per event. Where the store allows it (`commitDepth`), a few commits
 * are in flight at once, answered in order; their results are handled in the order they were sent.
 *
 * One event must never sink the others sharing its commit: seqs are given only when a batch is
 * written, and an event that cannot be stored at all is refused alone, so the log stays gap-free. When
 * a commit fails, those sent after it are refused by the store too; all of them are then committed
 * again one at a time, renumbered from the last durable seq.
 */
export class EventPublisher implements EventFeed {
  /** The last seq made durable. */
  private seq = 0;
  /** The last seq given to a batch sent; ahead of `seq` while commits are in flight. */
  private sent = 0;
  private queue: Waiter[] = [];
  private inFlight = 0;
  /** Handles commit results one after another, in the order the batches were sent. */
  private settling: Promise<void> = Promise.resolve();
  /** After a failed commit: the waiters of it and of every batch sent after it, in seq order. */
  private failed: Waiter[] | undefined;
  /** Why the first of them failed (those after it were refused for its sake). */
  private failure: { readonly error: unknown } | undefined;
  private scheduled = false;
  private readonly depth: number;
  private readonly listeners = new Set<(event: DomainEvent) => void>();
  private idleWaiters: Array<() => void> = [];
  /** Waiting on the clock to try a failed commit again: for time to pass, which is not work. */
  private backingOff = false;
  private outbox: OutboxRouter | undefined;

  constructor(
    private readonly store: Pick<Store, 'events' | 'commit' | 'commitDepth'>,
    private readonly clock: Clock,
    private readonly onListenerError: (error: unknown) => void = () => {},
  ) {
    this.depth = Math.max(1, store.commitDepth ?? 1);
  }

  /** Continues numbering after what the log holds; call once before publishing. */
  async init(): Promise<void> {
    this.seq = await this.store.events.lastSeq();
    this.sent = this.seq;
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
        id: randomUUID(),
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
    const working = this.inFlight > 0 || this.failed !== undefined || this.scheduled;
    return (this.queue.length > 0 || working) && !this.backingOff;
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
    if (this.scheduled || this.inFlight >= this.depth || this.failed) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  /** Sends what waits, while there is room in flight; a settled commit calls it again. */
  private flush(): void {
    if (this.queue.length > 0 && this.inFlight < this.depth && !this.failed) {
      const batch = this.queue;
      this.queue = [];
      this.send(batch);
    }
    this.wakeIdle();
  }

  private send(batch: Waiter[]): void {
    const first = this.sent + 1;
    this.sent += batch.length;
    const events = batch.map((waiter, i) => this.numbered(waiter, first + i));
    this.inFlight++;
    const written = this.write(batch, events).then(
      () => undefined,
      (error: unknown) => ({ error }),
    );
    this.settling = this.settling.then(async () => {
      const failure = await written;
      this.inFlight--;
      if (failure === undefined && !this.failed) {
        this.seq = events[events.length - 1]!.seq;
        this.deliver(batch, events);
      } else {
        this.failure ??= failure;
        this.failed = [...(this.failed ?? []), ...batch];
      }
      if (this.failed && this.inFlight === 0) await this.recover();
      this.flush();
    });
  }

  /** Commits again, with the usual refusals and back-off, what failed and what was sent after it. */
  private async recover(): Promise<void> {
    const waiters = this.failed ?? [];
    this.sent = this.seq;
    await this.commitBatch(waiters, this.failure);
    this.sent = this.seq;
    this.failed = undefined;
    this.failure = undefined;
  }

  private write(batch: readonly Waiter[], events: readonly DomainEvent[]): Promise<void> {
    try {
      const calls = batch.flatMap((w) => (w.record ? [w.record] : []));
      const deliveries = this.outbox?.(events, this.clock.now());
      return this.store.commit(deliveries ? { calls, events, deliveries } : { calls, events });
    } catch (error) {
      return Promise.reject(error);
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
  private async commitBatch(batch: readonly Waiter[], failed?: { readonly error: unknown }): Promise<void> {
    let pending = batch;
    let attempt = 0;
    let failure = failed;
    while (pending.length > 0) {
      const events = pending.map((waiter, i) => this.numbered(waiter, this.seq + 1 + i));
      if (failure === undefined) {
        try {
          await this.write(pending, events);
          this.seq += events.length;
          this.deliver(pending, events);
          return;
        } catch (error) {
          failure = { error };
        }
      }
      const { error } = failure;
      failure = undefined;
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
