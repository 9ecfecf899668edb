import { randomUUID } from 'node:crypto';
import type { CallSnapshot } from '../core/call.ts';
import type { Clock } from '../core/clock.ts';
import type { DomainEvent, NewDomainEvent } from '../core/events.ts';
import type { Store } from '../store/types.ts';
import type { EventFeed } from './types.ts';

interface Waiter {
  readonly event: DomainEvent;
  /** The call record this event is about, made durable in the same commit. */
  readonly record: CallSnapshot | undefined;
  readonly resolve: (event: DomainEvent) => void;
  readonly reject: (error: unknown) => void;
}

const APPEND_RETRIES = [50, 200, 1000, 3000];

/**
 * Gives each event its seq, makes it durable in the event log (with the call record it is about, in
 * the same transaction), then hands it to live subscribers, always in seq order. Events published while
 * a write is in flight are written together in the next one (group commit), which keeps one writer and
 * strict ordering without a commit per event.
 */
export class EventPublisher implements EventFeed {
  private seq = 0;
  private queue: Waiter[] = [];
  private flushing = false;
  private scheduled = false;
  private readonly listeners = new Set<(event: DomainEvent) => void>();

  constructor(
    private readonly store: Pick<Store, 'events' | 'commit'>,
    private readonly clock: Clock,
    private readonly onListenerError: (error: unknown) => void = () => {},
  ) {}

  /** Continues numbering after what the log holds; call once before publishing. */
  async init(): Promise<void> {
    this.seq = await this.store.events.lastSeq();
  }

  get lastSeq(): number {
    return this.seq;
  }

  /**
   * Publishes one event, with the call record it changes; resolves once both are durable and the event
   * was delivered to subscribers.
   */
  publish(event: NewDomainEvent, record?: CallSnapshot): Promise<DomainEvent> {
    const full = {
      id: randomUUID(),
      seq: ++this.seq,
      timestamp: new Date(this.clock.now()).toISOString(),
      ...event,
    } as DomainEvent;
    return new Promise((resolve, reject) => {
      this.queue.push({ event: full, record, resolve, reject });
      this.scheduleFlush();
    });
  }

  subscribe(listener: (event: DomainEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  after(seq: number, limit: number): Promise<DomainEvent[]> {
    return this.store.events.after(seq, limit);
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
        try {
          await this.commitWithRetry(batch);
        } catch (error) {
          for (const waiter of batch) waiter.reject(error);
          continue;
        }
        for (const waiter of batch) {
          for (const listener of this.listeners) {
            try {
              listener(waiter.event);
            } catch (error) {
              this.onListenerError(error);
            }
          }
          waiter.resolve(waiter.event);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /** A brief storage hiccup must not lose events: retry before giving up on the batch. */
  private async commitWithRetry(batch: readonly Waiter[]): Promise<void> {
    const events = batch.map((w) => w.event);
    const calls = batch.flatMap((w) => (w.record ? [w.record] : []));
    for (let attempt = 0; ; attempt++) {
      try {
        await this.store.commit({ calls, events });
        return;
      } catch (error) {
        const delay = APPEND_RETRIES[attempt];
        if (delay === undefined) throw error;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}
