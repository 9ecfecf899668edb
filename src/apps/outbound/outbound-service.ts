import { randomUUID } from 'node:crypto';
import { parseAddress } from '../../core/address.ts';
import { type Clock, iso } from '../../core/clock.ts';
import { SwitchboardError } from '../../core/errors.ts';
import type { DomainEvent, NewDomainEvent } from '../../core/events.ts';
import { timeOrderedId } from '../../core/ids.ts';
import { JobRunner, runnerAndLaneIdle, runnerOrLaneBusy } from '../../core/jobs.ts';
import type { Log } from '../../core/log.ts';
import type { OutboundLimits } from '../../core/outbound.ts';
import { KeyedSerialQueue } from '../../core/serial-queue.ts';
import type { CallControl, EventFeed } from '../../engine/types.ts';
import type { Store } from '../../store/types.ts';
import type { AcdService } from '../acd/acd-service.ts';
import type { OutboundCallLog, OutboundCallView } from './events.ts';
import { OutboundNotifier } from './notifier.ts';
import {
  BULK_JOB,
  LIVE,
  OutboundDialer,
  occurrenceId,
  START_JOB,
  WAITING,
  waitingLog,
} from './outbound-dialer.ts';
import {
  checkEndDate,
  DEFAULT_BUSINESS_HOURS,
  isTimeZone,
  nextOpening,
  parseScheduledFor,
} from './outbound-schedule.ts';
import { toView } from './outbound-view.ts';
import { type OutboundRepository, outboundRepository } from './repository.ts';
import { isRetryable } from './retry-policy.ts';
import { BulkEntry, type OutboundCallRequest, type ScheduleRequest } from './schemas.ts';

const E164 = /^\+[1-9]\d{1,14}$/;

export interface OutboundDeps {
  readonly engine: Pick<CallControl, 'originate' | 'hangup' | 'get'> & { readonly events: EventFeed };
  readonly acd: Pick<AcdService, 'getAgent'>;
  readonly publish: (event: NewDomainEvent) => Promise<unknown>;
  readonly store: Pick<Store, 'jobs' | 'outboundCalls' | 'kind'>;
  readonly clock: Clock;
  readonly options: OutboundLimits;
  readonly log?: Log;
}

/**
 * The outbound calling service: one call now, a bulk list, a scheduled or recurring call, retries by
 * failure category; within the concurrency limit, the start rate and the driver's circuit breaker.
 * Waiting calls are jobs in the store, so a restart loses none and no two processes start one twice.
 */
