import type { RecordingSnapshot } from './recording.ts';

/** The call model: one conversation (a call) with the channels of its parties (legs). */

export const CALL_STATUSES = [
  'queued',
  'ringing',
  'answered',
  'on_hold',
  'transferring',
  'ended',
  'failed',
] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

export const FINAL_STATUSES: ReadonlySet<CallStatus> = new Set(['ended', 'failed']);
export const isFinal = (status: CallStatus): boolean => FINAL_STATUSES.has(status);

/**
 * The end reasons a telephony driver reports and accepts when it hangs a channel up; drivers map their
 * own codes (Q.850, SIP) onto these.
 */
export const HANGUP_CAUSES = [
  'normal',
  'no_answer',
  'busy',
  'rejected',
  'invalid_number',
  'unreachable',
  'canceled',
  'network_error',
] as const;
export type HangupCause = (typeof HANGUP_CAUSES)[number];

/**
 * Why a call (or one leg) ended: a hang-up cause, or one of the engine's own (`transferred`,
 * `server_restart`). Reasons that mean "never connected because of the far end or the network" make a
 * call `failed`; the others make it `ended` (see {@link finalStatusFor}).
 */
export const END_REASONS = [...HANGUP_CAUSES, 'transferred', 'server_restart'] as const;
export type EndReason = (typeof END_REASONS)[number];

const HANGUP_CAUSE_SET: ReadonlySet<string> = new Set(HANGUP_CAUSES);

/** Whether a reason (or any string from outside) is a hang-up cause a driver understands. */
export function isHangupCause(reason: string): reason is HangupCause {
  return HANGUP_CAUSE_SET.has(reason);
}

const FAILURE_REASONS: ReadonlySet<EndReason> = new Set([
  'no_answer',
  'busy',
  'rejected',
  'invalid_number',
  'unreachable',
  'network_error',
]);

/** A call that was answered always ends `ended`; one that never was fails on a failure reason. */
export function finalStatusFor(reason: EndReason, wasAnswered: boolean): 'ended' | 'failed' {
  return !wasAnswered && FAILURE_REASONS.has(reason) ? 'failed' : 'ended';
}

export type CallDirection = 'outbound' | 'inbound';

/** Roles of the parties in a call, as DESIGN.md names them. */
export type LegRole = 'caller' | 'callee' | 'agent' | 'transfer_target' | 'supervisor' | 'conference';

export type LegStatus = 'dialing' | 'ringing' | 'answered' | 'ended';

/** Where a leg goes: a phone number in E.164, or an endpoint of the driver (`TECH/resource`). */
export type Address =
  | { readonly kind: 'number'; readonly value: string }
  | { readonly kind: 'endpoint'; readonly value: string };

export interface LegSnapshot {
  readonly id: string;
  readonly role: LegRole;
  /** For an agent's leg: which agent. */
  readonly agentId?: string;
  readonly address: string;
  readonly status: LegStatus;
  readonly startedAt: string;
  readonly answeredAt?: string;
  readonly endedAt?: string;
  readonly endReason?: EndReason;
  /** The bridge the leg sits in right now, and how it takes part; absent when it is in none. */
  readonly bridge?: BridgeMembership;
}

/**
 * How a channel takes part in a bridge (the roles of ARI's bridges and snoops): `normal` hears and is
 * heard, `listen` only hears (a supervisor monitoring), `whisper` is heard by the agent alone (coaching).
 */
export type BridgeRole = 'normal' | 'listen' | 'whisper';

export interface BridgeMembership {
  readonly bridgeId: string;
  readonly role: BridgeRole;
}

/**
 * What a bridge is for: `main` joins the parties of the conversation; `consultation` joins an agent and
 * the target of an attended transfer; `monitor` lets a supervisor listen or whisper.
 */
export const BRIDGE_KINDS = ['main', 'consultation', 'monitor'] as const;
export type BridgeKind = (typeof BRIDGE_KINDS)[number];

/** A bridge of a call; a call may hold several over its life, and the record keeps every one. */
export interface BridgeSnapshot {
  readonly id: string;
  readonly kind: BridgeKind;
  readonly createdAt: string;
  /** When it was torn down; absent while it is up. */
  readonly destroyedAt?: string;
  /** The legs in it right now (each leg says its role in {@link LegSnapshot.bridge}). */
  readonly members: readonly string[];
}

/**
 * `blind`: the transferring party leaves at once. `attended` (warm): the remote party waits on hold
 * while the transferring party consults the target, then completes (the target takes the call) or
 * cancels (the transferring party is back with the remote party).
 */
export const TRANSFER_KINDS = ['blind', 'attended'] as const;
export type TransferKind = (typeof TRANSFER_KINDS)[number];

/**
 * A transfer rings its target until it is `completed` (the target has the call) or `failed` (it never
 * will). An attended one is `consulting` once the target answered and talks with the transferring
 * party, and `canceled` when the transferring party took the call back.
 */
export const TRANSFER_STATUSES = ['ringing', 'consulting', 'completed', 'failed', 'canceled'] as const;
export type TransferStatus = (typeof TRANSFER_STATUSES)[number];

/** Whether a transfer in this status may still complete or fail. */
export const isOpenTransfer = (status: TransferStatus): boolean =>
  status === 'ringing' || status === 'consulting';

