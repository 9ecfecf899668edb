import type { CountryCode } from 'libphonenumber-js';
import { inboundAddress, parseAddress } from '../core/address.ts';
import type { Address, CallSnapshot, ConferenceSettings, EndReason } from '../core/call.ts';
import type { Clock } from '../core/clock.ts';
import { SwitchboardError } from '../core/errors.ts';
import type { DomainEvent, NewDomainEvent } from '../core/events.ts';
import { timeOrderedId } from '../core/ids.ts';
import { type Log, SILENT_LOG } from '../core/log.ts';
import { KeyedSerialQueue } from '../core/serial-queue.ts';
import { inSpan } from '../core/tracing.ts';
import type { CallRecordFilter, Page, Store } from '../store/types.ts';
import type { DriverEvent, TelephonyDriver } from '../telephony/driver.ts';
import { type CallEventType, CallRegistry, type ExtraData } from './call-registry.ts';
import { requireCapability } from './capabilities.ts';
import type { CommandContext } from './command-context.ts';
import { ConferenceCommands } from './conference-commands.ts';
import { ControlCommands } from './control-commands.ts';
import { DistributionCommands } from './distribution-commands.ts';
import { asEngineError, isProviderRefusal } from './driver-errors.ts';
import { applyChannelEvent, applyRingTimeout } from './driver-events.ts';
import { driverStatusEvent, watchEndpoint } from './driver-status.ts';
import { EventPublisher } from './event-publisher.ts';
import { endLeftoverCalls } from './leftover-calls.ts';
import { type Leg, LiveCall } from './live-call.ts';
import { MediaCommands } from './media-commands.ts';
import { MonitorCommands } from './monitor-commands.ts';
import { type ResolvedParty, resolveParty } from './parties.ts';
import { RecordingCommands } from './recording-commands.ts';
import { type DriverCommandObserver, observedDriver } from './traced-driver.ts';
import { TransferCommands } from './transfer-commands.ts';
import type {
  CallConference,
  CallControl,
  CallDistribution,
  CallMedia,
  CallMonitoring,
  EndpointWatching,
  EventFeed,
  OnlyIfWaiting,
  OriginateCommand,
  OutboxRouter,
  PartyDirectory,
  QueuedCallCommand,
  TransferOptions,
} from './types.ts';

export interface EngineOptions {
  readonly driver: TelephonyDriver;
  readonly clock: Clock;
  readonly store: Store;
  /** How long a dialled party may ring before the call fails with `no_answer` (default 30 s). */
  readonly ringTimeoutMs?: number;
  /** Country for numbers written without a country code (default US). */
  readonly defaultCountry?: CountryCode;
  /** Most calls alive at once; more are refused with CONCURRENT_LIMIT_REACHED (default unlimited). */
  readonly maxLiveCalls?: number;
  /** How conferences are governed unless a call says otherwise (default: 10 parties, owner may leave). */
  readonly conference?: ConferenceSettings;
  /** Told of every driver command's duration (the driver-command latency histogram). */
  readonly onDriverCommand?: DriverCommandObserver;
  readonly log?: Log;
}

/**
 * The call engine: owns live calls, runs each call's work strictly in order, and publishes every change.
 * Commands come from apps and the API; driver events come from the phone system.
 */
export class CallEngine implements CallControl, CallDistribution, CallMedia, EndpointWatching {
  readonly events: EventFeed;
  private readonly ops: CallRegistry;
  private readonly queue = new KeyedSerialQueue();
  private readonly publisher: EventPublisher;
  private readonly logLost = (err: unknown) => this.options.log?.warn({ err }, 'event not stored');
  private readonly ringTimeoutMs: number;
  private readonly defaultCountry: CountryCode;
  private readonly maxLiveCalls: number;
  private unsubscribe: (() => void) | undefined;
  private driverUp = false;
  /** Set by {@link stopAccepting}: no new call starts; live ones go on. */
  private draining = false;
  private directory: PartyDirectory | undefined;
  private readonly distribution: DistributionCommands;
  private readonly mediaCommands: MediaCommands;
  private readonly control: ControlCommands;
  private readonly transfers: TransferCommands;
  private readonly conference: ConferenceCommands;
  private readonly monitoring: MonitorCommands;
  /** Recording whole calls (see {@link CallRecording}). */
  readonly recordings: RecordingCommands;

