import type { NodeKind } from '../flow-schema.ts';
import type { CompiledPrompt } from '../prompts.ts';
import type { Edge, NodeRunner, Step } from './types.ts';

/** The edges of a node from its target fields; absent optional targets are left out. */
export function edgesOf(targets: Readonly<Record<string, string | undefined>>): Edge[] {
  const edges: Edge[] = [];
  for (const [field, to] of Object.entries(targets)) if (to !== undefined) edges.push({ field, to });
  return edges;
}

/** For nodes that never wait: whatever arrives is not theirs. */
export async function nothingToHear(): Promise<Step> {
  return undefined;
}

/** For nodes that start nothing of their own to stop. */
export async function nothingToStop(): Promise<void> {}

/** Where a node that could not do its job goes: its error branch, or the end (hanging up). */
export function failTo(target: string | undefined): Step {
  return target === undefined ? { end: 'failed', hangup: true } : { go: target };
}

/** A short reason from anything thrown, for the trace. */
export function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A node that plays one prompt and goes on to `next` once it has been heard (`say`, `play`). */
export function promptThenNext(kind: NodeKind, prompt: CompiledPrompt, next: string): NodeRunner {
  return {
    kind,
    edges: edgesOf({ next }),
    waitsForCaller: false,
    async exec(run) {
      await run.play(prompt);
      return undefined;
    },
    async on(_run, input) {
      return input.type === 'played' ? { go: next } : undefined;
    },
    kill: nothingToStop,
  };
}
