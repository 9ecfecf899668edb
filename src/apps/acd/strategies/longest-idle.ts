import { longerIdle, type Strategy } from './types.ts';

/** The member who has been free the longest. */
export const longestIdle: Strategy = (candidates) => [candidates.reduce(longerIdle)];
