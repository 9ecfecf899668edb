import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import type { CallSnapshot } from '../../core/call.ts';
import { CircuitBreaker } from '../../core/circuit-breaker.ts';
import { type Clock, iso } from '../../core/clock.ts';
import { isSwitchboardError, SwitchboardError } from '../../core/errors.ts';
import type { DomainEvent } from '../../core/events.ts';
import { timeOrderedId } from '../../core/ids.ts';
import type { Job, JobHandler, JobQueue, JobRunner } from '../../core/jobs.ts';
import type { Log } from '../../core/log.ts';
import type { FailureCategory, OutboundLimits } from '../../core/outbound.ts';
import type { KeyedSerialQueue } from '../../core/serial-queue.ts';
import { StartLimiter } from '../../core/start-limiter.ts';
import type { CallControl } from '../../engine/types.ts';
import type { CallLogStatus, OutboundCallLog } from './events.ts';
import type { OutboundNotifier } from './notifier.ts';
import { nextOpening, occurrence } from './outbound-schedule.ts';
import { toView } from './outbound-view.ts';
import type { OutboundRepository } from './repository.ts';
import { categoryOf, isProviderFailure, isRetryable, retryDelay } from './retry-policy.ts';

/** The job kind of scheduled calls and retries: each starts as soon as it is due and there is room. */
export const START_JOB = 'outbound.start';
/** The job kind of bulk entries: paced, one start per interval. */
export const BULK_JOB = 'outbound.bulk';

export const PRIORITY_RANK = { low: 0, medium: 1, high: 2 } as const;

/** Statuses of a call log that waits for its job. */
export const WAITING: ReadonlySet<CallLogStatus> = new Set(['scheduled', 'queued']);
/** Statuses of a call log whose call is under way. */
export const LIVE: readonly CallLogStatus[] = ['initiated', 'ringing', 'in-progress'];

export interface DialerDeps {
  readonly engine: Pick<CallControl, 'originate' | 'hangup' | 'get'>;
  readonly clock: Clock;
  readonly jobs: JobQueue;
  readonly runner: JobRunner;
  readonly repo: OutboundRepository;
  readonly notifier: OutboundNotifier;
  readonly lane: KeyedSerialQueue;
  readonly limits: OutboundLimits;
  readonly log?: Log;
}

/**
 * Places outbound calls within the limits: the concurrency limit, the start rate, the circuit
 * breaker of the driver; follows each call's events into its log; schedules retries; runs the jobs
 * of scheduled, bulk and retried calls. All work on one log runs in that log's lane.
 */
export class OutboundDialer {
  readonly breaker: CircuitBreaker;
  readonly limiter: StartLimiter;
  /** Logs whose call is under way in this process. */
  private readonly live = new Set<string>();
  /** Starts promised a slot but not yet under way. */
  private reserved = 0;
  private lastBulkStart = Number.NEGATIVE_INFINITY;

  constructor(private readonly deps: DialerDeps) {
    const { clock, limits } = deps;
    this.breaker = new CircuitBreaker(clock, {
      failureThreshold: limits.breakerThreshold,
      resetAfterMs: limits.breakerResetMs,
    });
    this.limiter = new StartLimiter(clock, {
      perWindow: limits.startsPerSecond,
      windowMs: 1000,
      maxInFlight: limits.maxStarting,
    });
  }

  /** Outbound calls under way in this process, and those about to start. */
  get active(): number {
    return this.live.size + this.reserved;
  }

  get room(): number {
    return Math.max(0, this.deps.limits.maxConcurrentCalls - this.active);
  }

