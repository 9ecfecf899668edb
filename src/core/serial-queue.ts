/**
 * Runs work strictly in order per key (one call's commands and driver events never interleave) while
 * different keys run independently. Keys with nothing queued hold no memory.
 */
export class KeyedSerialQueue {
  private readonly tails = new Map<string, Promise<unknown>>();
  private pending = 0;
  private idleWaiters: Array<() => void> = [];

  /** Queues `work` after everything already queued for `key`; resolves or rejects with its outcome. */
  run<T>(key: string, work: () => Promise<T> | T): Promise<T> {
    const previous = this.tails.get(key);
    this.pending++;
    const result = previous ? previous.then(work, work) : Promise.resolve().then(work);
    const tail: Promise<void> = result.then(
      () => this.done(key, tail),
      () => this.done(key, tail),
    );
    this.tails.set(key, tail);
    return result;
  }

  /** Resolves once no work is queued or running for any key. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get size(): number {
    return this.pending;
  }

  private done(key: string, tail: Promise<unknown>): void {
    if (this.tails.get(key) === tail) this.tails.delete(key);
    if (--this.pending === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }
}
