import type { Value } from '../expressions.ts';
import { edgesOf, nothingToHear, nothingToStop } from './kit.ts';
import type { NodeFactory } from './types.ts';

/**
 * `set`: gives variables values, in order (a later one sees an earlier one). A text is an
 * expression (`"failures + 1"`, `"'fr'"` for the text fr); numbers, booleans and null are taken as
 * they are.
 */
export const set: NodeFactory<'set'> = (def, kit) => {
  const values = Object.entries(def.values).map(([name, value]) => ({
    name,
    compute:
      typeof value === 'string' ? kit.expression(value, `values.${name}`) : { evaluate: (): Value => value },
  }));
  return {
    kind: 'set',
    edges: edgesOf({ next: def.next }),
    waitsForCaller: false,
    async exec(run) {
      const changed = Object.create(null) as Record<string, Value>;
      for (const { name, compute } of values) {
        const value = compute.evaluate(run.scope);
        run.session.vars[name] = value;
        changed[name] = value;
      }
      run.trace('set', changed);
      return { go: def.next };
    },
    on: nothingToHear,
    kill: nothingToStop,
  };
};
