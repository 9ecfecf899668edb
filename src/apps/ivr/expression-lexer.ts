import { ExpressionError } from './expression-values.ts';

/** The first step of the IVR's expression language (see expressions.ts): source text to tokens. */

export type Token =
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

export function tokenize(source: string): Token[] {
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

/** A token as an error message names it. */
export function describe(t: Token): string {
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