  constructor(private readonly options: EngineOptions) {
    const log = options.log ?? SILENT_LOG;
    this.publisher = new EventPublisher(options.store, options.clock, (err) =>
      log.error({ err }, 'event subscriber threw'),
    );
    this.events = this.publisher;
    this.ringTimeoutMs = options.ringTimeoutMs ?? 30_000;
    this.defaultCountry = options.defaultCountry ?? 'US';
    this.maxLiveCalls = options.maxLiveCalls ?? Number.POSITIVE_INFINITY;
    this.ops = new CallRegistry(
      {
        driver: observedDriver(options.driver, options.onDriverCommand),
        clock: options.clock,
        publisher: this.publisher,
        log,
        later: (call, ms, step) => this.later(call, ms, step),
      },
      (call, leg) => this.onRingTimeout(call, leg),
    );
    const context: CommandContext = {
      ops: this.ops,
      defaultCountry: this.defaultCountry,
      ringTimeoutMs: this.ringTimeoutMs,
      command: (callId, step) => this.command(callId, step),
      run: (callId, work) => this.queue.run(callId, work),
      announce: (call, type, extra) => this.announce(call, type, extra),
      assertCanStartCall: (pastTheLimit) => this.assertCanStartCall(pastTheLimit),
      remoteLeg: (call) => this.remoteLeg(call),
      party: (raw, field) => this.party(raw, field),
      claim: (agentId, callId) => this.directory?.claim(agentId, callId),
    };
    this.distribution = new DistributionCommands(context);
    this.recordings = new RecordingCommands(context);
    this.mediaCommands = new MediaCommands(context, this.recordings);
    this.control = new ControlCommands(context);
    this.transfers = new TransferCommands(context);
    this.conference = new ConferenceCommands(context, options.conference);
    this.monitoring = new MonitorCommands(context);
  }

  /** Ends the calls a previous process left live (publishing their end), then connects to the driver. */
  async start(): Promise<void> {
    await this.publisher.init();
    const at = new Date(this.options.clock.now()).toISOString();
    await endLeftoverCalls(this.options.store.calls, this.publisher, at, this.options.store.owner);
    this.unsubscribe = this.options.driver.onEvent((event) => this.onDriverEvent(event));
    await this.options.driver.start();
    this.driverUp = true;
  }

  /** Ends every live call with `server_restart`, waits until records are durable, disconnects. */
  async stop(): Promise<void> {
    await this.endAll('server_restart');
    this.unsubscribe?.();
    this.driverUp = false;
    await this.options.driver.stop();
  }

  /** Ends every live call with `reason` and waits until their records are durable. */
  async endAll(reason: 'server_restart' | 'canceled'): Promise<void> {
    await Promise.all(
      [...this.ops.calls.values()].map((call) =>
        this.queue.run(call.id, () => this.ops.finish(call, reason)).catch(() => undefined),
      ),
    );
    await this.idle();
  }

  /** Resolves once no call has work queued and every event is published. */
  async idle(): Promise<void> {
    while (this.busy) await Promise.all([this.queue.idle(), this.publisher.idle()]);
  }

  /** Graceful drain: refuses new calls from now on (API_UNAVAILABLE), while live calls go on. */
  stopAccepting(): void {
    this.draining = true;
  }

  /** Lets an app (the ACD) say who a name in `from` or a transfer's `to` is. */
  useDirectory(directory: PartyDirectory): void {
    this.directory = directory;
  }

  /** Lets an app (webhooks) add outbox rows to the commit of each event; see {@link OutboxRouter}. */
  useOutbox(router: OutboxRouter): void {
    this.publisher.useOutbox(router);
  }

  /** Whether the telephony driver is connected (commands that start calls need it). */
  get driverConnected(): boolean {
    return this.driverUp;
  }

  /** Whether any call has work queued or running. */
  get busy(): boolean {
    return this.queue.size > 0 || this.publisher.busy;
  }

  /** Publishes an app's own event (agent, queue, emergency) into the same ordered, logged stream. */
  publish(event: NewDomainEvent): Promise<DomainEvent> {
    return this.publisher.publish(event);
  }

