import type { Strategy } from './types.ts';

/** Rings every free member at once; the first to answer takes the call. */
export const ringAll: Strategy = (candidates) => candidates;
