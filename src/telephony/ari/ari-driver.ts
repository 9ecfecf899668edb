import type { Address } from '../../core/call.ts';
import { type Clock, SystemClock } from '../../core/clock.ts';
import { type Log, SILENT_LOG } from '../../core/log.ts';
import {
  type BridgeRole,
  type DriverCapabilities,
  DriverError,
  type DriverEvent,
  type DriverRecordings,
  type HangupCause,
  type OriginateRequest,
  PBX_CAPABILITIES,
  type RecordingTarget,
  type TelephonyDriver,
} from '../driver.ts';
import * as bridges from './ari-bridges.ts';
import * as channels from './ari-channels.ts';
import { type AriCheck, applicationFree, checkAri } from './ari-check.ts';
import { AriClient } from './ari-client.ts';
import { type AriContext, enc } from './ari-context.ts';
import { explainConnectError, isChannelGone, toDriverError } from './ari-errors.ts';
import { type AriAsteriskInfo, type AriEvent, parseAriEvent } from './ari-events.ts';
import * as mediaCommands from './ari-media.ts';
import type { AriConnectionState, AriDriverOptions, AriStatus } from './ari-options.ts';
import { leaveAsSupervisor } from './bridge-roles.ts';
import { ARI_HANGUP_REASONS } from './causes.ts';
import { type ChannelRecord, DriverState, type Membership } from './driver-state.ts';
import { EndpointMap } from './endpoint-map.ts';
import { watchEndpoint } from './endpoint-watch.ts';
import { OUTBOUND_ARG, routeAriEvent } from './event-router.ts';
import { EventStream } from './event-stream.ts';
import { reconcile } from './resync.ts';

export type { AriConnectionState, AriDriverOptions, AriStatus } from './ari-options.ts';

/**
 * The telephony driver for Asterisk through ARI: a Stasis application over REST and the event
 * WebSocket. Choices where the contract leaves room:
 * - Inbound calls are channels entering the application from the dialplan,
 *   `Stasis(<app>,inbound,${EXTEN})`: `to` is the second argument (else the extension), `from` the
 *   caller id number.
 * - `originate` passes the engine's id as `channelId`, so a retried request cannot dial twice; it is
 *   refused with `unavailable` while the event stream is down, since Asterisk would drop the answered
 *   channel of an application nobody listens to. `channel.answered` follows `StasisStart`, when the
 *   channel can be bridged; a busy or unknown number never reports `channel.ringing`.
 * - `hold` starts music on hold and indicates hold (no re-INVITE; ARI reports no event for either).
 * - `listen` and `whisper` use a snoop on the bridge's agent (see `bridge-roles.ts`).
 * - `play` takes media URIs (`sound:`, `recording:`, `digits:`...); plain text is `not_supported`.
 * - After losing the event WebSocket it reconnects with back-off and jitter, then reads GET /channels
 *   and GET /bridges: channels that vanished meanwhile end with `network_error`, the others go on.
 *   `driver.disconnected` is reported on the loss, `driver.connected` once resynchronised.
 * - `ApplicationReplaced` (another client took the application): the driver waits, asking with
 *   back-off whether the application is free, and takes it back once the other client has gone, so
 *   the two do not take it from each other in turn; `start()` takes it back at once.
 */
export class AriDriver implements TelephonyDriver {
  readonly name = 'ari';
  readonly capabilities: DriverCapabilities = PBX_CAPABILITIES;
  readonly app: string;
  /** Bridge and channel recordings' pauses and stored files (see `ari-media.ts`). */
  readonly recordings: DriverRecordings;

  private readonly options: AriDriverOptions;
  private readonly clock: Clock;
  private readonly log: Log;
  private readonly client: AriClient;
  private readonly endpoints: EndpointMap;
  private readonly state: DriverState;
  private stream: EventStream | undefined;
  private listeners: readonly ((event: DriverEvent) => void)[] = [];
  private running = false;
  private connection: AriConnectionState = 'stopped';
  private since: number;
  private asteriskVersion: string | undefined;
  private lastError: string | undefined;
  private eventCount = 0;
  private resyncCount = 0;
  private replacements = 0;
  private reclaims = 0;
  private snoopCount = 0;
  private resyncing: Promise<void> | undefined;
  private readonly ctx: AriContext;

