import type { OutboundFetch } from '../net/outbound-fetch.ts';
import { EmailSink } from './email-sink.ts';
import type { NotificationSink } from './notification.ts';
import { HttpSmsProvider, SmsSink } from './sms-sink.ts';
import { WebhookSink } from './webhook-sink.ts';

/** The alert sinks a configuration asks for (as `AlertConfig` in config.ts describes them). */
export interface AlertSinkSettings {
  readonly email?: { readonly url: string; readonly from: string; readonly to: readonly string[] };
  readonly sms?: { readonly gatewayUrl: string; readonly token?: string; readonly to: readonly string[] };
  readonly webhook?: { readonly url: string; readonly secret: string };
}

/** Builds the configured sinks; none when nothing is configured. */
export function alertSinks(
  settings: AlertSinkSettings,
  fetch: OutboundFetch,
  now: () => number,
): NotificationSink[] {
  const sinks: NotificationSink[] = [];
  if (settings.email) sinks.push(new EmailSink(settings.email));
  if (settings.sms) {
    const provider = new HttpSmsProvider(fetch, settings.sms.gatewayUrl, settings.sms.token);
    sinks.push(new SmsSink(provider, settings.sms.to));
  }
  if (settings.webhook)
    sinks.push(new WebhookSink(fetch, settings.webhook.url, settings.webhook.secret, now));
  return sinks;
}

/** Where alerts go when no sink is configured: each is refused, so the audit trail says it was not sent. */
export const NO_SINK: NotificationSink = {
  send: async () => {
    throw new Error('no alert sink is configured (SMTP_URL, SMS_GATEWAY_URL or ALERT_WEBHOOK_URL)');
  },
};
