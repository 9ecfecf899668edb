import type { CircuitBreaker } from '../../core/circuit-breaker.ts';
import type { StartLimiter } from '../../core/start-limiter.ts';

/**
 * What the campaign dialer asks of the outbound service's limits, so that campaign calls and the
 * service's own count against one MAX_CONCURRENT_OUTBOUND_CALLS, one start rate and one circuit
 * breaker per driver. The outbound service gives it (`OutboundService.sharedLimits`); this interface
 * is the one place to change should the limits move elsewhere.
 */
export interface OutboundLine {
  /** More calls the concurrency limit allows now. */
  readonly room: number;
  /** Holds a slot for one call until the function it answers is called; CONCURRENT_LIMIT_REACHED when full. */
  reserve(): () => void;
  readonly breaker: Pick<
    CircuitBreaker,
    'tryPass' | 'success' | 'failure' | 'abandonTrial' | 'state' | 'reopensAt'
  >;
  readonly limiter: Pick<StartLimiter, 'tryAcquire' | 'free' | 'nextFreeAt'>;
  /** A slot was given back: whoever waits for one may go. */
  released(): void;
}
