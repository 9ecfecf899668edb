import { performance } from 'node:perf_hooks';
import { type BackoffPolicy, backoffDelay } from '../../core/backoff.ts';
import type { Clock, TimerHandle } from '../../core/clock.ts';
import { type Log, SILENT_LOG } from '../../core/log.ts';
import type { OutboundFetch } from '../../net/outbound-fetch.ts';
import { signatureHeader } from '../../net/signature.ts';
import type { AttemptOutcome, DueDelivery, WebhookDeliveryRepository } from '../../store/webhook-types.ts';
import type { WebhookSubscription } from './events.ts';
import type { WebhookNotifier } from './notifier.ts';

/** How the worker retries, how long it waits for an answer, how often it looks for work. */
export interface DeliveryOptions {
  /** Deadline of one POST (`WEBHOOK_TIMEOUT_MS`, 10 s). */
  readonly timeoutMs: number;
  /** How long a delivery is retried before it is dead-lettered (`WEBHOOK_RETRY_FOR_MS`, a day). */
  readonly retryForMs: number;
  readonly backoff: BackoffPolicy;
  /** How often it looks for work other processes committed, and subscription changes. */
  readonly pollMs: number;
  /** Fixes the jitter in tests. */
  readonly random?: () => number;
}

/** 10 s, 20 s, 40 s ... capped at an hour, with jitter: about 30 attempts in a day. */
export const DEFAULT_DELIVERY_OPTIONS: DeliveryOptions = {
  timeoutMs: 10_000,
  retryForMs: 24 * 3_600_000,
  backoff: { initialMs: 10_000, factor: 2, maxMs: 3_600_000, jitter: 'equal' },
  pollMs: 5_000,
};

/** What a worker needs of the rest of the app. */
export interface DeliveryWorkerDeps {
  readonly deliveries: WebhookDeliveryRepository;
  /** The active subscriptions by id, as the service holds them now. */
  readonly active: () => ReadonlyMap<string, WebhookSubscription>;
  /** Reloads subscriptions from the store (changes made by other processes). */
  readonly reload: () => Promise<void>;
  readonly fetch: OutboundFetch;
  readonly clock: Clock;
  readonly notifier: WebhookNotifier;
  readonly options: DeliveryOptions;
  /** Each POST's duration and outcome, for the metrics. */
  readonly observe?: (seconds: number, outcome: 'delivered' | 'failed') => void;
  readonly log?: Log;
}

/** Due deliveries read per round. */
const ROUND_SIZE = 200;
/** Rounds per run before yielding to the event loop. */
const MAX_ROUNDS = 50;
/** How long a process holds a delivery it sends: longer than any POST. */
const LEASE_MARGIN_MS = 60_000;
/** Delivered deliveries stay in the log this long; dead and pending ones until dealt with. */
const DELIVERED_KEPT_MS = 7 * 24 * 3_600_000;
const PURGE_EVERY_MS = 3_600_000;
/** How often a process without subscriptions looks for ones another process created. */
const IDLE_POLL_MS = 60_000;
/** Bytes of an answer's body kept for the dead-letter list. */
const RESPONSE_SNIPPET = 1024;

/**
 * Sends the outbox. A run reads the due deliveries — only the oldest pending one of each call per
 * subscription, so each call's events arrive in order — leases each (so no other process sends it),
 * POSTs it signed, and settles it: delivered on a 2xx, otherwise retried after an exponential back-off
 * with jitter until the retry window closes, then dead-lettered with the last answer. It runs when
 * woken (a matching event was committed), when the next retry is due, and every `pollMs`.
 */
export class DeliveryWorker {
  private timer: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private wakeScheduled = false;
  private again = false;
  private stopped = true;
  private lastPurge = Number.NEGATIVE_INFINITY;
  private readonly log: Log;

  constructor(private readonly deps: DeliveryWorkerDeps) {
    this.log = deps.log ?? SILENT_LOG;
  }

  start(): void {
    this.stopped = false;
    this.wake();
  }

  /** Stops looking for work and waits for the POSTs in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.deps.clock.clearTimer(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Sends what is due now, without waiting for a timer; safe to call at any time. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.wakeScheduled) return;
    this.wakeScheduled = true;
    // Not a clock timer: new work must go out now, also while the virtual clock stands still.
    setImmediate(() => {
      this.wakeScheduled = false;
      this.runNow();
    });
  }

  /**
   * Graceful drain: tries every pending delivery once more now, retries not yet due included, and
   * resolves when that is over; what still fails waits in the outbox for the next process.
   */
  async flush(): Promise<void> {
    await this.running;
    await this.runOnce(Number.MAX_SAFE_INTEGER);
  }