  constructor(options: AriDriverOptions) {
    this.options = options;
    this.app = options.app ?? 'switchboard';
    this.clock = options.clock ?? new SystemClock();
    this.log = options.log ?? SILENT_LOG;
    this.since = this.clock.now();
    this.client = new AriClient({
      url: options.url,
      username: options.username,
      password: options.password,
      clock: this.clock,
      ...(options.requestTimeoutMs !== undefined && { requestTimeoutMs: options.requestTimeoutMs }),
      ...(options.maxSockets !== undefined && { maxSockets: options.maxSockets }),
    });
    this.endpoints = new EndpointMap({
      ...(options.trunk !== undefined && { trunk: options.trunk }),
      ...(options.extension !== undefined && { extension: options.extension }),
    });
    this.state = new DriverState(
      this.clock,
      (event) => this.emit(event),
      (channel, memberships) => this.afterChannelEnded(channel, memberships),
    );
    this.ctx = {
      client: this.client,
      app: this.app,
      options,
      state: this.state,
      endpoints: this.endpoints,
      clock: this.clock,
      log: this.log,
      assertRunning: () => this.assertRunning(),
      target: (id) => this.target(id),
      call: (method, path, query, what, channel) => this.call(method, path, query, what, channel),
      nextSnoopId: (id) => `${id}-snoop-${++this.snoopCount}`,
    };
    this.recordings = mediaCommands.recordingControls(this.ctx);
  }

  // --- Lifecycle ---------------------------------------------------------------------------------

  /**
   * Checks ARI (GET /asterisk/info) and opens the event stream. Rejects with a message an operator
   * can act on when Asterisk is unreachable or refuses the credentials.
   */
  async start(): Promise<void> {
    if (this.running && this.connection !== 'replaced') return;
    const resume = this.state.liveCallChannels().length > 0;
    this.setConnection('connecting');
    try {
      const info = await this.client.request<AriAsteriskInfo>('GET', '/asterisk/info');
      this.asteriskVersion = info?.system?.version;
      this.stream?.close();
      const stream = new EventStream({
        url: this.client.eventsUrl(this.app, this.options.subscribeAll ?? false),
        headers: this.client.authHeaders,
        clock: this.clock,
        ...(this.options.backoff && { backoff: this.options.backoff }),
        ...(this.options.random && { random: this.options.random }),
        ...(this.options.heartbeatMs !== undefined && { heartbeatMs: this.options.heartbeatMs }),
        onMessage: (text) => this.onMessage(text),
        onLost: (reason) => this.onLost(reason),
        onReconnected: () => void this.onReconnected(),
        onRetry: (error, attempt, delayMs) => {
          this.lastError = error.message;
          this.log.warn({ err: error.message, attempt, delayMs }, 'ARI event stream: reconnection failed');
        },
      });
      this.stream = stream;
      await stream.open();
    } catch (error) {
      this.running = false;
      this.setConnection('stopped');
      this.lastError = explainConnectError(error, this.client.baseUrl, this.options.username);
      throw new DriverError('unavailable', this.lastError);
    }
    this.running = true;
    if (resume) {
      this.setConnection('resyncing');
      await this.resynchronise().catch((err: Error) =>
        this.log.error({ err: err.message }, 'ARI resynchronisation failed'),
      );
    }
    this.setConnection('connected');
    this.log.info(
      { url: this.client.baseUrl, app: this.app, asterisk: this.asteriskVersion },
      'connected to Asterisk ARI',
    );
    this.emit({ type: 'driver.connected' });
  }

  /** Closes the event stream; live channels stay with Asterisk (the engine hangs them up first). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stream?.close();
    this.stream = undefined;
    for (const channel of this.state.channels.values()) {
      if (channel.redirectTimer) this.clock.clearTimer(channel.redirectTimer);
      channel.redirectTimer = undefined;
    }
    // In-flight requests fail with `unavailable` rather than hold the stop up.
    this.client.close();
    this.setConnection('stopped');
    this.emit({ type: 'driver.disconnected', reason: 'ARI driver stopped' });
  }

  onEvent(listener: (event: DriverEvent) => void): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** The connection's state, for health. */
  status(): AriStatus {
    const stats = this.client.stats;
    return {
      state: this.connection,
      url: this.client.baseUrl,
      app: this.app,
      subscribeAll: this.options.subscribeAll ?? false,
      asteriskVersion: this.asteriskVersion,
      since: new Date(this.since).toISOString(),
      reconnects: this.stream?.reconnects ?? 0,
      resyncs: this.resyncCount,
      replacements: this.replacements,
      reclaims: this.reclaims,
      lastError: this.lastError,
      eventsReceived: this.eventCount,
      liveChannels: this.state.liveCallChannels().length,
      requests: stats.requests,
      requestFailures: stats.failures,
      requestsInFlight: stats.inFlight,
    };
  }

  /** What ARI answers now: reachable, its version, and whether the application is registered. */
  check(): Promise<AriCheck> {
    return checkAri(this.ctx);
  }

