import { promptThenNext } from './kit.ts';
import type { NodeFactory } from './types.ts';

/** `play`: plays a sound (per language), with the words it says for events; goes on when it ends. */
export const play: NodeFactory<'play'> = (def, kit) =>
  promptThenNext(
    'play',
    {
      sound: kit.langText(def.sound, 'sound'),
      ...(def.text !== undefined && { text: kit.langText(def.text, 'text') }),
    },
    def.next,
  );
