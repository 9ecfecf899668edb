import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FlowCatalog } from '../../../src/apps/ivr/flow-catalog.ts';
import { VirtualClock } from '../../../src/core/clock.ts';
import { SILENT_LOG } from '../../../src/core/log.ts';
import type { FlowRepository } from '../../../src/store/types.ts';
import { startServer, type TestServer } from '../../support/server.ts';

/** /api/v1/ivr through HTTP: upload (JSON and YAML), list, fetch, versions, refusals, folder loading. */

const servers: TestServer[] = [];
const folders: string[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close({ removeData: true });
  for (const f of folders.splice(0)) rmSync(f, { recursive: true, force: true });
});

async function start(env: Record<string, string> = {}, dataDir?: string): Promise<TestServer> {
  const server = await startServer({ env, ...(dataDir !== undefined && { dataDir }) });
  servers.push(server);
  return server;
}

const flow = (greeting = 'Hello.') => ({
  id: 'greeter',
  name: 'Greeter',
  start: 'hello',
  nodes: {
    hello: { kind: 'say', text: greeting, next: 'bye' },
    bye: { kind: 'hangup' },
  },
});

const YAML_FLOW = `id: yaml-flow
name: Written in YAML
start: ask
nodes:
  ask:
    kind: menu
    prompt: Press 1.
    options:
      1: bye
  bye:
    kind: hangup
`;

