import type { Switchboard } from '../../src/app.ts';
import type { CallSnapshot } from '../../src/core/call.ts';

function openOffers(call: CallSnapshot) {
  return call.legs.filter((l) => l.role === 'agent' && l.status !== 'answered' && l.status !== 'ended');
}

/**
 * The ACD's reservation invariants, checked against the engine's own view of the calls once both are
 * idle: an agent is reserved only for a live call ringing them (and every offer rings a reserved
 * agent), an agent on a call holds that live call, only ring-all queues ring several agents at once,
 * no ended call waits in a queue, and nobody waits unoffered while a member of their queue is free.
 * `ringAll` names the queues allowed several offers. Answers what is broken, empty when all hold.
 */
export function reservationViolations(sb: Switchboard, ringAll: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const live = new Map(sb.engine.liveCalls().map((c) => [c.id, c]));
  const agents = sb.acd.listAgents();
  for (const a of agents) {
    const { state, callId } = a.status;
    const call = callId ? live.get(callId) : undefined;
    if (state === 'reserved') {
      if (!call) problems.push(`stuck agent: ${a.id} reserved for ${callId}, which is not live`);
      else if (openOffers(call).filter((l) => l.agentId === a.id).length !== 1)
        problems.push(`stuck agent: ${a.id} reserved for ${callId} without exactly one ringing offer`);
    }
    if (state === 'on_call' && call?.agentId !== a.id)
      problems.push(`${a.id} on call ${callId}, which is not theirs or not live`);
  }
  for (const call of live.values()) {
    const offers = openOffers(call);
    if (offers.length > 1 && !ringAll.has(call.queueId ?? ''))
      problems.push(`call ${call.id} offered to ${offers.length} agents`);
    for (const offer of offers) {
      const owner = agents.find((a) => a.id === offer.agentId)?.status;
      if (owner?.state !== 'reserved' || owner.callId !== call.id)
        problems.push(
          `offer ${offer.id} rings ${offer.agentId}, who is ${owner?.state} (not reserved for it)`,
        );
    }
  }
  for (const queue of sb.acd.listQueues()) {
    const free = agents.filter((a) => queue.members.includes(a.id) && a.status.state === 'available');
    for (const waiting of sb.acd.waitingIn(queue.id)) {
      if (!live.has(waiting.callId))
        problems.push(`stuck caller: ended call ${waiting.callId} waits in ${queue.id}`);
      else if (waiting.offeredTo.length === 0 && free.length > 0)
        problems.push(
          `stuck caller: ${waiting.callId} waits in ${queue.id} unoffered while ${free.map((a) => a.id)} are free`,
        );
    }
  }
  return problems;
}
