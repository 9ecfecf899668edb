import { randomUUID } from 'node:crypto';
import type { Agent } from '../../core/agent.ts';
import type { CallSnapshot } from '../../core/call.ts';
import type { Clock, TimerHandle } from '../../core/clock.ts';
import { SwitchboardError } from '../../core/errors.ts';
import type { DomainEvent, NewDomainEvent } from '../../core/events.ts';
import type { Log } from '../../core/log.ts';
import type { QueueConfig } from '../../core/queue.ts';
import { KeyedSerialQueue } from '../../core/serial-queue.ts';
import type { CallDistribution, EventFeed } from '../../engine/types.ts';
import type { Notification, NotificationSink } from '../../notify/notification.ts';
import type { AuditEntry, Store } from '../../store/types.ts';
import type { AcdService } from '../acd/acd-service.ts';
import type { DriverId, EmergencySnapshot } from './events.ts';
import { EmergencyNotifier } from './notifier.ts';
import { type EmergencyRepository, emergencyRepository } from './repository.ts';

/** What a driver's panic button reports (the mock-CTI contract's body). */
export interface EmergencyReport {
  readonly driverId: DriverId;
  readonly driverPhone: string;
  readonly driverName?: string;
  readonly location?: { readonly lat: number; readonly lng: number };
  readonly vehiclePlate?: string;
  /** When the driver pressed the button, as their device reports it. */
  readonly timestamp?: string;
}

/** A fleet's drivers, as the dispatch application (or the demo) knows them. */
export interface DriverDirectory {
  describe(driverId: string): { readonly name?: string; readonly vehiclePlate?: string } | undefined;
}

export interface EmergencyOptions {
  /** How long the first chosen dispatcher may let it ring before everyone on duty is rung (default 15 s). */
  readonly escalateAfterMs?: number;
  /** How long each offer rings (default 15 s). */
  readonly offerTimeoutMs?: number;
}

export interface EmergencyDeps {
  readonly engine: CallDistribution & { readonly events: EventFeed };
  readonly acd: AcdService;
  readonly publish: (event: NewDomainEvent) => Promise<unknown>;
  readonly store: Pick<Store, 'emergencies' | 'audit'>;
  readonly sink: NotificationSink;
  readonly clock: Clock;
  readonly options?: EmergencyOptions;
  /** Who drivers are: fills in what a panic button did not send (name, plate). */
  readonly drivers?: DriverDirectory;
  readonly log?: Log;
}

/** The queue that first offers an emergency to the longest-idle dispatcher on duty. */
export const EMERGENCY_QUEUE = 'emergency';
/** After the escalation time: every dispatcher and supervisor on duty rings at once. */
export const ESCALATED_QUEUE = 'emergency-escalated';

type Live = { snapshot: EmergencySnapshot; timer: TimerHandle | undefined };

/**
 * Panic-button emergencies: an emergency-priority call that goes before every other caller to the
 * first free dispatcher, carrying the driver's context; supervisors are told; the call is flagged for
 * recording; unanswered, it escalates to everyone on duty. Every step is kept in the audit trail.
 */
export class EmergencyService {
  private readonly live = new Map<string, Live>();
  private readonly byCall = new Map<string, string>();
  private readonly lane = new KeyedSerialQueue();
  private unsubscribe: (() => void) | undefined;
  private readonly escalateAfterMs: number;
  private readonly offerTimeoutMs: number;
  private readonly saved: EmergencyRepository;
  private readonly notifier: EmergencyNotifier;

  constructor(private readonly deps: EmergencyDeps) {
    this.saved = emergencyRepository(deps.store);
    this.notifier = new EmergencyNotifier(deps.publish);
    this.escalateAfterMs = deps.options?.escalateAfterMs ?? 15_000;
    this.offerTimeoutMs = deps.options?.offerTimeoutMs ?? 15_000;
  }

  start(): void {
    this.unsubscribe = this.deps.engine.events.subscribe((event) => this.onEvent(event));
  }

  stop(): void {
    this.unsubscribe?.();
    for (const e of this.live.values()) if (e.timer) this.deps.clock.clearTimer(e.timer);
  }

  idle(): Promise<void> {
    return this.lane.idle();
  }

  get busy(): boolean {
    return this.lane.size > 0;
  }

