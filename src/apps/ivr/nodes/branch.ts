import { truthy } from '../expressions.ts';
import { edgesOf, nothingToHear, nothingToStop } from './kit.ts';
import type { NodeFactory } from './types.ts';

/** `branch`: the first condition that holds chooses the next node; `else` when none does. */
export const branch: NodeFactory<'branch'> = (def, kit) => {
  const conditions = def.when.map((c, i) => ({
    test: kit.expression(c.if, `when[${i}].if`),
    next: c.next,
  }));
  const targets: Record<string, string> = { else: def.else };
  def.when.forEach((c, i) => {
    targets[`when[${i}].next`] = c.next;
  });
  return {
    kind: 'branch',
    edges: edgesOf(targets),
    waitsForCaller: false,
    async exec(run) {
      const index = conditions.findIndex((c) => truthy(c.test.evaluate(run.scope)));
      const next = index < 0 ? def.else : conditions[index]!.next;
      run.trace('branch', { matched: index < 0 ? 'else' : index, next });
      return { go: next };
    },
    on: nothingToHear,
    kill: nothingToStop,
  };
};
