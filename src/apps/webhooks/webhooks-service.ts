import { randomBytes, randomUUID } from 'node:crypto';
import { type Clock, iso } from '../../core/clock.ts';
import { SwitchboardError } from '../../core/errors.ts';
import type { DomainEvent, NewDomainEvent } from '../../core/events.ts';
import { timeOrderedId } from '../../core/ids.ts';
import type { Log } from '../../core/log.ts';
import type { EventFeed, OutboxRouter } from '../../engine/types.ts';
import type { OutboundFetch } from '../../net/outbound-fetch.ts';
import { type OutboundPolicy, OutboundRefusedError } from '../../net/outbound-policy.ts';
import type { Store } from '../../store/types.ts';
import type { DeliveryState, OutboxEntry, StoredDelivery } from '../../store/webhook-types.ts';
import { type DeliveryOptions, DeliveryWorker } from './delivery-worker.ts';
import type { WebhookSubscription } from './events.ts';
import { WebhookNotifier } from './notifier.ts';
import { type WebhookSubscriptionRepository, webhookSubscriptionRepository } from './repository.ts';

/**
 * How long a batching subscription's events wait for others to join them. On the clock, so what goes
 * in a POST does not depend on how fast the receiver answered the previous one.
 */
export const BATCH_GATHER_MS = 1_000;

export interface WebhookDeps {
  readonly engine: { useOutbox(router: OutboxRouter): void; readonly events: EventFeed };
  readonly publish: (event: NewDomainEvent) => Promise<unknown>;
  readonly store: Pick<Store, 'webhookSubscriptions' | 'webhookDeliveries'>;
  readonly clock: Clock;
  /** The one outbound-host policy, and the fetch that follows it. */
  readonly outbound: { readonly fetch: OutboundFetch; readonly policy: OutboundPolicy };
  readonly options: DeliveryOptions;
  readonly observe?: (seconds: number, outcome: 'delivered' | 'failed') => void;
  readonly log?: Log;
}

export type CreateWebhook = Pick<WebhookSubscription, 'url' | 'events' | 'active'> &
  Partial<Pick<WebhookSubscription, 'secret' | 'description' | 'batchSize'>>;

export type UpdateWebhook = Partial<Omit<CreateWebhook, 'batchSize'>> & { batchSize?: number | null };

/** A subscription as listed: the secret is shown only when it is set. */
export type WebhookView = Omit<WebhookSubscription, 'secret'> & { figures?: FiguresView };

export interface FiguresView {
  readonly pending: number;
  readonly delivered: number;
  readonly dead: number;
  readonly attempts: number;
  readonly meanDurationMs?: number;
  readonly lastDeliveredAt?: string;
}

/** A delivery as the log shows it. */
export interface DeliveryView {
  readonly id: string;
  readonly eventSeq: number;
  readonly callId?: string;
  readonly state: DeliveryState;
  readonly attempts: number;
  readonly nextAttemptAt?: string;
  readonly createdAt: string;
  readonly lastAttemptAt?: string;
  readonly lastStatus?: number;
  readonly lastError?: string;
  readonly lastResponse?: string;
  readonly durationMs?: number;
  readonly deliveredAt?: string;
}

/** A subscription with its event patterns read into a test. */
interface Compiled {
  readonly subscription: WebhookSubscription;
  readonly matches: (type: string) => boolean;
}

/**
 * Webhook subscriptions and their outbox. Each committed event that a subscription's patterns match
 * gets a delivery row in the event's own commit (the router below, handed to the engine); the
 * delivery worker sends them. With no active subscription the router answers at once with nothing,
 * so the hot path pays nothing for webhooks it does not use.
 */
