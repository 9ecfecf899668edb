import { splitList } from './lists.ts';

/**
 * Alert sinks, each on when its variables are set: e-mail (`SMTP_URL`, `ALERT_EMAIL_TO`,
 * `ALERT_EMAIL_FROM`), SMS through an HTTP gateway (`SMS_GATEWAY_URL`, `SMS_GATEWAY_TOKEN`,
 * `ALERT_SMS_TO`), and a signed webhook (`ALERT_WEBHOOK_URL`, `ALERT_WEBHOOK_SECRET`).
 */
export interface AlertConfig {
  readonly email?: { readonly url: string; readonly from: string; readonly to: readonly string[] };
  readonly sms?: { readonly gatewayUrl: string; readonly token?: string; readonly to: readonly string[] };
  readonly webhook?: { readonly url: string; readonly secret: string };
}

/** The alert sinks the environment asks for; a half-configured sink stops the start. */
export function alertConfig(e: {
  SMTP_URL?: string | undefined;
  ALERT_EMAIL_FROM?: string | undefined;
  ALERT_EMAIL_TO?: string | undefined;
  SMS_GATEWAY_URL?: string | undefined;
  SMS_GATEWAY_TOKEN?: string | undefined;
  ALERT_SMS_TO?: string | undefined;
  ALERT_WEBHOOK_URL?: string | undefined;
  ALERT_WEBHOOK_SECRET?: string | undefined;
}): AlertConfig {
  const emailTo = splitList(e.ALERT_EMAIL_TO);
  const smsTo = splitList(e.ALERT_SMS_TO);
  if ((e.SMTP_URL === undefined) !== (emailTo.length === 0)) {
    throw new Error('Invalid configuration: SMTP_URL and ALERT_EMAIL_TO go together; set both or neither');
  }
  if ((e.SMS_GATEWAY_URL === undefined) !== (smsTo.length === 0)) {
    throw new Error(
      'Invalid configuration: SMS_GATEWAY_URL and ALERT_SMS_TO go together; set both or neither',
    );
  }
  if ((e.ALERT_WEBHOOK_URL === undefined) !== (e.ALERT_WEBHOOK_SECRET === undefined)) {
    throw new Error('Invalid configuration: ALERT_WEBHOOK_URL needs ALERT_WEBHOOK_SECRET (16+ characters)');
  }
  return {
    ...(e.SMTP_URL !== undefined && {
      email: { url: e.SMTP_URL, from: e.ALERT_EMAIL_FROM ?? 'switchboard@localhost', to: emailTo },
    }),
    ...(e.SMS_GATEWAY_URL !== undefined && {
      sms: {
        gatewayUrl: e.SMS_GATEWAY_URL,
        to: smsTo,
        ...(e.SMS_GATEWAY_TOKEN !== undefined && { token: e.SMS_GATEWAY_TOKEN }),
      },
    }),
    ...(e.ALERT_WEBHOOK_URL !== undefined &&
      e.ALERT_WEBHOOK_SECRET !== undefined && {
        webhook: { url: e.ALERT_WEBHOOK_URL, secret: e.ALERT_WEBHOOK_SECRET },
      }),
  };
}
