import nodemailer, { type Transporter } from 'nodemailer';
import type { Notification, NotificationSink } from './notification.ts';

export interface EmailSinkOptions {
  /** The SMTP server: `smtp://user:pass@host:587`, `smtps://host:465` (`SMTP_URL`). */
  readonly url: string;
  /** The sender (`ALERT_EMAIL_FROM`). */
  readonly from: string;
  /** Who gets every alert (`ALERT_EMAIL_TO`). */
  readonly to: readonly string[];
}

/**
 * Alerts by e-mail over SMTP (nodemailer). `send` resolves once the SMTP server accepted the message
 * for every recipient and rejects otherwise, so the emergency's audit trail records the failure.
 */
export class EmailSink implements NotificationSink {
  private readonly transport: Transporter;

  constructor(private readonly options: EmailSinkOptions) {
    this.transport = nodemailer.createTransport(options.url);
  }

  async send(notification: Notification): Promise<void> {
    const info = await this.transport.sendMail({
      from: this.options.from,
      to: [...this.options.to],
      subject: notification.subject,
      text: notification.body,
      headers: { 'X-Switchboard-Topic': notification.topic, 'X-Switchboard-Notification': notification.id },
    });
    const rejected = info.rejected ?? [];
    if (rejected.length > 0) throw new Error(`the SMTP server refused ${rejected.join(', ')}`);
  }
}
