import type { Clock } from './clock.ts';

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit; default 5. */
  readonly failureThreshold?: number;
  /** How long it stays open before one trial is let through; default 60 s. */
  readonly resetAfterMs?: number;
}

/**
 * A circuit breaker on the clock: `closed` lets everything through and counts consecutive failures;
 * at the threshold it `open`s and refuses; once `resetAfterMs` has passed it is `half-open` and lets
 * exactly one trial through, whose success closes it and whose failure opens it for another period.
 * Callers report what counts as the protected side's failure; anything else is reported as success.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | undefined;
  private trialOut = false;
  private readonly threshold: number;
  private readonly resetAfterMs: number;

  constructor(
    private readonly clock: Clock,
    options: CircuitBreakerOptions = {},
  ) {
    this.threshold = options.failureThreshold ?? 5;
    this.resetAfterMs = options.resetAfterMs ?? 60_000;
  }

  get state(): CircuitState {
    if (this.openedAt === undefined) return 'closed';
    return this.clock.now() >= this.openedAt + this.resetAfterMs ? 'half-open' : 'open';
  }

  /** When an open circuit lets its trial through; undefined while closed. */
  get reopensAt(): number | undefined {
    return this.openedAt === undefined ? undefined : this.openedAt + this.resetAfterMs;
  }

  /**
   * Asks to pass: true while closed, and for the one trial of a half-open circuit (the caller must then
   * report its outcome); false otherwise.
   */
  tryPass(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.trialOut) return false;
    this.trialOut = true;
    return true;
  }

  success(): void {
    this.failures = 0;
    this.openedAt = undefined;
    this.trialOut = false;
  }

  failure(): void {
    if (this.openedAt !== undefined) {
      // The trial failed (or a call let through before opening failed late): another full period.
      this.openedAt = this.clock.now();
      this.trialOut = false;
      return;
    }
    if (++this.failures >= this.threshold) this.openedAt = this.clock.now();
  }

  /** A trial that never reached the protected side (refused before it was sent) gives its turn back. */
  abandonTrial(): void {
    this.trialOut = false;
  }
}
