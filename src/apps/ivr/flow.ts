import type { BusinessHours } from '../../core/queue.ts';
import type { Value } from './expressions.ts';
import type { NodeRunner } from './nodes/types.ts';

/** A validated flow, every node compiled; shared by all callers in one version. */
export interface CompiledFlow {
  readonly id: string;
  /** The language prompts fall back to. */
  readonly language: string;
  readonly start: string;
  readonly variables: Readonly<Record<string, Value>>;
  readonly hours: ReadonlyMap<string, BusinessHours>;
  readonly nodes: ReadonlyMap<string, NodeRunner>;
}

/** One stored version of a flow, compiled. A session keeps the one it started in. */
export interface LoadedFlow {
  readonly id: string;
  readonly version: number;
  readonly createdAt: string;
  readonly compiled: CompiledFlow;
}
