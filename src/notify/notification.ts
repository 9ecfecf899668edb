/**
 * Notifications to people outside a call: supervisors told of an emergency, and later reports.
 * A sink delivers them (SMS gateway, e-mail, webhook); which one is configuration.
 */
export type NotificationChannel = 'sms' | 'email' | 'webhook';

export interface Notification {
  readonly id: string;
  readonly channel: NotificationChannel;
  /** Who it is for: an agent id, a phone number or an address, as the channel understands it. */
  readonly to: string;
  readonly subject: string;
  readonly body: string;
  /** What it is about, for the audit trail (`emergency:<id>`). */
  readonly topic: string;
  readonly at: string;
}

/**
 * Where notifications go. `send` resolves once the message is accepted for delivery; it rejects when
 * it was not, so the caller can record the failure — a notification is never dropped silently.
 */
export interface NotificationSink {
  send(notification: Notification): Promise<void>;
}

/**
 * The simulator's sink: keeps every message (newest last) so tests and users can read what would have
 * been sent. Bounded, since a long-running demo server must not grow without end.
 */
export class MemorySink implements NotificationSink {
  private readonly messages: Notification[] = [];

  constructor(private readonly keep = 10_000) {}

  async send(notification: Notification): Promise<void> {
    this.messages.push(notification);
    if (this.messages.length > this.keep) this.messages.shift();
  }

  /** Messages kept, optionally only those about `topic` or for `to`. */
  list(filter: { topic?: string; to?: string } = {}): Notification[] {
    return this.messages.filter(
      (m) =>
        (filter.topic === undefined || m.topic === filter.topic) &&
        (filter.to === undefined || m.to === filter.to),
    );
  }

  clear(): void {
    this.messages.length = 0;
  }
}
