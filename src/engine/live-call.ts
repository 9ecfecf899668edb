import type {
  Address,
  BridgeKind,
  BridgeMembership,
  CallDirection,
  CallFlags,
  CallSnapshot,
  CallStatus,
  CallType,
  ConferenceSettings,
  EndReason,
  LegRole,
  LegSnapshot,
  LegStatus,
  TransferKind,
} from '../core/call.ts';
import { type CallTransition, nextStatus } from '../core/call-state-machine.ts';
import type { TimerHandle } from '../core/clock.ts';
import { iso } from '../core/clock.ts';
import type { RecordingReason } from '../core/recording.ts';
import type { RecordingTarget } from '../telephony/driver.ts';
import { LiveBridge } from './live-bridge.ts';
import type { LiveMonitor, LiveParticipant } from './live-party.ts';
import { LiveRecording } from './live-recording.ts';
import { LiveTransfer, type TransferParties } from './live-transfer.ts';

const NO_CONTEXT: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * The empty list every call starts its lists with. A live call's lists are replaced, never grown in
 * place: an array grown by push reserves 17 slots, and a call holds six lists, most of them empty for its
 * whole life; that reserve (and the bridges' Map) was a fifth of the heap per live call.
 */
const NONE: readonly never[] = Object.freeze([]);

/** `list` with `item` at its end, in an array of exactly that length. */
function appended<T>(list: readonly T[], item: T): readonly T[] {
  return list.concat([item]);
}

/** One party's channel in a call. Its id is the driver's channel id. */
export class Leg {
  status: LegStatus = 'dialing';
  answeredAt: number | undefined;
  endedAt: number | undefined;
  endReason: EndReason | undefined;
  /** Ring timeout while this leg is dialing or ringing. */
  timer: TimerHandle | undefined;
  /** The bridge the leg sits in, and its role there. */
  bridge: BridgeMembership | undefined;
  /** Whether the party hears music on hold (a held call, or a caller waiting in a queue). */
  held = false;
  /** For an agent's leg: which agent it rings. */
  agentId: string | undefined;

  constructor(
    readonly id: string,
    readonly role: LegRole,
    readonly address: Address,
    readonly startedAt: number,
  ) {}

  get live(): boolean {
    return this.status !== 'ended';
  }

  snapshot(): LegSnapshot {
    return {
      id: this.id,
      role: this.role,
      ...(this.agentId !== undefined && { agentId: this.agentId }),
      address: this.address.value,
      status: this.status,
      startedAt: iso(this.startedAt)!,
      ...(this.answeredAt !== undefined && { answeredAt: iso(this.answeredAt) }),
      ...(this.endedAt !== undefined && { endedAt: iso(this.endedAt), endReason: this.endReason }),
      ...(this.bridge !== undefined && { bridge: this.bridge }),
    };
  }
}

/**
 * A live call as the engine holds it: plain mutable state, changed only by the engine inside the call's
 * serial queue. Status moves only through {@link LiveCall.apply}, which consults the transition table.
 */
export class LiveCall {
  status: CallStatus = 'ringing';
  answeredAt: number | undefined;
  endedAt: number | undefined;
  endReason: EndReason | undefined;
  heldAt: number | undefined;
  /** Every bridge the call has held, in creation order (the main one joins the parties). */
  bridges: readonly LiveBridge[] = NONE;
  /** Every transfer of the call, oldest first; at most the last is still open. */
  transfers: readonly LiveTransfer[] = NONE;
  /** Every recording of the call, oldest first; at most the last is still live. */
  recordings: readonly LiveRecording[] = NONE;
  queueId: string | undefined;
  /** The agent who answered. */
  agentId: string | undefined;
  flags: CallFlags | undefined;
  /** Ring timeout asked for at originate, when it differs from the engine's default. */
  ringTimeoutMs: number | undefined;
  /** `conference` from the first party added (see conference-commands.ts). */
  type: CallType = 'call';
  /** A conference's parties, oldest first, those who left too. */
  participants: readonly LiveParticipant<Leg>[] = NONE;
  conference: ConferenceSettings | undefined;
  /** Supervisors who monitored the call, oldest first; at most the last is still on it. */
  monitors: readonly LiveMonitor<Leg>[] = NONE;
  legs: readonly Leg[] = NONE;
  readonly context: Readonly<Record<string, unknown>>;
  private legCount = 0;

  constructor(
    readonly id: string,
    readonly direction: CallDirection,
    readonly from: Address,
    readonly to: Address,
    readonly startedAt: number,
    context: Readonly<Record<string, unknown>> | undefined,
  ) {
    this.context = context && Object.keys(context).length > 0 ? context : NO_CONTEXT;
  }

  /** Moves the status through the table; throws INVALID_STATE naming the current status. */
  apply(transition: CallTransition): CallStatus {
    this.status = nextStatus(this.status, transition, this.id);
    return this.status;
  }

  /** Checks a command against the table without changing anything. */
  check(transition: CallTransition): void {
    nextStatus(this.status, transition, this.id);
  }

  /** Adds a party; its id is the driver's channel id (chosen here unless the driver chose it). */
  addLeg(role: LegRole, address: Address, now: number, channelId?: string): Leg {
    const leg = new Leg(channelId ?? `${this.id}-${++this.legCount}`, role, address, now);
    this.legs = appended(this.legs, leg);
    return leg;
  }

  leg(id: string): Leg | undefined {
    return this.legs.find((l) => l.id === id);
  }

  liveLegs(): Leg[] {
    return this.legs.filter((l) => l.live);
  }

  /** The call's bridge of `kind` that is up, if any. */
  bridgeOf(kind: BridgeKind): LiveBridge | undefined {
    for (const bridge of this.bridges) if (bridge.kind === kind && bridge.up) return bridge;
    return undefined;
  }

  /** The call's bridge with this id, up or gone. */
  bridge(id: string): LiveBridge | undefined {
    return this.bridges.find((b) => b.id === id);
  }

  /** Records a new bridge; `main` keeps the id the call always had, others are numbered. */
  addBridge(kind: BridgeKind, now: number): LiveBridge {
    const id = kind === 'main' ? `${this.id}-bridge` : `${this.id}-${kind}-${this.bridges.length + 1}`;
    const bridge = new LiveBridge(id, kind, now);
    this.bridges = appended(this.bridges, bridge);
    return bridge;
  }

  /** Starts a transfer's record; it rings until settled. */
  addTransfer(
    kind: TransferKind,
    to: string,
    agentId: string | undefined,
    now: number,
    parties: TransferParties,
  ): LiveTransfer {
    const id = `${this.id}-transfer-${this.transfers.length + 1}`;
    const transfer = new LiveTransfer(id, kind, to, agentId, now, parties);
    this.transfers = appended(this.transfers, transfer);
    return transfer;
  }

  /** Starts a recording's record; it records until paused or stopped. */
  addRecording(reason: RecordingReason, target: RecordingTarget, now: number): LiveRecording {
    const id = `${this.id}-recording-${this.recordings.length + 1}`;
    const recording = new LiveRecording(id, reason, target, now);
    this.recordings = appended(this.recordings, recording);
    return recording;
  }

  /** Forgets the last recording (one the driver refused to start). */
  dropLastRecording(): void {
    this.recordings = this.recordings.slice(0, -1);
  }

  /** Adds a conference party (see conference-commands.ts). */
  addParticipant(participant: LiveParticipant<Leg>): void {
    this.participants = appended(this.participants, participant);
  }

  /** Adds a supervisor's monitoring of the call (see monitor-commands.ts). */
  addMonitor(monitor: LiveMonitor<Leg>): void {
    this.monitors = appended(this.monitors, monitor);
  }

  /** The recording still running or paused, if any. */
  liveRecording(): LiveRecording | undefined {
    const last = this.recordings.at(-1);
    return last?.live ? last : undefined;
  }

  /** The transfer not yet settled (ringing its target, or consulting it), if any. */
  openTransfer(): LiveTransfer | undefined {
    const last = this.transfers.at(-1);
    return last?.open ? last : undefined;
  }

  /** Agents' legs still ringing: the offers in flight. */
  openOffers(): Leg[] {
    return this.legs.filter((l) => l.role === 'agent' && l.live && l.status !== 'answered');
  }

  /**
   * The party the call is about, who stays through holds and transfers: the dialled party of an
   * outbound call (or its transfer target once connected), the caller of an inbound one.
   */
  remoteLeg(): Leg | undefined {
    const live = this.legs.filter((l) => l.live && l.status === 'answered');
    const primary = this.direction === 'inbound' ? 'caller' : 'callee';
    return live.find((l) => l.role === primary) ?? live.find((l) => l.role === 'transfer_target');
  }

  snapshot(now: number): CallSnapshot {
    const end = this.endedAt ?? now;
    const lastTransfer = this.transfers.at(-1);
    return {
      id: this.id,
      type: this.type,
      direction: this.direction,
      status: this.status,
      from: this.from.value,
      to: this.to.value,
      context: this.context,
      legs: this.legs.map((l) => l.snapshot()),
      startedAt: iso(this.startedAt)!,
      ...(this.answeredAt !== undefined && {
        answeredAt: iso(this.answeredAt),
        duration: Math.floor((end - this.answeredAt) / 1000),
      }),
      ...(this.endedAt !== undefined && { endedAt: iso(this.endedAt), endReason: this.endReason }),
      ...(lastTransfer !== undefined && {
        transferTo: lastTransfer.to,
        transferInitiatedAt: iso(lastTransfer.startedAt),
        transfers: this.transfers.map((t) => t.snapshot()),
      }),
      ...(this.heldAt !== undefined && { heldAt: iso(this.heldAt) }),
      ...(this.queueId !== undefined && { queueId: this.queueId }),
      ...(this.agentId !== undefined && { agentId: this.agentId }),
      ...(this.flags !== undefined && { flags: this.flags }),
      ...(this.bridges.length > 0 && {
        bridges: this.bridges.map((b) => this.bridgeSnapshot(b)),
      }),
      ...(this.participants.length > 0 && { participants: this.participants.map((p) => p.snapshot()) }),
      ...(this.conference !== undefined && { conference: this.conference }),
      ...(this.monitors.length > 0 && { monitors: this.monitors.map((m) => m.snapshot()) }),
      ...(this.recordings.length > 0 && { recordings: this.recordings.map((r) => r.snapshot(now)) }),
    };
  }

  private bridgeSnapshot(bridge: LiveBridge) {
    const members = this.legs.filter((l) => l.bridge?.bridgeId === bridge.id).map((l) => l.id);
    return bridge.snapshot(members);
  }
}