  get liveCount(): number {
    return this.ops.calls.size;
  }

  async originate(command: OriginateCommand): Promise<CallSnapshot> {
    const to = parseAddress(command.to, 'to', this.defaultCountry);
    const party = command.from === undefined ? undefined : this.party(command.from, 'from');
    this.assertCanStartCall();
    const now = this.options.clock.now();
    const call = new LiveCall(timeOrderedId(), 'outbound', party?.shown ?? to, to, now, command.context);
    call.agentId = party?.agentId;
    if (command.ringTimeoutMs !== undefined) call.ringTimeoutMs = command.ringTimeoutMs;
    this.ops.register(call);
    return inSpan('engine.originate', {}, () => this.dialOut(call, party, to), call.id);
  }

  private dialOut(call: LiveCall, party: ResolvedParty | undefined, to: Address): Promise<CallSnapshot> {
    const from = party?.address;
    return this.queue.run(call.id, async () => {
      const ringFor = call.ringTimeoutMs ?? this.ringTimeoutMs;
      // The dial goes out while `call.ringing` is committed, not after: on a PBX the commit would
      // otherwise add itself to every originate. Order holds all the same, since the driver's answer
      // about this leg waits for this task in the call's lane, and the event's snapshot is taken
      // before the leg exists.
      const announced = this.publishFirst(call, 'call.ringing');
      const dialled = this.ops
        .dial(call, from ? 'caller' : 'callee', from ?? to, ringFor, party?.agentId)
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      const [published, refused] = await Promise.all([announced, dialled]);
      if (published !== undefined) {
        await this.ops.discard(call);
        throw published;
      }
      if (refused !== undefined) {
        // The driver refused the dial (unknown endpoint, lost connection): the call is kept, as failed.
        this.options.log?.warn({ err: refused, callId: call.id }, 'originate refused by the driver');
        const provider = isProviderRefusal(refused);
        await this.ops.finish(call, provider ? 'network_error' : 'unreachable');
        // A cloud provider that refused the request (down, rate limit, credentials) is the caller's to know.
        if (provider) throw asEngineError(refused);
      }
      return call.snapshot(this.options.clock.now());
    });
  }

  answer(callId: string): Promise<CallSnapshot> {
    return this.control.answer(callId);
  }

  hangup(callId: string): Promise<CallSnapshot> {
    return this.command(callId, async (call) => {
      call.check('end');
      requireCapability(this.ops.deps.driver, 'hangup', 'end a call itself (its parties hang up)');
      const answered = call.answeredAt !== undefined;
      await this.ops.finish(call, answered ? 'normal' : 'canceled', answered ? 'normal' : 'canceled');
    });
  }

  transfer(callId: string, to: string, options?: TransferOptions): Promise<CallSnapshot> {
    return this.transfers.transfer(callId, to, options);
  }

  readonly completeTransfer: CallControl['completeTransfer'] = (id) => this.transfers.completeTransfer(id);

  readonly cancelTransfer: CallControl['cancelTransfer'] = (id) => this.transfers.cancelTransfer(id);

  /** Who a `from`, a transfer's `to` or a conference party is (see {@link resolveParty}). */
  private party(raw: string, field: string): ResolvedParty {
    return resolveParty(this.directory, raw, field, this.defaultCountry);
  }

  hold(callId: string): Promise<CallSnapshot> {
    return this.control.hold(callId);
  }

  unhold(callId: string): Promise<CallSnapshot> {
    return this.control.unhold(callId);
  }

  sendDtmf(callId: string, digits: string): Promise<CallSnapshot> {
    return this.control.sendDtmf(callId, digits);
  }

  /** Takes a ringing inbound call (or a queued one, to move it) into a queue (see {@link CallDistribution}). */
  enqueue(callId: string, queueId: string): Promise<CallSnapshot> {
    return this.distribution.enqueue(callId, queueId);
  }

  createQueued(command: QueuedCallCommand): Promise<CallSnapshot> {
    return this.distribution.createQueued(command);
  }

