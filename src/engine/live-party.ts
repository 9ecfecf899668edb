import type {
  EndReason,
  LegStatus,
  MonitorMode,
  MonitorSnapshot,
  MonitorStatus,
  ParticipantRole,
  ParticipantSnapshot,
  ParticipantStatus,
} from '../core/call.ts';
import { iso } from '../core/clock.ts';

/** What a party reads of its leg (`Leg` of live-call.ts, which holds the parties). */
export interface PartyLeg {
  readonly id: string;
  readonly live: boolean;
  readonly status: LegStatus;
  readonly agentId: string | undefined;
  readonly answeredAt: number | undefined;
  readonly endedAt: number | undefined;
  readonly endReason: EndReason | undefined;
}

/**
 * A party of a conference. Its times come from its leg (joined when the leg answered, left when it
 * ended), so they can never disagree with the leg's.
 */
export class LiveParticipant<L extends PartyLeg = PartyLeg> {
  muted = false;

  constructor(
    readonly id: string,
    readonly leg: L,
    readonly role: ParticipantRole,
    /** Who the party is, as asked (an agent id or an address). */
    readonly to: string,
  ) {}

  get status(): ParticipantStatus {
    if (!this.leg.live) return 'left';
    return this.leg.status === 'answered' ? 'joined' : 'dialing';
  }

  snapshot(): ParticipantSnapshot {
    const { leg } = this;
    return {
      id: this.id,
      legId: leg.id,
      role: this.role,
      status: this.status,
      to: this.to,
      ...(leg.agentId !== undefined && { agentId: leg.agentId }),
      muted: this.muted,
      ...(leg.answeredAt !== undefined && { joinedAt: iso(leg.answeredAt) }),
      ...(leg.endedAt !== undefined && { leftAt: iso(leg.endedAt), leftReason: leg.endReason }),
    };
  }
}

/** A supervisor on the call: ringing until the leg answers, active while it is up, then ended. */
export class LiveMonitor<L extends PartyLeg = PartyLeg> {
  constructor(
    readonly id: string,
    readonly supervisorId: string,
    readonly leg: L,
    public mode: MonitorMode,
    readonly startedAt: number,
  ) {}

  get status(): MonitorStatus {
    if (!this.leg.live) return 'ended';
    return this.leg.status === 'answered' ? 'active' : 'ringing';
  }

  snapshot(): MonitorSnapshot {
    const { leg } = this;
    return {
      id: this.id,
      supervisorId: this.supervisorId,
      legId: leg.id,
      mode: this.mode,
      status: this.status,
      startedAt: iso(this.startedAt),
      ...(leg.answeredAt !== undefined && { connectedAt: iso(leg.answeredAt) }),
      ...(leg.endedAt !== undefined && { endedAt: iso(leg.endedAt), endReason: leg.endReason }),
    };
  }
}
