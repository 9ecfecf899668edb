import type { CountryCode } from 'libphonenumber-js';
import type { Clock, TimerHandle } from '../../core/clock.ts';
import { SwitchboardError } from '../../core/errors.ts';
import type { NewDomainEvent } from '../../core/events.ts';
import type { Log } from '../../core/log.ts';
import type { NotificationSink } from '../../notify/notification.ts';
import type { Store } from '../../store/types.ts';
import { ActiveSocketListener } from './active-socket.ts';
import { readLine } from './active-socket-line.ts';
import { CallGroupAlerts, type GroupPresence } from './call-group-alerts.ts';
import { CdrPoller, type PollResult } from './cdr-poller.ts';
import type { CdrSource } from './cdr-source.ts';
import type { ThreeCxConfig } from './config.ts';
import type { CallGroupAlert } from './events.ts';
import { ThreeCxNotifier } from './notifier.ts';
import { type PbxCall, type PbxCallView, recordId, toSnapshot, toView } from './pbx-call.ts';

export interface ThreeCxDeps {
  readonly config: ThreeCxConfig;
  readonly source: CdrSource;
  readonly store: Pick<Store, 'calls' | 'pbxCalls' | 'callGroupAlerts' | 'connectorState'>;
  readonly clock: Clock;
  readonly publish: (event: NewDomainEvent) => Promise<unknown>;
  readonly defaultCountry: CountryCode;
  readonly sink?: NotificationSink;
  readonly presence?: GroupPresence;
  readonly log?: Log;
}

/** How a call reached the connector. */
export type Via = 'poll' | 'socket' | 'api';

/**
 * The 3CX connector: every call 3CX reports (its CDR database, polled; Active Socket lines; the
 * integration API) becomes one call-log record and one PBX call pending for its owner, however many
 * times it is reported; unanswered calls to watched groups and groups without agents raise alerts.
 */
export class ThreeCxService {
  readonly alerts: CallGroupAlerts;
  private readonly notifier: ThreeCxNotifier;
  private readonly poller: CdrPoller;
  private readonly socket: ActiveSocketListener | undefined;
  private readonly log: Log;
  private readonly startedAt: number;
  private alertTimer: TimerHandle | undefined;
  private work = new Set<Promise<unknown>>();
  private rejected = 0;
  private malformed = 0;
  socketPort: number | undefined;

  constructor(private readonly deps: ThreeCxDeps) {
    this.log = deps.log ?? { info: () => {}, warn: () => {}, error: () => {} };
    this.notifier = new ThreeCxNotifier(deps.publish);
    this.startedAt = deps.clock.now();
    this.alerts = new CallGroupAlerts({
      store: deps.store,
      clock: deps.clock,
      notifier: this.notifier,
      config: deps.config,
      log: this.log,
      ...(deps.sink && { sink: deps.sink }),
      ...(deps.presence && { presence: deps.presence }),
    });
    this.poller = new CdrPoller({
      source: deps.source,
      state: deps.store.connectorState,
      clock: deps.clock,
      intervalMs: deps.config.threecx.pollIntervalSeconds * 1000,
      backfillDays: deps.config.threecx.backfillDays,
      log: this.log,
      onBatch: async (batch) => {
        for (const rejected of batch.rejected) {
          this.log.warn({ pbxCallId: rejected.pbxCallId, reason: rejected.reason }, '3CX CDR rejected');
        }
        this.rejected += batch.rejected.length;
        for (const call of batch.calls) await this.record(call, 'poll');
      },
    });
    const socket = deps.config.threecx.activeSocket;
    this.socket =
      socket &&
      new ActiveSocketListener({
        host: socket.host,
        port: socket.port,
        maxLineBytes: socket.maxLineBytes,
        sink: {
          line: (text) => this.onLine(text),
          tooLong: (bytes) =>
            this.malformedLine(`a line longer than ${socket.maxLineBytes} bytes (${bytes})`),
        },
      });
  }

  async start(): Promise<void> {
    if (this.socket) this.socketPort = await this.socket.listen();
    await this.poller.start();
    this.scheduleAlertCheck();
  }

  async stop(): Promise<void> {
    this.poller.stop();
    if (this.alertTimer !== undefined) this.deps.clock.clearTimer(this.alertTimer);
    await this.socket?.close();
    await this.idle();
    await this.deps.source.close();
  }

  get busy(): boolean {
    return this.poller.busy || (this.socket?.busy ?? false) || this.work.size > 0;
  }

  async idle(): Promise<void> {
    do {
      await this.poller.idle();
      await this.socket?.idle();
      await Promise.all(this.work);
    } while (this.busy);
  }

