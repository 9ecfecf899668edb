import { edgesOf, nothingToHear, nothingToStop } from './kit.ts';
import type { NodeFactory } from './types.ts';

/**
 * `goto`: jumps to a node, or into another flow (its latest version, at its start or at `node`). The
 * caller keeps their variables (the other flow's defaults fill only those missing) and the trace goes on.
 */
export const goto: NodeFactory<'goto'> = (def) => ({
  kind: 'goto',
  // A node of another flow is that flow's business; it is checked when the jump happens.
  edges: def.flow === undefined ? edgesOf({ node: def.node }) : [],
  waitsForCaller: false,
  async exec() {
    if (def.flow !== undefined)
      return def.node === undefined ? { flow: def.flow } : { flow: def.flow, node: def.node };
    return { go: def.node! };
  },
  on: nothingToHear,
  kill: nothingToStop,
});
