import type { DriverEvent } from '../driver.ts';

/**
 * How the simulator hands events to listeners: only once the step that caused them is complete, in
 * the order they happened. An event caused from inside a listener is delivered after the current one
 * has reached every listener. A listener that throws does not stop delivery; the first error is
 * rethrown to whoever caused the events.
 */
export class SimEventQueue {
  private listeners: readonly ((event: DriverEvent) => void)[] = [];
  private readonly queue: DriverEvent[] = [];
  private delivering = false;

  /** Subscribes; returns the unsubscribe function. */
  onEvent(listener: (event: DriverEvent) => void): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners = [...this.listeners.slice(0, i), ...this.listeners.slice(i + 1)];
    };
  }

  /**
   * Runs a step whose events must reach listeners only once it is complete; nested steps (a listener
   * calling back into the driver) add their events to the same queue, behind the current ones.
   */
  batch(work: () => void): void {
    if (this.delivering) {
      work();
      return;
    }
    this.delivering = true;
    try {
      work();
    } finally {
      this.delivering = false;
      this.deliver();
    }
  }

  /** Queues an event; delivered at once unless a step or a delivery is under way. */
  emit(event: DriverEvent): void {
    this.queue.push(event);
    if (!this.delivering) this.deliver();
  }

  private deliver(): void {
    this.delivering = true;
    let failed = false;
    let failure: unknown;
    try {
      for (let i = 0; i < this.queue.length; i++) {
        const event = this.queue[i]!;
        for (const listener of this.listeners) {
          try {
            listener(event);
          } catch (error) {
            if (!failed) failure = error;
            failed = true;
          }
        }
      }
    } finally {
      this.queue.length = 0;
      this.delivering = false;
    }
    if (failed) throw failure;
  }
}
