import type { CallPriority, QueueConfig } from '../../../core/queue.ts';
import type { CallControl, CallMedia } from '../../../engine/types.ts';
import type { IvrOutcome } from '../events.ts';
import type { EvalScope, Expression, Template, Value } from '../expressions.ts';
import type { LangText, NodeDef, NodeKind, PromptDef } from '../flow-schema.ts';
import type { HttpRequest, HttpResult } from '../http-client.ts';
import type { CompiledPrompt, LangTemplates } from '../prompts.ts';

/**
 * The contract every node kind implements (one file per kind, like jambonz's tasks): a factory
 * compiles the node's definition once per flow version; `exec` runs it for one caller, `on` hears what
 * it waits for, `kill` stops what it started. A node never waits inside `exec` or `on`: it issues
 * commands, arms timers or starts a request, and returns; what it waits for arrives later through `on`.
 * That keeps the IVR's lane free, so ten thousand callers share it and virtual time never waits on
 * the network.
 */
export interface NodeRunner {
  readonly kind: NodeKind;
  /** The nodes this one may go to, each with the field that names it (for the validator). */
  readonly edges: readonly Edge[];
  /** Whether it waits for the caller (a cycle of nodes must pass through one, or it spins). */
  readonly waitsForCaller: boolean;
  /** Starts the node for a caller: moves on at once, or returns undefined and waits. */
  exec(run: NodeRun): Promise<Step>;
  /** Something the node waits for happened. */
  on(run: NodeRun, input: NodeInput): Promise<Step>;
  /**
   * The session leaves the node (it moved on, or the caller hung up): stop what only this node knows
   * of. Timers, the playback and an HTTP request in flight are stopped by the session for every node.
   */
  kill(run: NodeRun): Promise<void>;
}

/** Where a node sends the caller: undefined to wait, another node, another flow, or the end. */
export type Step =
  | undefined
  | { readonly go: string }
  | { readonly flow: string; readonly node?: string }
  | { readonly end: IvrOutcome; readonly hangup: boolean };

/** What a waiting node may hear. */
export type NodeInput =
  | { readonly type: 'digit'; readonly digit: string }
  /** The node's prompt finished (or could not be played). */
  | { readonly type: 'played' }
  | { readonly type: 'recorded'; readonly recordingId: string; readonly durationMs: number }
  | { readonly type: 'timer'; readonly name: string }
  | { readonly type: 'http'; readonly result: HttpResult };

/** A target of a node, and the field (relative to the node) that names it. */
export interface Edge {
  readonly field: string;
  readonly to: string;
}

/** What nodes may know of a session. */
export interface SessionView {
  readonly callId: string;
  readonly vars: Record<string, Value>;
  /** The current node's own state; undefined on entry. */
  state: unknown;
}

/** An outcome of asking the caller, as `ivr.input` reports it. */
export interface InputReport {
  readonly result: 'digits' | 'no_input' | 'no_match' | 'failed';
  readonly digits?: string;
  readonly attempt: number;
}

/** The ACD as the IVR uses it. */
export interface QueueDesk {
  enqueue(callId: string, queueId: string, priority: CallPriority): Promise<void>;
  listQueues(): QueueConfig[];
}

/** What a node may do for one caller; everything goes through the session's lane and clock. */
export interface NodeRun {
  readonly session: SessionView;
  readonly scope: EvalScope;
  readonly calls: CallControl & CallMedia;
  readonly queues: QueueDesk;
  now(): number;
  /** Plays a prompt in the caller's language (reported as `ivr.prompt`); its end arrives as `played`. */
  play(prompt: CompiledPrompt): Promise<void>;
  /** Stops the prompt now playing, if any; no `played` follows. */
  stopPlayback(): Promise<void>;
  /** Arms (or re-arms) a named timer on the IVR's clock; it arrives as `timer` unless the node is left. */
  timer(name: string, ms: number): void;
  cancelTimer(name: string): void;
  /** Starts a request outside the lane; its outcome arrives as `http` unless the node is left. */
  request(request: HttpRequest): void;
  /** Reports an outcome of asking the caller (`ivr.input`) and keeps it in the trace. */
  input(report: InputReport): Promise<void>;
  /** Keeps a step in the session's trace. */
  trace(event: string, detail?: Readonly<Record<string, Value>>): void;
}

/** What a factory compiles a node's fields with; a mistake is recorded under the field's place. */
export interface CompileKit {
  expression(source: string, field: string): Expression;
  template(source: string, field: string): Template;
  langText(text: LangText, field: string): LangTemplates;
  prompt(prompt: PromptDef, field: string): CompiledPrompt;
}

/** Builds the runner of one node kind from its definition. */
export type NodeFactory<K extends NodeKind> = (def: NodeDef<K>, kit: CompileKit) => NodeRunner;
