import type { ConfigRepository, Store } from '../../store/types.ts';
import type { WebhookSubscription } from './events.ts';

/** Webhook subscriptions as stored: the JSON document this app saved. */
export type WebhookSubscriptionRepository = ConfigRepository<WebhookSubscription>;

/** The subscription table of the store, typed as what this app writes there (and only this app does). */
export function webhookSubscriptionRepository(
  store: Pick<Store, 'webhookSubscriptions'>,
): WebhookSubscriptionRepository {
  return store.webhookSubscriptions as WebhookSubscriptionRepository;
}
