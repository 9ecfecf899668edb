import type { EndReason } from '../core/call.ts';
import type { CallRegistry } from './call-registry.ts';
import type { Leg, LiveCall } from './live-call.ts';
import type { LiveTransfer } from './live-transfer.ts';

/**
 * Attended (warm) transfer, step by step, as the recorded Asterisk transcripts do it
 * (`attended-transfer-consult`, `attended-transfer-cancel`): the transferring party moves into a
 * consultation bridge (adding a channel that sits in another bridge moves it), the remote party stays
 * in the main bridge with music on hold, and the target joins the consultation once it answers.
 * - Complete: the remote party leaves hold, the target moves into the main bridge (so the call keeps
 *   its main bridge), the transferring party is hung up and the consultation bridge goes.
 * - Cancel, or the target refusing, ringing out or hanging up: the target is hung up, the transferring
 *   party moves back into the main bridge and the remote party leaves hold.
 * - The transferring party hanging up completes the transfer; while the target still rings, the
 *   remote party waits on hold for it, as after a blind transfer (and the call ends if it never answers).
 * - The remote party hanging up ends the call for everyone (see `driver-events.ts`).
 * Every function runs inside the call's serial queue.
 */

/** The attended transfer under way on the call, if any. */
export function attendedTransfer(call: LiveCall): LiveTransfer | undefined {
  const open = call.openTransfer();
  return open?.kind === 'attended' ? open : undefined;
}

/**
 * The party who transfers: connected with the remote party in the main bridge, the call's agent first;
 * `undefined` when nobody is (a caller waiting in a queue).
 */
export function transferringParty(call: LiveCall, staying: Leg): Leg | undefined {
  const main = call.bridgeOf('main');
  if (!main || staying.bridge?.bridgeId !== main.id) return undefined;
  const parties = call.legs.filter(
    (l) =>
      l !== staying &&
      l.live &&
      l.status === 'answered' &&
      l.bridge?.bridgeId === main.id &&
      l.bridge.role === 'normal',
  );
  return parties.find((l) => l.agentId !== undefined && l.agentId === call.agentId) ?? parties[0];
}

/**
 * Sets the consultation up: the transferring party moves into a new consultation bridge and the remote
 * party hears music on hold (where the driver can play it). The target is dialled next, by the command.
 */
export async function beginConsultation(
  ops: CallRegistry,
  call: LiveCall,
  transfer: LiveTransfer,
  staying: Leg,
  transferring: Leg,
): Promise<void> {
  const { driver } = ops.deps;
  const bridge = call.addBridge('consultation', ops.now());
  transfer.consultationBridgeId = bridge.id;
  await driver.createBridge(bridge.id);
  await moveTo(ops, bridge.id, transferring);
  if (driver.capabilities.hold) await ops.holdLeg(staying);
  call.heldAt ??= ops.now();
}

/** The target answered: it joins the consultation, or takes the call when the transferring party has left. */
export async function onTargetAnswered(
  ops: CallRegistry,
  call: LiveCall,
  transfer: LiveTransfer,
  target: Leg,
): Promise<void> {
  const transferring = transferringLeg(call, transfer);
  const consultation = transfer.consultationBridgeId;
  if (transferring && consultation !== undefined) {
    await moveTo(ops, consultation, target);
    transfer.consult(ops.now());
  }
  if (target.agentId !== undefined) {
    await ops.publish(call, 'call.offer.accepted', { legId: target.id, agentId: target.agentId });
  }
  if (!transferring) return connectTarget(ops, call, transfer, target);
  await ops.publish(call, 'call.transfer.answered', { transferId: transfer.id, transferTo: transfer.to });
}

/**
 * Completes the transfer: the remote party leaves hold and joins the target in the main bridge, the
 * transferring party (if still there) is hung up, and the consultation bridge goes.
 */
export async function connectTarget(
  ops: CallRegistry,
  call: LiveCall,
  transfer: LiveTransfer,
  target: Leg,
): Promise<void> {
  const staying = call.leg(transfer.parties.stayingLegId);
  const main = call.bridgeOf('main');
  if (staying?.live) await tolerate(ops, call, 'unhold', ops.unholdLeg(staying));
  if (main) await moveTo(ops, main.id, target);
  const transferring = transferringLeg(call, transfer);
  if (transferring) await ops.hangupLeg(transferring, 'normal', 'transferred');
  await dropConsultation(ops, call, transfer);
  call.heldAt = undefined;
  call.apply('complete_transfer');
  transfer.complete(ops.now());
  // A transfer to an agent: that agent has the call from now on.
  if (target.agentId !== undefined) call.agentId = target.agentId;
  await ops.publish(call, 'call.transferred', { transferTo: transfer.to });
}

/**
 * The target will not take the call (`reason`: its cause, or `canceled` when withdrawn): the transfer
 * fails and the transferring party is back with the remote party. Resolves `false`, changing nothing,
 * when the transferring party has left already: then the call ends as after a blind transfer.
 */