  readonly offer: CallDistribution['offer'] = (callId, offer) => this.distribution.offer(callId, offer);
  readonly offerAll: CallDistribution['offerAll'] = (callId, offers) =>
    this.distribution.offerAll(callId, offers);
  readonly withdrawOffer: CallDistribution['withdrawOffer'] = (callId, legId) =>
    this.distribution.withdrawOffer(callId, legId);

  readonly withdrawAgent: CallDistribution['withdrawAgent'] = (callId, agentId) =>
    this.distribution.withdrawAgent(callId, agentId);

  // Conferences and supervisors (conference-commands.ts, monitor-commands.ts).
  readonly addParticipant: CallConference['addParticipant'] = (callId, command) =>
    this.conference.addParticipant(callId, command);
  readonly removeParticipant: CallConference['removeParticipant'] = (callId, participantId) =>
    this.conference.removeParticipant(callId, participantId);
  readonly muteParticipant: CallConference['muteParticipant'] = (callId, participantId, muted) =>
    this.conference.muteParticipant(callId, participantId, muted);
  readonly monitor: CallMonitoring['monitor'] = (callId, command) => this.monitoring.monitor(callId, command);
  readonly endMonitor: CallMonitoring['endMonitor'] = (callId) => this.monitoring.endMonitor(callId);

  end(callId: string, reason: EndReason, options?: OnlyIfWaiting): Promise<CallSnapshot> {
    return this.distribution.end(callId, reason, options);
  }

  play(callId: string, media: string): Promise<string> {
    return this.mediaCommands.play(callId, media);
  }

  stopPlayback(callId: string, playbackId: string): Promise<void> {
    return this.mediaCommands.stopPlayback(callId, playbackId);
  }

  record(callId: string, options: { maxDurationMs: number }): Promise<string> {
    return this.mediaCommands.record(callId, options);
  }

  stopRecording(callId: string, recordingId: string): Promise<void> {
    return this.mediaCommands.stopRecording(callId, recordingId);
  }

  /** Reports a phone's registration as `endpoint.state` events; resolves with the driver's name for it. */
  watchEndpoint(endpoint: string): Promise<string | undefined> {
    return watchEndpoint(this.options.driver, endpoint, this.defaultCountry);
  }

  /** Snapshots of every live call, for supervision and invariant checks. */
  liveCalls(): CallSnapshot[] {
    const now = this.options.clock.now();
    return [...this.ops.calls.values()].map((call) => call.snapshot(now));
  }

  async get(callId: string): Promise<CallSnapshot> {
    const live = this.ops.calls.get(callId);
    if (live) return live.snapshot(this.options.clock.now());
    const record = await this.options.store.calls.get(callId);
    if (!record) throw callNotFound(callId);
    return record;
  }

  list(filter: CallRecordFilter): Promise<Page<CallSnapshot>> {
    return this.options.store.calls.list(filter);
  }

  /** Runs a command in the call's queue and answers with the call's snapshot after it. */
  private command(callId: string, step: (call: LiveCall) => Promise<void>): Promise<CallSnapshot> {
    return inSpan('engine.command', {}, () => this.runCommand(callId, step), callId);
  }

  private async runCommand(callId: string, step: (call: LiveCall) => Promise<void>): Promise<CallSnapshot> {
    const found = this.ops.calls.get(callId);
    if (!found) {
      const record = await this.options.store.calls.get(callId);
      if (!record) throw callNotFound(callId);
      // Finished calls answer the table's own conflict, naming their final status.
      throw new SwitchboardError(
        'INVALID_STATE',
        `The call is ${record.status}; it cannot be changed any more.`,
        {
          callId,
          status: record.status,
        },
      );
    }
    return this.queue.run(callId, async () => {
      // A driver's refusal reaches apps and the API as a catalogue error, never as the driver's type.
      await step(found).catch(rethrowAsEngineError);
      return found.snapshot(this.options.clock.now());
    });
  }

  /**
   * Publishes a new call's first event. If that fails (its data cannot be stored), the call is
   * discarded, so it holds no live slot, and the error goes to whoever started it.
   */
  private async announce<T extends CallEventType>(
    call: LiveCall,
    type: T,
    extra?: ExtraData<T>,
  ): Promise<void> {
    try {
      await this.ops.publish(call, type, extra);
    } catch (error) {
      await this.ops.discard(call);
      throw error;
    }
  }

