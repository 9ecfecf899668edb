import { type BackoffPolicy, backoffDelay, wait } from '../core/backoff.ts';
import type { Clock } from '../core/clock.ts';
import type { Notification, NotificationSink } from './notification.ts';

/** What became of a notification: `sent`, `refused` by the downstream (a 4xx: retrying cannot help), or `failed`. */
export type DeliveryOutcome =
  | { readonly kind: 'sent'; readonly attempts: number }
  | { readonly kind: 'refused' | 'failed'; readonly attempts: number; readonly error: unknown };

/** The default: five tries over about half a minute. */
export const DELIVERY_RETRY: BackoffPolicy & { readonly attempts: number } = {
  initialMs: 1_000,
  maxMs: 15_000,
  attempts: 5,
};

/** Whether a sink's failure is the downstream refusing the message (an HTTP 4xx), not a passing fault. */
export function isRefusal(error: unknown): boolean {
  const status =
    (error as { status?: unknown; statusCode?: unknown } | null)?.status ??
    (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500;
}

/**
 * Sends through `sink`, retrying transient failures (connection reset, 5xx, timeouts) with back-off on
 * `clock`; a refusal (4xx) is not retried. Never rejects: the outcome says what happened.
 */
export async function deliver(
  sink: NotificationSink,
  notification: Notification,
  clock: Clock,
  policy: BackoffPolicy & { readonly attempts: number } = DELIVERY_RETRY,
): Promise<DeliveryOutcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      await sink.send(notification);
      return { kind: 'sent', attempts: attempt };
    } catch (error) {
      if (isRefusal(error)) return { kind: 'refused', attempts: attempt, error };
      if (attempt >= policy.attempts) return { kind: 'failed', attempts: attempt, error };
      await wait(clock, backoffDelay(policy, attempt - 1));
    }
  }
}
