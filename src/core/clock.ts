/**
 * Recently formatted instants, direct-mapped by their low bits. Every snapshot of a call formats the
 * same few instants again (start, answer, each leg's), thousands of times a second under load; a hit
 * costs a compare instead of a Date and a string.
 */
const ISO_SLOTS = 4096;
const isoKeys = new Float64Array(ISO_SLOTS).fill(Number.NaN);
const isoValues: string[] = new Array(ISO_SLOTS).fill('');

/** A clock time (epoch ms) as clients and records see it: ISO-8601; absent stays absent. */
export function iso(ms: number): string;
export function iso(ms: number | undefined): string | undefined;
export function iso(ms: number | undefined): string | undefined {
  if (ms === undefined) return undefined;
  const slot = ms & (ISO_SLOTS - 1);
  if (isoKeys[slot] === ms) return isoValues[slot];
  const text = new Date(ms).toISOString();
  isoKeys[slot] = ms;
  isoValues[slot] = text;
  return text;
}

/**
 * Time for everything that waits: ring timeouts, auto-answer, wrap-up, retries, schedules.
 * Production runs on {@link SystemClock}; the simulator and tests run on {@link VirtualClock}, which only
 * moves when told, so a 30-second ring timeout takes milliseconds to test and nothing ever sleeps.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch, as this clock sees it. */
  now(): number;
  /** Runs `fn` once, `ms` from now. Callbacks due at the same instant run in the order they were set. */
  setTimer(ms: number, fn: () => void): TimerHandle;
  /** Cancels a timer; cancelling one that already ran or was cancelled is harmless. */
  clearTimer(handle: TimerHandle): void;
}

/** Opaque to callers; each clock keeps what it needs in it. */
export interface TimerHandle {
  readonly due: number;
}

interface SystemTimer extends TimerHandle {
  readonly ref: NodeJS.Timeout;
}

/** Wall-clock time and Node's own timers. */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const ref = setTimeout(fn, Math.max(0, ms));
    // Timers must never keep a stopping process alive: shutdown ends calls explicitly.
    ref.unref();
    const timer: SystemTimer = { due: Date.now() + ms, ref };
    return timer;
  }

  clearTimer(handle: TimerHandle): void {
    clearTimeout((handle as SystemTimer).ref);
  }
}

interface VirtualTimer extends TimerHandle {
  due: number;
  readonly order: number;
  fn: (() => void) | undefined;
}

/**
 * A clock that moves only when told. Timers live in a binary heap ordered by (due, order), so a
 * hundred thousand live calls with several timers each cost O(log n) per timer and no Node timers.
 */
export class VirtualClock implements Clock {
  private current: number;
  private heap: VirtualTimer[] = [];
  /** Cancelled entries still in the heap. */
  private cancelled = 0;
  private order = 0;
  private running: NodeJS.Timeout | undefined;
  private settle: () => Promise<void> = () => new Promise((resolve) => setImmediate(resolve));
  private advancing: Promise<void> = Promise.resolve();

  constructor(start: number = Date.UTC(2026, 0, 5, 9, 0, 0)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    // `|| 0`: NaN counts as 0, as with Node's timers; a NaN due would make `now()` NaN once it ran.
    const timer: VirtualTimer = { due: this.current + Math.max(0, ms || 0), order: this.order++, fn };
    this.push(timer);
    return timer;
  }

  clearTimer(handle: TimerHandle): void {
    // Lazy deletion: the entry stays in the heap until it surfaces, then is skipped. Most ring timers
    // are cancelled (the party answers), so once they are the majority the heap is rebuilt without
    // them, keeping memory proportional to the timers that can still run.
    const timer = handle as VirtualTimer;
    if (timer.fn === undefined) return;
    timer.fn = undefined;
    if (++this.cancelled > COMPACT_AFTER && this.cancelled * 2 > this.heap.length) this.compact();
  }

  /** Number of timers still waiting to run (cancelled ones are not counted once they surface). */
  get pendingTimers(): number {
    return this.heap.filter((t) => t.fn !== undefined).length;
  }

  /**
   * Lets the clock wait for the work a timer started (for example the engine finishing a call's
   * queued steps) before it runs the next timer, so that effects happen in time order.
   */
  onSettle(settle: () => Promise<void>): void {
    this.settle = settle;
  }

  /**
   * Moves time forward by `ms`, running every timer that falls due on the way, in order, and waiting
   * for each one's work to settle. Concurrent calls are serialised.
   */
  advance(ms: number): Promise<void> {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError(`cannot advance by ${ms} ms`);
    return this.serialise(() => this.current + ms);
  }

  /** Moves to an absolute time (never backwards). */
  advanceTo(time: number): Promise<void> {
    if (!Number.isFinite(time)) throw new RangeError(`cannot advance to ${time}`);
    // The target is absolute: it must not be read as a distance from a time an earlier, still
    // pending advance is about to leave behind.
    return this.serialise(() => Math.max(this.current, time));
  }

  /** Runs the clock against real time, `factor` virtual ms per real ms, until {@link pause}. */
  runAtSpeed(factor: number, tickMs = 10): void {
    if (!(factor > 0)) throw new RangeError(`speed factor must be positive, got ${factor}`);
    this.pause();
    let last = Date.now();
    this.running = setInterval(() => {
      const nowReal = Date.now();
      void this.advance((nowReal - last) * factor);
      last = nowReal;
    }, tickMs);
    this.running.unref();
  }

  /** Stops running at speed; time stays where it is. */
  pause(): void {
    if (this.running) clearInterval(this.running);
    this.running = undefined;
  }

  private serialise(target: () => number): Promise<void> {
    const run = this.advancing.then(() => this.runUntil(target()));
    this.advancing = run.catch(() => undefined);
    return run;
  }

  private async runUntil(target: number): Promise<void> {
    await this.settle();
    for (;;) {
      const next = this.heap[0];
      if (!next || next.due > target) break;
      this.pop();
      const fn = next.fn;
      if (!fn) {
        this.cancelled--;
        continue;
      }
      next.fn = undefined;
      this.current = Math.max(this.current, next.due);
      fn();
      await this.settle();
    }
    this.current = Math.max(this.current, target);
  }

  /** Drops cancelled entries and restores heap order bottom-up, O(n). */
  private compact(): void {
    this.heap = this.heap.filter((t) => t.fn !== undefined);
    this.cancelled = 0;
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private push(timer: VirtualTimer): void {
    const heap = this.heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    heap[0] = last;
    this.siftDown(0);
  }

  private siftDown(start: number): void {
    const heap = this.heap;
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && before(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < heap.length && before(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === i) break;
      [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
      i = smallest;
    }
  }
}

/** Below this many cancelled timers, compaction is not worth its pass over the heap. */
const COMPACT_AFTER = 1024;

function before(a: VirtualTimer, b: VirtualTimer): boolean {
  return a.due < b.due || (a.due === b.due && a.order < b.order);
}
