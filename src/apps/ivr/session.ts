import type { TimerHandle } from '../../core/clock.ts';
import type { Value } from './expressions.ts';
import type { LoadedFlow } from './flow.ts';

/** Most trace entries kept per session; a caller looping for an hour keeps the first ones. */
const MAX_TRACE = 400;

/** One step of a session, as kept in the trace (time relative to the start, to stay small). */
export interface TraceEntry {
  /** Milliseconds since the session started. */
  readonly t: number;
  readonly node: string;
  /** `enter`, `prompt`, `input`, `http`, `set`, `branch`, `enqueue`, `error`, `end`, ... */
  readonly event: string;
  readonly detail?: Readonly<Record<string, Value>> | undefined;
}

/**
 * One caller in a flow: where they are, what the flow knows about them, and what happened so far.
 * Kept deliberately small (ten thousand of them live at once on a busy line): the node's own state
 * is one slot, timers and counters are made on first use.
 */
export class IvrSession {
  /** The node the caller is in. */
  node: string;
  /** Bumped on every node entry: timers and HTTP answers of a node already left carry an older one. */
  step = 0;
  /** The current node's own state (digits so far, its playback, ...); reset on entry. */
  state: unknown = undefined;
  /** The playback now playing to the caller, if any. */
  playing: string | undefined;
  /** The current node's timers by name. */
  timers: Map<string, TimerHandle> | undefined;
  /** The HTTP request in flight, to cancel it when the node is left. */
  request: AbortController | undefined;
  /** Nodes entered since the caller last waited for something; bounds loops across flows. */
  hops = 0;
  readonly trace: TraceEntry[] = [];
  /** Trace entries not kept because of {@link MAX_TRACE}. */
  dropped = 0;
  /** The flow version the caller entered by (`flow` changes on a `goto` into another flow). */
  readonly entry: LoadedFlow;
  private visitCounts: Map<string, number> | undefined;

  constructor(
    readonly callId: string,
    public flow: LoadedFlow,
    readonly startedAt: number,
    /** Variables by name; a prototype-free object so that no inherited name is ever found. */
    readonly vars: Record<string, Value>,
  ) {
    this.entry = flow;
    this.node = flow.compiled.start;
  }

  /** Counts a visit to `node` (a `goto` to another flow keeps counting under the same names). */
  visit(node: string): void {
    this.visitCounts ??= new Map();
    this.visitCounts.set(node, (this.visitCounts.get(node) ?? 0) + 1);
  }

  visits(node: string): number {
    return this.visitCounts?.get(node) ?? 0;
  }

  note(at: number, event: string, detail?: Readonly<Record<string, Value>>): void {
    if (this.trace.length >= MAX_TRACE) {
      this.dropped++;
      return;
    }
    this.trace.push(
      detail === undefined
        ? { t: at - this.startedAt, node: this.node, event }
        : { t: at - this.startedAt, node: this.node, event, detail },
    );
  }
}

/** New variables: a prototype-free object, filled from the given sources in order. */
export function variables(...sources: readonly (Readonly<Record<string, unknown>> | undefined)[]) {
  const vars = Object.create(null) as Record<string, Value>;
  for (const source of sources) {
    if (source) for (const [name, value] of Object.entries(source)) vars[name] = value as Value;
  }
  return vars;
}
