import type { EndReason, TransferKind, TransferSnapshot, TransferStatus } from '../core/call.ts';
import { iso } from '../core/clock.ts';

/**
 * One transfer of a call with its own state: it rings its target until it is `completed` or `failed`,
 * once, and then stays in the call's history as it ended.
 */
export class LiveTransfer {
  status: TransferStatus = 'ringing';
  targetLegId: string | undefined;
  endedAt: number | undefined;
  endReason: EndReason | undefined;

  constructor(
    readonly id: string,
    readonly kind: TransferKind,
    /** Where the call goes, as shown (an agent id or an address). */
    readonly to: string,
    readonly agentId: string | undefined,
    readonly startedAt: number,
  ) {}

  get open(): boolean {
    return this.status === 'ringing';
  }

  /** The target answered. */
  complete(now: number): void {
    this.settle('completed', now, undefined);
  }

  /** The target will never answer (its cause), or the call ended first (`canceled`). */
  fail(now: number, reason: EndReason): void {
    this.settle('failed', now, reason);
  }

  snapshot(): TransferSnapshot {
    return {
      id: this.id,
      kind: this.kind,
      status: this.status,
      to: this.to,
      ...(this.agentId !== undefined && { agentId: this.agentId }),
      ...(this.targetLegId !== undefined && { targetLegId: this.targetLegId }),
      startedAt: iso(this.startedAt)!,
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
