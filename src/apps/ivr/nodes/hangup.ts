import { nothingToHear, nothingToStop } from './kit.ts';
import type { NodeFactory } from './types.ts';

/** `hangup`: ends the call. */
export const hangup: NodeFactory<'hangup'> = () => ({
  kind: 'hangup',
  edges: [],
  waitsForCaller: false,
  async exec() {
    return { end: 'hangup', hangup: true };
  },
  on: nothingToHear,
  kill: nothingToStop,
});
