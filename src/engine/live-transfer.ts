import {
  type EndReason,
  isOpenTransfer,
  type TransferKind,
  type TransferSnapshot,
  type TransferStatus,
} from '../core/call.ts';
import { iso } from '../core/clock.ts';

/** Who a transfer concerns, besides its target: the party who stays and the one who transfers. */
export interface TransferParties {
  /** The remote party, who waits (on hold, for an attended transfer) and stays on the call. */
  readonly stayingLegId: string;
  /** The party who transfers (attended: who consults the target); absent when nobody was connected. */
  readonly transferringLegId?: string;
  /** Shown as the transfer's `from`: the transferring agent's id, or their phone's address. */
  readonly from?: string;
}

/**
 * One transfer of a call with its own state: it rings its target until it is `completed` or `failed`,
 * once, and then stays in the call's history as it ended. An attended one is `consulting` between the
 * target's answer and the end, and may end `canceled` (taken back by the transferring party).
 */
export class LiveTransfer {
  status: TransferStatus = 'ringing';
  targetLegId: string | undefined;
  answeredAt: number | undefined;
  endedAt: number | undefined;
  endReason: EndReason | undefined;
  /** Attended: the bridge where the transferring party and the target talk. */
  consultationBridgeId: string | undefined;

  constructor(
    readonly id: string,
    readonly kind: TransferKind,
    /** Where the call goes, as shown (an agent id or an address). */
    readonly to: string,
    readonly agentId: string | undefined,
    readonly startedAt: number,
    readonly parties: TransferParties,
  ) {}

  get open(): boolean {
    return isOpenTransfer(this.status);
  }

  /** Attended: the target answered; the consultation begins. */
  consult(now: number): void {
    if (this.status !== 'ringing') return;
    this.status = 'consulting';
    this.answeredAt = now;
  }

  /** The target has the call. */
  complete(now: number): void {
    this.settle('completed', now, undefined);
  }

  /** The target will never take the call (its cause), or the call ended first (`canceled`). */
  fail(now: number, reason: EndReason): void {
    this.settle('failed', now, reason);
  }

  /** Attended: the transferring party took the call back. */
  cancel(now: number): void {
    this.settle('canceled', now, undefined);
  }

  snapshot(): TransferSnapshot {
    return {
      id: this.id,
      kind: this.kind,
      status: this.status,
      to: this.to,
      ...(this.agentId !== undefined && { agentId: this.agentId }),
      ...(this.parties.from !== undefined && { from: this.parties.from }),
      ...(this.targetLegId !== undefined && { targetLegId: this.targetLegId }),
      startedAt: iso(this.startedAt)!,
      ...(this.answeredAt !== undefined && { answeredAt: iso(this.answeredAt) }),
      ...(this.endedAt !== undefined && { endedAt: iso(this.endedAt) }),
      ...(this.endReason !== undefined && { endReason: this.endReason }),
    };
  }

  /** A transfer settles once; later news of it (a late hang-up) changes nothing. */
  private settle(status: TransferStatus, now: number, reason: EndReason | undefined): void {
    if (!this.open) return;
    this.status = status;
    this.endedAt = now;
    this.endReason = reason;
  }
}
