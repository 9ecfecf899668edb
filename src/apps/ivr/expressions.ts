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

import { evaluate, text } from './expression-interpreter.ts';
import { tokenize } from './expression-lexer.ts';
import { Parser } from './expression-parser.ts';
import { type EvalScope, ExpressionError, type Value } from './expression-values.ts';

// What the rest of the IVR uses of the language: one module to import from.
export { text, truthy } from './expression-interpreter.ts';
export { type EvalScope, ExpressionError, type Value } from './expression-values.ts';

/** A compiled expression, ready to evaluate many times. */
export interface Expression {
  readonly source: string;
  evaluate(scope: EvalScope): Value;
  /** Names the expression passes to `visits(...)` and `open(...)`, for the flow validator to check. */
  readonly references: { readonly visits: readonly string[]; readonly open: readonly string[] };
}

const MAX_SOURCE = 2_000;

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
