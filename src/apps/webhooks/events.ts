/** A webhook subscription: where matching events are POSTed, signed with its secret. */
export interface WebhookSubscription {
  readonly id: string;
  /** http(s) URL; the outbound-host policy decides whether it may be reached. */
  readonly url: string;
  /** Event types: exact (`call.ended`), a family (`call.*`), or `*` for every event. */
  readonly events: readonly string[];
  /** Signs each POST (HMAC-SHA256); shown once, when the subscription is created or its secret set. */
  readonly secret: string;
  readonly active: boolean;
  readonly description?: string;
  /** Several events per POST (`{"events": [...]}`), at most this many; absent: one event per POST. */
  readonly batchSize?: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** The webhooks app's events and what each carries in `data`. */
export interface WebhookEventDataMap {
  /** A delivery kept failing for the whole retry window and moved to the dead-letter list. */
  'webhook.failed': {
    readonly subscriptionId: string;
    readonly deliveryId: string;
    readonly eventSeq: number;
    readonly eventType: string;
    readonly attempts: number;
    readonly lastStatus?: number;
    readonly lastError?: string;
  };
}

declare module '../../core/events.ts' {
  interface DomainEventDataMap extends WebhookEventDataMap {}
}