  /**
   * Resolves once no ARI request is in flight and none follows on the next turn (a step of several
   * requests, such as tearing down a supervisor's snoop, counts as one). Tests and benchmarks wait on it.
   */
  async idle(): Promise<void> {
    do {
      await this.client.idle();
      await new Promise<void>((resolve) => setImmediate(resolve));
    } while (this.client.stats.inFlight > 0);
  }

  // --- Channels ------------------------------------------------------------------------------------

  async originate(request: OriginateRequest): Promise<void> {
    this.assertRunning();
    const { channelId, endpoint, timeoutMs } = request;
    if (typeof channelId !== 'string' || channelId === '') {
      throw new DriverError('invalid', 'originate needs a channel id');
    }
    if (this.state.channels.has(channelId)) {
      throw new DriverError('invalid', `channel id "${channelId}" is already in use`);
    }
    if (!endpoint?.value) throw new DriverError('invalid', 'originate needs an endpoint to dial');
    if (timeoutMs !== undefined && !(timeoutMs >= 0 && Number.isFinite(timeoutMs))) {
      throw new DriverError('invalid', `timeoutMs must be 0 or more, got ${timeoutMs}`);
    }
    if (this.connection !== 'connected' && this.connection !== 'resyncing') {
      throw new DriverError(
        'unavailable',
        `cannot dial while the ARI event stream is ${this.connection}: Asterisk would drop the answered channel`,
      );
    }
    const dial = this.endpoints.dialString(endpoint);
    // Tracked first: its first events can arrive before the response.
    this.state.track(channelId, 'outbound', endpoint);
    try {
      await this.client.request('POST', '/channels', {
        endpoint: dial,
        app: this.app,
        appArgs: OUTBOUND_ARG,
        channelId,
        callerId: request.callerId,
        timeout: timeoutMs === undefined ? -1 : Math.max(1, Math.ceil(timeoutMs / 1000)),
      });
    } catch (error) {
      const refused = toDriverError(error, `dialling ${dial}`);
      // A request that got no answer may still have made the channel: keep it, its events will tell.
      if (refused.kind !== 'unavailable' || (error as { kind?: string }).kind === 'http') {
        this.state.forget(channelId);
      }
      throw refused;
    }
  }

  async answer(channelId: string): Promise<void> {
    const channel = this.target(channelId);
    const what = `answering ${channelId}`;
    await this.call('POST', `/channels/${enc(channelId)}/answer`, undefined, what, channel);
    // A channel that entered the application already up gets no state change to confirm it.
    if (channel.up) this.state.reportAnswered(channel);
  }

  async ring(channelId: string): Promise<void> {
    const channel = this.target(channelId);
    await this.call('POST', `/channels/${enc(channelId)}/ring`, undefined, `ringing ${channelId}`, channel);
  }

  async hangup(channelId: string, cause: HangupCause): Promise<void> {
    const channel = this.target(channelId);
    const reason = ARI_HANGUP_REASONS[cause];
    if (!reason) throw new DriverError('invalid', `unknown hangup cause "${cause}"`);
    channel.requestedCause ??= cause;
    await this.call('DELETE', `/channels/${enc(channelId)}`, { reason }, `hanging up ${channelId}`, channel);
  }

  hold(channelId: string): Promise<void> {
    return channels.hold(this.ctx, channelId);
  }

  unhold(channelId: string): Promise<void> {
    return channels.unhold(this.ctx, channelId);
  }

  mute(channelId: string): Promise<void> {
    return channels.mute(this.ctx, channelId, true);
  }

  unmute(channelId: string): Promise<void> {
    return channels.mute(this.ctx, channelId, false);
  }

  sendDtmf(channelId: string, digits: string): Promise<void> {
    return channels.sendDtmf(this.ctx, channelId, digits);
  }

  redirect(channelId: string, endpoint: Address): Promise<void> {
    return channels.redirect(this.ctx, channelId, endpoint);
  }

  // --- Bridges (ari-bridges.ts) and media (ari-media.ts) -------------------------------------------

  createBridge(bridgeId: string): Promise<void> {
    return bridges.createBridge(this.ctx, bridgeId);
  }

  /** Destroys a bridge; its channels stay up. Supervisors' snoops and side bridges go with it. */
  destroyBridge(bridgeId: string): Promise<void> {
    return bridges.destroyBridge(this.ctx, bridgeId);
  }

  addToBridge(bridgeId: string, channelId: string, role: BridgeRole = 'normal'): Promise<void> {
    return bridges.addToBridge(this.ctx, bridgeId, channelId, role);
  }

  removeFromBridge(bridgeId: string, channelId: string): Promise<void> {
    return bridges.removeFromBridge(this.ctx, bridgeId, channelId);
  }

  play(channelId: string, playbackId: string, media: string): Promise<void> {
    return mediaCommands.play(this.ctx, channelId, playbackId, media);
  }

