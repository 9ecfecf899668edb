import type { Clock } from './clock.ts';

/**
 * One exponential back-off for every retry loop (the ARI event stream, the event log's commits, the
 * ACD's refused offers): `initialMs`, times `factor` each attempt, capped at `maxMs`. Waits run on the
 * project's {@link Clock}, so a test on the virtual clock never waits on real time.
 */
export interface BackoffPolicy {
  /** Wait before the first retry, before jitter. */
  readonly initialMs: number;
  /** Longest wait, before jitter. */
  readonly maxMs: number;
  /** Growth per attempt (default 2). */
  readonly factor?: number;
  /**
   * `equal` (default): a random wait between half the base and the base, never sooner, so that many
   * clients losing one server do not come back at the same instant. `none`: exactly the base.
   */
  readonly jitter?: 'equal' | 'none';
}

/** The wait before retry `attempt` (0-based); `random` (in [0, 1)) is fixed by tests. */
export function backoffDelay(
  policy: BackoffPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const base = Math.min(policy.maxMs, policy.initialMs * (policy.factor ?? 2) ** Math.min(attempt, 30));
  if (policy.jitter === 'none') return base;
  return Math.round(base / 2 + random() * (base / 2));
}

/** Resolves `ms` from now on `clock`. */
export function wait(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimer(ms, resolve));
}
