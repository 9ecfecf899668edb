/**
 * Why an outbound call failed, as the outbound service retries it: the callee's outcomes (`no_answer`,
 * `busy`, `voicemail`, `invalid_number`) and the provider's (`network_error`, `rate_limited`,
 * `api_unavailable`). `invalid_number` is never retried.
 */
export const FAILURE_CATEGORIES = [
  'no_answer',
  'busy',
  'voicemail',
  'invalid_number',
  'network_error',
  'rate_limited',
  'api_unavailable',
] as const;
export type FailureCategory = (typeof FAILURE_CATEGORIES)[number];

/** The categories that may be retried, each with its own maximum and first delay. */
export const RETRY_CATEGORIES = [
  'no_answer',
  'busy',
  'voicemail',
  'network_error',
  'rate_limited',
  'api_unavailable',
] as const satisfies readonly FailureCategory[];
export type RetryCategory = (typeof RETRY_CATEGORIES)[number];

/** How often each category may be retried and how long the first retry waits (before back-off and jitter). */
export type RetryPolicy = Readonly<Record<RetryCategory, { readonly max: number; readonly delayMs: number }>>;

/** The outbound service's limits, breaker and retries, as configured (the README's Outbound section). */
export interface OutboundLimits {
  /** Live outbound calls at once (`MAX_CONCURRENT_OUTBOUND_CALLS`, default 10); more answer 429. */
  readonly maxConcurrentCalls: number;
  /** Call starts per second (`OUTBOUND_RATE_PER_SECOND`, default 20). */
  readonly startsPerSecond: number;
  /** Call starts under way at once (`OUTBOUND_MAX_STARTING`, default 10). */
  readonly maxStarting: number;
  /** Gap between two starts of a bulk list (`OUTBOUND_BULK_INTERVAL_MS`, default 1000). */
  readonly bulkIntervalMs: number;
  /** Consecutive provider failures that open the circuit (`OUTBOUND_BREAKER_THRESHOLD`, default 5). */
  readonly breakerThreshold: number;
  /** How long the circuit stays open before one trial (`OUTBOUND_BREAKER_RESET_MS`, default 60000). */
  readonly breakerResetMs: number;
  /** Per category: most retries (`RETRY_<CATEGORY>_MAX`) and the first delay (`RETRY_<CATEGORY>_DELAY_MS`). */
  readonly retries: RetryPolicy;
  /** Longest wait between retries, before jitter (`RETRY_MAX_DELAY_MS`, default 1 hour). */
  readonly retryMaxDelayMs: number;
}
