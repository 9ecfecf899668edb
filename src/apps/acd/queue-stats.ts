import type { QueueStats } from './events.ts';
import type { QueueCounters, QueueRuntime } from './queue-runtime.ts';

export function newCounters(now: number, intervalMs: number): QueueCounters {
  return {
    intervalStart: now - (now % intervalMs),
    entered: 0,
    answered: 0,
    answeredInTime: 0,
    abandoned: 0,
    overflowed: 0,
    totalWaitMs: 0,
    talks: 0,
    totalTalkMs: 0,
  };
}

/** Starts a new interval when the current one is over (figures are per interval, as reports expect). */
export function rollInterval(counters: QueueCounters, now: number, intervalMs: number): void {
  if (now < counters.intervalStart + intervalMs) return;
  Object.assign(counters, newCounters(now, intervalMs));
}

/** Average talk time assumed before a queue has any history, for the estimated wait. */
const DEFAULT_HANDLE_MS = 180_000;

/** Estimated wait for the caller at `position`: rounds of average handling time across logged-in agents. */
export function estimateWaitMs(queue: QueueRuntime, position: number, loggedIn: number): number {
  const c = queue.counters;
  const handle = c.talks > 0 ? c.totalTalkMs / c.talks : DEFAULT_HANDLE_MS;
  return Math.round(Math.ceil(position / Math.max(1, loggedIn)) * handle);
}

/** The live and interval figures of a queue right now; agents from the queue's own counts, not a scan. */
export function queueStats(queue: QueueRuntime, now: number): QueueStats {
  const c = queue.counters;
  const oldest = queue.waiting.oldest();
  const decided = c.answered + c.abandoned;
  return {
    queueId: queue.config.id,
    at: new Date(now).toISOString(),
    waiting: queue.waiting.size,
    longestWaitMs: oldest ? now - oldest.enteredAt : 0,
    agentsLoggedIn: queue.loggedIn,
    agentsAvailable: queue.free.size,
    intervalStart: new Date(c.intervalStart).toISOString(),
    entered: c.entered,
    answered: c.answered,
    abandoned: c.abandoned,
    overflowed: c.overflowed,
    serviceLevel: decided > 0 ? c.answeredInTime / decided : null,
    averageWaitMs: c.answered > 0 ? c.totalWaitMs / c.answered : null,
    averageTalkMs: c.talks > 0 ? c.totalTalkMs / c.talks : null,
  };
}
