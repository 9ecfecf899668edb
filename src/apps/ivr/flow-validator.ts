import { isNode, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import type { BusinessHours } from '../../core/queue.ts';
import {
  compileExpression,
  compileTemplate,
  type Expression,
  ExpressionError,
  type Template,
  type Value,
} from './expressions.ts';
import type { CompiledFlow } from './flow.ts';
import {
  type FlowDef,
  FlowSchema,
  type LangText,
  NODE_KINDS,
  type NodeDef,
  type NodeKind,
} from './flow-schema.ts';
import { NODE_FACTORIES } from './nodes/index.ts';
import type { CompileKit, NodeFactory, NodeRunner } from './nodes/types.ts';
import type { CompiledPrompt, LangTemplates } from './prompts.ts';

/**
 * Checks a flow completely before anything runs it: the shape (flow-schema), every expression and
 * template, and the graph — the start and every target exist, every node can be reached, no loop
 * spins without waiting for the caller, and `visits()`/`open()` name things the flow has. Each problem
 * names its exact place (`nodes.askId.next: unknown node "chek"`), with the line when the flow came as
 * YAML. A flow with any problem is refused whole.
 */

/** One thing wrong with a flow, and where. */
export interface FlowProblem {
  /** Dotted place in the flow (`nodes.askId.next`, `nodes.check.when[0].if`); '' for the whole text. */
  readonly path: string;
  readonly problem: string;
  /** 1-based line in the YAML or JSON text, when the flow came as text. */
  readonly line?: number;
}

/** The verdict on a flow: compiled and ready, or every problem found. */
export type FlowCheck =
  | {
      readonly ok: true;
      readonly definition: FlowDef;
      readonly input: unknown;
      readonly compiled: CompiledFlow;
    }
  | { readonly ok: false; readonly problems: readonly FlowProblem[] };

type Segment = string | number;
type Locate = (path: readonly Segment[]) => number | undefined;

/** The problem as one line: `path: problem`. */
export function formatProblem(problem: FlowProblem): string {
  return problem.path === '' ? problem.problem : `${problem.path}: ${problem.problem}`;
}

/** Reads a flow from YAML (or JSON, which YAML reads too) and checks it. */
export function checkFlowText(text: string): FlowCheck {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        return { path: '', problem: `line ${line}, column ${col}: ${firstLine(error.message)}`, line };
      }),
    };
  }
  let input: unknown;
  try {
    input = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    return { ok: false, problems: [{ path: '', problem: firstLine((error as Error).message) }] };
  }
  const locate: Locate = (path) => {
    for (let n = path.length; n >= 0; n--) {
      const found = doc.getIn(path.slice(0, n), true) ?? doc.getIn(path.slice(0, n).map(numeric), true);
      if (isNode(found) && found.range) return lineCounter.linePos(found.range[0]).line;
    }
    return undefined;
  };
  return checkFlow(input, locate);
}

/** Checks a flow given as a parsed object (a JSON body). */
export function checkFlow(input: unknown, locate?: Locate): FlowCheck {
  const problems: { path: Segment[]; problem: string }[] = [];
  const report = () => ({
    ok: false as const,
    problems: problems.map(({ path, problem }) => {
      const line = locate?.(path);
      return { path: formatPath(path), problem, ...(line !== undefined && { line }) };
    }),
  });

  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    problems.push({ path: [], problem: 'a flow is an object with id, start and nodes' });
    return report();
  }
  const parsed = FlowSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(...schemaProblems(issue, input));
    return report();
  }
  const definition = parsed.data;
  const nodes = new Map<string, NodeRunner>();
  const references: { path: Segment[]; kind: 'visits' | 'open'; name: string }[] = [];

  for (const [id, def] of Object.entries(definition.nodes)) {
    const at = (field: string): Segment[] => ['nodes', id, ...parseField(field)];
    const remember = (field: string, refs: Expression['references']) => {
      for (const name of refs.visits) references.push({ path: at(field), kind: 'visits', name });
      for (const name of refs.open) references.push({ path: at(field), kind: 'open', name });
    };
    const kit: CompileKit = {
      expression(source, field) {
        try {
          const compiled = compileExpression(source);
          remember(field, compiled.references);
          return compiled;
        } catch (error) {
          if (!(error instanceof ExpressionError)) throw error;
          problems.push({ path: at(field), problem: error.message });
          return compileExpression('null');
        }
      },
      template(source, field) {
        return compileTemplateAt(source, at(field), problems, (refs) => remember(field, refs));
      },
      langText(text, field) {
        return langTemplates(text, at(field), definition.language, problems, (refs) => remember(field, refs));
      },
      prompt(prompt, field) {
        return compilePrompt(prompt, field, kit);
      },
    };
    nodes.set(id, (NODE_FACTORIES[def.kind] as NodeFactory<NodeKind>)(def as NodeDef, kit));
  }

  checkGraph(definition, nodes, problems);
  for (const ref of references) {
    if (ref.kind === 'visits' && !nodes.has(ref.name)) {
      problems.push({ path: ref.path, problem: `visits("${ref.name}") names no node of this flow` });
    }
    if (ref.kind === 'open' && !Object.hasOwn(definition.hours ?? {}, ref.name)) {
      problems.push({
        path: ref.path,
        problem: `open("${ref.name}") names no opening hours; declare them under hours`,
      });
    }
  }
  if (problems.length > 0) return report();

  const hours = new Map<string, BusinessHours>(Object.entries(definition.hours ?? {}));
  const compiled: CompiledFlow = {
    id: definition.id,
    language: definition.language,
    start: definition.start,
    variables: (definition.variables ?? {}) as Record<string, Value>,
    hours,
    nodes,
  };
  return { ok: true, definition, input, compiled };
}

