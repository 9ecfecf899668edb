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