  /** Raises an emergency: creates the call, queues it first in line, tells the supervisors. */
  raise(sent: EmergencyReport): Promise<EmergencySnapshot> {
    return this.run(async () => {
      const report = this.completed(sent);
      const now = this.deps.clock.now();
      const id = randomUUID();
      const context = {
        emergency: {
          id,
          driverId: report.driverId,
          driverPhone: report.driverPhone,
          ...(report.driverName !== undefined && { driverName: report.driverName }),
          ...(report.vehiclePlate !== undefined && { vehiclePlate: report.vehiclePlate }),
          ...(report.location !== undefined && { location: report.location }),
          ...(report.timestamp !== undefined && { reportedAt: report.timestamp }),
        },
      };
      await this.ensureQueues();
      // The dispatcher is rung first; the driver's phone is dialled once a dispatcher has taken it.
      const call = await this.deps.engine.createQueued({
        queueId: EMERGENCY_QUEUE,
        to: report.driverPhone,
        context,
        flags: { emergency: true, recording: true },
      });
      const snapshot: EmergencySnapshot = {
        id,
        callId: call.id,
        driverId: report.driverId,
        driverPhone: call.to,
        ...(report.driverName !== undefined && { driverName: report.driverName }),
        ...(report.vehiclePlate !== undefined && { vehiclePlate: report.vehiclePlate }),
        ...(report.location !== undefined && { location: report.location }),
        ...(report.timestamp !== undefined && { reportedAt: report.timestamp }),
        raisedAt: new Date(now).toISOString(),
        status: 'raised',
      };
      const live: Live = { snapshot, timer: undefined };
      this.live.set(id, live);
      this.byCall.set(call.id, id);
      await this.save(live, 'raised', { report: sent });
      await this.notifier.raised(snapshot);
      await this.notifySupervisors(live, 'raised');
      try {
        await this.deps.acd.enqueue(call.id, EMERGENCY_QUEUE, 'emergency');
      } catch (error) {
        // A call nobody can be offered must not stay alive with no one on it.
        this.live.delete(id);
        this.byCall.delete(call.id);
        await this.deps.engine.end(call.id, 'rejected').catch(() => undefined);
        throw error;
      }
      live.timer = this.deps.clock.setTimer(this.escalateAfterMs, () =>
        this.schedule(() => this.escalate(id)),
      );
      return live.snapshot;
    });
  }

  /** The report with what the driver directory knows and the device did not send; sent fields win. */
  private completed(report: EmergencyReport): EmergencyReport {
    // The directory keys drivers by their id as text; devices may send it as a number (42).
    const known = this.deps.drivers?.describe(String(report.driverId));
    if (!known) return report;
    const driverName = report.driverName ?? known.name;
    const vehiclePlate = report.vehiclePlate ?? known.vehiclePlate;
    return {
      ...report,
      ...(driverName !== undefined && { driverName }),
      ...(vehiclePlate !== undefined && { vehiclePlate }),
    };
  }

  async list(): Promise<EmergencySnapshot[]> {
    return (await this.saved.list()).sort((a, b) => b.raisedAt.localeCompare(a.raisedAt));
  }

  async get(id: string): Promise<{ emergency: EmergencySnapshot; audit: AuditEntry[] }> {
    const emergency = this.live.get(id)?.snapshot ?? (await this.saved.get(id));
    if (!emergency) throw new SwitchboardError('EMERGENCY_NOT_FOUND', `No emergency has id "${id}".`, { id });
    return { emergency, audit: await this.deps.store.audit.list(topic(id), 10_000) };
  }

  /** Nobody answered in time: ring everyone on duty at once and tell the supervisors again. */
  private async escalate(id: string): Promise<void> {
    const live = this.live.get(id);
    if (!live || live.snapshot.status === 'answered' || live.snapshot.status === 'ended') return;
    live.timer = undefined;
    live.snapshot = { ...live.snapshot, status: 'escalated' };
    await this.ensureQueues();
    await this.save(live, 'escalated', { afterMs: this.escalateAfterMs });
    await this.notifier.escalated(live.snapshot);
    await this.notifySupervisors(live, 'escalated');
    await this.deps.acd.move(live.snapshot.callId, ESCALATED_QUEUE).catch((err) => {
      // The call may have been answered or ended in the same instant; its events settle it.
      this.deps.log?.warn({ err, emergencyId: id }, 'could not escalate the emergency call');
    });
  }

  private onEvent(event: DomainEvent): void {
    const id = event.callId ? this.byCall.get(event.callId) : undefined;
    if (!id) return;
    switch (event.type) {
      case 'call.offered':
        this.schedule(() => this.track(id, 'offered', { agentId: event.data.agentId }));
        return;
      case 'call.offer.ended':
        this.schedule(() =>
          this.note(id, 'offer_missed', { agentId: event.data.agentId, reason: event.data.reason }),
        );
        return;
      case 'call.offer.accepted':
        // An attended transfer's target answering is a consultation; the dispatcher still has the call.
        if (event.data.call.status === 'transferring') {
          this.schedule(() => this.note(id, 'transfer_answered', { agentId: event.data.agentId }));
        } else this.schedule(() => this.track(id, 'answered', { agentId: event.data.agentId }));
        return;
      case 'call.answered':
        this.schedule(() => this.note(id, 'driver_connected', {}));
        return;
      case 'call.ended':
      case 'call.failed':
        this.schedule(() => this.finish(id, event.data.call));
        return;
      default:
        return;
    }
  }