// --- the graph ------------------------------------------------------------------------------------

function checkGraph(
  flow: FlowDef,
  nodes: ReadonlyMap<string, NodeRunner>,
  problems: { path: Segment[]; problem: string }[],
): void {
  if (!nodes.has(flow.start)) problems.push({ path: ['start'], problem: `unknown node "${flow.start}"` });
  for (const [id, node] of nodes) {
    for (const edge of node.edges) {
      if (!nodes.has(edge.to)) {
        problems.push({
          path: ['nodes', id, ...parseField(edge.field)],
          problem: `unknown node "${edge.to}"`,
        });
      }
    }
  }

  // Reachable from the start, following known targets only (unknown ones are reported above).
  const reached = new Set<string>();
  const stack = nodes.has(flow.start) ? [flow.start] : [];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (reached.has(id)) continue;
    reached.add(id);
    for (const edge of nodes.get(id)!.edges)
      if (nodes.has(edge.to) && !reached.has(edge.to)) stack.push(edge.to);
  }
  if (nodes.has(flow.start)) {
    for (const id of nodes.keys()) {
      if (!reached.has(id)) {
        problems.push({ path: ['nodes', id], problem: `unreachable from the start node "${flow.start}"` });
      }
    }
  }

  // A loop of nodes that never wait for the caller would spin (or talk) forever.
  const WHITE = 0;
  const GREY = 1;
  const BLACK = 2;
  const colour = new Map<string, number>();
  const trail: string[] = [];
  const visit = (id: string): void => {
    colour.set(id, GREY);
    trail.push(id);
    for (const edge of nodes.get(id)!.edges) {
      const target = nodes.get(edge.to);
      if (!target || target.waitsForCaller) continue;
      const seen = colour.get(edge.to) ?? WHITE;
      if (seen === GREY) {
        const loop = [...trail.slice(trail.indexOf(edge.to)), edge.to].join(' → ');
        problems.push({
          path: ['nodes', id, ...parseField(edge.field)],
          problem: `loops back to "${edge.to}" without waiting for the caller (${loop}); put a gather, menu or record in the loop`,
        });
      } else if (seen === WHITE) {
        visit(edge.to);
      }
    }
    trail.pop();
    colour.set(id, BLACK);
  };
  for (const [id, node] of nodes) if (!node.waitsForCaller && !colour.has(id)) visit(id);
}

// --- compiling texts ---------------------------------------------------------------------------------

function compileTemplateAt(
  source: string,
  path: Segment[],
  problems: { path: Segment[]; problem: string }[],
  remember: (refs: Expression['references']) => void,
): Template {
  try {
    const template = compileTemplate(source);
    remember(template.references);
    return template;
  } catch (error) {
    if (!(error instanceof ExpressionError)) throw error;
    problems.push({ path, problem: error.message });
    return compileTemplate('');
  }
}

function langTemplates(
  text: LangText,
  path: Segment[],
  language: string,
  problems: { path: Segment[]; problem: string }[],
  remember: (refs: Expression['references']) => void,
): LangTemplates {
  if (typeof text === 'string') return { all: compileTemplateAt(text, path, problems, remember) };
  if (!Object.hasOwn(text, language)) {
    problems.push({ path, problem: `has no "${language}" text (the flow's language)` });
  }
  const byLanguage = new Map<string, Template>();
  for (const [lang, source] of Object.entries(text)) {
    byLanguage.set(lang, compileTemplateAt(source, [...path, lang], problems, remember));
  }
  return { byLanguage };
}

