/**
 * The IVR's expression language: conditions of `branch` nodes, values of `set` nodes, and the
 * `{{ ... }}` parts of templates (prompts, URLs, headers, bodies). Flows come from uploads, so this is
 * a parser and an interpreter of its own over JSON values — never `eval` or `Function` — with a fixed
 * list of functions and no way to reach prototypes, globals or I/O.
 *
 *   literals     12  3.5  'text'  "text"  true  false  null  [1, 'two']
 *   variables    driverId  context.customer.tier  trips[0].id
 *   operators    ! not  * / %  + -  < <= > >=  == !=  && and  || or  cond ? a : b  ( )
 *   functions    see FUNCTIONS below
 *
 * Semantics, chosen for DTMF (digits are strings) and HTTP answers (fields may be missing):
 * - a variable or field that does not exist is `null`, never an error;
 * - `==` treats a number and a numeric string as numbers (`digits == 1`); otherwise values are equal
 *   when they are of the same type and value (arrays and objects: same JSON);
 * - `<`, `<=`, `>`, `>=` compare numbers (or numeric strings) as numbers, two strings by code point,
 *   and are false for anything else;
 * - `+` adds two numbers and otherwise joins the values as text; `- * / %` work on numbers, and give
 *   `null` for anything that is no number or for a result that is no finite number (x / 0);
 * - `&&`, `||` and `!` use truthiness (`null`, `false`, `0`, `''` and `[]` are false); `&&` and `||`
 *   answer one of their operands, so `name || 'friend'` gives a default.
 */

export type Value = null | boolean | number | string | readonly Value[] | { readonly [key: string]: Value };

/** What an expression may ask of the session that evaluates it. */
export interface EvalScope {
  /** A variable's value; undefined when the session has none. */
  variable(name: string): Value | undefined;
  /** How many times the session entered a node (counting the current visit). */
  visits(node: string): number;
  /** Whether the flow's named opening hours are open now. */
  open(hours: string): boolean;
  /** The session clock's time, epoch ms. */
  now(): number;
}

/** A compiled expression, ready to evaluate many times. */
export interface Expression {
  readonly source: string;
  evaluate(scope: EvalScope): Value;
  /** Names the expression passes to `visits(...)` and `open(...)`, for the flow validator to check. */
  readonly references: { readonly visits: readonly string[]; readonly open: readonly string[] };
}

/** A syntax error, with the 1-based column where it was found. */
export class ExpressionError extends Error {
  constructor(
    message: string,
    readonly column: number,
  ) {
    super(message);
    this.name = 'ExpressionError';
  }
}

const MAX_SOURCE = 2_000;
const MAX_DEPTH = 40;

// --- tokens -------------------------------------------------------------------------------------

type Token =
  | { readonly t: 'num'; readonly v: number; readonly at: number }
  | { readonly t: 'str'; readonly v: string; readonly at: number }
  | { readonly t: 'id'; readonly v: string; readonly at: number }
  | { readonly t: 'op'; readonly v: string; readonly at: number }
  | { readonly t: 'end'; readonly at: number };

const OPERATORS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '+', '-', '*', '/', '%', '?', ':'];
const PUNCTUATION = new Set(['(', ')', '[', ']', '.', ',']);
// A Map, not an object literal: a word such as `constructor` must not find Object.prototype's.
const WORD_OPERATORS: ReadonlyMap<string, string> = new Map([
  ['and', '&&'],
  ['or', '||'],
  ['not', '!'],
]);

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const at = i + 1;
    if (/[0-9]/.test(c)) {
      const match = /^[0-9]+(\.[0-9]+)?/.exec(source.slice(i))!;
      tokens.push({ t: 'num', v: Number(match[0]), at });
      i += match[0].length;
      continue;
    }
    if (c === "'" || c === '"') {
      let text = '';
      let j = i + 1;
      for (;;) {
        if (j >= source.length) throw new ExpressionError(`unterminated string starting at column ${at}`, at);
        const d = source[j]!;
        if (d === c) break;
        if (d === '\\') {
          const next = source[j + 1];
          if (next === undefined)
            throw new ExpressionError(`unterminated string starting at column ${at}`, at);
          text += next === 'n' ? '\n' : next === 't' ? '\t' : next;
          j += 2;
          continue;
        }
        text += d;
        j++;
      }
      tokens.push({ t: 'str', v: text, at });
      i = j + 1;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i))![0];
      const op = WORD_OPERATORS.get(word);
      tokens.push(op ? { t: 'op', v: op, at } : { t: 'id', v: word, at });
      i += word.length;
      continue;
    }
    if (PUNCTUATION.has(c)) {
      tokens.push({ t: 'op', v: c, at });
      i++;
      continue;
    }
    const op = OPERATORS.find((o) => source.startsWith(o, i));
    if (op === undefined) throw new ExpressionError(`unexpected "${c}" at column ${at}`, at);
    tokens.push({ t: 'op', v: op, at });
    i += op.length;
  }
  tokens.push({ t: 'end', at: source.length + 1 });
  return tokens;
}

