import type { EndReason } from '../core/call.ts';
import { canTransition } from '../core/call-state-machine.ts';
import type { DriverEvent } from '../telephony/driver.ts';
import { attendedTransfer, onAttendedLegGone, onTargetAnswered, onTargetGone } from './attended-transfer.ts';
import { dialCallee, endAfterTone, refusedWith, waitingParty } from './call-refusal.ts';
import type { CallRegistry } from './call-registry.ts';
import { waitingRemote } from './distribution-commands.ts';
import type { Leg, LiveCall } from './live-call.ts';
import { endsAsSideLeg, isSideLeg, sideLegAnswered, sideLegGone } from './side-legs.ts';

type ChannelEvent = Exclude<
  DriverEvent,
  {
    type:
      | 'channel.inbound'
      | 'driver.connected'
      | 'driver.disconnected'
      | 'endpoint.state'
      | 'recording.finished'
      | 'playback.finished';
  }
>;

/**
 * What a driver event on one of a call's channels means for the call. Runs inside the call's serial
 * queue; `ringTimeoutMs` is the engine's default for legs dialled as a consequence (click-to-dial's
 * second leg).
 */
export async function applyChannelEvent(
  ops: CallRegistry,
  call: LiveCall,
  event: ChannelEvent,
  ringTimeoutMs: number,
): Promise<void> {
  const leg = call.leg(event.channelId);
  if (!leg?.live || !ops.calls.has(call.id)) return;
  switch (event.type) {
    case 'channel.ringing':
      // `call.ringing` told that the call is being placed; this is the far end actually alerting.
      if (leg.status !== 'dialing') return;
      leg.status = 'ringing';
      return ops.publish(call, 'call.leg.ringing', { legId: leg.id, role: leg.role });
    case 'channel.answered':
      return onAnswered(ops, call, leg, ringTimeoutMs);
    case 'channel.hangup':
      ops.legEnded(leg, event.cause);
      return onLegGone(ops, call, leg, event.cause);
    case 'channel.dtmf':
      return ops.publish(call, 'call.dtmf', { digit: event.digit, legId: leg.id, direction: 'in' });
    case 'channel.held':
      if (!canTransition(call.status, 'hold')) return;
      call.apply('hold');
      call.heldAt = ops.now();
      return ops.publish(call, 'call.held');
    case 'channel.unheld':
      if (!canTransition(call.status, 'unhold')) return;
      call.apply('unhold');
      call.heldAt = undefined;
      return ops.publish(call, 'call.unheld');
  }
}

async function onAnswered(ops: CallRegistry, call: LiveCall, leg: Leg, ringTimeoutMs: number): Promise<void> {
  ops.legAnswered(leg);
  if (leg.role === 'caller' && call.direction === 'outbound') {
    // Click-to-dial: the caller's own phone is up, now dial the party they asked for.
    return dialCallee(ops, call, ringTimeoutMs);
  }
  if (leg.role === 'agent') return onAgentAnswered(ops, call, leg, ringTimeoutMs);
  if (isSideLeg(leg)) return sideLegAnswered(ops, call, leg);
  if (leg.role === 'callee') {
    // The party who asked for this call: the click-to-dial caller, or the agent who took a queued call.
    const caller = waitingParty(call);
    if (caller) await ops.bridge(call, caller, leg);
    call.apply('answer');
    call.answeredAt = ops.now();
    return ops.publish(call, 'call.answered');
  }
  if (leg.role === 'transfer_target') {
    const attended = attendedTransfer(call);
    if (attended?.targetLegId === leg.id) return onTargetAnswered(ops, call, attended, leg);
    const staying = call.remoteLeg();
    if (staying && staying !== leg) {
      await ops.unholdLeg(staying);
      await ops.bridge(call, staying, leg);
    }
    call.apply('complete_transfer');
    const transferTo = call.openTransfer()?.to ?? leg.address.value;
    ops.settleTransfer(call, { completed: true });
    // A transfer to an agent: that agent has the call from now on.
    if (leg.agentId !== undefined) call.agentId = leg.agentId;
    // A caller sent on from a queue (overflow to a number) is answered only now.
    call.answeredAt ??= ops.now();
    return ops.publish(call, 'call.transferred', { transferTo });
  }
}

