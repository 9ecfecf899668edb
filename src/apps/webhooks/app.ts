import type { SwitchboardApp } from '../app-contract.ts';
import { webhookRoutes } from './routes.ts';
import { WEBHOOK_EVENTS } from './schemas.ts';
import { type WebhookDeps, WebhookService } from './webhooks-service.ts';

/** Webhooks (subscriptions, the outbox and its delivery worker) as the composition root lists it. */
export function createWebhooksApp(deps: WebhookDeps): SwitchboardApp & { readonly service: WebhookService } {
  const webhooks = new WebhookService(deps);
  return {
    name: 'webhooks',
    service: webhooks,
    start: () => webhooks.start(),
    stop: () => webhooks.stop(),
    idle: () => webhooks.idle(),
    get busy() {
      return webhooks.busy;
    },
    routes: [{ prefix: '/api/v1', plugin: async (app) => app.register(webhookRoutes, { webhooks }) }],
    events: WEBHOOK_EVENTS,
    tags: [
      { name: 'webhooks', description: 'Signed HTTP callbacks for events, with retries and redelivery.' },
    ],
    health: () => webhooks.health(),
  };
}
