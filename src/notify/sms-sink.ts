import type { OutboundFetch } from '../net/outbound-fetch.ts';
import type { Notification, NotificationSink } from './notification.ts';

/**
 * An SMS gateway. Providers differ (Twilio, Vonage, a GSM modem's HTTP bridge); each is one
 * implementation of this. `send` resolves once the provider accepted the message.
 */
export interface SmsProvider {
  send(to: string, text: string): Promise<void>;
}

/** SMS text is short: the subject, then as much of the body as fits in a few segments. */
const MAX_SMS = 459;

/** Alerts by SMS to fixed numbers, through a provider. */
export class SmsSink implements NotificationSink {
  constructor(
    private readonly provider: SmsProvider,
    private readonly numbers: readonly string[],
  ) {}

  async send(notification: Notification): Promise<void> {
    const text = notification.body.slice(0, MAX_SMS);
    const results = await Promise.allSettled(this.numbers.map((to) => this.provider.send(to, text)));
    const failed = results.flatMap((r, i) =>
      r.status === 'rejected' ? [`${this.numbers[i]}: ${r.reason}`] : [],
    );
    if (failed.length > 0) throw new Error(`SMS not accepted for ${failed.join('; ')}`);
  }
}

/**
 * The generic HTTP gateway: POSTs `{"to": "+1...", "text": "..."}` as JSON, with a bearer token when
 * given; any 2xx is accepted. It goes through the outbound-host policy like every outbound request.
 */
export class HttpSmsProvider implements SmsProvider {
  constructor(
    private readonly fetch: OutboundFetch,
    private readonly url: string,
    private readonly token?: string,
  ) {}

  async send(to: string, text: string): Promise<void> {
    const response = await this.fetch(this.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(this.token !== undefined && { authorization: `Bearer ${this.token}` }),
      },
      body: JSON.stringify({ to, text }),
    });
    await response.body?.cancel();
    if (response.status < 200 || response.status >= 300)
      throw new Error(`the SMS gateway answered ${response.status}`);
  }
}
