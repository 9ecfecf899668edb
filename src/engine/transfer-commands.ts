import type { CallSnapshot } from '../core/call.ts';
import { SwitchboardError } from '../core/errors.ts';
import {
  attendedTransfer,
  beginConsultation,
  connectTarget,
  leaveBeforeAnswer,
  onTargetGone,
  revert,
  transferringLeg,
  transferringParty,
} from './attended-transfer.ts';
import { refusalReason } from './call-refusal.ts';
import { requireCapability } from './capabilities.ts';
import type { CommandContext } from './command-context.ts';
import { assertWaiting } from './distribution-commands.ts';
import type { Leg, LiveCall } from './live-call.ts';
import type { LiveTransfer, TransferParties } from './live-transfer.ts';
import type { ResolvedParty } from './parties.ts';
import type { CallControl, TransferOptions } from './types.ts';

/** Transfers of the remote party: blind, and attended with its completion and cancellation. */
export class TransferCommands
  implements Pick<CallControl, 'transfer' | 'completeTransfer' | 'cancelTransfer'>
{
  constructor(private readonly ctx: CommandContext) {}

  transfer(callId: string, to: string, options: TransferOptions = {}): Promise<CallSnapshot> {
    requireCapability(this.ctx.ops.deps.driver, 'bridging', 'transfer a call (it cannot join other parties)');
    const target = this.ctx.party(to, 'to');
    if (options.mode === 'attended') return this.attended(callId, target);
    return this.ctx.command(callId, async (call) => {
      if (options.onlyIfWaiting) assertWaiting(call);
      call.check('start_transfer');
      const { ops } = this.ctx;
      const staying = this.ctx.remoteLeg(call);
      // The last check before anything changes: an agent who cannot take the call is refused here.
      if (target.agentId !== undefined) this.ctx.claim(target.agentId, call.id);
      if (call.status === 'on_hold') {
        await ops.deps.driver.unhold(staying.id);
        call.heldAt = undefined;
      }
      call.apply('start_transfer');
      const transfer = this.record(call, 'blind', target, staying, transferringParty(call, staying));
      // Blind transfer: the transferring party leaves at once; the remote party waits in the bridge.
      for (const leg of call.liveLegs()) {
        if (leg !== staying) await ops.hangupLeg(leg, 'normal', 'transferred');
      }
      await ops.publish(call, 'call.transferring', { transferTo: target.shown.value });
      try {
        await this.dialTarget(call, transfer, target);
      } catch (error) {
        // The driver refused the target: the caller must not wait in silence for the ring timeout.
        ops.deps.log.warn({ err: error, callId }, 'transfer target refused by the driver');
        ops.settleTransfer(call, { completed: false, reason: refusalReason(error) });
        await ops.finish(call, refusalReason(error));
      }
    });
  }

  completeTransfer(callId: string): Promise<CallSnapshot> {
    return this.ctx.command(callId, async (call) => {
      const transfer = openAttended(call, 'complete');
      const target = transfer.targetLegId === undefined ? undefined : call.leg(transfer.targetLegId);
      if (transfer.status === 'consulting' && target?.live) {
        await connectTarget(this.ctx.ops, call, transfer, target);
        return;
      }
      // Completed before the target answered: the remote party waits on hold for it, as after a blind transfer.
      await leaveBeforeAnswer(this.ctx.ops, call, transfer);
    });
  }

  cancelTransfer(callId: string): Promise<CallSnapshot> {
    return this.ctx.command(callId, async (call) => {
      const transfer = openAttended(call, 'cancel');
      if (!transferringLeg(call, transfer)) {
        throw new SwitchboardError(
          'INVALID_STATE',
          'The transferring party has left; the transfer goes on as a blind one and cannot be taken back.',
          { callId, status: call.status, action: 'cancel_transfer' },
        );
      }
      await revert(this.ctx.ops, call, transfer, { canceled: true });
    });
  }

  /**
   * Attended transfer: the transferring party moves to a consultation, the remote party waits with
   * music on hold, and the target rings (an agent is offered the call with `call.offered`).
   */
  private attended(callId: string, target: ResolvedParty): Promise<CallSnapshot> {
    const { ops } = this.ctx;
    return this.ctx.command(callId, async (call) => {
      call.check('start_transfer');
      const staying = this.ctx.remoteLeg(call);
      const transferring = transferringParty(call, staying);
      if (!transferring) {
        throw new SwitchboardError(
          'INVALID_STATE',
          'An attended transfer needs a party talking with the remote party to consult the target; use a blind transfer.',
          { callId, status: call.status },
        );
      }
      if (target.agentId !== undefined) this.ctx.claim(target.agentId, call.id);
      // A held call's remote party hears music on hold already.
      if (call.status === 'on_hold') staying.held = true;
      call.apply('start_transfer');
      const transfer = this.record(call, 'attended', target, staying, transferring);
      try {
        await beginConsultation(ops, call, transfer, staying, transferring);
      } catch (error) {
        ops.deps.log.warn({ err: error, callId }, 'the consultation could not be set up');
        await revert(ops, call, transfer, { reason: refusalReason(error) });
        return;
      }
      await ops.publish(call, 'call.transferring', { transferTo: target.shown.value });
      try {
        await this.dialTarget(call, transfer, target);
      } catch (error) {
        ops.deps.log.warn({ err: error, callId }, 'attended transfer target refused by the driver');
        const reason = refusalReason(error);
        const refused = call.leg(transfer.targetLegId ?? '');
        if (refused) ops.legEnded(refused, reason);
        if (!refused || !(await onTargetGone(ops, call, transfer, refused, reason))) {
          await revert(ops, call, transfer, { reason });
        }
      }
    });
  }

  /** Starts the transfer's record, naming the remote party who stays and who transfers. */
  private record(
    call: LiveCall,
    kind: LiveTransfer['kind'],
    target: ResolvedParty,
    staying: Leg,
    transferring: Leg | undefined,
  ): LiveTransfer {
    const parties: TransferParties = {
      stayingLegId: staying.id,
      ...(transferring && {
        transferringLegId: transferring.id,
        from: transferring.agentId ?? transferring.address.value,
      }),
    };
    return call.addTransfer(kind, target.shown.value, target.agentId, this.ctx.ops.now(), parties);
  }

  /**
   * Dials the target; an agent target of an attended transfer is offered the call with its context
   * (who transfers, who is transferred). A refused dial rejects, with the refused leg recorded.
   */
  private async dialTarget(call: LiveCall, transfer: LiveTransfer, target: ResolvedParty): Promise<void> {
    const { ops } = this.ctx;
    const ringFor = call.ringTimeoutMs ?? this.ctx.ringTimeoutMs;
    let leg: Leg;
    try {
      leg = await ops.dial(call, 'transfer_target', target.address, ringFor, target.agentId);
    } catch (error) {
      transfer.targetLegId = call.legs.at(-1)?.id;
      await this.offered(call, transfer, target);
      throw error;
    }
    transfer.targetLegId = leg.id;
    await this.offered(call, transfer, target);
  }

  /** `call.offered` to the agent an attended transfer rings (blind transfers keep their own events). */
  private async offered(call: LiveCall, transfer: LiveTransfer, target: ResolvedParty): Promise<void> {
    const legId = transfer.targetLegId;
    if (transfer.kind !== 'attended' || target.agentId === undefined || legId === undefined) return;
    const caller = call.leg(transfer.parties.stayingLegId)?.address.value ?? '';
    await this.ctx.ops.publish(call, 'call.offered', {
      legId,
      agentId: target.agentId,
      transfer: { transferId: transfer.id, kind: transfer.kind, from: transfer.parties.from, caller },
    });
  }
}

/** The call's attended transfer under way; INVALID_STATE (409) when there is none to complete or cancel. */
function openAttended(call: LiveCall, verb: 'complete' | 'cancel'): LiveTransfer {
  const transfer = attendedTransfer(call);
  if (transfer) return transfer;
  throw new SwitchboardError(
    'INVALID_STATE',
    `No attended transfer is in progress on this call; there is nothing to ${verb}.`,
    { callId: call.id, status: call.status, action: `${verb}_transfer` },
  );
}
