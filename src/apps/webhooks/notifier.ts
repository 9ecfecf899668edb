import type { NewDomainEvent } from '../../core/events.ts';
import type { WebhookEventDataMap } from './events.ts';

/** The one place the webhooks app publishes its events. */
export class WebhookNotifier {
  constructor(private readonly publish: (event: NewDomainEvent) => Promise<unknown>) {}

  /** A delivery moved to the dead-letter list. */
  failed(data: WebhookEventDataMap['webhook.failed']): Promise<unknown> {
    return this.publish({ type: 'webhook.failed', data });
  }
}
