import type { Address, BridgeRole, HangupCause } from '../core/call.ts';

export type { BridgeRole };

/**
 * The telephony driver contract. A driver turns a phone system into channels and bridges (the
 * vocabulary of Asterisk ARI and most PBXs) and knows nothing of agents, queues or HTTP.
 *
 * What a caller may rely on, method by method:
 * - Ids are chosen by the caller (channel, bridge, playback and recording ids) and are unique for the
 *   life of the driver; a driver never invents ids for channels it was asked to create. Channels that
 *   arrive from outside (inbound calls) get driver-chosen ids, announced by `channel.inbound`.
 * - A command resolves once the phone system accepted it, not when its effect is observed: the effect
 *   arrives as a {@link DriverEvent}. A command on a channel or bridge that does not exist (any more)
 *   rejects with {@link DriverError} `not_found`; one the driver cannot do rejects with `not_supported`
 *   (check {@link DriverCapabilities} first to refuse early).
 * - For one channel, events are delivered in the order they happened, and `channel.hangup` is its
 *   last event. Every channel that was originated or announced ends with exactly one `channel.hangup`.
 * - Listeners are called synchronously and must not throw; they queue their own async work.
 * - `channel.held`/`channel.unheld` report a hold the party made itself (a phone's hold key); a hold
 *   the engine commanded is confirmed by the command resolving, not by an event.
 * - `endpoint.state` reports whether a phone (a SIP registration) is reachable, once per change, for the
 *   endpoints the driver was asked to watch (a driver may report others too); it names the endpoint as
 *   {@link TelephonyDriver.watchEndpoint} resolved.
 */
export interface TelephonyDriver {
  /** Short name shown in health and logs (`simulator`, `ari`). */
  readonly name: string;
  readonly capabilities: DriverCapabilities;

  /** Connects to the phone system (or starts the simulation). Resolves once commands can be sent. */
  start(): Promise<void>;
  /** Disconnects; live channels are left to the phone system (the engine hangs them up first). */
  stop(): Promise<void>;
  /** Subscribes to driver events; returns the unsubscribe function. */
  onEvent(listener: (event: DriverEvent) => void): () => void;

  /** Dials `endpoint`; the channel then rings, answers or hangs up with a cause. */
  originate(request: OriginateRequest): Promise<void>;
  /** Answers an inbound channel. */
  answer(channelId: string): Promise<void>;
  /** Plays ringback to an inbound channel that is not answered yet. */
  ring(channelId: string): Promise<void>;
  /** Hangs up a channel with a cause; its `channel.hangup` event follows. */
  hangup(channelId: string, cause: HangupCause): Promise<void>;
  /** Puts the party on hold with music on hold. */
  hold(channelId: string): Promise<void>;
  unhold(channelId: string): Promise<void>;
  /** Sends DTMF digits (0-9, *, #, A-D) to the party of the channel. */
  sendDtmf(channelId: string, digits: string): Promise<void>;
  /** Moves a channel elsewhere in the phone system (blind transfer outside the driver's control). */
  redirect(channelId: string, endpoint: Address): Promise<void>;

  createBridge(bridgeId: string): Promise<void>;
  destroyBridge(bridgeId: string): Promise<void>;
  /**
   * Adds a channel to a bridge; `listen` hears only, `whisper` is heard only by the bridge's agent: the
   * first `normal` party in it that was dialled to an endpoint (a phone, not a number), else the first
   * `normal` party. Adding a channel again changes its role (a supervisor's listen → whisper → barge).
   */
  addToBridge(bridgeId: string, channelId: string, role?: BridgeRole): Promise<void>;
  removeFromBridge(bridgeId: string, channelId: string): Promise<void>;
  /** Mutes what the party says (nobody hears them; they still hear); raises no event. */
  mute(channelId: string): Promise<void>;
  unmute(channelId: string): Promise<void>;

  /** Plays a prompt (text for drivers that speak, `sound:`/`recording:` media for those that play). */
  play(channelId: string, playbackId: string, media: string): Promise<void>;
  stopPlayback(playbackId: string): Promise<void>;
  /** Records a channel or bridge into `name`; `recording.finished` follows on stop or hang-up. */
  startRecording(
    target: RecordingTarget,
    recordingId: string,
    options?: { maxDurationMs?: number },
  ): Promise<void>;
  stopRecording(recordingId: string): Promise<void>;
  /** Pausing and resuming recordings, and the files of finished ones (see {@link DriverRecordings}). */
  readonly recordings: DriverRecordings;

  /**
   * Reports the registration of a phone from now on: resolves with the driver's name for it (the
   * `endpoint` of its `endpoint.state` events) once its current state has been asked for, which then
   * follows as an event. Absent on drivers that cannot tell.
   */
  watchEndpoint?(endpoint: Address): Promise<string>;
}

export interface OriginateRequest {
  readonly channelId: string;
  readonly endpoint: Address;
  /** What the called party sees as the caller. */
  readonly callerId?: string;
  /** How long to let it ring before the driver gives up with `no_answer`. */
  readonly timeoutMs?: number;
  /**
   * The party the engine dials next, once this channel answers (click-to-dial's number). A driver whose
   * provider connects two parties in one request (Exotel) places both at once; others ignore it.
   */
  readonly next?: Address;
  /**
   * The channel already up that this one will be joined with (the click-to-dial caller): a driver that
   * connected both in one request binds this channel to that request's second party instead of dialling.
   */
  readonly joins?: string;
}

