import type { EvalScope, Value } from './expression-values.ts';

/**
 * The last step of the IVR's expression language (see expressions.ts for its semantics): walks a
 * syntax tree over JSON values, with a fixed list of functions and nothing else reachable.
 */

/** The syntax tree the parser builds and the interpreter walks. */
export type Node =
  | { readonly k: 'lit'; readonly v: Value }
  | { readonly k: 'list'; readonly items: readonly Node[] }
  | { readonly k: 'var'; readonly name: string }
  | { readonly k: 'get'; readonly of: Node; readonly key: Node }
  | { readonly k: 'call'; readonly fn: FunctionName; readonly args: readonly Node[] }
  | { readonly k: 'not'; readonly e: Node }
  | { readonly k: 'neg'; readonly e: Node }
  | { readonly k: 'bin'; readonly op: string; readonly l: Node; readonly r: Node }
  | { readonly k: 'and' | 'or'; readonly l: Node; readonly r: Node }
  | { readonly k: 'cond'; readonly c: Node; readonly a: Node; readonly b: Node };

interface FunctionSpec {
  readonly min: number;
  readonly max: number;
  readonly call: (args: readonly Value[], scope: EvalScope) => Value;
}

/** The functions expressions may call, with how many arguments each takes. */
export const FUNCTIONS = {
  /** Length of a text or a list; 0 for anything else. */
  len: { min: 1, max: 1, call: ([v]) => (typeof v === 'string' || Array.isArray(v) ? v.length : 0) },
  lower: { min: 1, max: 1, call: ([v]) => text(v ?? null).toLowerCase() },
  upper: { min: 1, max: 1, call: ([v]) => text(v ?? null).toUpperCase() },
  trim: { min: 1, max: 1, call: ([v]) => text(v ?? null).trim() },
  /** A number from a number or numeric text; null otherwise. */
  number: { min: 1, max: 1, call: ([v]) => toNumber(v ?? null) },
  /** The value as text (null is ''). */
  string: { min: 1, max: 1, call: ([v]) => text(v ?? null) },
  /** Whether a text contains a text, or a list contains a value. */
  contains: {
    min: 2,
    max: 2,
    call: ([hay, needle]) =>
      Array.isArray(hay)
        ? hay.some((item) => equal(item, needle ?? null))
        : text(hay ?? null).includes(text(needle ?? null)),
  },
  startsWith: { min: 2, max: 2, call: ([s, p]) => text(s ?? null).startsWith(text(p ?? null)) },
  endsWith: { min: 2, max: 2, call: ([s, p]) => text(s ?? null).endsWith(text(p ?? null)) },
  /** Whether a value is null, '' or an empty list or object. */
  empty: { min: 1, max: 1, call: ([v]) => isEmpty(v ?? null) },
  round: { min: 1, max: 1, call: ([v]) => finite(Math.round(toNumber(v ?? null) ?? Number.NaN)) },
  /** How many times this call entered the named node, the current visit included. */
  visits: { min: 1, max: 1, call: ([name], scope) => scope.visits(String(name)) },
  /** Whether the flow's named opening hours (`hours:` in the flow) are open now. */
  open: { min: 1, max: 1, call: ([name], scope) => scope.open(String(name)) },
  /** The current time as ISO-8601 text (the IVR's clock). */
  now: { min: 0, max: 0, call: (_args, scope) => new Date(scope.now()).toISOString() },
} satisfies Record<string, FunctionSpec>;

export type FunctionName = keyof typeof FUNCTIONS;

/** The value of a syntax tree in a session's scope. */
export function evaluate(node: Node, scope: EvalScope): Value {
  switch (node.k) {
    case 'lit':
      return node.v;
    case 'list':
      return node.items.map((item) => evaluate(item, scope));
    case 'var':
      return scope.variable(node.name) ?? null;
    case 'get':
      return member(evaluate(node.of, scope), evaluate(node.key, scope));
    case 'call':
      return (FUNCTIONS[node.fn] as FunctionSpec).call(
        node.args.map((arg) => evaluate(arg, scope)),
        scope,
      );
    case 'not':
      return !truthy(evaluate(node.e, scope));
    case 'neg': {
      const n = toNumber(evaluate(node.e, scope));
      return n === null ? null : -n;
    }
    case 'and': {
      const l = evaluate(node.l, scope);
      return truthy(l) ? evaluate(node.r, scope) : l;
    }
    case 'or': {
      const l = evaluate(node.l, scope);
      return truthy(l) ? l : evaluate(node.r, scope);
    }
    case 'cond':
      return truthy(evaluate(node.c, scope)) ? evaluate(node.a, scope) : evaluate(node.b, scope);
    case 'bin':
      return binary(node.op, evaluate(node.l, scope), evaluate(node.r, scope));
  }
}

function binary(op: string, l: Value, r: Value): Value {
  switch (op) {
    case '==':
      return equal(l, r);
    case '!=':
      return !equal(l, r);
    case '<':
    case '<=':
    case '>':
    case '>=':
      return compare(op, l, r);
    case '+':
      return typeof l === 'number' && typeof r === 'number' ? finite(l + r) : text(l) + text(r);
    default: {
      const a = toNumber(l);
      const b = toNumber(r);
      if (a === null || b === null) return null;
      return finite(op === '-' ? a - b : op === '*' ? a * b : op === '/' ? a / b : a % b);
    }
  }
}

/** Own fields of objects and indexes of lists only: nothing inherited is ever reachable. */
function member(of: Value, key: Value): Value {
  if (Array.isArray(of)) {
    const index = toNumber(key);
    return index !== null && Number.isInteger(index) && index >= 0 && index < of.length
      ? (of[index] ?? null)
      : null;
  }
  if (of !== null && typeof of === 'object') {
    const name = text(key);
    return Object.hasOwn(of, name) ? ((of as Record<string, Value>)[name] ?? null) : null;
  }
  return null;
}

function compare(op: string, l: Value, r: Value): boolean {
  const a = toNumber(l);
  const b = toNumber(r);
  let order: number;
  if (a !== null && b !== null) order = a - b;
  else if (typeof l === 'string' && typeof r === 'string') order = l < r ? -1 : l > r ? 1 : 0;
  else return false;
  return op === '<' ? order < 0 : op === '<=' ? order <= 0 : op === '>' ? order > 0 : order >= 0;
}

function equal(l: Value, r: Value): boolean {
  if (typeof l === 'number' || typeof r === 'number') {
    const a = toNumber(l);
    const b = toNumber(r);
    return a !== null && a === b;
  }
  if (l === null || r === null || typeof l !== 'object' || typeof r !== 'object') return l === r;
  return JSON.stringify(l) === JSON.stringify(r);
}

/** Whether a value counts as true in a condition. */
export function truthy(v: Value): boolean {
  if (Array.isArray(v)) return v.length > 0;
  return v !== null && v !== false && v !== 0 && v !== '' && !Number.isNaN(v);
}

function toNumber(v: Value): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && /^\s*-?[0-9]+(\.[0-9]+)?\s*$/.test(v)) return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return null;
}

function finite(n: number): number | null {
  return Number.isFinite(n) ? n : null;
}

function isEmpty(v: Value): boolean {
  if (v === null || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && Object.keys(v).length === 0;
}

/** A value as a prompt or URL shows it: null is empty, lists and objects are JSON. */
export function text(v: Value): string {
  if (v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}
