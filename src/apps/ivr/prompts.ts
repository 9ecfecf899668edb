import type { EvalScope, Template } from './expressions.ts';

/** Text of one language for all callers, or one per language; each a compiled template. */
export interface LangTemplates {
  readonly all?: Template;
  readonly byLanguage?: ReadonlyMap<string, Template>;
}

/** A prompt ready to render: what it says and, for drivers that play files, the sound. */
export interface CompiledPrompt {
  readonly text?: LangTemplates;
  readonly sound?: LangTemplates;
}

/** A prompt as one caller hears it. */
export interface RenderedPrompt {
  /** What it says (for events and transcripts); '' for a sound without words. */
  readonly text: string;
  /** What the driver is asked to play: the text itself, or `sound:<ref>`. */
  readonly media: string;
  /** The language of the variant chosen. */
  readonly language: string;
}

/**
 * Renders a prompt in the caller's language, falling back to the flow's own language (the validator
 * makes sure every per-language text has that one).
 */
export function renderPrompt(
  prompt: CompiledPrompt,
  language: string,
  fallback: string,
  scope: EvalScope,
): RenderedPrompt {
  const text = pick(prompt.text, language, fallback);
  const sound = pick(prompt.sound, language, fallback);
  const words = text ? text.template.render(scope) : '';
  const media = sound ? soundMedia(sound.template.render(scope)) : words;
  return { text: words, media, language: (text ?? sound)?.language ?? fallback };
}

function pick(
  variants: LangTemplates | undefined,
  language: string,
  fallback: string,
): { template: Template; language: string } | undefined {
  if (!variants) return undefined;
  if (variants.all) return { template: variants.all, language };
  const byLanguage = variants.byLanguage!;
  const exact = byLanguage.get(language);
  if (exact) return { template: exact, language };
  const own = byLanguage.get(fallback);
  if (own) return { template: own, language: fallback };
  const [first, template] = byLanguage.entries().next().value!;
  return { template, language: first };
}

/** A sound reference as the driver contract names media: `sound:` unless it says `recording:`. */
function soundMedia(ref: string): string {
  if (ref === '') return '';
  return /^(sound|recording):/.test(ref) ? ref : `sound:${ref}`;
}
