import type {
  CallFlags,
  CallSnapshot,
  EndReason,
  MonitorMode,
  ParticipantRole,
  ParticipantSnapshot,
  TransferKind,
} from '../core/call.ts';
import type { DomainEvent } from '../core/events.ts';
import type { RecordingReason } from '../core/recording.ts';
import type { CallRecordFilter, Page } from '../store/types.ts';
import type { OutboxEntry } from '../store/webhook-types.ts';
import type { RecordingFile } from '../telephony/driver.ts';

export type { RecordingFile };

/**
 * The engine's public face: the only place where a call's status changes. Apps and the API send
 * commands; each is checked against the state machine table (INVALID_STATE names the current status),
 * carried out through the driver, and its changes are published as domain events.
 *
 * Work for one call runs strictly in order; calls are independent of each other. A command resolves
 * with the call's snapshot once its own step is done (for `hangup`: once the record is durable).
 */
export interface CallControl {
  /** Click-to-dial: rings `from` (an agent's phone or endpoint) and then dials `to`; without `from`, dials `to` alone. */
  originate(command: OriginateCommand): Promise<CallSnapshot>;
  /** Answers an inbound call that is ringing. */
  answer(callId: string): Promise<CallSnapshot>;
  /** Ends the call and all its legs; `canceled` before answer, `normal` after. */
  hangup(callId: string): Promise<CallSnapshot>;
  hold(callId: string): Promise<CallSnapshot>;
  unhold(callId: string): Promise<CallSnapshot>;
  /**
   * Transfers the remote party to `to` (a number, an endpoint or an agent id). `blind` (the default):
   * the transferring party leaves at once and the target is connected when it answers. `attended`: the
   * remote party waits with music on hold while the transferring party consults the target (an agent
   * is offered the call with `call.offered`); then {@link completeTransfer} or {@link cancelTransfer}.
   * If the target refuses, rings out or hangs up, the transferring party is back with the remote party.
   */
  transfer(callId: string, to: string, options?: TransferOptions): Promise<CallSnapshot>;
  /**
   * Attended: connects the remote party with the target and ends the transferring party's leg; done
   * before the target answered, the transferring party leaves and the remote party waits for the target.
   * INVALID_STATE when no attended transfer is in progress.
   */
  completeTransfer(callId: string): Promise<CallSnapshot>;
  /**
   * Attended: hangs the target up and puts the transferring party back with the remote party (unhold).
   * INVALID_STATE when no attended transfer is in progress, or the transferring party has left.
   */
  cancelTransfer(callId: string): Promise<CallSnapshot>;
  /** Sends DTMF digits to the remote party. */
  sendDtmf(callId: string, digits: string): Promise<CallSnapshot>;
  /** A live call, or the record of a finished one; CALL_NOT_FOUND otherwise. */
  get(callId: string): Promise<CallSnapshot>;
  /** Call records, newest first. */
  list(filter: CallRecordFilter): Promise<Page<CallSnapshot>>;
  /** Number of calls alive right now. */
  readonly liveCount: number;
}

export interface OriginateCommand {
  readonly from?: string;
  readonly to: string;
  readonly context?: Readonly<Record<string, unknown>>;
  /** Ring timeout for the dialled party; defaults to the engine's (30 s). */
  readonly ringTimeoutMs?: number;
}

/**
 * The webhook deliveries a batch of events makes, written in the events' own commit so that none is
 * lost to a crash between the two; `undefined` when nothing subscribes. Called on the hot path of
 * every commit: it must answer at once, without I/O.
 */
export type OutboxRouter = (
  events: readonly DomainEvent[],
  atMs: number,
) => readonly OutboxEntry[] | undefined;

/** Where published events go: the event log first, then live subscribers. */
export interface EventFeed {
  /** Live events from now on, in seq order; returns the unsubscribe function. */
  subscribe(listener: (event: DomainEvent) => void): () => void;
  /** Logged events after `seq`, in order, at most `limit`. */
  after(seq: number, limit: number): Promise<DomainEvent[]>;
  /** One call's logged events after `seq`, in order, at most `limit`: its timeline. */
  forCall(callId: string, after: number, limit: number): Promise<DomainEvent[]>;
  /** The last seq published (0 before any). */
  readonly lastSeq: number;
}

