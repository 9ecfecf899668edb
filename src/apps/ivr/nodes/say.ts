import { edgesOf, nothingToStop } from './kit.ts';
import type { NodeFactory } from './types.ts';

/** `say`: speaks a text (per language), then goes on when it has been said. */
export const say: NodeFactory<'say'> = (def, kit) => {
  const prompt = { text: kit.langText(def.text, 'text') };
  return {
    kind: 'say',
    edges: edgesOf({ next: def.next }),
    waitsForCaller: false,
    async exec(run) {
      await run.play(prompt);
      return undefined;
    },
    async on(_run, input) {
      return input.type === 'played' ? { go: def.next } : undefined;
    },
    kill: nothingToStop,
  };
};
