import type { Clock, TimerHandle } from './clock.ts';

export interface StartLimiterOptions {
  /** Most starts in any window of `windowMs`; default 20. */
  readonly perWindow?: number;
  /** Default 1000 ms. */
  readonly windowMs?: number;
  /** Most starts under way at once; default 10. */
  readonly maxInFlight?: number;
}

/**
 * Paces starts of something costly (calls on a phone system): at most `perWindow` begin in any sliding
 * window and at most `maxInFlight` are under way at once; the rest wait in line, first come first
 * served, on the clock. {@link acquire} resolves with the function that ends the start.
 */
export class StartLimiter {
  private readonly started: number[] = [];
  private readonly waiting: (() => void)[] = [];
  private inFlight = 0;
  private timer: TimerHandle | undefined;
  private readonly perWindow: number;
  private readonly windowMs: number;
  private readonly maxInFlight: number;

  constructor(
    private readonly clock: Clock,
    options: StartLimiterOptions = {},
  ) {
    this.perWindow = options.perWindow ?? 20;
    this.windowMs = options.windowMs ?? 1000;
    this.maxInFlight = options.maxInFlight ?? 10;
  }

  /** Starts under way now. */
  get current(): number {
    return this.inFlight;
  }

  /** Starts waiting for their turn. */
  get queued(): number {
    return this.waiting.length;
  }

  /** How many may start at this instant without waiting (none while others wait in line). */
  get free(): number {
    this.expire(this.clock.now());
    if (this.waiting.length > 0) return 0;
    return Math.max(0, Math.min(this.maxInFlight - this.inFlight, this.perWindow - this.started.length));
  }

  /**
   * When a start may next go by the rate alone (now when the window has room); a start held back by
   * those under way waits for one of them to end instead.
   */
  nextFreeAt(): number {
    const now = this.clock.now();
    this.expire(now);
    if (this.started.length < this.perWindow) return now;
    return (this.started[0] as number) + this.windowMs;
  }

  /** A turn now, or undefined when none is free (for callers that must not wait, such as job rounds). */
  tryAcquire(): (() => void) | undefined {
    if (this.free === 0) return undefined;
    this.inFlight++;
    this.started.push(this.clock.now());
    return this.releaser();
  }

  /** Waits for a turn; resolves with `done`, to call once the start is over (exactly once). */
  acquire(): Promise<() => void> {
    return new Promise((resolve) => {
      this.waiting.push(() => resolve(this.releaser()));
      this.drain();
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight--;
      this.drain();
    };
  }

  private expire(now: number): void {
    while (this.started.length > 0 && (this.started[0] as number) <= now - this.windowMs)
      this.started.shift();
  }

  private drain(): void {
    const now = this.clock.now();
    this.expire(now);
    while (
      this.waiting.length > 0 &&
      this.inFlight < this.maxInFlight &&
      this.started.length < this.perWindow
    ) {
      this.inFlight++;
      this.started.push(now);
      (this.waiting.shift() as () => void)();
    }
    if (this.waiting.length > 0 && this.started.length >= this.perWindow && !this.timer) {
      const at = (this.started[0] as number) + this.windowMs;
      this.timer = this.clock.setTimer(at - now, () => {
        this.timer = undefined;
        this.drain();
      });
    }
  }
}