/**
 * What call-distribution apps (ACD, emergency, dialer) ask of the engine. A call in distribution waits
 * in status `queued` (the caller hears music on hold) and is offered to agents one leg at a time — or
 * several at once for ring-all, where the first answer wins and the other offers are withdrawn.
 * Outcomes come back as events: `call.offered`, then exactly one of `call.offer.accepted` (the agent
 * answered and has the call) or `call.offer.ended` (with the reason); then `call.answered` once the
 * parties are connected, and `call.ended`/`call.failed`.
 */
export interface CallDistribution {
  /** Takes a ringing inbound call (or a queued one, to move it) into `queueId`: answered with music on hold. */
  enqueue(callId: string, queueId: string): Promise<CallSnapshot>;
  /** A call that waits for an agent before anyone is dialled: when an agent takes it, `to` is dialled. */
  createQueued(command: QueuedCallCommand): Promise<CallSnapshot>;
  /** Rings an agent for a waiting call; resolves with the offer's leg id. */
  offer(callId: string, offer: AgentOffer): Promise<string>;
  /**
   * Rings several agents for a waiting call at once (ring-all): the dials go out together and their
   * `call.offered` events share a commit, so the last phone rings as soon as the first. Resolves with
   * one result per offer, in order: the leg id (a dial the driver refused too: its offer has ended
   * `unreachable`), or the error that kept that offer, or the whole call, from being made.
   */
  offerAll(callId: string, offers: readonly AgentOffer[]): Promise<OfferResult[]>;
  /** Stops an offer that is still ringing (the agent logged out, or another agent is preferred). */
  withdrawOffer(callId: string, legId: string): Promise<void>;
  /**
   * Stops whatever still rings the agent for the call — a queue offer, or a transfer to them (which
   * then fails `canceled` and ends the call, as an unanswered one does); `answered` when they already have it.
   */
  withdrawAgent(callId: string, agentId: string): Promise<AgentWithdrawal>;
  /** Ends a call for a reason of the app's (queue closed, overflow to hang-up). */
  end(callId: string, reason: EndReason, options?: OnlyIfWaiting): Promise<CallSnapshot>;
}

/** An agent to ring for a waiting call, at their endpoint, for at most `timeoutMs`. */
export interface AgentOffer {
  readonly agentId: string;
  readonly endpoint: string;
  readonly timeoutMs: number;
}

/** What came of one offer of {@link CallDistribution.offerAll}. */
export type OfferResult = { readonly legId: string } | { readonly error: unknown };

/** What {@link CallDistribution.withdrawAgent} did: `nothing` when nothing rang them any more. */
export type AgentWithdrawal = 'withdrawn' | 'answered' | 'nothing';

export interface QueuedCallCommand {
  readonly queueId: string;
  readonly to: string;
  readonly from?: string;
  readonly context?: Readonly<Record<string, unknown>>;
  readonly flags?: CallFlags;
}

/**
 * Media on a call, for apps that talk to callers (IVR prompts, announcements, voicemail). Each command
 * acts on the call's remote party and resolves with an id once the driver accepted it; the end comes
 * as `call.playback.finished` / `call.recording.finished` with that id. DTMF the party presses arrives
 * as `call.dtmf` with direction `in`.
 */
export interface CallMedia {
  /** Plays a prompt: text for drivers that speak it, `sound:`/`recording:` media for those that play files. */
  play(callId: string, media: string): Promise<string>;
  stopPlayback(callId: string, playbackId: string): Promise<void>;
  /** Records the remote party (voicemail), up to `maxDurationMs`. */
  record(callId: string, options: { maxDurationMs: number }): Promise<string>;
  stopRecording(callId: string, recordingId: string): Promise<void>;
}

/**
 * Recording a whole call (what the parties say to each other), for the recording app and the API:
 * the call's main bridge is recorded, or its remote party while it has no bridge. A call has at most
 * one recording running or paused at a time; the call's `recordings` list every one with its
 * duration (paused time left out). Changes come as `call.recording.started`, `.paused`, `.resumed`
 * and `.stopped` (also when the call ends while recording). Each command resolves with the call's
 * snapshot; without a `recordingId` pause, resume and stop act on the live recording.
 */
export interface CallRecording {
  /** Starts recording; INVALID_STATE unless connected (or waiting), or while it is already recorded. */
  start(callId: string, reason: RecordingReason): Promise<CallSnapshot>;
  /** Pauses: nothing is recorded until resumed (card numbers: PCI). */
  pause(callId: string, recordingId?: string): Promise<CallSnapshot>;
  resume(callId: string, recordingId?: string): Promise<CallSnapshot>;
  stop(callId: string, recordingId?: string): Promise<CallSnapshot>;
  /** The file of a stopped recording, from the phone system; RECORDING_NOT_FOUND when it has none. */
  file(recordingId: string): Promise<RecordingFile>;
  /** Deletes a stopped recording's file at the phone system; RECORDING_NOT_FOUND when it has none. */
  remove(recordingId: string): Promise<void>;
}