export class OutboundService {
  private readonly lane = new KeyedSerialQueue();
  private readonly repo: OutboundRepository;
  private readonly notifier: OutboundNotifier;
  private readonly runner: JobRunner;
  private readonly dialer: OutboundDialer;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly deps: OutboundDeps) {
    this.repo = outboundRepository(deps.store);
    this.notifier = new OutboundNotifier(deps.publish);
    this.runner = new JobRunner({
      queue: deps.store.jobs,
      clock: deps.clock,
      owner: randomUUID(),
      ...(deps.log && { log: deps.log }),
    });
    this.dialer = new OutboundDialer({
      engine: deps.engine,
      clock: deps.clock,
      jobs: deps.store.jobs,
      runner: this.runner,
      repo: this.repo,
      notifier: this.notifier,
      lane: this.lane,
      limits: deps.options,
      ...(deps.log && { log: deps.log }),
    });
    for (const handler of this.dialer.handlers()) this.runner.register(handler);
  }

  async start(): Promise<void> {
    this.unsubscribe = this.deps.engine.events.subscribe((event) => this.onEvent(event));
    await this.settleLeftovers();
    // The embedded store serves one process: whatever it left running died with it.
    await this.runner.start({ recoverAll: this.deps.store.kind === 'sqlite' });
  }

  stop(): void {
    this.unsubscribe?.();
    this.runner.stop();
  }

  idle(): Promise<void> {
    return runnerAndLaneIdle(this.runner, this.lane);
  }

  get busy(): boolean {
    return runnerOrLaneBusy(this.runner, this.lane);
  }

  /** POST /outbound: rings the agent's phone, then the number (click-to-dial), now. */
  async place(
    request: OutboundCallRequest,
  ): Promise<{ callLogId: string; status: 'initiated'; message: string }> {
    this.checkCall(request);
    const release = this.dialer.reserve();
    if (!this.dialer.breaker.tryPass()) {
      release();
      throw this.circuitOpen();
    }
    // Waits its turn under the start rate outside the lane: the clock must not wait for the wait.
    let started: () => void;
    try {
      started = await this.dialer.limiter.acquire();
    } catch (error) {
      release();
      throw error;
    }
    const now = this.deps.clock.now();
    const log = newLog(request, { id: timeOrderedId(), status: 'initiated', origin: 'api', now });
    const placed = await this.lane.run(log.id, () => this.dialer.dial(log, release, started));
    return {
      callLogId: placed.id,
      status: 'initiated',
      message: `Calling ${placed.phoneNumber} from agent ${placed.agentId}'s phone.`,
    };
  }

  /** POST /outbound/bulk: each valid entry waits as `queued`; they start one per interval, within the limit. */
  async bulk(calls: readonly Record<string, unknown>[]): Promise<{
    total: number;
    successful: number;
    failed: number;
    callLogIds: string[];
    errors: { index: number; phoneNumber: unknown; code: string; message: string }[];
  }> {
    const now = this.deps.clock.now();
    const batch = `${String(now).padStart(15, '0')}:${randomUUID()}`;
    const accepted: { log: OutboundCallLog; jobId: string }[] = [];
    const errors: { index: number; phoneNumber: unknown; code: string; message: string }[] = [];
    calls.forEach((entry, index) => {
      try {
        const parsed = BulkEntry.safeParse(entry);
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          throw new SwitchboardError('VALIDATION_ERROR', `${issue?.path.join('.')}: ${issue?.message}`);
        }
        this.checkCall(parsed.data);
        const log = newLog(parsed.data, { id: timeOrderedId(), status: 'queued', origin: 'bulk', now });
        accepted.push({ log, jobId: `bulk:${batch}:${String(index).padStart(4, '0')}` });
      } catch (error) {
        if (!(error instanceof SwitchboardError)) throw error;
        errors.push({ index, phoneNumber: entry.phoneNumber, code: error.code, message: error.message });
      }
    });
    await this.dialer.enqueueAll(accepted, BULK_JOB, now);
    // Published together: the event log numbers them in this order and commits them in few batches.
    await Promise.all(accepted.map(({ log }) => this.notifier.queued(toView(log, now))));
    return {
      total: calls.length,
      successful: accepted.length,
      failed: errors.length,
      callLogIds: accepted.map((a) => a.log.id),
      errors,
    };
  }

  /** POST /outbound/schedule: a call (or a recurrence of them) at a time, in a time zone, in business hours. */
  async schedule(request: ScheduleRequest): Promise<{
    scheduleId: string;
    callLogId: string;
    scheduledFor: string;
    adjustedFor?: string;
    status: 'scheduled';
    message: string;
  }> {
    this.checkCall(request);
    const zone = request.timezone ?? 'UTC';
    if (!isTimeZone(zone)) {
      throw new SwitchboardError('VALIDATION_ERROR', `timezone "${zone}" is not an IANA time zone.`, {
        field: 'timezone',
        value: zone,
      });
    }
    if (request.recurring?.endDate !== undefined) checkEndDate(request.recurring.endDate, zone);
    const now = this.deps.clock.now();
    const requested = parseScheduledFor(request.scheduledFor, zone);
    if (requested.toMillis() < now) {
      throw new SwitchboardError('SCHEDULE_IN_PAST', undefined, {
        scheduledFor: iso(requested.toMillis()),
        now: iso(now),
      });
    }
    const respect = request.respectBusinessHours === true;
    const hours = request.businessHours ?? DEFAULT_BUSINESS_HOURS;
    const due = respect ? nextOpening(requested, hours) : requested;
    const scheduleId = randomUUID();
    const moved = due.toMillis() !== requested.toMillis();
    const log: OutboundCallLog = {
      ...newLog(request, { id: occurrenceId(scheduleId, 0), status: 'scheduled', origin: 'schedule', now }),
      scheduledFor: iso(due.toMillis()),
      ...(moved && { adjustedFor: iso(due.toMillis()) }),
      schedule: {
        scheduleId,
        occurrence: 0,
        base: requested.toISO({ includeOffset: false }) as string,
        timezone: zone,
        respectBusinessHours: respect,
        ...(respect && { businessHours: hours }),
        ...(request.recurring && { recurring: request.recurring }),
      },
    };
    await this.lane.run(log.id, () => this.dialer.enqueue(log, START_JOB, due.toMillis()));
    await this.notifier.scheduled(toView(log, now));
    return {
      scheduleId,
      callLogId: log.id,
      scheduledFor: iso(requested.toMillis()),
      ...(moved && { adjustedFor: iso(due.toMillis()) }),
      status: 'scheduled',
      message: moved
        ? `Scheduled; moved into business hours, it rings at ${due.toISO()}.`
        : `Scheduled for ${due.toISO()}.`,
    };
  }

  /** Cancels a call that waits or rings; INVALID_STATE once it is connected or over. */
  cancel(callLogId: string): Promise<{ callLogId: string; status: 'canceled'; message: string }> {
    return this.lane.run(callLogId, async () => {
      const log = await this.load(callLogId);
      const now = this.deps.clock.now();
      const canceled: OutboundCallLog = {
        ...log,
        status: 'canceled',
        outboundStatus: 'canceled',
        canceledAt: iso(now),
      };
      if (WAITING.has(log.status)) {
        if (log.jobId !== undefined) await this.deps.store.jobs.cancel(log.jobId);
        await this.repo.save({ ...canceled, endedAt: iso(now) });
      } else if ((log.status === 'initiated' || log.status === 'ringing') && log.callId !== null) {
        await this.repo.save(canceled);
        await this.deps.engine.hangup(log.callId).catch((err) => {
          // It ended by itself in the same instant; its end is recorded as canceled all the same.
          this.deps.log?.info({ err, callLogId }, 'canceled call had already ended');
        });
      } else {
        throw new SwitchboardError(
          'INVALID_STATE',
          `The call is ${log.status}; only a call not yet connected can be canceled.`,
          {
            callLogId,
            status: log.status,
          },
        );
      }
      await this.notifier.canceled(toView(canceled, now));
      return { callLogId, status: 'canceled' as const, message: 'The call is canceled.' };
    });
  }

  async get(callLogId: string): Promise<OutboundCallView> {
    return toView(await this.load(callLogId), this.deps.clock.now());
  }

  /** The call log, or undefined: GET /calls/:id serves an outbound call log's id too. */
  async find(callLogId: string): Promise<OutboundCallView | undefined> {
    const log = await this.repo.get(callLogId);
    return log && toView(log, this.deps.clock.now());
  }

  /** GET /outbound/:callLogId/retries: the retries of the first attempt this log belongs to. */
  async retries(callLogId: string) {
    const log = await this.load(callLogId);
    const first = log.retryOf ?? log.id;
    const retries = await this.repo.retriesOf(first);
    const latest = [await this.repo.get(first), ...retries].filter((l) => l?.failureCategory).at(-1);
    const category = latest?.failureCategory ?? undefined;
    return {
      callLogId,
      retries: retries.map((r) => ({
        attemptNumber: r.retryCount,
        scheduledFor: r.scheduledFor,
        status: r.status,
        failureReason: r.failureReason,
        retryCallLogId: r.id,
      })),
      totalRetries: retries.length,
      maxRetries: isRetryable(category) ? this.deps.options.retries[category].max : 0,
    };
  }

  /** GET /outbound/stats. */
  async stats() {
    const { maxConcurrentCalls } = this.deps.options;
    const now = this.deps.clock.now();
    const due =
      (await this.deps.store.jobs.count(START_JOB, 'pending', now)) +
      (await this.deps.store.jobs.count(BULK_JOB, 'pending', now));
    const active = this.dialer.active;
    return {
      activeCalls: active,
      maxConcurrentCalls,
      utilization: Math.round((active / maxConcurrentCalls) * 1000) / 10,
      circuitBreaker: this.dialer.breaker.state,
      rateLimiter: { currentJobs: this.dialer.limiter.current, queuedJobs: this.dialer.limiter.queued + due },
    };
  }

  /**
   * The limits another dialer shares (the campaign dialer): each of its calls holds a slot under
   * MAX_CONCURRENT_OUTBOUND_CALLS while it lives, starts within the start rate, and reports to the
   * driver's circuit breaker; `released` lets this service's waiting jobs use a slot freed there.
   */
  sharedLimits() {
    const { dialer, runner } = this;
    return {
      get room() {
        return dialer.room;
      },
      reserve: () => dialer.reserve(),
      breaker: dialer.breaker,
      limiter: dialer.limiter,
      released: () => runner.wake(),
    };
  }

  /** Figures for GET /health. */
  health() {
    return { activeCalls: this.dialer.active, circuitBreaker: this.dialer.breaker.state };
  }

  private onEvent(event: DomainEvent): void {
    if (
      event.type !== 'call.leg.ringing' &&
      event.type !== 'call.answered' &&
      event.type !== 'call.ended' &&
      event.type !== 'call.failed'
    ) {
      return;
    }
    const outbound = event.data.call.context.outbound as { callLogId?: unknown } | undefined;
    const logId = outbound?.callLogId;
    if (typeof logId !== 'string') return;
    void this.lane
      .run(logId, () => this.dialer.onCallEvent(logId, event))
      .catch((err) => this.deps.log?.error({ err, callLogId: logId }, 'outbound call update failed'));
  }

  /**
   * Logs whose call was under way when the last process stopped: their calls ended with it (the engine
   * closed their records), so they end too; one never dialled for sure is not dialled again.
   */
  private async settleLeftovers(): Promise<void> {
    for (const log of await this.repo.withStatus(LIVE)) {
      if (log.callId === null) {
        if (this.deps.store.kind === 'sqlite') await this.dialer.fail(log, 'server_restart', undefined);
        continue;
      }
      const call = await this.deps.engine.get(log.callId).catch(() => undefined);
      if (call && (call.status === 'ended' || call.status === 'failed')) await this.dialer.finish(log, call);
    }
  }

  private checkCall(request: { phoneNumber: string; agentId: string }): void {
    if (!E164.test(request.phoneNumber)) {
      throw new SwitchboardError(
        'INVALID_PHONE_NUMBER',
        'phoneNumber must be E.164: a + and up to 15 digits, the first not 0 (+15551234567).',
        { field: 'phoneNumber', value: request.phoneNumber },
      );
    }
    // E.164 in form is not enough: the engine dials only numbers that exist in their country's plan.
    parseAddress(request.phoneNumber, 'phoneNumber');
    this.deps.acd.getAgent(request.agentId);
  }

  private async load(callLogId: string): Promise<OutboundCallLog> {
    const log = await this.repo.get(callLogId);
    if (!log) {
      throw new SwitchboardError('CALL_NOT_FOUND', `No outbound call has call log id "${callLogId}".`, {
        callLogId,
      });
    }
    return log;
  }

  private circuitOpen(): SwitchboardError {
    const breaker = this.dialer.breaker;
    return new SwitchboardError(
      'API_UNAVAILABLE',
      'The phone system failed repeatedly, so outbound calls are paused (circuit open); retry after retryAfterMs.',
      {
        circuitBreaker: breaker.state,
        retryAfterMs: Math.max(0, (breaker.reopensAt ?? 0) - this.deps.clock.now()),
      },
    );
  }
}

/** A new call log for a request, before it is dialled or scheduled. */
function newLog(
  request: Omit<OutboundCallRequest, 'priority'> & { priority?: OutboundCallRequest['priority'] },
  fresh: {
    id: string;
    status: 'initiated' | 'queued' | 'scheduled';
    origin: OutboundCallLog['origin'];
    now: number;
  },
): OutboundCallLog {
  const base = waitingLog(
    {
      phoneNumber: request.phoneNumber,
      agentId: request.agentId,
      ...(request.userId !== undefined && { userId: request.userId }),
      ...(request.metadata !== undefined && { metadata: request.metadata }),
      priority: request.priority ?? 'medium',
      retryOf: null,
      retryCount: 0,
    } as OutboundCallLog,
    {
      id: fresh.id,
      status: fresh.status === 'initiated' ? 'queued' : fresh.status,
      origin: fresh.origin,
      scheduledFor: null,
      now: fresh.now,
    },
  );
  return fresh.status === 'initiated' ? { ...base, status: 'initiated', outboundStatus: 'dialing' } : base;
}