  /**
   * Logs a call: one call-log record per 3CX call (polled again, it is updated; reported again by a
   * line or the API, nothing changes), one pending PBX call for its owner, `threecx.call.logged` the
   * first time; and checks it for a missed-call alert.
   */
  async record(
    call: PbxCall,
    via: Via,
    ownerEmail = this.ownerEmail(call.ownerExtension),
  ): Promise<{ view: PbxCallView; created: boolean }> {
    const receivedAt = new Date(this.deps.clock.now()).toISOString();
    const view = toView(call, ownerEmail, receivedAt);
    const snapshot = toSnapshot(call, ownerEmail);
    // Claimed first, atomically: of two reports racing (a poll and a socket line), one logs the call.
    const added = await this.deps.store.pbxCalls.add({
      pbxCallId: call.pbxCallId,
      callId: recordId(call.pbxCallId),
      ownerEmail,
      receivedAt,
      document: { ...view },
    });
    if (!added) {
      const existing = await this.deps.store.pbxCalls.get(call.pbxCallId);
      // The database is the reference: it updates a known call (a segment continued it); a line or a
      // report of a call known already changes nothing.
      if (via !== 'poll' && existing !== undefined) {
        return { view: existing.document as unknown as PbxCallView, created: false };
      }
      const kept = { ...view, pbxDataReceivedAt: existing?.receivedAt ?? receivedAt };
      await this.deps.store.pbxCalls.update(call.pbxCallId, kept, ownerEmail);
      await this.deps.store.calls.importCall(snapshot);
      // Read again because it went on: now whole, it may be a missed call.
      if (!call.open) await this.alerts.onCall(call);
      return { view: kept, created: false };
    }
    await this.deps.store.calls.importCall(snapshot);
    await this.notifier.logged(view);
    // A call reported by the API is the caller's to act on; alerts follow what 3CX itself reports, and
    // only of calls that are over (one still going on may yet be answered).
    if (via !== 'api' && !call.open) await this.alerts.onCall(call);
    return { view, created: true };
  }

  /** The integration API's report of a call: DUPLICATE when that PBX call is known already. */
  async fromPbx(call: PbxCall, ownerEmail: string | null): Promise<PbxCallView> {
    const email = ownerEmail?.toLowerCase() ?? this.ownerEmail(call.ownerExtension);
    const { view, created } = await this.record(call, 'api', email);
    if (!created) {
      throw new SwitchboardError('DUPLICATE', `PBX call ${call.pbxCallId} is logged already.`, {
        pbxCallId: call.pbxCallId,
      });
    }
    return view;
  }

  /** PBX calls not completed yet (of one user, by e-mail), oldest first. */
  async pending(ownerEmail?: string, limit = 500): Promise<PbxCallView[]> {
    const calls = await this.deps.store.pbxCalls.pending({
      ...(ownerEmail !== undefined && { ownerEmail }),
      limit,
    });
    return calls.map((c) => c.document as unknown as PbxCallView);
  }

  /** Marks a PBX call completed by its user; PBX_CALL_NOT_FOUND if unknown. */
  async complete(pbxCallId: string): Promise<PbxCallView & { completedAt: string }> {
    const done = await this.deps.store.pbxCalls.complete(
      pbxCallId,
      new Date(this.deps.clock.now()).toISOString(),
    );
    if (done === undefined) {
      throw new SwitchboardError('PBX_CALL_NOT_FOUND', `No PBX call ${pbxCallId}.`, { pbxCallId });
    }
    return { ...(done.document as unknown as PbxCallView), completedAt: done.completedAt as string };
  }

  /** Polls the CDR database now; CONNECTOR_UNAVAILABLE when it cannot be reached. */
  async pollNow(): Promise<PollResult> {
    const result = await this.track(this.poller.poll());
    if (!result.ok) {
      throw new SwitchboardError('CONNECTOR_UNAVAILABLE', `The 3CX CDR database failed: ${result.error}`, {
        error: result.error,
      });
    }
    return result;
  }

  /** Checks the watched groups for agents now; answers the alerts raised. */
  checkAlerts(): Promise<CallGroupAlert[]> {
    return this.track(this.alerts.check());
  }

  status() {
    return {
      lastCdrId: this.poller.position?.cdrId ?? null,
      lastPollAt: this.poller.lastPollAt,
      isBusinessHours: this.alerts.isBusinessHours(),
      uptime: Math.floor((this.deps.clock.now() - this.startedAt) / 1000),
      rejectedCdrs: this.rejected + this.malformed,
    };
  }

  health() {
    const failing = this.poller.consecutiveFailures > 0;
    return {
      status: failing ? ('degraded' as const) : ('ok' as const),
      database: {
        reachable: !failing,
        consecutiveFailures: this.poller.consecutiveFailures,
        lastError: this.poller.lastError,
      },
      activeSocket: this.socket
        ? {
            listening: this.socket.listening,
            port: this.socketPort ?? null,
            connections: this.socket.connections,
            malformedLines: this.malformed,
          }
        : null,
    };
  }

  private ownerEmail(extension: string | undefined): string | null {
    if (extension === undefined) return null;
    const email = this.deps.config.extensions[extension];
    if (email === undefined) {
      this.log.warn(
        { extension },
        '3CX extension has no e-mail in the configuration; callOwnerEmail is null',
      );
      return null;
    }
    return email.toLowerCase();
  }

  private async onLine(text: string): Promise<void> {
    const socket = this.deps.config.threecx.activeSocket;
    if (socket === undefined) return;
    const read = readLine(text, socket.fields, socket.timezone, this.deps.defaultCountry);
    if (read.kind === 'malformed') {
      this.malformedLine(read.reason);
      return;
    }
    if (read.kind === 'call') await this.record(read.call, 'socket');
  }

  private malformedLine(reason: string): void {
    this.malformed += 1;
    this.log.warn({ reason, malformed: this.malformed }, 'malformed 3CX Active Socket line skipped');
  }

  private scheduleAlertCheck(): void {
    const every = this.deps.config.alerts.checkIntervalSeconds * 1000;
    this.alertTimer = this.deps.clock.setTimer(every, () => {
      void this.track(this.alerts.check())
        .catch((err) => this.log.warn({ err }, 'call-group check failed'))
        .finally(() => this.scheduleAlertCheck());
    });
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.work.add(work);
    void work.finally(() => this.work.delete(work)).catch(() => {});
    return work;
  }
}