  get busy(): boolean {
    return this.running !== undefined || this.wakeScheduled;
  }

  async idle(): Promise<void> {
    while (this.busy) {
      await this.running;
      if (this.wakeScheduled) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Starts a run unless one is going; `reload` first reads subscriptions other processes changed. */
  private runNow(reload = false): void {
    if (this.stopped || this.running) return;
    if (this.timer) this.deps.clock.clearTimer(this.timer);
    this.timer = undefined;
    const run = reload ? this.reloadThenRun() : this.runOnce();
    this.running = run.finally(() => {
      this.running = undefined;
      if (this.stopped) return;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  private async reloadThenRun(): Promise<void> {
    await this.deps.reload().catch((err) => this.log.warn({ err }, 'webhook subscriptions not reloaded'));
    await this.runOnce();
  }

  private async runOnce(horizon?: number): Promise<void> {
    try {
      const tried = new Set<string>();
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const ids = [...this.deps.active().keys()];
        if (ids.length === 0) break;
        const now = this.deps.clock.now();
        // Draining looks past now, so each delivery is tried once: a failure's retry is not tried again.
        const found = await this.deps.deliveries.due(now, ROUND_SIZE, ids, horizon ?? now);
        const due = found.filter((d) => !tried.has(d.id));
        for (const d of due) tried.add(d.id);
        if (due.length === 0) break;
        await this.sendAll(due);
        if (round === MAX_ROUNDS - 1) this.again = true;
      }
      await this.purge();
      await this.scheduleNext();
    } catch (err) {
      this.log.error({ err }, 'webhook delivery run failed');
      this.schedule(this.deps.options.pollMs);
    }
  }

  /** Drops delivered rows past their keeping time, at most hourly. */
  private async purge(): Promise<void> {
    const now = this.deps.clock.now();
    if (now - this.lastPurge < PURGE_EVERY_MS) return;
    this.lastPurge = now;
    await this.deps.deliveries.purge(now - DELIVERED_KEPT_MS);
  }

  private async scheduleNext(): Promise<void> {
    if (this.stopped) return;
    const ids = [...this.deps.active().keys()];
    const next = ids.length === 0 ? undefined : await this.deps.deliveries.nextDue(ids);
    // Without subscriptions there is nothing to send; only other processes' changes are looked for.
    const pollMs = ids.length === 0 ? IDLE_POLL_MS : this.deps.options.pollMs;
    // At least a second: a delivery due now but leased by another process is not ours to spin on.
    const wait =
      next === undefined ? pollMs : Math.min(pollMs, Math.max(next - this.deps.clock.now(), 1_000));
    this.schedule(wait);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) this.deps.clock.clearTimer(this.timer);
    this.timer = this.deps.clock.setTimer(ms, () => {
      this.timer = undefined;
      this.runNow(true);
    });
  }

  /** Subscriptions are served side by side; within one, one POST at a time, in seq order. */
  private async sendAll(due: readonly DueDelivery[]): Promise<void> {
    const bySubscription = new Map<string, DueDelivery[]>();
    for (const delivery of due) {
      const list = bySubscription.get(delivery.subscriptionId) ?? [];
      list.push(delivery);
      bySubscription.set(delivery.subscriptionId, list);
    }
    const active = this.deps.active();
    await Promise.all(
      [...bySubscription].map(async ([id, list]) => {
        const subscription = active.get(id);
        if (!subscription) return;
        const size = subscription.batchSize ?? 1;
        for (let start = 0; start < list.length; start += size) {
          const leased = await this.leaseAll(list.slice(start, start + size));
          if (leased.length > 0) await this.send(subscription, leased);
        }
      }),
    );
  }

  private async leaseAll(batch: readonly DueDelivery[]): Promise<DueDelivery[]> {
    const now = this.deps.clock.now();
    const until = now + this.deps.options.timeoutMs + LEASE_MARGIN_MS;
    const leased: DueDelivery[] = [];
    for (const delivery of batch) {
      if (await this.deps.deliveries.lease(delivery.id, now, until)) leased.push(delivery);
    }
    return leased;
  }

  /** One POST of one delivery, or of a batch as `{"events": [...]}`; settles every delivery in it. */
  private async send(subscription: WebhookSubscription, batch: readonly DueDelivery[]): Promise<void> {
    const { clock, options } = this.deps;
    const body =
      subscription.batchSize === undefined
        ? (batch[0] as DueDelivery).body
        : `{"events":[${batch.map((d) => d.body).join(',')}]}`;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'Switchboard-Webhooks/1',
      'switchboard-delivery-id': batch.map((d) => d.id).join(','),
      'switchboard-signature': signatureHeader(subscription.secret, Math.floor(clock.now() / 1000), body),
    };
    if (batch.length === 1) headers['switchboard-event-type'] = (batch[0] as DueDelivery).eventType;
    const controller = new AbortController();
    const deadline = clock.setTimer(options.timeoutMs, () => controller.abort());
    const started = performance.now();
    let status: number | undefined;
    let response: string | undefined;
    let error: string | undefined;
    try {
      const answer = await this.deps.fetch(subscription.url, {
        method: 'POST',
        headers,
        body,
        signal: controller.signal,
        redirect: 'error',
      });
      status = answer.status;
      response = await snippet(answer);
    } catch (err) {
      error = controller.signal.aborted ? `no answer within ${options.timeoutMs} ms` : describe(err);
    } finally {
      clock.clearTimer(deadline);
    }
    const seconds = (performance.now() - started) / 1000;
    const ok = status !== undefined && status >= 200 && status < 300;
    this.deps.observe?.(seconds, ok ? 'delivered' : 'failed');
    const now = clock.now();
    for (const delivery of batch) {
      const outcome = this.outcome(delivery, now, Math.round(seconds * 1000), {
        ok,
        status,
        response,
        error,
      });
      await this.deps.deliveries.settle(delivery.id, outcome);
      if (outcome.state === 'dead') await this.deadLettered(delivery, outcome);
    }
  }

  private outcome(
    delivery: DueDelivery,
    now: number,
    durationMs: number,
    result: { ok: boolean; status?: number; response?: string; error?: string },
  ): AttemptOutcome {
    const attempts = delivery.attempts + 1;
    const common = {
      attempts,
      lastAttemptMs: now,
      durationMs,
      ...(result.status !== undefined && { lastStatus: result.status }),
      ...(result.response !== undefined && { lastResponse: result.response }),
      ...(result.error !== undefined && { lastError: result.error }),
    };
    if (result.ok) return { ...common, state: 'delivered', nextAttemptMs: now, deliveredAtMs: now };
    const { backoff, retryForMs, random } = this.deps.options;
    const next = now + backoffDelay(backoff, attempts - 1, random);
    const windowEnds = delivery.windowStartMs + retryForMs;
    if (next > windowEnds) return { ...common, state: 'dead', nextAttemptMs: now };
    return { ...common, state: 'pending', nextAttemptMs: next };
  }

  private async deadLettered(delivery: DueDelivery, outcome: AttemptOutcome): Promise<void> {
    this.log.warn(
      { subscriptionId: delivery.subscriptionId, deliveryId: delivery.id, attempts: outcome.attempts },
      'webhook delivery dead-lettered',
    );
    // A failure about a failure is not announced: two failing subscriptions would feed each other.
    if (delivery.eventType.startsWith('webhook.')) return;
    await this.deps.notifier
      .failed({
        subscriptionId: delivery.subscriptionId,
        deliveryId: delivery.id,
        eventSeq: delivery.eventSeq,
        eventType: delivery.eventType,
        attempts: outcome.attempts,
        ...(outcome.lastStatus !== undefined && { lastStatus: outcome.lastStatus }),
        ...(outcome.lastError !== undefined && { lastError: outcome.lastError }),
      })
      .catch((err) => this.log.warn({ err }, 'webhook.failed not published'));
  }
}

/** The start of an answer's body; the rest is not read. */
async function snippet(answer: Response): Promise<string | undefined> {
  if (!answer.body) return undefined;
  const reader = answer.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < RESPONSE_SNIPPET) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  const text = Buffer.concat(chunks).subarray(0, RESPONSE_SNIPPET).toString('utf8');
  return text.length > 0 ? text : undefined;
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: string }).code ?? (err.cause as { code?: string } | undefined)?.code;
    return code ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}
