import type { Strategy } from './types.ts';

/**
 * Members in their configured order, starting after whoever was offered last (memory kept per queue),
 * so the turn goes round even when some members are busy.
 */
export const roundRobin: Strategy = (candidates, { queue, memory }) => {
  const free = new Map(candidates.map((a) => [a.profile.id, a]));
  const members = queue.members;
  const start = memory.lastAgentId === undefined ? -1 : members.indexOf(memory.lastAgentId);
  for (let step = 1; step <= members.length; step++) {
    const agent = free.get(members[(start + step) % members.length]!);
    if (agent) {
      memory.lastAgentId = agent.profile.id;
      return [agent];
    }
  }
  // Free agents outside the member list (a direct route to an agent): any of them.
  return [candidates[0]!];
};
