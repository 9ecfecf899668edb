import { longerIdle, type Strategy } from './types.ts';

/** The member who answered the fewest calls since logging in; longest idle among equals. */
export const fewestCalls: Strategy = (candidates) => [
  candidates.reduce((best, a) =>
    a.callsAnswered !== best.callsAnswered
      ? a.callsAnswered < best.callsAnswered
        ? a
        : best
      : longerIdle(a, best),
  ),
];
