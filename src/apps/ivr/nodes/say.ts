import { promptThenNext } from './kit.ts';
import type { NodeFactory } from './types.ts';

/** `say`: speaks a text (per language), then goes on when it has been said. */
export const say: NodeFactory<'say'> = (def, kit) =>
  promptThenNext('say', { text: kit.langText(def.text, 'text') }, def.next);
