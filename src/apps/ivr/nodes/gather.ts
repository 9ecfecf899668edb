import { Asker } from './collect.ts';
import { edgesOf, failTo, nothingToStop } from './kit.ts';
import type { NodeFactory, Step } from './types.ts';

/**
 * `gather`: asks for digits (an id, a PIN) and keeps them in a variable. Input is complete at the
 * finish key, at `maxDigits`, or when the caller pauses longer than the inter-digit timeout; it is
 * valid with at least `minDigits` digits matching the whole of `pattern`.
 */
export const gather: NodeFactory<'gather'> = (def, kit) => {
  // Anchored: `[0-9]{4}` is meant as "four digits", not "contains four digits".
  const pattern = def.pattern === undefined ? undefined : new RegExp(`^(?:${def.pattern})$`);
  const asker = new Asker({
    prompt: kit.prompt(def.prompt, 'prompt'),
    noInput: def.noInput === undefined ? undefined : kit.prompt(def.noInput, 'noInput'),
    noMatch: def.noMatch === undefined ? undefined : kit.prompt(def.noMatch, 'noMatch'),
    retries: def.retries,
    maxDigits: def.maxDigits,
    finishKey: def.finishKey,
    firstDigitTimeoutMs: def.firstDigitTimeoutMs,
    interDigitTimeoutMs: def.interDigitTimeoutMs,
    accept: (digits) => digits.length >= def.minDigits && (pattern === undefined || pattern.test(digits)),
  });
  return {
    kind: 'gather',
    edges: edgesOf({ next: def.next, failure: def.failure }),
    waitsForCaller: true,
    exec: (run) => asker.start(run).then(() => undefined),
    async on(run, input): Promise<Step> {
      const outcome = await asker.on(run, input);
      if (outcome === undefined) return undefined;
      if ('failed' in outcome) return failTo(def.failure);
      run.session.vars[def.into] = outcome.digits;
      return { go: def.next };
    },
    kill: nothingToStop,
  };
};