export class WebhookService {
  private readonly repo: WebhookSubscriptionRepository;
  private readonly worker: DeliveryWorker;
  private compiled: readonly Compiled[] = [];
  private activeById: ReadonlyMap<string, WebhookSubscription> = new Map();
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly deps: WebhookDeps) {
    this.repo = webhookSubscriptionRepository(deps.store);
    this.worker = new DeliveryWorker({
      deliveries: deps.store.webhookDeliveries,
      active: () => this.activeById,
      reload: () => this.reload(),
      fetch: deps.outbound.fetch,
      clock: deps.clock,
      notifier: new WebhookNotifier(deps.publish),
      options: deps.options,
      ...(deps.observe && { observe: deps.observe }),
      ...(deps.log && { log: deps.log }),
    });
  }

  /**
   * Routes events into the outbox from now on. The composition root calls it before the engine
   * starts, so that the ends of calls a previous process left live reach the webhooks too.
   */
  async attach(): Promise<void> {
    if (this.unsubscribe) return;
    await this.reload();
    this.deps.engine.useOutbox(this.route);
    // After the commit: the worker reads the rows the commit wrote.
    this.unsubscribe = this.deps.engine.events.subscribe((event) => {
      if (this.compiled.some((c) => c.matches(event.type))) this.worker.wake();
    });
  }

  /** Starts sending (what a previous process left undelivered first). */
  async start(): Promise<void> {
    await this.attach();
    this.worker.start();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    await this.worker.stop();
  }

  /** Sends what is due once more and waits for it (graceful drain), then stops. */
  async drain(): Promise<void> {
    await this.worker.flush();
  }

  get busy(): boolean {
    return this.worker.busy;
  }

  idle(): Promise<void> {
    return this.worker.idle();
  }

  /** Figures for GET /health. */
  health(): { subscriptions: number } {
    return { subscriptions: this.compiled.length };
  }

  /** The outbox rows of a batch of events; see {@link OutboxRouter}. */
  private readonly route: OutboxRouter = (events, atMs) => {
    const compiled = this.compiled;
    if (compiled.length === 0) return undefined;
    const entries: OutboxEntry[] = [];
    for (const event of events) {
      for (const { subscription, matches } of compiled) {
        if (!matches(event.type) || isAbout(event, subscription.id)) continue;
        entries.push({
          id: timeOrderedId(),
          subscriptionId: subscription.id,
          eventSeq: event.seq,
          orderKey: event.callId ?? null,
          createdAtMs: atMs,
          ...(subscription.batchSize !== undefined && { firstAttemptMs: atMs + BATCH_GATHER_MS }),
        });
      }
    }
    return entries.length > 0 ? entries : undefined;
  };

  /** Reads the subscriptions again (also those another process changed). */
  async reload(): Promise<void> {
    this.useSubscriptions(await this.repo.list());
  }

  private useSubscriptions(all: readonly WebhookSubscription[]): void {
    const active = all.filter((s) => s.active);
    this.compiled = active.map((subscription) => ({ subscription, matches: matcher(subscription.events) }));
    this.activeById = new Map(active.map((s) => [s.id, s]));
  }

  async create(input: CreateWebhook): Promise<WebhookSubscription> {
    await this.checkTarget(input.url);
    const at = iso(this.deps.clock.now());
    const subscription: WebhookSubscription = {
      id: `wh_${randomUUID()}`,
      url: input.url,
      events: [...new Set(input.events)],
      secret: input.secret ?? `whsec_${randomBytes(24).toString('base64url')}`,
      active: input.active,
      ...(input.description !== undefined && { description: input.description }),
      ...(input.batchSize !== undefined && { batchSize: input.batchSize }),
      createdAt: at,
      updatedAt: at,
    };
    await this.repo.save(subscription);
    await this.reload();
    return subscription;
  }

  async list(): Promise<WebhookView[]> {
    return (await this.repo.list()).map(view);
  }

  /** One subscription with its delivery figures. */
  async get(id: string): Promise<WebhookView> {
    const subscription = await this.find(id);
    const f = await this.deps.store.webhookDeliveries.figures(id);
    const figures: FiguresView = {
      pending: f.pending,
      delivered: f.delivered,
      dead: f.dead,
      attempts: f.attempts,
      ...(f.meanDurationMs !== undefined && { meanDurationMs: f.meanDurationMs }),
      ...(f.lastDeliveredAtMs !== undefined && { lastDeliveredAt: iso(f.lastDeliveredAtMs) }),
    };
    return { ...view(subscription), figures };
  }

  /** Changes a subscription; answers it with its secret when the secret was set. */
  async update(id: string, changes: UpdateWebhook): Promise<WebhookSubscription> {
    const current = await this.find(id);
    if (changes.url !== undefined) await this.checkTarget(changes.url);
    const { batchSize, ...rest } = changes;
    const { batchSize: keptSize, ...base } = current;
    // Absent keeps the batch size; null goes back to one event per POST.
    const size = batchSize === undefined ? keptSize : (batchSize ?? undefined);
    const next: WebhookSubscription = {
      ...base,
      ...definedOnly(rest),
      ...(changes.events !== undefined && { events: [...new Set(changes.events)] }),
      ...(size !== undefined && { batchSize: size }),
      updatedAt: iso(this.deps.clock.now()),
    };
    await this.repo.save(next);
    await this.reload();
    // Reactivated: what waited while it was paused goes out now.
    this.worker.wake();
    return next;
  }

  /** Deletes a subscription and its deliveries (pending ones are not sent). */
  async delete(id: string): Promise<void> {
    await this.find(id);
    await this.repo.delete(id);
    await this.reload();
    await this.deps.store.webhookDeliveries.deleteFor(id);
  }

  /** The delivery log of a subscription, newest first. */
  async deliveries(
    id: string,
    filter: { state?: DeliveryState; beforeSeq?: number; limit: number },
  ): Promise<DeliveryView[]> {
    await this.find(id);
    return (await this.deps.store.webhookDeliveries.list(id, filter)).map(deliveryView);
  }

  async delivery(id: string, deliveryId: string): Promise<DeliveryView> {
    await this.find(id);
    const found = await this.deps.store.webhookDeliveries.get(deliveryId);
    if (!found || found.subscriptionId !== id) throw new SwitchboardError('DELIVERY_NOT_FOUND');
    return deliveryView(found);
  }

  /** Sends deliveries again (the whole dead-letter list without ids); answers how many. */
  async redeliver(id: string, deliveryIds?: readonly string[]): Promise<number> {
    await this.find(id);
    const count = await this.deps.store.webhookDeliveries.redeliver(id, this.deps.clock.now(), deliveryIds);
    this.worker.wake();
    return count;
  }

  private async find(id: string): Promise<WebhookSubscription> {
    const found = await this.repo.get(id);
    if (!found) throw new SwitchboardError('WEBHOOK_NOT_FOUND');
    return found;
  }

  /**
   * Refuses a URL the outbound-host policy denies now, so the mistake shows at once rather than as a
   * dead letter a day later. A name that does not resolve yet is let through: DNS may catch up.
   */
  private async checkTarget(url: string): Promise<void> {
    try {
      await this.deps.outbound.policy.resolve(new URL(url).hostname);
    } catch (error) {
      if (error instanceof OutboundRefusedError) {
        throw new SwitchboardError('WEBHOOK_TARGET_REFUSED', undefined, { url, reason: error.message });
      }
    }
  }
}

