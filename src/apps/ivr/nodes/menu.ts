import { Asker } from './collect.ts';
import { edgesOf, failTo, nothingToStop } from './kit.ts';
import type { NodeFactory, Step } from './types.ts';

/** `menu`: one key chooses the next node ("press 1 for billing"). */
export const menu: NodeFactory<'menu'> = (def, kit) => {
  const options = new Map(Object.entries(def.options));
  const asker = new Asker({
    prompt: kit.prompt(def.prompt, 'prompt'),
    noInput: def.noInput === undefined ? undefined : kit.prompt(def.noInput, 'noInput'),
    noMatch: def.noMatch === undefined ? undefined : kit.prompt(def.noMatch, 'noMatch'),
    retries: def.retries,
    maxDigits: 1,
    finishKey: null,
    firstDigitTimeoutMs: def.timeoutMs,
    interDigitTimeoutMs: def.timeoutMs,
    accept: (digit) => options.has(digit),
  });
  const targets: Record<string, string | undefined> = { failure: def.failure };
  for (const [key, to] of options) targets[`options.${key}`] = to;
  return {
    kind: 'menu',
    edges: edgesOf(targets),
    waitsForCaller: true,
    exec: (run) => asker.start(run).then(() => undefined),
    async on(run, input): Promise<Step> {
      const outcome = await asker.on(run, input);
      if (outcome === undefined) return undefined;
      if ('failed' in outcome) return failTo(def.failure);
      if (def.into !== undefined) run.session.vars[def.into] = outcome.digits;
      return { go: options.get(outcome.digits)! };
    },
    kill: nothingToStop,
  };
};