export type RecordingTarget = { readonly kind: 'channel' | 'bridge'; readonly id: string };

/**
 * What a driver does with recordings beyond starting and stopping them, by recording id. A paused
 * recording takes nothing in until resumed (neither reports an event, as on Asterisk), and the paused
 * time is left out of its file and of its `recording.finished` duration. A finished recording's file
 * stays with the phone system until `remove`. An unknown id rejects with `not_found`.
 */
export interface DriverRecordings {
  pause(recordingId: string): Promise<void>;
  resume(recordingId: string): Promise<void>;
  /** The stored file of a finished recording (`not_found` while it still runs, or once removed). */
  file(recordingId: string): Promise<RecordingFile>;
  /** Deletes a finished recording's file. */
  remove(recordingId: string): Promise<void>;
}

/** A recording's file as the phone system hands it over. */
export interface RecordingFile {
  /** `audio/wav` for the WAV files both drivers store. */
  readonly contentType: string;
  /** Its length in bytes, when known beforehand. */
  readonly size?: number;
  /** Its bytes, read as they come. */
  readonly body: AsyncIterable<Uint8Array>;
}

/** The causes a driver reports and accepts (the list is the core's, shared with the engine). */
export type { HangupCause };

/** What a driver can do, so the engine refuses clearly instead of failing late. */
export interface DriverCapabilities {
  readonly hold: boolean;
  readonly dtmf: boolean;
  readonly redirect: boolean;
  readonly bridgeRoles: readonly BridgeRole[];
  /** Whether a party can be muted (a conference's participants). */
  readonly mute: boolean;
  readonly playback: boolean;
  readonly recording: boolean;
  /** Whether the driver can end a live call itself (Exotel's call API cannot: its parties hang up). */
  readonly hangup: boolean;
  /**
   * Whether any answered channels can be joined in a bridge (transfers, conferences, offers). Without
   * it, only the parties a provider connected itself sit together (Exotel's two legs of one call).
   */
  readonly bridging: boolean;
}

/** Everything the contract offers: what the simulator and Asterisk (ARI) do. */
export const PBX_CAPABILITIES: DriverCapabilities = Object.freeze({
  hold: true,
  dtmf: true,
  redirect: true,
  bridgeRoles: Object.freeze(['normal', 'listen', 'whisper'] as const),
  mute: true,
  playback: true,
  recording: true,
  hangup: true,
  bridging: true,
});

/** Events a driver reports; `type` is the discriminant. */
export type DriverEvent =
  | {
      readonly type: 'channel.inbound';
      readonly channelId: string;
      readonly from: string;
      readonly to: string;
    }
  | { readonly type: 'channel.ringing'; readonly channelId: string }
  | { readonly type: 'channel.answered'; readonly channelId: string }
  | {
      readonly type: 'channel.dtmf';
      readonly channelId: string;
      readonly digit: string;
      readonly durationMs: number;
    }
  | { readonly type: 'channel.held'; readonly channelId: string }
  | { readonly type: 'channel.unheld'; readonly channelId: string }
  | { readonly type: 'channel.hangup'; readonly channelId: string; readonly cause: HangupCause }
  | { readonly type: 'playback.finished'; readonly playbackId: string; readonly channelId: string }
  | {
      readonly type: 'recording.finished';
      readonly recordingId: string;
      readonly target: RecordingTarget;
      readonly durationMs: number;
    }
  | { readonly type: 'endpoint.state'; readonly endpoint: string; readonly registered: boolean }
  | { readonly type: 'driver.connected' }
  | { readonly type: 'driver.disconnected'; readonly reason: string };

export type DriverEventType = DriverEvent['type'];

/**
 * Why a command failed. `unavailable`: the driver is not connected. A cloud provider's own failures are
 * told apart so that callers (the outbound service's circuit breaker and rate limit) can count them:
 * `provider_unavailable` (5xx, time-out, network), `rate_limited` (429), `provider_auth` (401/403, the
 * credentials are wrong or revoked).
 */
export type DriverErrorKind =
  | 'not_found'
  | 'not_supported'
  | 'invalid'
  | 'unavailable'
  | 'provider_unavailable'
  | 'rate_limited'
  | 'provider_auth';

/** The kinds by which a cloud provider refused a request outright (nothing was dialled). */
export const PROVIDER_REFUSALS: ReadonlySet<DriverErrorKind> = new Set([
  'provider_unavailable',
  'rate_limited',
  'provider_auth',
]);

/** The kinds that mean the provider failed, not the request: what a circuit breaker counts. */
export const PROVIDER_FAILURES: ReadonlySet<DriverErrorKind> = new Set(['provider_unavailable']);

/** A command the driver could not carry out. */
export class DriverError extends Error {
  constructor(
    readonly kind: DriverErrorKind,
    message: string,
    /** For `rate_limited`: how long the provider asked to wait (its Retry-After), when it said. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'DriverError';
  }
}