/**
 * An agent took an offered call: other offers stop ringing (ring-all), then the agent is connected to
 * the waiting caller, or — for a call that waited before anyone was dialled — the number is dialled.
 */
async function onAgentAnswered(
  ops: CallRegistry,
  call: LiveCall,
  leg: Leg,
  ringTimeoutMs: number,
): Promise<void> {
  call.agentId = leg.agentId;
  for (const other of call.openOffers()) {
    await ops.hangupLeg(other, 'canceled');
    await ops.endOffer(call, other, 'canceled');
  }
  // The agent has the call from now on, even while the number of a queued call is still being dialled.
  await ops.publish(call, 'call.offer.accepted', { legId: leg.id, agentId: leg.agentId ?? '' });
  // The caller, or the answered contact of a campaign call that waited in the queue.
  const caller = waitingRemote(call);
  if (!caller) return dialCallee(ops, call, ringTimeoutMs);
  await ops.unholdLeg(caller);
  await ops.bridge(call, caller, leg);
  call.apply('answer');
  // A caller an app answered first (the IVR) keeps that answer time.
  call.answeredAt ??= ops.now();
  return ops.publish(call, 'call.answered');
}

/**
 * A dialled leg rang out. An agent's offer ends and the caller waits for the next agent; an attended
 * transfer's target fails the transfer; anything else ends the call with `no_answer`.
 */
export async function applyRingTimeout(ops: CallRegistry, call: LiveCall, leg: Leg): Promise<void> {
  if (!leg.live || leg.status === 'answered') return;
  await ops.hangupLeg(leg, 'no_answer');
  // An agent who lets an offer ring out does not end the call: it waits for the next agent.
  if (leg.role === 'agent') return ops.endOffer(call, leg, 'no_answer');
  if (isSideLeg(leg)) return sideLegGone(ops, call, leg, 'no_answer');
  const attended = attendedTransfer(call);
  if (attended?.targetLegId === leg.id && (await onTargetGone(ops, call, attended, leg, 'no_answer'))) return;
  await ops.finish(call, 'no_answer');
}

/** A party hung up or failed: decide whether the call goes on or ends, and why. */
async function onLegGone(ops: CallRegistry, call: LiveCall, leg: Leg, cause: EndReason): Promise<void> {
  const refused = refusedWith(call);
  if (refused) return ops.finish(call, refused);
  if (endsAsSideLeg(call, leg)) return sideLegGone(ops, call, leg, cause);
  if (leg.role === 'agent' && leg.answeredAt === undefined) return ops.endOffer(call, leg, cause);
  const transfer = call.openTransfer();
  // The party being transferred left: there is nothing left to transfer, and the call ends for all.
  if (transfer?.parties.stayingLegId === leg.id) return ops.finish(call, endReasonFor(call, leg, cause));
  if (transfer?.kind === 'attended' && (await onAttendedLegGone(ops, call, transfer, leg, cause))) return;
  if (call.status === 'transferring' && leg.role !== 'transfer_target' && leg !== call.remoteLeg()) {
    // A party leaving during a transfer is expected; the call continues.
    return ops.publish(call, 'call.leg.ended', { legId: leg.id, endReason: cause });
  }
  const reason = endReasonFor(call, leg, cause);
  // The called party failed while the one who asked is up: they hear why before being hung up.
  if (leg.role === 'callee' && call.answeredAt === undefined && reason !== 'canceled') {
    return endAfterTone(ops, call, reason);
  }
  await ops.finish(call, reason);
}

/**
 * Why a call ends when one party left: the cause the driver reported, for answered calls too (a call
 * lost with the phone system ends `network_error`). A caller who leaves before anyone answered
 * cancelled; "canceled" after an answer (answered elsewhere, a late CANCEL) is a normal end.
 */
function endReasonFor(call: LiveCall, leg: Leg, cause: EndReason): EndReason {
  const calledParty = leg.role === 'callee' || leg.role === 'transfer_target';
  if (call.answeredAt === undefined) return cause === 'normal' && !calledParty ? 'canceled' : cause;
  return cause === 'canceled' && leg.role !== 'transfer_target' ? 'normal' : cause;
}
