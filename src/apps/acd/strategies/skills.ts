import { longerIdle, type Strategy } from './types.ts';

/**
 * The member whose skills best match the queue's required skills (every minimum met, then the highest
 * sum of levels over the required skills); longest idle among equals. Members missing a required skill
 * or below its minimum are not offered the call.
 */
export const bySkills: Strategy = (candidates, { queue }) => {
  const required = Object.entries(queue.requiredSkills);
  let best: { agent: (typeof candidates)[number]; score: number } | undefined;
  for (const agent of candidates) {
    let score = 0;
    let qualified = true;
    for (const [skill, minimum] of required) {
      const level = agent.profile.skills[skill] ?? 0;
      if (level < minimum) {
        qualified = false;
        break;
      }
      score += level;
    }
    if (!qualified) continue;
    if (!best || score > best.score || (score === best.score && longerIdle(agent, best.agent) === agent)) {
      best = { agent, score };
    }
  }
  return best ? [best.agent] : [];
};
