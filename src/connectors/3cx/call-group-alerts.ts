import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import type { Clock } from '../../core/clock.ts';
import { SwitchboardError } from '../../core/errors.ts';
import type { Log } from '../../core/log.ts';
import { deliver } from '../../notify/deliver.ts';
import type { NotificationChannel, NotificationSink } from '../../notify/notification.ts';
import type { Store } from '../../store/types.ts';
import { type ThreeCxConfig, WEEKDAY_NAMES } from './config.ts';
import type { CallGroupAlert } from './events.ts';
import type { ThreeCxNotifier } from './notifier.ts';
import type { PbxCall } from './pbx-call.ts';

/**
 * Who is available in a call group right now: 3CX's queue and ring-group membership, or for a group that
 * is one of Switchboard's own queues, the ACD's agents. `undefined` when it cannot tell (no alert then).
 */
export interface GroupPresence {
  available(groupId: string): Promise<number | undefined>;
}

export interface AlertInput {
  readonly callGroupId: string;
  readonly callGroupName: string;
  readonly alertType: string;
  readonly alertMessage: string;
}

export interface AlertDeps {
  readonly store: Pick<Store, 'callGroupAlerts'>;
  readonly clock: Clock;
  readonly notifier: ThreeCxNotifier;
  readonly sink?: NotificationSink;
  readonly presence?: GroupPresence;
  readonly config: Pick<ThreeCxConfig, 'businessHours' | 'callGroups' | 'alerts'>;
  readonly log: Log;
}

/** Whether `at` falls in the configured business hours; always, when none are configured. */
export function inBusinessHours(hours: ThreeCxConfig['businessHours'], at: number): boolean {
  if (hours === undefined) return true;
  const local = DateTime.fromMillis(at, { zone: hours.timezone });
  const day = hours[WEEKDAY_NAMES[local.weekday - 1] as (typeof WEEKDAY_NAMES)[number]];
  if (!day) return false;
  const now = local.toFormat('HH:mm');
  return now >= day.start && now < day.end;
}

/**
 * Call-group alerts: MISSED_CALL when a call to a watched group that started in business hours was
 * answered by nobody, NO_AGENTS when a watched group has nobody available in business hours (and
 * resolved once somebody is). One active alert per group and type; a new one is published as an event
 * and sent to whoever the configuration names, through the notification sink.
 */
export class CallGroupAlerts {
  private readonly groups: ReadonlyMap<string, string>;

  constructor(private readonly deps: AlertDeps) {
    this.groups = new Map(deps.config.callGroups.map((g) => [g.id, g.name]));
  }

  isBusinessHours(at = this.deps.clock.now()): boolean {
    return inBusinessHours(this.deps.config.businessHours, at);
  }

  /** Raises MISSED_CALL for an unanswered inbound call to a watched group that started in business hours. */
  async onCall(call: PbxCall): Promise<void> {
    if (call.direction !== 'INBOUND' || call.answeredAt !== undefined || call.groupId === undefined) return;
    const name = this.groups.get(call.groupId);
    if (name === undefined || !this.isBusinessHours(Date.parse(call.startedAt))) return;
    await this.raise({
      callGroupId: call.groupId,
      callGroupName: name,
      alertType: 'MISSED_CALL',
      alertMessage: `Nobody answered ${call.phoneNumber} in ${name} (${call.groupId}) at ${call.startedAt}.`,
    });
  }

  /** Checks every watched group for available agents (business hours only); answers the alerts raised. */
  async check(): Promise<CallGroupAlert[]> {
    const presence = this.deps.presence;
    if (presence === undefined || !this.isBusinessHours()) return [];
    const raised: CallGroupAlert[] = [];
    for (const [id, name] of this.groups) {
      const available = await presence.available(id);
      if (available === undefined) continue;
      if (available > 0) {
        for (const alert of await this.deps.store.callGroupAlerts.list({
          active: true,
          callGroupId: id,
          limit: 10,
        })) {
          if (alert.alertType === 'NO_AGENTS') await this.resolve(alert.id);
        }
        continue;
      }
      const { alert, created } = await this.raise({
        callGroupId: id,
        callGroupName: name,
        alertType: 'NO_AGENTS',
        alertMessage: `Nobody is available in ${name} (${id}) during business hours.`,
      });
      if (created) raised.push(alert);
    }
    return raised;
  }

  /** Raises an alert unless one of its group and type is active; answers the active one either way. */
  async raise(input: AlertInput): Promise<{ alert: CallGroupAlert; created: boolean }> {
    const result = await this.deps.store.callGroupAlerts.raise({
      id: randomUUID(),
      ...input,
      isActive: true,
      createdAt: new Date(this.deps.clock.now()).toISOString(),
      resolvedAt: null,
    });
    if (result.created) {
      await this.deps.notifier.raised(result.alert);
      this.send(result.alert);
    }
    return result;
  }

  /** Alerts newest first: active or resolved ones, of one group. */
  list(filter: { active?: boolean; callGroupId?: string; limit: number }): Promise<CallGroupAlert[]> {
    return this.deps.store.callGroupAlerts.list(filter);
  }

  /** Resolves an alert (once); ALERT_NOT_FOUND for an unknown id. */
  async resolve(id: string): Promise<CallGroupAlert> {
    const before = await this.deps.store.callGroupAlerts.get(id);
    if (before === undefined)
      throw new SwitchboardError('ALERT_NOT_FOUND', 'No call-group alert has that id.', { id });
    if (!before.isActive) return before;
    const after =
      (await this.deps.store.callGroupAlerts.resolve(id, new Date(this.deps.clock.now()).toISOString())) ??
      before;
    await this.deps.notifier.resolved(after);
    return after;
  }

  /** Sends a new alert to each configured recipient; retries run on their own and are logged. */
  private send(alert: CallGroupAlert): void {
    const sink = this.deps.sink;
    if (sink === undefined) return;
    for (const recipient of this.deps.config.alerts.notify) {
      const notification = {
        id: randomUUID(),
        channel: recipient.channel as NotificationChannel,
        to: recipient.to,
        subject: `${alert.alertType}: ${alert.callGroupName}`,
        body: alert.alertMessage,
        topic: `callgroup:${alert.callGroupId}`,
        at: alert.createdAt,
      };
      void deliver(sink, notification, this.deps.clock).then((outcome) => {
        if (outcome.kind !== 'sent') {
          this.deps.log.warn(
            { err: outcome.error, to: recipient.to, outcome: outcome.kind },
            'call-group alert not delivered',
          );
        }
      });
    }
  }
}
