import type { Strategy } from './types.ts';

/**
 * Members in their configured order, starting after whoever was offered last (memory kept per queue),
 * so the turn goes round even when some members are busy. Looks only at the free members: the one
 * fewest places after the last one offered, going round the member list.
 */
export const roundRobin: Strategy = (candidates, { memory, memberIndex }) => {
  const size = memberIndex.size;
  const last = memory.lastAgentId === undefined ? -1 : (memberIndex.get(memory.lastAgentId) ?? -1);
  let chosen = candidates[0]!;
  let best = Number.POSITIVE_INFINITY;
  for (const agent of candidates) {
    const place = memberIndex.get(agent.profile.id);
    // Free agents outside the member list (a direct route to an agent) come after every member.
    const steps = place === undefined ? size : (place - last - 1 + size) % size;
    if (steps < best) {
      best = steps;
      chosen = agent;
    }
  }
  memory.lastAgentId = chosen.profile.id;
  return [chosen];
};