// --- syntax tree ----------------------------------------------------------------------------------

type Node =
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

const BINARY_LEVELS: readonly (readonly string[])[] = [
  ['==', '!='],
  ['<', '<=', '>', '>='],
  ['+', '-'],
  ['*', '/', '%'],
];

class Parser {
  private pos = 0;
  private depth = 0;
  readonly visits: string[] = [];
  readonly open: string[] = [];

  constructor(private readonly tokens: Token[]) {}

  parseAll(): Node {
    const node = this.expression();
    const next = this.peek();
    if (next.t !== 'end') throw this.unexpected(next);
    return node;
  }

  private expression(): Node {
    if (++this.depth > MAX_DEPTH) {
      throw new ExpressionError(`nested too deeply (more than ${MAX_DEPTH} levels)`, this.peek().at);
    }
    const c = this.or();
    let node = c;
    if (this.isOp('?')) {
      this.pos++;
      const a = this.expression();
      this.expect(':');
      const b = this.expression();
      node = { k: 'cond', c, a, b };
    }
    this.depth--;
    return node;
  }

  private or(): Node {
    let l = this.and();
    while (this.isOp('||')) {
      this.pos++;
      l = { k: 'or', l, r: this.and() };
    }
    return l;
  }

  private and(): Node {
    let l = this.binary(0);
    while (this.isOp('&&')) {
      this.pos++;
      l = { k: 'and', l, r: this.binary(0) };
    }
    return l;
  }

  private binary(level: number): Node {
    const ops = BINARY_LEVELS[level];
    if (!ops) return this.unary();
    let l = this.binary(level + 1);
    // Comparisons do not chain: `a < b < c` is almost always a mistake.
    const chains = level > 1;
    for (;;) {
      const t = this.peek();
      if (t.t !== 'op' || !ops.includes(t.v)) return l;
      this.pos++;
      l = { k: 'bin', op: t.v, l, r: this.binary(level + 1) };
      if (!chains) {
        const after = this.peek();
        if (after.t === 'op' && ops.includes(after.v)) {
          throw new ExpressionError(
            `"${after.v}" at column ${after.at} cannot follow another comparison; use && between them`,
            after.at,
          );
        }
        return l;
      }
    }
  }

  private unary(): Node {
    if (this.isOp('!')) {
      this.pos++;
      return { k: 'not', e: this.deeper(() => this.unary()) };
    }
    if (this.isOp('-')) {
      this.pos++;
      return { k: 'neg', e: this.deeper(() => this.unary()) };
    }
    return this.postfix(this.primary());
  }

  private deeper<T>(parse: () => T): T {
    if (++this.depth > MAX_DEPTH) {
      throw new ExpressionError(`nested too deeply (more than ${MAX_DEPTH} levels)`, this.peek().at);
    }
    const result = parse();
    this.depth--;
    return result;
  }

  private postfix(start: Node): Node {
    let node = start;
    for (;;) {
      if (this.isOp('.')) {
        this.pos++;
        const name = this.next();
        if (name.t !== 'id')
          throw new ExpressionError(`expected a field name after "." at column ${name.at}`, name.at);
        node = { k: 'get', of: node, key: { k: 'lit', v: name.v } };
      } else if (this.isOp('[')) {
        this.pos++;
        const key = this.expression();
        this.expect(']');
        node = { k: 'get', of: node, key };
      } else {
        return node;
      }
    }
  }

  private primary(): Node {
    const t = this.next();
    switch (t.t) {
      case 'num':
      case 'str':
        return { k: 'lit', v: t.v };
      case 'id': {
        if (t.v === 'true') return { k: 'lit', v: true };
        if (t.v === 'false') return { k: 'lit', v: false };
        if (t.v === 'null') return { k: 'lit', v: null };
        if (!this.isOp('(')) return { k: 'var', name: t.v };
        return this.call(t.v, t.at);
      }
      case 'op':
        if (t.v === '(') {
          const inner = this.expression();
          this.expect(')');
          return inner;
        }
        if (t.v === '[') return { k: 'list', items: this.items(']') };
        throw this.unexpected(t);
      case 'end':
        throw new ExpressionError(
          t.at === 1 ? 'empty expression' : `unexpected end after column ${t.at - 1}`,
          t.at,
        );
    }
  }

  private call(name: string, at: number): Node {
    if (!Object.hasOwn(FUNCTIONS, name)) {
      throw new ExpressionError(
        `unknown function "${name}" at column ${at}; use one of ${Object.keys(FUNCTIONS).join(', ')}`,
        at,
      );
    }
    const fn = name as FunctionName;
    this.expect('(');
    const args = this.items(')');
    const { min, max } = FUNCTIONS[fn];
    if (args.length < min || args.length > max) {
      const wanted = min === max ? `${min}` : `${min} to ${max}`;
      throw new ExpressionError(
        `${fn}() takes ${wanted} argument${max === 1 ? '' : 's'}, got ${args.length}`,
        at,
      );
    }
    if (fn === 'visits' || fn === 'open') {
      const arg = args[0];
      if (arg?.k !== 'lit' || typeof arg.v !== 'string') {
        throw new ExpressionError(`${fn}() takes a name in quotes, such as ${fn}('name')`, at);
      }
      this[fn].push(arg.v);
    }
    return { k: 'call', fn, args };
  }