describe('/api/v1/ivr/flows', () => {
  it('stores uploads as versions: a change is a new version, the same flow again is not', async () => {
    const server = await start();
    const first = await server.request('POST', '/api/v1/ivr/flows', flow());
    expect(first.status).toBe(201);
    expect(first.body.data).toMatchObject({ id: 'greeter', version: 1, created: true, definition: flow() });
    expect(first.body.data.createdAt).toMatch(/Z$/);

    const again = await server.request('POST', '/api/v1/ivr/flows', flow());
    expect(again.status).toBe(200);
    expect(again.body.data).toMatchObject({ id: 'greeter', version: 1, created: false });

    const changed = await server.request('POST', '/api/v1/ivr/flows', flow('Hi there.'));
    expect(changed.status).toBe(201);
    expect(changed.body.data).toMatchObject({ version: 2, created: true });

    expect((await server.request('GET', '/api/v1/ivr/flows/greeter')).body.data).toMatchObject({
      version: 2,
      definition: flow('Hi there.'),
    });
    expect((await server.request('GET', '/api/v1/ivr/flows/greeter/versions/1')).body.data).toMatchObject({
      version: 1,
      definition: flow(),
    });
    const versions = await server.request('GET', '/api/v1/ivr/flows/greeter/versions');
    expect(versions.body.data.map((v: { version: number }) => v.version)).toEqual([1, 2]);
  });

  it('takes YAML as application/yaml or text/yaml, and lists the latest version of each flow', async () => {
    const server = await start();
    for (const type of ['application/yaml', 'text/yaml']) {
      const res = await server.request('POST', '/api/v1/ivr/flows', YAML_FLOW, { 'content-type': type });
      expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
    }
    await server.request('POST', '/api/v1/ivr/flows', flow());
    const list = await server.request('GET', '/api/v1/ivr/flows');
    expect(list.status).toBe(200);
    expect(list.body.data).toEqual([
      { id: 'greeter', version: 1, name: 'Greeter', nodes: 2, createdAt: expect.any(String) },
      { id: 'yaml-flow', version: 1, name: 'Written in YAML', nodes: 2, createdAt: expect.any(String) },
    ]);
    const stored = await server.request('GET', '/api/v1/ivr/flows/yaml-flow');
    expect(stored.body.data.definition.nodes.ask.options).toEqual({ 1: 'bye' });
  });

  it('refuses a broken flow with 400 naming the place, and stores nothing', async () => {
    const server = await start();
    const broken = flow();
    (broken.nodes.hello as { next: string }).next = 'byee';
    const res = await server.request('POST', '/api/v1/ivr/flows', broken);
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({
      code: 'VALIDATION_ERROR',
      message:
        'The flow is invalid: nodes.hello.next: unknown node "byee"; nodes.bye: unreachable from the start node "hello".',
      details: [
        { in: 'body', path: 'nodes.hello.next', problem: 'unknown node "byee"' },
        { in: 'body', path: 'nodes.bye', problem: 'unreachable from the start node "hello"' },
      ],
    });
    expect((await server.request('GET', '/api/v1/ivr/flows')).body.data).toEqual([]);
  });

  it('names the line of a problem in YAML, and of a YAML syntax error', async () => {
    const server = await start();
    const wrong = YAML_FLOW.replace('      1: bye', '      1: by');
    const res = await server.request('POST', '/api/v1/ivr/flows', wrong, {
      'content-type': 'application/yaml',
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toBe(
      'The flow is invalid: nodes.ask.options.1: unknown node "by"; nodes.bye: unreachable from the start node "ask".',
    );
    expect(res.body.error.details[0]).toEqual({
      in: 'body',
      path: 'nodes.ask.options.1',
      problem: 'unknown node "by"',
      line: 9,
    });

    const syntax = await server.request('POST', '/api/v1/ivr/flows', 'id: x\nnodes: {a: [\n', {
      'content-type': 'text/yaml',
    });
    expect(syntax.status).toBe(400);
    expect(syntax.body.error.message).toMatch(/^The flow is invalid: line 3, column 1: /);
  });

  it('refuses bodies that are no flow, and content types it does not read', async () => {
    const server = await start();
    for (const body of [[], '"a string"', 'null']) {
      const res = await server.request('POST', '/api/v1/ivr/flows', body);
      expect(res.status, String(body)).toBe(400);
    }
    expect((await server.request('POST', '/api/v1/ivr/flows', [])).body.error.message).toBe(
      'The flow is invalid: a flow is an object with id, start and nodes.',
    );
    const plain = await server.request('POST', '/api/v1/ivr/flows', YAML_FLOW, {
      'content-type': 'text/plain',
    });
    expect(plain.status).toBe(415);
  });

  it('validates without storing', async () => {
    const server = await start();
    const good = await server.request('POST', '/api/v1/ivr/flows/validate', YAML_FLOW, {
      'content-type': 'application/yaml',
    });
    expect(good.status).toBe(200);
    expect(good.body.data).toEqual({ id: 'yaml-flow', valid: true, nodes: 2 });
    const bad = await server.request('POST', '/api/v1/ivr/flows/validate', { ...flow(), start: 'nowhere' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]).toEqual({
      in: 'body',
      path: 'start',
      problem: 'unknown node "nowhere"',
    });
    expect((await server.request('GET', '/api/v1/ivr/flows')).body.data).toEqual([]);
  });

  it('answers 404 for an unknown flow or version and 400 for a version that is no number', async () => {
    const server = await start();
    await server.request('POST', '/api/v1/ivr/flows', flow());
    const missing = await server.request('GET', '/api/v1/ivr/flows/nope');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({
      code: 'FLOW_NOT_FOUND',
      message: expect.stringContaining('"nope"'),
    });
    expect((await server.request('GET', '/api/v1/ivr/flows/nope/versions')).status).toBe(404);
    const noVersion = await server.request('GET', '/api/v1/ivr/flows/greeter/versions/7');
    expect(noVersion.status).toBe(404);
    expect(noVersion.body.error.message).toContain('no version 7');
    expect((await server.request('GET', '/api/v1/ivr/flows/greeter/versions/x')).status).toBe(400);
  });

  it('lists no sessions while nobody calls, and 404 for a call in no IVR', async () => {
    const server = await start();
    expect((await server.request('GET', '/api/v1/ivr/sessions')).body).toEqual({ success: true, data: [] });
    expect((await server.request('GET', '/api/v1/ivr/sessions/abc')).status).toBe(404);
  });

  it('documents every IVR route with a summary and the shared error envelope', async () => {
    const server = await start();
    const doc = (await server.request('GET', '/openapi.json')).body;
    const ops = Object.entries(doc.paths as Record<string, Record<string, any>>)
      .filter(([path]) => path.startsWith('/api/v1/ivr'))
      .flatMap(([path, methods]) =>
        Object.entries(methods).map(([method, op]) => ({ route: `${method} ${path}`, op })),
      );
    expect(ops.length).toBe(8);
    for (const { route, op } of ops) {
      expect(op.summary, route).toMatch(/\S/);
      expect(op.tags, route).toEqual(['ivr']);
      expect(Object.keys(op.responses), route).toEqual(expect.arrayContaining(['4XX', '5XX']));
    }
  });
});

describe('flows loaded from SWITCHBOARD_FLOWS_DIR', () => {
  it('loads the good files at start, refuses a broken one, and adds a version only when a file changed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-flows-'));
    const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-data-'));
    folders.push(dir, dataDir);
    writeFileSync(join(dir, 'greeter.json'), JSON.stringify(flow()));
    writeFileSync(join(dir, 'menu.yaml'), YAML_FLOW);
    writeFileSync(join(dir, 'broken.yaml'), readFileSync('test/fixtures/flows/bad/unknown-target.yaml'));
    writeFileSync(join(dir, 'notes.txt'), 'not a flow');

    let server = await start({ SWITCHBOARD_FLOWS_DIR: dir }, dataDir);
    const ids = async () =>
      (await server.request('GET', '/api/v1/ivr/flows')).body.data.map(
        (f: { id: string; version: number }) => [f.id, f.version],
      );
    expect(await ids()).toEqual([
      ['greeter', 1],
      ['yaml-flow', 1],
    ]);
    await server.close();
    servers.splice(servers.indexOf(server), 1);

    // Restarted with the same files: nothing new. With one changed: its next version.
    server = await start({ SWITCHBOARD_FLOWS_DIR: dir }, dataDir);
    expect(await ids()).toEqual([
      ['greeter', 1],
      ['yaml-flow', 1],
    ]);
    await server.close();
    servers.splice(servers.indexOf(server), 1);
    writeFileSync(join(dir, 'greeter.json'), JSON.stringify(flow('Welcome back.')));
    server = await start({ SWITCHBOARD_FLOWS_DIR: dir }, dataDir);
    expect(await ids()).toEqual([
      ['greeter', 2],
      ['yaml-flow', 1],
    ]);
  });

  it('refuses to start when the folder does not exist', async () => {
    const repo: FlowRepository = {
      add: async () => {
        throw new Error('not expected');
      },
      get: async () => undefined,
      list: async () => [],
      versions: async () => [],
    };
    const catalog = new FlowCatalog(repo, new VirtualClock(), SILENT_LOG);
    await expect(catalog.loadFolder('/nonexistent/flows')).rejects.toThrow(
      'The IVR flows folder "/nonexistent/flows" does not exist (SWITCHBOARD_FLOWS_DIR).',
    );
  });
});