/** One transfer of a call, with its outcome: the call's history of transfers, oldest first. */
export interface TransferSnapshot {
  readonly id: string;
  readonly kind: TransferKind;
  readonly status: TransferStatus;
  /** Where the call was sent, as asked (an agent id or an address). */
  readonly to: string;
  /** For a transfer to an agent: which agent. */
  readonly agentId?: string;
  /** Who transferred: their agent id, or their phone's address; absent when nobody was connected. */
  readonly from?: string;
  /** The leg dialled to the target, once dialled. */
  readonly targetLegId?: string;
  readonly startedAt: string;
  /** Attended: when the target answered and the consultation began. */
  readonly answeredAt?: string;
  /** When it completed, failed or was canceled. */
  readonly endedAt?: string;
  /**
   * Why a failed transfer failed: the target's cause (`no_answer`, `busy`, `rejected`, ...; `normal`
   * when an attended target hung up during the consultation), or `canceled` when the call ended first
   * or the target was withdrawn.
   */
  readonly endReason?: EndReason;
}

/** `call`: two parties (and whoever monitors them); `conference`: parties were added (see participants). */
export const CALL_TYPES = ['call', 'conference'] as const;
export type CallType = (typeof CALL_TYPES)[number];

/**
 * How a party takes part in a conference: the `owner` (the agent's side when the call became one),
 * a `participant` (hears and is heard), or a `listener` (hears everyone, stays muted).
 */
export const PARTICIPANT_ROLES = ['owner', 'participant', 'listener'] as const;
export type ParticipantRole = (typeof PARTICIPANT_ROLES)[number];

/** `dialing` until the party answers (`joined`), then `left`; a party that never answered is `left` too. */
export const PARTICIPANT_STATUSES = ['dialing', 'joined', 'left'] as const;
export type ParticipantStatus = (typeof PARTICIPANT_STATUSES)[number];

/** One party of a conference, with its own times: the record lists every one, those who left too. */
export interface ParticipantSnapshot {
  readonly id: string;
  /** The party's leg (channel) in {@link CallSnapshot.legs}. */
  readonly legId: string;
  readonly role: ParticipantRole;
  readonly status: ParticipantStatus;
  /** Who the party is, as asked (an agent id or an address). */
  readonly to: string;
  /** For an agent: which agent. */
  readonly agentId?: string;
  readonly muted: boolean;
  /** When the party was connected; absent while dialling and for a party that never answered. */
  readonly joinedAt?: string;
  readonly leftAt?: string;
  readonly leftReason?: EndReason;
}

/** Per call, once it is a conference: what governs it. */
export interface ConferenceSettings {
  /** Most parties at once (dialling or joined). */
  readonly maxParticipants: number;
  /** Whether the call ends when its owner leaves, even with two or more parties left. */
  readonly endWhenOwnerLeaves: boolean;
}

/**
 * How a supervisor takes part: `listen` hears the call and is heard by nobody, `whisper` is heard by
 * the agent alone (coaching), `barge` joins the call, heard by everyone.
 */
export const MONITOR_MODES = ['listen', 'whisper', 'barge'] as const;
export type MonitorMode = (typeof MONITOR_MODES)[number];

/** `ringing` while the supervisor's phone rings, `active` once connected, then `ended`. */
export const MONITOR_STATUSES = ['ringing', 'active', 'ended'] as const;
export type MonitorStatus = (typeof MONITOR_STATUSES)[number];

/** A supervisor monitoring the call: the record keeps every one, oldest first. */
export interface MonitorSnapshot {
  readonly id: string;
  readonly supervisorId: string;
  /** The supervisor's leg in {@link CallSnapshot.legs}. */
  readonly legId: string;
  readonly mode: MonitorMode;
  readonly status: MonitorStatus;
  readonly startedAt: string;
  /** When the supervisor was connected. */
  readonly connectedAt?: string;
  readonly endedAt?: string;
  readonly endReason?: EndReason;
}

/** A call as clients see it, in events, API answers and records. Times are ISO-8601 strings. */
export interface CallSnapshot {
  readonly id: string;
  /** `call`, or `conference` once parties were added; absent on records written before it existed. */
  readonly type?: CallType;
  readonly direction: CallDirection;
  readonly status: CallStatus;
  readonly from: string;
  readonly to: string;
  readonly context: Readonly<Record<string, unknown>>;
  readonly legs: readonly LegSnapshot[];
  readonly startedAt: string;
  readonly answeredAt?: string;
  readonly endedAt?: string;
  /** Whole seconds of talk (answer to end, or to now while live); absent until answered. */
  readonly duration?: number;
  readonly endReason?: EndReason;
  /** Where the latest transfer sent the call (the `to` of the last of {@link CallSnapshot.transfers}). */
  readonly transferTo?: string;
  /** When the latest transfer started. */
  readonly transferInitiatedAt?: string;
  /** Every transfer of the call, oldest first, each with its outcome; absent before the first. */
  readonly transfers?: readonly TransferSnapshot[];
  /** Every bridge the call has held, oldest first; absent before the first. */
  readonly bridges?: readonly BridgeSnapshot[];
  /** Every recording of the call, oldest first, with its duration; absent before the first. */
  readonly recordings?: readonly RecordingSnapshot[];
  readonly heldAt?: string;
  /** The queue the call waits in or came through. */
  readonly queueId?: string;
  /** The agent who took the call (or is being offered it). */
  readonly agentId?: string;
  /** Policies attached to the call: `recording` asks the recording policy to record it. */
  readonly flags?: CallFlags;
  /** Every party of a conference, oldest first, those who left too; absent until it is one. */
  readonly participants?: readonly ParticipantSnapshot[];
  /** How the conference is governed; absent until the call is one. */
  readonly conference?: ConferenceSettings;
  /** Every supervisor who monitored the call, oldest first; absent before the first. */
  readonly monitors?: readonly MonitorSnapshot[] /** Where the record comes from: absent for Switchboard's own calls, else the import (`3cx`). */;
  readonly source?: string;
  /** An imported call's id in its source (unique per source). */
  readonly externalId?: string;
}

export interface CallFlags {
  readonly recording?: boolean;
  readonly emergency?: boolean;
}