  /** Comma-separated expressions up to `close` (which is consumed). */
  private items(close: string): Node[] {
    const items: Node[] = [];
    if (!this.isOp(close)) {
      for (;;) {
        items.push(this.expression());
        if (!this.isOp(',')) break;
        this.pos++;
      }
    }
    this.expect(close);
    return items;
  }

  private peek(): Token {
    return this.tokens[this.pos]!;
  }

  private next(): Token {
    const t = this.tokens[this.pos]!;
    if (t.t !== 'end') this.pos++;
    return t;
  }

  private isOp(op: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.v === op;
  }

  private expect(op: string): void {
    const t = this.next();
    if (t.t === 'op' && t.v === op) return;
    if (t.t === 'end') throw new ExpressionError(`expected "${op}" at the end`, t.at);
    throw new ExpressionError(`expected "${op}" at column ${t.at}, found ${describe(t)}`, t.at);
  }

  private unexpected(t: Token): ExpressionError {
    return new ExpressionError(`unexpected ${describe(t)} at column ${t.at}`, t.at);
  }
}

function describe(t: Token): string {
  switch (t.t) {
    case 'num':
      return String(t.v);
    case 'str':
      return `'${t.v}'`;
    case 'id':
      return `"${t.v}"`;
    case 'op':
      return `"${t.v}"`;
    case 'end':
      return 'the end';
  }
}

// --- functions ------------------------------------------------------------------------------------

interface FunctionSpec {
  readonly min: number;
  readonly max: number;
  readonly call: (args: readonly Value[], scope: EvalScope) => Value;
}

const FUNCTIONS = {
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

type FunctionName = keyof typeof FUNCTIONS;

// --- evaluation -----------------------------------------------------------------------------------

function evaluate(node: Node, scope: EvalScope): Value {
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

/** Compiles an expression; throws {@link ExpressionError} naming the column of a mistake. */
export function compileExpression(source: string): Expression {
  if (source.length > MAX_SOURCE) {
    throw new ExpressionError(`longer than ${MAX_SOURCE} characters`, MAX_SOURCE + 1);
  }
  const parser = new Parser(tokenize(source));
  const root = parser.parseAll();
  return {
    source,
    evaluate: (scope) => evaluate(root, scope),
    references: { visits: parser.visits, open: parser.open },
  };
}

// --- templates ------------------------------------------------------------------------------------

/** A text with `{{ expression }}` parts, compiled once. */
export interface Template {
  readonly source: string;
  /** The text with each part replaced by its value as text. */
  render(scope: EvalScope): string;
  /**
   * For a template that is exactly one `{{ expression }}`, its value as it is (a number stays a
   * number in a JSON body); otherwise the rendered text.
   */
  value(scope: EvalScope): Value;
  readonly references: Expression['references'];
}

/** Compiles a template; throws {@link ExpressionError} with the column in the whole text. */
export function compileTemplate(source: string): Template {
  const parts: (string | Expression)[] = [];
  let i = 0;
  while (i < source.length) {
    const open = source.indexOf('{{', i);
    if (open < 0) {
      parts.push(source.slice(i));
      break;
    }
    if (open > i) parts.push(source.slice(i, open));
    const close = closingBraces(source, open + 2);
    if (close < 0)
      throw new ExpressionError(`"{{" at column ${open + 1} is never closed with "}}"`, open + 1);
    const inner = source.slice(open + 2, close);
    try {
      parts.push(compileExpression(inner));
    } catch (error) {
      if (!(error instanceof ExpressionError)) throw error;
      const column = open + 2 + error.column;
      throw new ExpressionError(
        `in {{ }} at column ${open + 1}: ${error.message.replace(/ at column \d+/, ` at column ${column}`)}`,
        column,
      );
    }
    i = close + 2;
  }
  const expressions = parts.filter((p): p is Expression => typeof p !== 'string');
  const render = (scope: EvalScope) =>
    parts.map((p) => (typeof p === 'string' ? p : text(p.evaluate(scope)))).join('');
  const single = parts.length === 1 && typeof parts[0] !== 'string' ? parts[0] : undefined;
  return {
    source,
    render,
    value: (scope) => (single ? single.evaluate(scope) : render(scope)),
    references: {
      visits: expressions.flatMap((e) => e.references.visits),
      open: expressions.flatMap((e) => e.references.open),
    },
  };
}

/** The index of the `}}` that closes a part, skipping quoted strings; -1 when none does. */
function closingBraces(source: string, from: number): number {
  let quote: string | undefined;
  for (let i = from; i < source.length; i++) {
    const c = source[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === '}' && source[i + 1] === '}') {
      return i;
    }
  }
  return -1;
}
