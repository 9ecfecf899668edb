import type { Clock, TimerHandle } from './clock.ts';
import type { Log } from './log.ts';
import type { KeyedSerialQueue } from './serial-queue.ts';

/**
 * Durable jobs: work due at a time (a scheduled call, a paced bulk entry, a retry) kept in the store
 * so that a restart loses none and no two processes run one twice. The store implements
 * {@link JobQueue}; {@link JobRunner} claims what is due and hands it to the kind's handler.
 */

/** `pending` until claimed; `running` while a process holds it (until its lease ends); then `done` or `canceled`. */
export type JobState = 'pending' | 'running' | 'done' | 'canceled';

export interface NewJob {
  /** Chosen by the caller, so that adding the same job twice (a retried step) adds it once. */
  readonly id: string;
  /** Which handler runs it (`outbound.start`, `campaign.dial`, ...). */
  readonly kind: string;
  /** Epoch ms from which it may run. */
  readonly runAt: number;
  /** Higher runs first among jobs that are due; default 0. */
  readonly priority?: number;
  readonly payload: Readonly<Record<string, unknown>>;
}

export interface Job extends NewJob {
  readonly priority: number;
  readonly state: JobState;
  /** How many times it was claimed (a claim whose process died counts too). */
  readonly attempts: number;
  readonly owner?: string;
  readonly leaseUntil?: number;
}

/**
 * The store's job queue. What callers may rely on, on every backend:
 * - `add` inserts each job as `pending`; an id already present is left untouched (no error).
 * - `claim` moves up to `limit` pending jobs of `kind` due by `now` to `running` for `owner` until
 *   `now + leaseMs`, highest priority first, then earliest `runAt`, then id; it is atomic across
 *   processes sharing the database: a job is handed to exactly one claim (PostgreSQL: row locks with
 *   SKIP LOCKED; SQLite: one writer at a time).
 * - `complete` and `release` act only while `owner` still holds the job (a fence against a process whose
 *   lease ran out and whose job was taken over): `complete` ends it `done`, `release` puts it back to
 *   `pending` at `runAt`. Both answer whether they did.
 * - `cancel` ends a `pending` job `canceled`; it answers false for a running or finished one.
 * - `recover` puts back to `pending` the running jobs of `kind` whose lease ended by `now` (their process
 *   died); answers how many.
 * - `nextRunAt` is the earliest `runAt` of the pending jobs of `kind`; `count` counts jobs of a kind in a
 *   state (due by `dueBy` when given).
 */
export interface JobQueue {
  add(jobs: readonly NewJob[]): Promise<void>;
  claim(request: {
    readonly kind: string;
    readonly now: number;
    readonly limit: number;
    readonly owner: string;
    readonly leaseMs: number;
  }): Promise<Job[]>;
  complete(id: string, owner: string): Promise<boolean>;
  release(id: string, owner: string, runAt: number): Promise<boolean>;
  cancel(id: string): Promise<boolean>;
  recover(kind: string, now: number): Promise<number>;
  get(id: string): Promise<Job | undefined>;
  nextRunAt(kind: string): Promise<number | undefined>;
  count(kind: string, state: JobState, dueBy?: number): Promise<number>;
}

/** What runs the jobs of one kind. */
export interface JobHandler {
  readonly kind: string;
  /** How many more jobs of the kind may start at this instant (limits and pacing); 0 to wait. */
  capacity(): number;
  /**
   * When capacity is 0: the instant to look again (pacing), or undefined to wait for
   * {@link JobRunner.wake} (a concurrency limit, freed when something ends).
   */
  notBefore?(): number | undefined;
  /**
   * Runs a claimed job. `done` completes it; `{ retryAt }` puts it back to wait (it could not run
   * yet). A throw is logged and completes it: a job that fails the same way each time must not loop.
   */
  run(job: Job): Promise<'done' | { readonly retryAt: number }>;
}

export interface JobRunnerOptions {
  readonly queue: JobQueue;
  readonly clock: Clock;
  /** This process's token for its claims. */
  readonly owner: string;
  /** How long a claim holds a job before another process may take it over; default 60 s. */
  readonly leaseMs?: number;
  /** Most jobs claimed in one round per kind; default 50. */
  readonly batch?: number;
  readonly log?: Log;
}

/**
 * Runs due jobs: one timer on the clock at the earliest due job (or pacing instant) of its kinds,
 * nothing polled. {@link wake} after adding a job or freeing capacity. Rounds run one at a time.
 */
