import type { Strategy } from './types.ts';

/** Any free member, uniformly. */
export const random: Strategy = (candidates, { random }) => [
  candidates[Math.floor(random() * candidates.length)] ?? candidates[0]!,
];
