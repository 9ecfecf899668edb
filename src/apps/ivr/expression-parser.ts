import { FUNCTIONS, type FunctionName, type Node } from './expression-interpreter.ts';
import { describe, type Token } from './expression-lexer.ts';
import { ExpressionError } from './expression-values.ts';

/** The second step of the IVR's expression language (see expressions.ts): tokens to a syntax tree. */

const MAX_DEPTH = 40;

const BINARY_LEVELS: readonly (readonly string[])[] = [
  ['==', '!='],
  ['<', '<=', '>', '>='],
  ['+', '-'],
  ['*', '/', '%'],
];

/** Tokens to a syntax tree, recording the names passed to `visits(...)` and `open(...)`. */
export class Parser {
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
