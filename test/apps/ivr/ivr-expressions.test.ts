import { describe, expect, it } from 'vitest';
import {
  compileExpression,
  compileTemplate,
  type EvalScope,
  ExpressionError,
  type Value,
} from '../../../src/apps/ivr/expressions.ts';

const NOW = Date.UTC(2026, 0, 5, 9, 0, 0);

function scope(vars: Record<string, Value> = {}, visits: Record<string, number> = {}): EvalScope {
  const own = Object.assign(Object.create(null), vars) as Record<string, Value>;
  return {
    variable: (name) => own[name],
    visits: (node) => visits[node] ?? 0,
    open: (name) => name === 'office',
    now: () => NOW,
  };
}

const run = (source: string, vars?: Record<string, Value>, visits?: Record<string, number>) =>
  compileExpression(source).evaluate(scope(vars, visits));

describe('IVR expressions', () => {
  it('computes with numbers, texts and the usual precedence', () => {
    expect(run('1 + 2 * 3')).toBe(7);
    expect(run('(1 + 2) * 3')).toBe(9);
    expect(run('7 % 4 - -1')).toBe(4);
    expect(run("'trip' + 's'")).toBe('trips');
    expect(run("'n=' + 3")).toBe('n=3');
    expect(run('"double \\"quoted\\""')).toBe('double "quoted"');
  });

  it('treats digits, which are texts, as numbers where it matters', () => {
    expect(run('digits == 1', { digits: '1' })).toBe(true);
    expect(run('digits > 9', { digits: '10' })).toBe(true);
    expect(run('number(digits) + 1', { digits: '41' })).toBe(42);
    expect(run("digits == '01'", { digits: '01' })).toBe(true);
    expect(run("'abc' < 'abd'")).toBe(true);
    expect(run("'abc' < 5")).toBe(false);
  });

  it('answers null for what is missing or not a number, never an error', () => {
    expect(run('nobody')).toBe(null);
    expect(run('driver.name')).toBe(null);
    expect(run('trips[5].id', { trips: [] })).toBe(null);
    expect(run('1 / 0')).toBe(null);
    expect(run("'x' * 2")).toBe(null);
    expect(run('-name', { name: 'Ann' })).toBe(null);
  });

  it('reads fields and list items of variables', () => {
    const vars = { trips: [{ id: 'T-1' }, { id: 'T-2' }], context: { customer: { tier: 'gold' } } };
    expect(run('trips[1].id', vars)).toBe('T-2');
    expect(run("context.customer['tier']", vars)).toBe('gold');
    expect(run('len(trips)', vars)).toBe(2);
  });

  it('never reaches anything inherited', () => {
    const vars = { obj: { a: 1 }, list: [1], text: 'x' };
    for (const source of [
      'obj.constructor',
      'obj.__proto__',
      "obj['constructor']",
      'list.constructor',
      'list.length',
      'text.length',
      'constructor',
      'toString',
      '__proto__',
    ]) {
      expect(run(source, vars), source).toBe(null);
    }
  });

  it('has only its own functions: no way to call a value', () => {
    expect(() => compileExpression("eval('1')")).toThrow(/unknown function "eval"/);
    expect(() => compileExpression('obj.constructor("return 1")()')).toThrow(ExpressionError);
    expect(() => compileExpression('process.exit()')).toThrow(ExpressionError);
    expect(() => compileExpression('a = 1')).toThrow(/unexpected "="/);
  });

  it('uses truthiness for !, && and ||, which answer an operand', () => {
    expect(run("name || 'friend'", { name: '' })).toBe('friend');
    expect(run("name || 'friend'", { name: 'Ann' })).toBe('Ann');
    expect(run('a && b', { a: 1, b: 2 })).toBe(2);
    expect(run('!list', { list: [] })).toBe(true);
    expect(run('not 0 and 1 or 0')).toBe(1);
  });

  it('chooses with ? :', () => {
    expect(run("n == 1 ? 'trip' : 'trips'", { n: 1 })).toBe('trip');
    expect(run("n == 1 ? 'trip' : 'trips'", { n: 3 })).toBe('trips');
    expect(run("a ? 'x' : b ? 'y' : 'z'", { a: false, b: true })).toBe('y');
  });

  it('offers visits(), open(), now() and text helpers', () => {
    expect(run("visits('askId') >= 3", {}, { askId: 3 })).toBe(true);
    expect(run("open('office')")).toBe(true);
    expect(run('now()')).toBe('2026-01-05T09:00:00.000Z');
    expect(run("upper(lower('MiXed'))")).toBe('MIXED');
    expect(run("contains(['a', 'b'], 'b') && startsWith('+1415', '+1') && endsWith('x.wav', '.wav')")).toBe(
      true,
    );
    expect(run("empty('') && empty(null) && empty([]) && !empty('x')")).toBe(true);
    expect(run('round(2.5)')).toBe(3);
    expect(compileExpression("visits('a') + visits('b') + (open('x') ? 1 : 0)").references).toEqual({
      visits: ['a', 'b'],
      open: ['x'],
    });
  });

  it('reports mistakes with their column', () => {
    const mistakes: [string, RegExp][] = [
      ['', /^empty expression$/],
      ['1 +', /^unexpected end after column 3$/],
      ['(1', /^expected "\)" at the end$/],
      ['a > > 3', /^unexpected ">" at column 5$/],
      ["'open", /^unterminated string starting at column 1$/],
      ['1 < n < 3', /cannot follow another comparison/],
      ['len()', /^len\(\) takes 1 argument, got 0$/],
      ['visits(node)', /^visits\(\) takes a name in quotes/],
      ['a # b', /^unexpected "#" at column 3$/],
    ];
    for (const [source, message] of mistakes)
      expect(() => compileExpression(source), source).toThrow(message);
    expect(() => compileExpression('('.repeat(100))).toThrow(/nested too deeply/);
    expect(() => compileExpression('1'.repeat(3000))).toThrow(/longer than/);
  });
});

describe('IVR templates', () => {
  it('fills in {{ }} parts and leaves the rest as written', () => {
    const t = compileTemplate("You have {{ n }} active {{ n == 1 ? 'trip' : 'trips' }}.");
    expect(t.render(scope({ n: 1 }))).toBe('You have 1 active trip.');
    expect(t.render(scope({ n: 2 }))).toBe('You have 2 active trips.');
    expect(compileTemplate('no parts').render(scope())).toBe('no parts');
    expect(compileTemplate('{{ missing }}!').render(scope())).toBe('!');
  });

  it('keeps the type of a template that is one part alone', () => {
    expect(compileTemplate('{{ n }}').value(scope({ n: 4 }))).toBe(4);
    expect(compileTemplate('{{ list }}').value(scope({ list: [1, 2] }))).toEqual([1, 2]);
    expect(compileTemplate('n={{ n }}').value(scope({ n: 4 }))).toBe('n=4');
  });

  it('skips braces inside quoted texts and names the column of a mistake', () => {
    expect(compileTemplate("{{ '}}' + x }}").render(scope({ x: 'y' }))).toBe('}}y');
    expect(() => compileTemplate('Hi {{ name')).toThrow('"{{" at column 4 is never closed with "}}"');
    expect(() => compileTemplate('ab {{ ) }}')).toThrow('in {{ }} at column 4: unexpected ")" at column 7');
  });
});