export class JobRunner {
  private readonly handlers = new Map<string, JobHandler>();
  private timer: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly leaseMs: number;
  private readonly batch: number;
  /** Dead processes' jobs are looked for now and then (every half lease), not on every round. */
  private recoverAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: JobRunnerOptions) {
    this.leaseMs = options.leaseMs ?? 60_000;
    this.batch = options.batch ?? 50;
  }

  register(handler: JobHandler): void {
    this.handlers.set(handler.kind, handler);
  }

  /** Takes over the jobs a dead process held (`all`: every running one, for the embedded store), then runs. */
  async start(options: { readonly recoverAll?: boolean } = {}): Promise<void> {
    this.stopped = false;
    const now = options.recoverAll ? Number.MAX_SAFE_INTEGER : this.options.clock.now();
    for (const kind of this.handlers.keys()) await this.options.queue.recover(kind, now);
    this.wake();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) this.options.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  /** Whether a round or a job is under way. */
  get busy(): boolean {
    return this.running !== undefined || this.inFlight > 0;
  }

  idle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * A job was added that is due at `at`: runs a round now if it is due, else only makes sure the timer
   * goes off by then (adding many future jobs costs no round each).
   */
  added(at: number): void {
    if (this.stopped) return;
    if (at <= this.options.clock.now() || this.running) {
      this.wake();
      return;
    }
    if (!this.timer || this.timer.due > at) this.arm(at);
  }

  /** Runs a round soon: something was added, or capacity freed. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.inFlight++;
    this.running = this.round()
      .catch((err) => this.options.log?.error({ err }, 'job round failed'))
      .finally(() => {
        this.running = undefined;
        this.inFlight--;
        if (this.again) {
          this.again = false;
          this.wake();
        }
        this.settle();
      });
  }

  private async round(): Promise<void> {
    const { clock, queue } = this.options;
    let next = Number.POSITIVE_INFINITY;
    for (const handler of this.handlers.values()) {
      if (this.stopped) return;
      const now = clock.now();
      if (now >= this.recoverAt) await queue.recover(handler.kind, now);
      const room = handler.capacity();
      if (room <= 0) {
        const at = handler.notBefore?.();
        // Only a later instant: one at `now` would fire at once and find the same.
        if (at !== undefined && at > now) next = Math.min(next, at);
        continue;
      }
      const jobs = await queue.claim({
        kind: handler.kind,
        now,
        limit: Math.min(room, this.batch),
        owner: this.options.owner,
        leaseMs: this.leaseMs,
      });
      for (const job of jobs) this.dispatch(handler, job);
      if (jobs.length > 0) {
        // More may be due behind them; the next round looks once these have started.
        this.again = true;
        continue;
      }
      const due = await queue.nextRunAt(handler.kind);
      if (due !== undefined) next = Math.min(next, Math.max(due, now));
    }
    if (clock.now() >= this.recoverAt) this.recoverAt = clock.now() + this.leaseMs / 2;
    this.arm(next);
  }

  private dispatch(handler: JobHandler, job: Job): void {
    const { queue, owner, log, clock } = this.options;
    this.inFlight++;
    void handler
      .run(job)
      .catch((err) => {
        log?.error({ err, jobId: job.id, kind: job.kind }, 'job failed');
        return 'done' as const;
      })
      .then((outcome) =>
        outcome === 'done'
          ? queue.complete(job.id, owner)
          : queue.release(job.id, owner, Math.max(outcome.retryAt, clock.now())),
      )
      .catch((err) => log?.error({ err, jobId: job.id }, 'could not settle a job'))
      .finally(() => {
        this.inFlight--;
        this.wake();
        this.settle();
      });
  }

  private arm(at: number): void {
    if (this.timer) this.options.clock.clearTimer(this.timer);
    this.timer = undefined;
    if (this.stopped || !Number.isFinite(at)) return;
    this.timer = this.options.clock.setTimer(at - this.options.clock.now(), () => {
      this.timer = undefined;
      this.wake();
    });
  }

  private settle(): void {
    if (this.busy) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}

/** Whether a runner, or the lane its jobs do their work in, has anything in hand. */
export function runnerOrLaneBusy(runner: JobRunner, lane: KeyedSerialQueue): boolean {
  return lane.size > 0 || runner.busy;
}

/**
 * Resolves once a runner and its lane are both still. Each can start work in the other (a job queues
 * lane work, lane work adds jobs), so it looks again until neither has any.
 */
export async function runnerAndLaneIdle(runner: JobRunner, lane: KeyedSerialQueue): Promise<void> {
  do {
    await lane.idle();
    await runner.idle();
  } while (runnerOrLaneBusy(runner, lane));
}