  private async track(
    id: string,
    status: 'offered' | 'answered',
    detail: { agentId: string },
  ): Promise<void> {
    const live = this.live.get(id);
    if (!live) return;
    const now = new Date(this.deps.clock.now()).toISOString();
    if (status === 'answered') {
      if (live.timer) this.deps.clock.clearTimer(live.timer);
      live.timer = undefined;
      live.snapshot = { ...live.snapshot, status, dispatcherId: detail.agentId, answeredAt: now };
    } else if (live.snapshot.status === 'raised') {
      live.snapshot = { ...live.snapshot, status };
    }
    await this.save(live, status, detail);
    await this.notifier.updated(live.snapshot);
  }

  private async note(id: string, action: string, detail: Record<string, unknown>): Promise<void> {
    const live = this.live.get(id);
    if (live) await this.audit(live, action, detail);
  }

  private async finish(id: string, call: CallSnapshot): Promise<void> {
    const live = this.live.get(id);
    if (!live) return;
    if (live.timer) this.deps.clock.clearTimer(live.timer);
    live.snapshot = {
      ...live.snapshot,
      status: 'ended',
      endedAt: call.endedAt ?? new Date(this.deps.clock.now()).toISOString(),
    };
    await this.save(live, 'ended', { callStatus: call.status, endReason: call.endReason });
    await this.notifier.updated(live.snapshot);
    this.live.delete(id);
    this.byCall.delete(call.id);
  }

  /** The two emergency queues, with whoever holds the roles now (roles change; the queues follow). */
  private async ensureQueues(): Promise<void> {
    const agents = this.deps.acd.listAgents();
    const withRole = (role: string) => agents.filter((a) => a.roles.includes(role as never)).map((a) => a.id);
    const dispatchers = withRole('dispatcher');
    const supervisors = withRole('supervisor');
    const base: Omit<QueueConfig, 'id' | 'name' | 'strategy' | 'members'> = {
      requiredSkills: {},
      offerTimeoutMs: this.offerTimeoutMs,
      wrapUpMs: 0,
      whenNoAgents: 'wait',
      serviceLevelMs: 10_000,
      agingMs: 120_000,
    };
    await this.deps.acd.saveQueue({
      ...base,
      id: EMERGENCY_QUEUE,
      name: 'Emergencies',
      strategy: 'longest_idle',
      members: dispatchers,
    });
    await this.deps.acd.saveQueue({
      ...base,
      id: ESCALATED_QUEUE,
      name: 'Emergencies (escalated)',
      strategy: 'ring_all',
      members: [...new Set([...dispatchers, ...supervisors])],
    });
  }

  private async notifySupervisors(live: Live, what: 'raised' | 'escalated'): Promise<void> {
    const supervisors: Agent[] = this.deps.acd.listAgents().filter((a) => a.roles.includes('supervisor'));
    const e = live.snapshot;
    const where = e.location ? ` at ${e.location.lat.toFixed(5)},${e.location.lng.toFixed(5)}` : '';
    const subject =
      what === 'raised'
        ? `EMERGENCY: driver ${e.driverId} pressed the panic button`
        : `EMERGENCY UNANSWERED: driver ${e.driverId}`;
    const who = e.driverName === undefined ? '' : ` Driver ${e.driverName}.`;
    const body =
      `${subject}.${who} Vehicle ${e.vehiclePlate ?? 'unknown'}${where}, phone ${e.driverPhone}, raised ${e.raisedAt}.` +
      (what === 'escalated'
        ? ` No dispatcher answered within ${this.escalateAfterMs / 1000} s; all on duty are ringing.`
        : '');
    if (supervisors.length === 0) this.deps.log?.warn({ emergencyId: e.id }, 'no supervisor to notify');
    for (const supervisor of supervisors) {
      const message: Notification = {
        id: randomUUID(),
        channel: 'sms',
        to: supervisor.id,
        subject,
        body,
        topic: topic(e.id),
        at: new Date(this.deps.clock.now()).toISOString(),
      };
      try {
        await this.deps.sink.send(message);
        await this.audit(live, 'supervisor_notified', { to: supervisor.id, what });
      } catch (err) {
        // A failed notification is recorded, never silently lost; the call goes on regardless.
        this.deps.log?.error({ err, emergencyId: e.id, to: supervisor.id }, 'supervisor notification failed');
        await this.audit(live, 'notification_failed', { to: supervisor.id, what, error: String(err) });
      }
    }
  }

  private async save(live: Live, action: string, detail: Record<string, unknown>): Promise<void> {
    await this.saved.save(live.snapshot);
    await this.audit(live, action, detail);
  }

  private audit(live: Live, action: string, detail: Record<string, unknown>): Promise<void> {
    return this.deps.store.audit.append({
      topic: topic(live.snapshot.id),
      action,
      at: new Date(this.deps.clock.now()).toISOString(),
      detail,
    });
  }

  private schedule(work: () => Promise<void>): void {
    void this.lane
      .run('emergency', work)
      .catch((err) => this.deps.log?.error({ err }, 'emergency work failed'));
  }

  private run<T>(work: () => Promise<T>): Promise<T> {
    return this.lane.run('emergency', work);
  }
}

const topic = (id: string) => `emergency:${id}`;