  /** Holds a slot under the concurrency limit for a start; CONCURRENT_LIMIT_REACHED when none is free. */
  reserve(): () => void {
    const { maxConcurrentCalls } = this.deps.limits;
    if (this.active >= maxConcurrentCalls) {
      throw new SwitchboardError(
        'CONCURRENT_LIMIT_REACHED',
        `${this.active} outbound calls are live, the most MAX_CONCURRENT_OUTBOUND_CALLS allows; retry when one ends.`,
        { activeCalls: this.active, maxConcurrentCalls },
      );
    }
    this.reserved++;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.reserved--;
    };
  }

  /** The job handlers: scheduled calls and retries as soon as the limits allow, bulk entries paced. */
  handlers(): JobHandler[] {
    const { clock, limits } = this.deps;
    const later = (at: number) => (this.room > 0 && at > clock.now() ? at : undefined);
    return [
      {
        kind: START_JOB,
        capacity: () => Math.min(this.room, this.limiter.free),
        notBefore: () => later(this.limiter.nextFreeAt()),
        run: (job) => this.runJob(job),
      },
      {
        kind: BULK_JOB,
        capacity: () =>
          clock.now() < this.lastBulkStart + limits.bulkIntervalMs
            ? 0
            : Math.min(1, this.room, this.limiter.free),
        notBefore: () =>
          later(Math.max(this.lastBulkStart + limits.bulkIntervalMs, this.limiter.nextFreeAt())),
        run: (job) => {
          this.lastBulkStart = clock.now();
          return this.runJob(job);
        },
      },
    ];
  }

  /**
   * Dials a log's call, its slot under the concurrency limit (`release`) and its turn under the start
   * limiter (`started`) taken by the caller and given back here: marks it initiated and originates from
   * the agent's phone. A refusal is recorded on the log (and retried by category) before it is thrown.
   */
  async dial(waiting: OutboundCallLog, release: () => void, started: () => void): Promise<OutboundCallLog> {
    const { clock, engine, repo } = this.deps;
    // Its job is over once it dials: the log no longer names one.
    const { jobId: _job, ...rest } = waiting;
    let log: OutboundCallLog = {
      ...rest,
      status: 'initiated',
      outboundStatus: 'dialing',
      initiatedAt: iso(clock.now()),
    };
    this.live.add(log.id);
    release();
    try {
      // Saved before the phone system hears of it: after a crash a log left `initiated` was, or may have
      // been, dialled, and is never dialled again.
      await repo.save(log);
      const call = await engine.originate({
        from: log.agentId,
        to: log.phoneNumber,
        context: {
          outbound: {
            callLogId: log.id,
            ...(log.userId !== undefined && { userId: log.userId }),
            ...(log.metadata !== undefined && { metadata: log.metadata }),
            priority: log.priority,
          },
        },
      });
      log = { ...log, callId: call.id };
      await repo.save(log);
      return log;
    } catch (error) {
      this.live.delete(log.id);
      const category = refusalCategory(error);
      if (category === 'network_error') this.breaker.failure();
      else this.breaker.abandonTrial();
      await this.fail(log, isSwitchboardError(error) ? error.code : 'originate_failed', category);
      this.deps.runner.wake();
      throw error;
    } finally {
      started();
    }
  }

  /** Follows a call event into the log of the outbound call it belongs to (run in the log's lane). */
  async onCallEvent(logId: string, event: DomainEvent): Promise<void> {
    const log = await this.deps.repo.get(logId);
    if (!log || !LIVE.includes(log.status)) return;
    const now = iso(this.deps.clock.now());
    switch (event.type) {
      case 'call.leg.ringing':
        if (event.data.role !== 'callee' || log.status !== 'initiated') return;
        // The provider took the dial: whatever the callee does now is not its failure.
        this.breaker.success();
        return this.deps.repo.save({ ...log, status: 'ringing', outboundStatus: 'ringing' });
      case 'call.answered':
        this.breaker.success();
        return this.deps.repo.save({
          ...log,
          status: 'in-progress',
          outboundStatus: 'connected',
          startedAt: now,
        });
      case 'call.ended':
      case 'call.failed':
        return this.finish(log, event.data.call);
      default:
        return;
    }
  }

  /** The call of a log ended: completed, canceled or failed (then perhaps retried). */
  async finish(log: OutboundCallLog, call: CallSnapshot): Promise<void> {
    this.live.delete(log.id);
    this.deps.runner.wake();
    const ended = {
      ...log,
      endedAt: call.endedAt ?? iso(this.deps.clock.now()),
      ...(call.answeredAt !== undefined && { startedAt: log.startedAt ?? call.answeredAt }),
      duration: call.duration ?? null,
    };
    if (log.canceledAt !== undefined) {
      await this.deps.repo.save({ ...ended, status: 'canceled', outboundStatus: 'canceled' });
      return;
    }
    if (call.answeredAt !== undefined) {
      this.breaker.success();
      await this.deps.repo.save({ ...ended, status: 'completed', outboundStatus: 'completed' });
      return;
    }
    const category = categoryOf(call.endReason);
    if (isProviderFailure(category)) this.breaker.failure();
    else this.breaker.success();
    await this.fail(ended, call.endReason ?? 'failed', category);
  }

  /** Marks a log failed for `reason` and schedules its retry when its category allows one more. */
  async fail(log: OutboundCallLog, reason: string, category: FailureCategory | undefined): Promise<void> {
    const failed: OutboundCallLog = {
      ...log,
      status: 'failed',
      outboundStatus: category ?? 'failed',
      failureReason: reason,
      failureCategory: category ?? null,
      endedAt: log.endedAt ?? iso(this.deps.clock.now()),
    };
    await this.deps.repo.save(failed);
    if (isRetryable(category)) await this.retry(failed, category);
  }

  /** Waits the category's back-off, then tries again as a new log linked to the first attempt. */
  private async retry(failed: OutboundCallLog, category: Exclude<FailureCategory, 'invalid_number'>) {
    const { repo, clock, limits } = this.deps;
    const first = failed.retryOf ?? failed.id;
    const earlier = await repo.retriesOf(first);
    const used = earlier.filter((r) => r.retryReason === category).length;
    if (used >= limits.retries[category].max) return;
    // Jitter seeded by the number and the instant: calls failing together spread out, and a run on the
    // virtual clock repeats exactly.
    const seed = `${failed.phoneNumber}:${clock.now()}:${earlier.length}`;
    const runAt = clock.now() + retryDelay(limits.retries, category, used, seed, limits.retryMaxDelayMs);
    const id = timeOrderedId();
    const retry: OutboundCallLog = {
      ...waitingLog(failed, {
        id,
        status: 'scheduled',
        origin: 'retry',
        scheduledFor: iso(runAt),
        now: clock.now(),
      }),
      retryOf: first,
      retryCount: earlier.length + 1,
      retryReason: category,
    };
    await this.enqueue(retry, START_JOB, runAt);
    await this.deps.notifier.retryScheduled(toView(retry, clock.now()), first, category);
  }

  /** Saves a waiting log and its job, and tells the runner when it is due. */
  enqueue(log: OutboundCallLog, kind: string, runAt: number, jobId = log.id): Promise<void> {
    return this.enqueueAll([{ log, jobId }], kind, runAt);
  }

  /** Saves waiting logs and their jobs (a bulk list) in one go, all due at `runAt`. */
  async enqueueAll(entries: readonly { log: OutboundCallLog; jobId: string }[], kind: string, runAt: number) {
    if (entries.length === 0) return;
    await this.deps.repo.saveAll(entries.map(({ log, jobId }) => ({ ...log, jobId })));
    await this.deps.jobs.add(
      entries.map(({ log, jobId }) => ({
        id: jobId,
        kind,
        runAt,
        priority: PRIORITY_RANK[log.priority],
        payload: { callLogId: log.id },
      })),
    );
    this.deps.runner.added(runAt);
  }

  /**
   * Runs a scheduled, bulk or retried call's job: in its log's lane, only while the log still waits.
   * Its slot and turn are taken at once, never waited for (a round must not wait on the clock); when
   * none is free the job goes back to wait.
   */
  private runJob(job: Job): Promise<'done' | { retryAt: number }> {
    const { clock } = this.deps;
    const logId = String(job.payload.callLogId);
    let release: () => void;
    try {
      release = this.reserve();
    } catch {
      return Promise.resolve({ retryAt: clock.now() });
    }
    const started = this.limiter.tryAcquire();
    if (!started) {
      release();
      return Promise.resolve({ retryAt: this.limiter.nextFreeAt() });
    }
    return this.deps.lane
      .run(logId, async () => {
        const log = await this.deps.repo.get(logId);
        if (!log || !WAITING.has(log.status)) return 'done' as const;
        if (log.schedule?.recurring) await this.scheduleNext(log);
        if (!this.breaker.tryPass()) {
          await this.fail(log, 'circuit_open', 'api_unavailable');
          return 'done' as const;
        }
        await this.dial(log, release, started).catch(() => undefined);
        return 'done' as const;
      })
      .finally(() => {
        release();
        started();
      });
  }

  /** The next occurrence of a recurring schedule, made once (its id is fixed by the schedule and number). */
  private async scheduleNext(log: OutboundCallLog): Promise<void> {
    const spec = log.schedule;
    if (!spec?.recurring) return;
    const base = DateTime.fromISO(spec.base, { zone: spec.timezone });
    const at = occurrence(base, spec.recurring, spec.occurrence + 1);
    if (!at) return;
    const due = spec.respectBusinessHours && spec.businessHours ? nextOpening(at, spec.businessHours) : at;
    const id = occurrenceId(spec.scheduleId, spec.occurrence + 1);
    if (await this.deps.repo.get(id)) return;
    const now = this.deps.clock.now();
    const next: OutboundCallLog = {
      ...waitingLog(log, {
        id,
        status: 'scheduled',
        origin: 'schedule',
        scheduledFor: iso(due.toMillis()),
        now,
      }),
      schedule: { ...spec, occurrence: spec.occurrence + 1 },
      ...(due.toMillis() !== at.toMillis() && { adjustedFor: iso(due.toMillis()) }),
    };
    await this.enqueue(next, START_JOB, due.toMillis());
    await this.deps.notifier.scheduled(toView(next, now));
  }
}