/** Phones' registration, for apps that show it (the ACD's agents). */
export interface EndpointWatching {
  /**
   * Asks the driver to report the registration of `endpoint` (an agent's phone) as `endpoint.state`
   * events; resolves with the name those events give it, or `undefined` when the driver cannot tell.
   */
  watchEndpoint(endpoint: string): Promise<string | undefined>;
}

/**
 * Who a name in `from` or a transfer's `to` is, when it is not an address of its own: the ACD resolves an
 * agent id (`dispatcher-001`) to the agent's phone, so click-to-dial "from an agent" and a transfer "to an
 * agent" ring the right device and the call knows its agent.
 */
export interface PartyDirectory {
  /**
   * The agent `name` is, or `undefined` to dial it as an address. Throws AGENT_NOT_FOUND for a bare name
   * (see `isBareName`) that names no agent where bare names are agent ids, so a mistyped agent id is
   * never dialled as a device.
   */
  resolve(
    name: string,
  ): { readonly endpoint: string; readonly agentId: string; readonly roles?: readonly string[] } | undefined;
  /**
   * Holds an agent for a call about to ring them (a transfer to the agent), at once and before anything
   * else changes; throws AGENT_UNAVAILABLE unless they are available. The hold ends with the call, or
   * when the agent answers and has it.
   */
  claim(agentId: string, callId: string): void;
}

/** How a transfer goes: `blind` unless `mode` says `attended`. */
export interface TransferOptions extends OnlyIfWaiting {
  readonly mode?: TransferKind;
}

/**
 * For commands an app decided on while a caller was waiting (overflow, closed hours): with
 * `onlyIfWaiting`, the command is refused with INVALID_STATE if an agent took the call meanwhile, so a
 * timer that fires in the same instant as an answer never tears the answered call down.
 */
export interface OnlyIfWaiting {
  readonly onlyIfWaiting?: boolean;
}

/**
 * Conferences: parties added to a live call. The call's `type` becomes `conference` at the first one;
 * its parties then are `participants` (the two it had, with the agent's side as `owner`, and each one
 * added), with their own join and leave times and mute state. The call goes on while two or more
 * parties are connected (unless it ends with its owner, see {@link ConferenceSettings}).
 */
export interface CallConference {
  /**
   * Rings `to` (an agent id, an endpoint or a number) and joins it to the call once it answers
   * (`call.participant.joined`); refused with CONFERENCE_FULL past the maximum of parties.
   */
  addParticipant(callId: string, command: AddParticipantCommand): Promise<ParticipantAdded>;
  /** Hangs a party up (a ringing one stops ringing): `call.participant.left`. */
  removeParticipant(callId: string, participantId: string): Promise<CallSnapshot>;
  /** Mutes (`true`) or unmutes a connected party: `call.participant.muted` / `.unmuted`. */
  muteParticipant(callId: string, participantId: string, muted: boolean): Promise<CallSnapshot>;
}

/** What adding a party answers: the party (its id removes or mutes it later) and the call. */
export interface ParticipantAdded {
  readonly participant: ParticipantSnapshot;
  readonly call: CallSnapshot;
}

export interface AddParticipantCommand {
  readonly to: string;
  /** `participant` (default) hears and is heard; `listener` hears everyone and stays muted. */
  readonly role?: Exclude<ParticipantRole, 'owner'>;
  /** Whether the call ends when its owner leaves (the configured default otherwise). */
  readonly endWhenOwnerLeaves?: boolean;
}

/**
 * Supervisors on a call: their phone rings, and once they answer they listen (the agent and the caller
 * hear nothing of them), whisper (the agent alone hears them) or barge in (everyone hears them). Only
 * an agent with the `supervisor` role may (FORBIDDEN otherwise); one supervisor at a time per call.
 */
export interface CallMonitoring {
  /** Starts monitoring, or changes the mode of the supervisor already on the call. */
  monitor(callId: string, command: MonitorCommand): Promise<CallSnapshot>;
  /** Ends monitoring: the supervisor's leg is hung up (`call.monitor.ended`). */
  endMonitor(callId: string): Promise<CallSnapshot>;
}

export interface MonitorCommand {
  readonly supervisorId: string;
  readonly mode: MonitorMode;
}
