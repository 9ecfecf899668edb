import { edgesOf, nothingToStop } from './kit.ts';
import type { NodeFactory } from './types.ts';

/** `play`: plays a sound (per language), with the words it says for events; goes on when it ends. */
export const play: NodeFactory<'play'> = (def, kit) => {
  const prompt = {
    sound: kit.langText(def.sound, 'sound'),
    ...(def.text !== undefined && { text: kit.langText(def.text, 'text') }),
  };
  return {
    kind: 'play',
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