/**
 * The category of an originate the engine refused: its own limit is `rate_limited`, a number it cannot
 * dial `invalid_number`, the driver failing (5xx, or anything unexpected) `network_error`; another
 * refusal of the request is not retried.
 */
function refusalCategory(error: unknown): FailureCategory | undefined {
  if (!isSwitchboardError(error)) return 'network_error';
  // The engine's own limit, or a cloud provider's (429): retried later, never counted as the provider failing.
  if (error.code === 'CONCURRENT_LIMIT_REACHED' || error.code === 'PROVIDER_RATE_LIMITED')
    return 'rate_limited';
  if (error.code === 'INVALID_PHONE_NUMBER') return 'invalid_number';
  return error.status >= 500 ? 'network_error' : undefined;
}

/** A fresh waiting log for the same number and agent as `from` (a retry, the next occurrence). */
export function waitingLog(
  from: OutboundCallLog,
  fresh: {
    id: string;
    status: 'scheduled' | 'queued';
    origin: OutboundCallLog['origin'];
    scheduledFor: string | null;
    now: number;
  },
): OutboundCallLog {
  return {
    id: fresh.id,
    status: fresh.status,
    outboundStatus: fresh.status,
    phoneNumber: from.phoneNumber,
    agentId: from.agentId,
    ...(from.userId !== undefined && { userId: from.userId }),
    ...(from.metadata !== undefined && { metadata: from.metadata }),
    priority: from.priority,
    origin: fresh.origin,
    callId: null,
    scheduledFor: fresh.scheduledFor,
    initiatedAt: null,
    startedAt: null,
    endedAt: null,
    duration: null,
    retryOf: from.retryOf,
    retryCount: from.retryCount,
    failureReason: null,
    failureCategory: null,
    createdAt: iso(fresh.now),
    createdAtMs: fresh.now,
  };
}

/** The call log id of occurrence `n` of a schedule: the same on every process and after a restart. */
export function occurrenceId(scheduleId: string, n: number): string {
  const hex = createHash('sha256').update(`${scheduleId}#${n}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
