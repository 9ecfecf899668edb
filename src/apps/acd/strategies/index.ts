import type { QueueStrategy } from '../../../core/queue.ts';
import { fewestCalls } from './fewest-calls.ts';
import { longestIdle } from './longest-idle.ts';
import { random } from './random.ts';
import { ringAll } from './ring-all.ts';
import { roundRobin } from './round-robin.ts';
import { bySkills } from './skills.ts';
import type { Strategy } from './types.ts';

/** Every strategy by its configured name; adding one is adding a file and a row here. */
export const STRATEGIES: Readonly<Record<QueueStrategy, Strategy>> = {
  ring_all: ringAll,
  longest_idle: longestIdle,
  fewest_calls: fewestCalls,
  round_robin: roundRobin,
  skills: bySkills,
  random,
};

export type { PickContext, Strategy } from './types.ts';
