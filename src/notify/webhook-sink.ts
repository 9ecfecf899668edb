import type { OutboundFetch } from '../net/outbound-fetch.ts';
import { signatureHeader } from '../net/signature.ts';
import type { Notification, NotificationSink } from './notification.ts';

/**
 * Alerts POSTed as JSON (the notification itself) to one URL, signed like webhook deliveries
 * (`Switchboard-Signature`), through the outbound-host policy. A pager or chat bridge takes it from
 * there. Event subscriptions (`/api/v1/webhooks`) also carry `emergency.*` events, with retries.
 */
export class WebhookSink implements NotificationSink {
  constructor(
    private readonly fetch: OutboundFetch,
    private readonly url: string,
    private readonly secret: string,
    private readonly now: () => number,
  ) {}

  async send(notification: Notification): Promise<void> {
    const body = JSON.stringify(notification);
    const response = await this.fetch(this.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'switchboard-signature': signatureHeader(this.secret, Math.floor(this.now() / 1000), body),
      },
      body,
    });
    await response.body?.cancel();
    if (response.status < 200 || response.status >= 300)
      throw new Error(`the alert webhook answered ${response.status}`);
  }
}

/** Every configured sink gets each notification; it fails when any of them failed (after trying all). */
export class FanOutSink implements NotificationSink {
  constructor(private readonly sinks: readonly NotificationSink[]) {}

  async send(notification: Notification): Promise<void> {
    const results = await Promise.allSettled(this.sinks.map((sink) => sink.send(notification)));
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
    if (failed.length > 0) throw new Error(failed.join('; '));
  }
}
