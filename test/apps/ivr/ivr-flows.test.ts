import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkFlow, checkFlowText, formatProblem } from '../../../src/apps/ivr/flow-validator.ts';

/**
 * Flow validation over fixture folders: every file in `good/` (and every shipped example) is
 * accepted; every file in `bad/` is refused with exactly the messages its `# expect:` lines give,
 * each naming the place of the problem.
 */

const FIXTURES = 'test/fixtures/flows';
const yamlIn = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();

describe('good flows', () => {
  const files = [
    ...yamlIn(join(FIXTURES, 'good')).map((f) => join(FIXTURES, 'good', f)),
    ...yamlIn('examples/flows').map((f) => join('examples/flows', f)),
  ];
  it.each(files)('accepts %s', (file) => {
    const check = checkFlowText(readFileSync(file, 'utf8'));
    expect(check.ok ? [] : check.problems.map(formatProblem)).toEqual([]);
  });
});

describe('bad flows', () => {
  const files = yamlIn(join(FIXTURES, 'bad'));
  it('has a fixture for each kind of mistake', () => {
    expect(files.length).toBeGreaterThanOrEqual(50);
  });
  it.each(files)('refuses %s, naming the place', (file) => {
    const text = readFileSync(join(FIXTURES, 'bad', file), 'utf8');
    const expected = [...text.matchAll(/^# expect: (.*)$/gm)].map((m) => m[1]);
    expect(expected.length, `${file} has no # expect: line`).toBeGreaterThan(0);
    const check = checkFlowText(text);
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.problems.map(formatProblem)).toEqual(expected);
    for (const problem of check.problems) expect(problem.line, formatProblem(problem)).toBeGreaterThan(0);
  });
});

describe('flows given as objects (JSON bodies)', () => {
  const flow = {
    id: 'checkin',
    start: 'askId',
    nodes: {
      askId: { kind: 'gather', prompt: 'Your id?', next: 'chek', failure: 'check' },
      check: { kind: 'hangup' },
    },
  };

  it('names the place without a line', () => {
    const check = checkFlow(flow);
    expect(check.ok ? [] : check.problems).toEqual([
      { path: 'nodes.askId.next', problem: 'unknown node "chek"' },
    ]);
  });

  it('fills in defaults and compiles every node', () => {
    const check = checkFlow({
      ...flow,
      nodes: { ...flow.nodes, askId: { ...flow.nodes.askId, next: 'check' } },
    });
    expect(check.ok).toBe(true);
    if (!check.ok) return;
    expect(check.definition.language).toBe('en');
    expect(check.definition.nodes.askId).toMatchObject({
      into: 'digits',
      finishKey: '#',
      retries: 2,
      minDigits: 1,
    });
    expect([...check.compiled.nodes.keys()]).toEqual(['askId', 'check']);
    expect(check.compiled.nodes.get('askId')!.waitsForCaller).toBe(true);
  });

  it('refuses what is no object', () => {
    for (const input of [null, 'flow', 42, []]) {
      const check = checkFlow(input);
      expect(check.ok ? [] : check.problems.map(formatProblem)).toEqual([
        'a flow is an object with id, start and nodes',
      ]);
    }
  });
});