/** A test for a list of patterns: `*`, `call.*` (the family and its sub-families) or an exact type. */
export function matcher(patterns: readonly string[]): (type: string) => boolean {
  if (patterns.includes('*')) return () => true;
  const exact = new Set(patterns.filter((p) => !p.endsWith('.*')));
  const prefixes = patterns.filter((p) => p.endsWith('.*')).map((p) => p.slice(0, -1));
  return (type) => exact.has(type) || prefixes.some((prefix) => type.startsWith(prefix));
}

/** An event about a subscription's own failures is not sent to it: it could only fail again. */
function isAbout(event: DomainEvent, subscriptionId: string): boolean {
  return event.type === 'webhook.failed' && event.data.subscriptionId === subscriptionId;
}

function view(subscription: WebhookSubscription): WebhookView {
  const { secret: _secret, ...rest } = subscription;
  return rest;
}

function deliveryView(d: StoredDelivery): DeliveryView {
  return {
    id: d.id,
    eventSeq: d.eventSeq,
    ...(d.orderKey !== null && { callId: d.orderKey }),
    state: d.state,
    attempts: d.attempts,
    ...(d.state === 'pending' && { nextAttemptAt: iso(d.nextAttemptMs) }),
    createdAt: iso(d.createdAtMs),
    ...(d.lastAttemptMs !== undefined && { lastAttemptAt: iso(d.lastAttemptMs) }),
    ...(d.lastStatus !== undefined && { lastStatus: d.lastStatus }),
    ...(d.lastError !== undefined && { lastError: d.lastError }),
    ...(d.lastResponse !== undefined && { lastResponse: d.lastResponse }),
    ...(d.durationMs !== undefined && { durationMs: d.durationMs }),
    ...(d.deliveredAtMs !== undefined && { deliveredAt: iso(d.deliveredAtMs) }),
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
