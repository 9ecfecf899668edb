import { backoffDelay } from '../../core/backoff.ts';
import type { Clock, TimerHandle } from '../../core/clock.ts';
import type { Log } from '../../core/log.ts';
import type { ConnectorStateRepository } from '../../store/types.ts';
import type { CdrBatch, CdrPosition, CdrSource } from './cdr-source.ts';

const POSITION_KEY = 'threecx:position';
/** Segments per read: a backlog of days is read in steps, the position saved after each. */
const SEGMENTS_PER_READ = 500;
const DAY_MS = 86_400_000;

/** What one poll did. */
export interface PollResult {
  readonly ok: boolean;
  readonly segments: number;
  readonly calls: number;
  readonly rejected: number;
  readonly error?: string;
}

export interface PollerDeps {
  readonly source: CdrSource;
  readonly state: ConnectorStateRepository;
  readonly clock: Clock;
  readonly intervalMs: number;
  readonly backfillDays: number;
  /** Records a batch; the position moves past it only once this resolves. */
  readonly onBatch: (batch: CdrBatch) => Promise<void>;
  readonly log: Log;
}

/**
 * Polls the CDR source every interval for segments after the saved position, which is stored after
 * each batch and so survives restarts. A failure (database down, connection reset) keeps the position
 * and retries with back-off, sooner than the interval; the next success resumes where it stood.
 */
export class CdrPoller {
  private timer: TimerHandle | undefined;
  private running: Promise<PollResult> | undefined;
  private queued: Promise<PollResult> | undefined;
  private stopped = true;
  private failures = 0;
  lastPollAt: string | null = null;
  lastError: string | null = null;
  position: CdrPosition | undefined;

  constructor(private readonly deps: PollerDeps) {}

  /** Loads the saved position and polls now, then every interval. */
  async start(): Promise<void> {
    this.stopped = false;
    const saved = await this.deps.state.get(POSITION_KEY);
    this.position = saved === undefined ? undefined : (JSON.parse(saved) as CdrPosition);
    void this.poll();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.deps.clock.clearTimer(this.timer);
    this.timer = undefined;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Resolves once no poll runs. */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  /** Polls now (after the one running, if any); one poll at a time, however many ask. */
  poll(): Promise<PollResult> {
    if (this.running === undefined) return this.run();
    this.queued ??= this.running.then(() => {
      this.queued = undefined;
      return this.run();
    });
    return this.queued;
  }

  private run(): Promise<PollResult> {
    const run = this.drain().finally(() => {
      this.running = undefined;
    });
    this.running = run;
    return run;
  }

  private async drain(): Promise<PollResult> {
    if (this.timer !== undefined) this.deps.clock.clearTimer(this.timer);
    this.timer = undefined;
    let segments = 0;
    let calls = 0;
    let rejected = 0;
    let result: PollResult;
    try {
      const since = new Date(this.deps.clock.now() - this.deps.backfillDays * DAY_MS);
      for (;;) {
        const batch = await this.deps.source.readAfter(this.position, since, SEGMENTS_PER_READ);
        if (batch.next === undefined) break;
        await this.deps.onBatch(batch);
        this.position = batch.next;
        await this.deps.state.set(POSITION_KEY, JSON.stringify(batch.next));
        segments += batch.segments;
        calls += batch.calls.length;
        rejected += batch.rejected.length;
        if (batch.segments < SEGMENTS_PER_READ || this.stopped) break;
      }
      this.failures = 0;
      this.lastError = null;
      result = { ok: true, segments, calls, rejected };
    } catch (error) {
      this.failures += 1;
      this.lastError = error instanceof Error ? error.message : String(error);
      this.deps.log.warn(
        { err: error, failures: this.failures },
        '3CX CDR poll failed; retrying with back-off',
      );
      result = { ok: false, segments, calls, rejected, error: this.lastError };
    }
    this.lastPollAt = new Date(this.deps.clock.now()).toISOString();
    this.schedule();
    return result;
  }

  private schedule(): void {
    if (this.stopped) return;
    const delay =
      this.failures === 0
        ? this.deps.intervalMs
        : backoffDelay({ initialMs: 1_000, maxMs: this.deps.intervalMs }, this.failures - 1);
    this.timer = this.deps.clock.setTimer(delay, () => {
      this.timer = undefined;
      void this.poll();
    });
  }
}