  stopPlayback(playbackId: string): Promise<void> {
    return mediaCommands.stopPlayback(this.ctx, playbackId);
  }

  startRecording(target: RecordingTarget, recordingId: string, options: { maxDurationMs?: number } = {}) {
    return mediaCommands.startRecording(this.ctx, target, recordingId, options);
  }

  stopRecording(recordingId: string): Promise<void> {
    return mediaCommands.stopRecording(this.ctx, recordingId);
  }

  /** Subscribes to a phone's endpoint (without subscribeAll) and reports its registration. */
  watchEndpoint(endpoint: Address): Promise<string> {
    return watchEndpoint(this.ctx, endpoint);
  }

  // --- Events and resynchronisation ---------------------------------------------------------------

  private onMessage(text: string): void {
    this.eventCount++;
    const event = parseAriEvent(text);
    if (!event) return;
    if (event.type === 'ApplicationReplaced') {
      this.onReplaced();
      return;
    }
    try {
      routeAriEvent({ state: this.state, emit: (e) => this.emit(e), log: this.log }, event as AriEvent);
    } catch (err) {
      this.log.error({ err, type: event.type }, 'ARI event handling failed');
    }
  }

  private onLost(reason: string): void {
    this.lastError = reason;
    this.setConnection('reconnecting');
    this.log.warn({ reason }, 'ARI event stream lost; reconnecting');
    this.emit({ type: 'driver.disconnected', reason });
  }

  private async onReconnected(): Promise<void> {
    if (this.connection === 'replaced') this.reclaims++;
    this.setConnection('resyncing');
    try {
      await this.resynchronise();
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'ARI resynchronisation failed');
    }
    // Lost, replaced or stopped meanwhile: whatever comes next reports the state.
    if (!this.running || this.connection !== 'resyncing') return;
    this.setConnection('connected');
    this.emit({ type: 'driver.connected' });
  }

  /** Another client took the application: report it; take it back once that client has gone. */
  private onReplaced(): void {
    this.replacements++;
    this.setConnection('replaced');
    const reason = `ARI application "${this.app}" was taken over by another connection (ApplicationReplaced); taking it back once that connection has gone`;
    this.lastError = reason;
    this.log.error({ app: this.app }, reason);
    this.emit({ type: 'driver.disconnected', reason });
    this.stream?.reclaimWhenFree(() => applicationFree(this.ctx));
  }

  /**
   * Compares the tracked channels with Asterisk's (GET /channels, GET /bridges): vanished ones end
   * (`network_error` unless the engine had asked for their end), ones that rang or answered unseen are
   * reported so. Done after every reconnection; callable on demand.
   */
  resynchronise(): Promise<void> {
    this.resyncing ??= (async () => {
      const outcome = await reconcile(this.client, this.state);
      this.resyncCount++;
      this.log.info(outcome, 'ARI resynchronised');
    })().finally(() => {
      this.resyncing = undefined;
    });
    return this.resyncing;
  }

  /** What a channel leaves behind: a supervisor's snoop and side bridge. */
  private afterChannelEnded(_channel: ChannelRecord, memberships: Membership[]): void {
    for (const membership of memberships) {
      if (membership.role !== 'normal') void leaveAsSupervisor(this.client, membership, false);
    }
  }

  // --- Inside --------------------------------------------------------------------------------------

  private emit(event: DriverEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.log.error({ err, event: event.type }, 'driver event listener threw');
      }
    }
  }

  private setConnection(state: AriConnectionState): void {
    if (this.connection === state) return;
    this.connection = state;
    this.since = this.clock.now();
  }

  private assertRunning(): void {
    if (!this.running) {
      throw new DriverError('unavailable', 'the ARI driver is not started; call start() first');
    }
  }

  /** The live channel a command is for; `not_found` at once for one the driver saw end. */
  private target(channelId: string): ChannelRecord {
    this.assertRunning();
    const channel = this.state.channels.get(channelId);
    if (channel) return channel;
    const ended = this.state.endedCause(channelId) !== undefined ? ' (it has ended)' : '';
    throw new DriverError('not_found', `no live channel "${channelId}"${ended}`);
  }

  /**
   * One request; when Asterisk says the channel it was about is gone, the driver missed its end and
   * reports it now, so that the engine never keeps a leg the PBX has dropped.
   */
  private async call(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    query: Record<string, string | number | undefined> | undefined,
    what: string,
    channel?: ChannelRecord,
  ): Promise<void> {
    try {
      await this.client.request(method, path, query);
    } catch (error) {
      if (channel && isChannelGone(error)) {
        this.state.endChannel(channel, this.state.causeOf(channel, 'network_error'));
      }
      throw toDriverError(error, what);
    }
  }
}
