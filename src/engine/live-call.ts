import type {
  Address,
  CallDirection,
  CallFlags,
  CallSnapshot,
  CallStatus,
  EndReason,
  LegRole,
  LegSnapshot,
  LegStatus,
} from '../core/call.ts';
import { type CallTransition, nextStatus } from '../core/call-state-machine.ts';
import type { TimerHandle } from '../core/clock.ts';

const iso = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();

const NO_CONTEXT: Readonly<Record<string, unknown>> = Object.freeze({});

/** One party's channel in a call. Its id is the driver's channel id. */
export class Leg {
  status: LegStatus = 'dialing';
  answeredAt: number | undefined;
  endedAt: number | undefined;
  endReason: EndReason | undefined;
  /** Ring timeout while this leg is dialing or ringing. */
  timer: TimerHandle | undefined;
  /** Whether the leg sits in the call's bridge. */
  bridged = false;
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
  transferTo: string | undefined;
  transferInitiatedAt: number | undefined;
  /** The bridge that joins the parties once two are up. */
  bridgeId: string | undefined;
  queueId: string | undefined;
  /** The agent who answered. */
  agentId: string | undefined;
  flags: CallFlags | undefined;
  /** Ring timeout asked for at originate, when it differs from the engine's default. */
  ringTimeoutMs: number | undefined;
  readonly legs: Leg[] = [];
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
    this.legs.push(leg);
    return leg;
  }

  leg(id: string): Leg | undefined {
    return this.legs.find((l) => l.id === id);
  }

  liveLegs(): Leg[] {
    return this.legs.filter((l) => l.live);
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
    return {
      id: this.id,
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
      ...(this.transferTo !== undefined && {
        transferTo: this.transferTo,
        transferInitiatedAt: iso(this.transferInitiatedAt),
      }),
      ...(this.heldAt !== undefined && { heldAt: iso(this.heldAt) }),
      ...(this.queueId !== undefined && { queueId: this.queueId }),
      ...(this.agentId !== undefined && { agentId: this.agentId }),
      ...(this.flags !== undefined && { flags: this.flags }),
    };
  }
}