function compilePrompt(prompt: NodeDef<'gather'>['prompt'], field: string, kit: CompileKit): CompiledPrompt {
  if (typeof prompt === 'string' || !('text' in prompt || 'sound' in prompt)) {
    return { text: kit.langText(prompt as LangText, field) };
  }
  const { text, sound } = prompt as { text?: LangText; sound?: LangText };
  return {
    ...(text !== undefined && { text: kit.langText(text, `${field}.text`) }),
    ...(sound !== undefined && { sound: kit.langText(sound, `${field}.sound`) }),
  };
}

// --- schema problems in words ---------------------------------------------------------------------

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object of fields',
  record: 'an object of fields',
  array: 'a list',
  null: 'null',
};

function schemaProblems(issue: z.core.$ZodIssue, input: unknown): { path: Segment[]; problem: string }[] {
  const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedFields(path, input);
    return issue.keys.map((key) => ({
      path: [...path, key],
      problem: allowed ? `unknown field; ${allowed}` : 'unknown field',
    }));
  }
  if (issue.code === 'invalid_key') {
    return [{ path, problem: issue.issues[0]?.message ?? issue.message }];
  }
  if (issue.code === 'invalid_type' && issue.message.startsWith('Invalid input')) {
    if (valueAt(input, path) === undefined) return [{ path, problem: 'required' }];
    return [{ path, problem: `use ${TYPE_WORDS[issue.expected] ?? issue.expected}` }];
  }
  if (issue.code === 'invalid_union' && issue.message.startsWith('Invalid input')) {
    if (valueAt(input, path) === undefined) return [{ path, problem: 'required' }];
  }
  return [{ path, problem: issue.message }];
}

/** The fields an object at `path` may have, for "unknown field" (the top level and nodes). */
function allowedFields(path: readonly Segment[], input: unknown): string | undefined {
  if (path.length === 0) return `a flow takes ${Object.keys(FlowSchema.shape).join(', ')}`;
  const last = path.at(-1);
  if (last === 'weekly') return 'a week has mon, tue, wed, thu, fri, sat, sun';
  if (path[0] === 'nodes' && (last === 'prompt' || last === 'noInput' || last === 'noMatch')) {
    return 'a prompt takes text, sound';
  }
  if (path.length === 2 && path[0] === 'nodes') {
    const kind = (valueAt(input, path) as { kind?: unknown } | undefined)?.kind;
    if (typeof kind === 'string' && (NODE_KINDS as readonly string[]).includes(kind)) {
      return `${kind} takes ${NODE_FIELDS[kind as NodeKind]}`;
    }
  }
  return undefined;
}

const NODE_FIELDS: Readonly<Record<NodeKind, string>> = {
  say: 'text, next',
  play: 'sound, text, next',
  gather:
    'prompt, into, minDigits, maxDigits, finishKey, firstDigitTimeoutMs, interDigitTimeoutMs, pattern, retries, noInput, noMatch, next, failure',
  menu: 'prompt, options, into, timeoutMs, retries, noInput, noMatch, failure',
  http: 'method, url, headers, body, timeoutMs, assign, onStatus, next, error, timeout',
  branch: 'when, else',
  set: 'values, next',
  enqueue: 'queue, skills, priority, error',
  transfer: 'to, agent, queue, error',
  record: 'prompt, maxDurationMs, finishKey, into, next',
  hangup: 'no other fields',
  goto: 'node, flow',
};

function valueAt(input: unknown, path: readonly Segment[]): unknown {
  let current = input;
  for (const step of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[step];
  }
  return current;
}

// --- places -------------------------------------------------------------------------------------

/** `nodes.check.when[0].if` from its segments. */
function formatPath(path: readonly Segment[]): string {
  let out = '';
  for (const step of path) {
    if (typeof step === 'number') out += `[${step}]`;
    else out += out === '' ? step : `.${step}`;
  }
  return out;
}

/** Segments of a node-relative field such as `when[0].next` or `options.1`. */
function parseField(field: string): Segment[] {
  const segments: Segment[] = [];
  for (const part of field.split('.')) {
    const match = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!match) {
      segments.push(part);
      continue;
    }
    if (match[1]) segments.push(match[1]);
    for (const index of match[2]!.matchAll(/\[(\d+)\]/g)) segments.push(Number(index[1]));
  }
  return segments;
}

/** YAML keeps `1:` as a number key; the flow's path names it as text. */
function numeric(step: Segment): Segment {
  return typeof step === 'string' && /^\d+$/.test(step) ? Number(step) : step;
}

function firstLine(message: string): string {
  return message.split('\n', 1)[0]!.trim();
}
