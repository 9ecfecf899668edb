import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import type { DomainEvent, NewDomainEvent } from '../core/events.ts';
import type { EventLogRepository } from '../store/types.ts';
import type { EventFeed } from './types.ts';

interface Waiter {
  readonly event: DomainEvent;
  readonly resolve: (event: DomainEvent) => void;
  readonly reject: (error: unknown) => void;
}

const APPEND_RETRIES = [50, 200, 1000, 3000];

/**
 * Gives each event its seq, makes it durable in the event log, then hands it to live subscribers,
 * always in seq order. Events published while a write is in flight are written together in the next
 * one (group commit), which keeps one writer and strict ordering without a write per event.
 */
export class EventPublisher implements EventFeed {
  private seq = 0;
  private queue: Waiter[] = [];
  private flushing = false;
  private readonly listeners = new Set<(event: DomainEvent) => void>();

  constructor(
    private readonly log: EventLogRepository,
    private readonly clock: Clock,
    private readonly onListenerError: (error: unknown) => void = () => {},
  ) {}

  /** Continues numbering after what the log holds; call once before publishing. */
  async init(): Promise<void> {
    this.seq = await this.log.lastSeq();
  }

  get lastSeq(): number {
    return this.seq;
  }

  /** Publishes one event; resolves with it once it is in the log and delivered to subscribers. */
  publish(event: NewDomainEvent): Promise<DomainEvent> {
    const full = {
      id: randomUUID(),
      seq: ++this.seq,
      timestamp: new Date(this.clock.now()).toISOString(),
      ...event,
    } as DomainEvent;
    return new Promise((resolve, reject) => {
      this.queue.push({ event: full, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  subscribe(listener: (event: DomainEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  after(seq: number, limit: number): Promise<DomainEvent[]> {
    return this.log.after(seq, limit);
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        try {
          await this.appendWithRetry(batch.map((w) => w.event));
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
  private async appendWithRetry(events: DomainEvent[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.log.append(events);
        return;
      } catch (error) {
        const delay = APPEND_RETRIES[attempt];
        if (delay === undefined) throw error;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}