export async function onTargetGone(
  ops: CallRegistry,
  call: LiveCall,
  transfer: LiveTransfer,
  target: Leg,
  reason: EndReason,
): Promise<boolean> {
  if (!transferringLeg(call, transfer)) return false;
  if (target.answeredAt === undefined && target.agentId !== undefined) {
    await ops.endOffer(call, target, reason);
  }
  await revert(ops, call, transfer, { reason });
  return true;
}

/**
 * A leg of an attended transfer hung up: the target (see {@link onTargetGone}), or the transferring
 * party, whose hang-up completes the transfer. Resolves `false` for any other leg.
 */
export async function onAttendedLegGone(
  ops: CallRegistry,
  call: LiveCall,
  transfer: LiveTransfer,
  leg: Leg,
  cause: EndReason,
): Promise<boolean> {
  if (leg.id === transfer.targetLegId) return onTargetGone(ops, call, transfer, leg, cause);
  if (leg.id !== transfer.parties.transferringLegId) return false;
  const target = transfer.targetLegId === undefined ? undefined : call.leg(transfer.targetLegId);
  if (transfer.status === 'consulting' && target?.live) await connectTarget(ops, call, transfer, target);
  // Still ringing: the remote party waits on hold for the target, as after a blind transfer.
  else await ops.publish(call, 'call.leg.ended', { legId: leg.id, endReason: cause });
  return true;
}

/** The transferring party completes before the target answered: they leave, the remote party waits for it. */
export async function leaveBeforeAnswer(
  ops: CallRegistry,
  call: LiveCall,
  transfer: LiveTransfer,
): Promise<void> {
  const transferring = transferringLeg(call, transfer);
  if (!transferring) return;
  await ops.hangupLeg(transferring, 'normal', 'transferred');
  await ops.publish(call, 'call.leg.ended', { legId: transferring.id, endReason: 'transferred' });
}

/**
 * The transfer falls back (`canceled` by the transferring party, or failed for `reason`): the target,
 * if still up, is hung up, the transferring party moves back into the main bridge and the remote
 * party leaves hold; `call.transfer.canceled` or `call.transfer.failed` says so.
 */
export async function revert(
  ops: CallRegistry,
  call: LiveCall,
  transfer: LiveTransfer,
  outcome: { readonly canceled: true } | { readonly reason: EndReason },
): Promise<void> {
  const target = transfer.targetLegId === undefined ? undefined : call.leg(transfer.targetLegId);
  if (target?.live) {
    const answered = target.status === 'answered';
    await ops.hangupLeg(target, answered ? 'normal' : 'canceled');
    if (!answered && target.agentId !== undefined) await ops.endOffer(call, target, 'canceled');
  }
  const transferring = transferringLeg(call, transfer);
  const main = call.bridgeOf('main');
  if (transferring && main) await tolerate(ops, call, 'move back', moveTo(ops, main.id, transferring));
  const staying = call.leg(transfer.parties.stayingLegId);
  if (staying?.live) await tolerate(ops, call, 'unhold', ops.unholdLeg(staying));
  await dropConsultation(ops, call, transfer);
  call.heldAt = undefined;
  call.apply('cancel_transfer');
  const step = { transferId: transfer.id, transferTo: transfer.to };
  if ('canceled' in outcome) {
    transfer.cancel(ops.now());
    await ops.publish(call, 'call.transfer.canceled', step);
  } else {
    transfer.fail(ops.now(), outcome.reason);
    await ops.publish(call, 'call.transfer.failed', { ...step, reason: outcome.reason });
  }
}

/** The transferring party's leg while it is still up. */
export function transferringLeg(call: LiveCall, transfer: LiveTransfer): Leg | undefined {
  const id = transfer.parties.transferringLegId;
  const leg = id === undefined ? undefined : call.leg(id);
  return leg?.live ? leg : undefined;
}

/** Puts an answered leg in a bridge; a channel already in another bridge moves (ARI and the simulator alike). */
async function moveTo(ops: CallRegistry, bridgeId: string, leg: Leg): Promise<void> {
  await ops.deps.driver.addToBridge(bridgeId, leg.id, 'normal');
  leg.bridge = { bridgeId, role: 'normal' };
}

/** Tears the consultation bridge down once nobody talks in it any more. */
async function dropConsultation(ops: CallRegistry, call: LiveCall, transfer: LiveTransfer): Promise<void> {
  const id = transfer.consultationBridgeId;
  const bridge = id === undefined ? undefined : call.bridge(id);
  if (!bridge?.up) return;
  for (const leg of call.legs) if (leg.bridge?.bridgeId === bridge.id) leg.bridge = undefined;
  bridge.destroyedAt = ops.now();
  await tolerate(ops, call, 'destroy the consultation bridge', ops.deps.driver.destroyBridge(bridge.id));
}

/**
 * A step of a fallback or completion that the phone system refused (a channel that vanished meanwhile,
 * whose hang-up follows): the transfer still settles, so the call never stays half transferred.
 */
async function tolerate(ops: CallRegistry, call: LiveCall, what: string, step: Promise<void>): Promise<void> {
  try {
    await step;
  } catch (error) {
    ops.deps.log.warn({ err: error, callId: call.id }, `attended transfer: could not ${what}`);
  }
}
