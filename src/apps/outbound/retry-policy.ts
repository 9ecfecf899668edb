import { backoffDelay } from '../../core/backoff.ts';
import type { EndReason } from '../../core/call.ts';
import type { FailureCategory, RetryCategory, RetryPolicy } from '../../core/outbound.ts';

/**
 * The failure category of an unanswered call's end reason, or undefined when it was not a failure to
 * retry (hung up by the caller, canceled, the server restarting).
 */
export function categoryOf(reason: EndReason | undefined): FailureCategory | undefined {
  switch (reason) {
    case 'no_answer':
    case 'unreachable':
      return 'no_answer';
    case 'busy':
    case 'rejected':
      return 'busy';
    case 'invalid_number':
      return 'invalid_number';
    case 'network_error':
      return 'network_error';
    default:
      return undefined;
  }
}

/**
 * Whether a category is the provider failing (what the circuit breaker counts), not the callee: busy,
 * no answer, voicemail and an invalid number are the callee's.
 */
export function isProviderFailure(category: FailureCategory | undefined): boolean {
  return category === 'network_error';
}

/** Whether a category is retried at all (an invalid number never is). */
export function isRetryable(category: FailureCategory | undefined): category is RetryCategory {
  return category !== undefined && category !== 'invalid_number';
}

/**
 * The wait before retry `attempt` (0 for the first) of `category`: exponential from the category's
 * delay, capped at `maxMs`, with equal jitter drawn from `seed` — the same call log always waits the
 * same, so a run on the virtual clock repeats exactly, while different calls spread out.
 */
export function retryDelay(
  policy: RetryPolicy,
  category: RetryCategory,
  attempt: number,
  seed: string,
  maxMs: number,
): number {
  return backoffDelay(
    { initialMs: policy[category].delayMs, maxMs: Math.max(maxMs, policy[category].delayMs) },
    attempt,
    seededRandom(seed),
  );
}

/** A number in [0, 1) fixed by `seed` (FNV-1a, then one round of mulberry32). */
function seededRandom(seed: string): () => number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193);
  return () => {
    h = (h + 0x6d2b79f5) | 0;
    let t = h;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