  /** Publishes a call's first event; resolves with the error when it cannot be stored (the caller discards). */
  private publishFirst(call: LiveCall, type: 'call.ringing'): Promise<unknown> {
    return this.ops.publish(call, type).then(
      () => undefined,
      (error: unknown) => error ?? new Error(`${type} could not be published`),
    );
  }

  private remoteLeg(call: LiveCall): Leg {
    const leg = call.remoteLeg();
    if (!leg) {
      throw new SwitchboardError('INVALID_STATE', 'The call has no connected remote party.', {
        callId: call.id,
        status: call.status,
      });
    }
    return leg;
  }

  private assertCanStartCall(pastTheLimit = false): void {
    if (this.draining)
      throw new SwitchboardError('API_UNAVAILABLE', 'The server is stopping; start the call on another.');
    if (!this.driverUp) throw new SwitchboardError('DRIVER_UNAVAILABLE');
    if (!pastTheLimit && this.ops.calls.size >= this.maxLiveCalls) {
      throw new SwitchboardError('CONCURRENT_LIMIT_REACHED', undefined, { limit: this.maxLiveCalls });
    }
  }

  private later(call: LiveCall, ms: number, step: () => Promise<void>): void {
    this.options.clock.setTimer(ms, () => {
      void this.queue
        .run(call.id, async () => {
          if (this.ops.calls.get(call.id) === call) await step();
        })
        .catch((err) => this.options.log?.error({ err, callId: call.id }, 'delayed call step failed'));
    });
  }

  private onRingTimeout(call: LiveCall, leg: Leg): void {
    void this.queue
      .run(call.id, () => applyRingTimeout(this.ops, call, leg))
      .catch((err) => this.options.log?.error({ err, callId: call.id }, 'ring timeout handling failed'));
  }

  private onDriverEvent(event: DriverEvent): void {
    switch (event.type) {
      case 'driver.connected':
      case 'driver.disconnected':
      case 'endpoint.state':
        if (event.type !== 'endpoint.state') this.driverUp = event.type === 'driver.connected';
        // Refused only when it cannot be stored at all (the store is closing): nobody to tell.
        this.publisher.publish(driverStatusEvent(this.options.driver.name, event)).catch(this.logLost);
        return;
      case 'channel.inbound':
        this.onInbound(event.channelId, event.from, event.to);
        return;
      case 'playback.finished':
      case 'recording.finished':
        this.mediaCommands.onFinished(event);
        return;
      default: {
        const call = this.ops.channels.get(event.channelId);
        if (!call) return;
        void this.queue
          .run(call.id, () => applyChannelEvent(this.ops, call, event, this.ringTimeoutMs))
          .catch((err) =>
            this.options.log?.error({ err, callId: call.id, event }, 'driver event handling failed'),
          );
      }
    }
  }

  /** A caller dialled in: a call is created and rings until an app or the API answers it. */
  private onInbound(channelId: string, fromRaw: string, toRaw: string): void {
    const now = this.options.clock.now();
    const from = inboundAddress(fromRaw);
    const to = inboundAddress(toRaw);
    const call = new LiveCall(timeOrderedId(), 'inbound', from, to, now, undefined);
    this.ops.register(call);
    this.ops.adopt(call, 'caller', channelId, from);
    void this.queue
      .run(call.id, async () => {
        if (this.ops.calls.size > this.maxLiveCalls) {
          await this.ops.finish(call, 'busy', 'busy');
          return;
        }
        await this.announce(call, 'call.ringing');
        // The caller hears ringing (SIP 180) while apps decide, not the silence of 100 Trying.
        await this.options.driver
          .ring(channelId)
          .catch((err) => this.options.log?.warn({ err, callId: call.id }, 'ringback failed'));
      })
      .catch((err) => this.options.log?.error({ err, callId: call.id }, 'inbound call handling failed'));
  }
}

function rethrowAsEngineError(error: unknown): never {
  throw asEngineError(error);
}

function callNotFound(callId: string): SwitchboardError {
  return new SwitchboardError('CALL_NOT_FOUND', `No call has id "${callId}".`, { callId });
}
