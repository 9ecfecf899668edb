import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './support/server.ts';

/** The operator console's files at `/`, and an API that works the same without them. */

const servers: TestServer[] = [];
const folders: string[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close({ removeData: true });
  for (const f of folders.splice(0)) rmSync(f, { recursive: true, force: true });
});

async function start(consoleDir: string, env: Record<string, string> = {}): Promise<TestServer> {
  const server = await startServer({ env: { SWITCHBOARD_CONSOLE_DIR: consoleDir, ...env } });
  servers.push(server);
  return server;
}

function folder(files: Record<string, string> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'switchboard-console-'));
  folders.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('the console at /', () => {
  it('serves the build: index.html read again each time, hashed bundles kept for a year, no key needed', async () => {
    const server = await start(
      folder({
        'index.html': '<!doctype html><title>console</title>',
        'assets/index-abc123.js': 'console.log(1)',
      }),
      { SWITCHBOARD_API_KEYS: 'sesame' },
    );
    const page = await server.request('GET', '/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.body).toContain('<title>console</title>');
    const bundle = await server.request('GET', '/assets/index-abc123.js');
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    // The API behind it still wants its key; an unknown path keeps the shared error shape.
    expect((await server.request('GET', '/api/v1/calls')).status).toBe(401);
    const missing = await server.request('GET', '/assets/nope.js');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ success: false, error: { code: 'NOT_FOUND' } });
  });

  it('without a build, / says how to get one and the API works as before', async () => {
    const server = await start(folder());
    const page = await server.request('GET', '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('npm start');
    expect(server.sb.consoleServed).toBe(false);
    const call = await server.request('POST', '/api/v1/calls', { to: '+13125550142' });
    expect(call.status).toBe(201);
    const doc = await server.request('GET', '/openapi.json');
    expect(
      Object.keys(doc.body.paths).filter(
        (path) => !path.startsWith('/api/') && path !== '/health' && path !== '/ready',
      ),
    ).toEqual([]);
  });

  it('a foreign Host is refused before any file is served', async () => {
    const server = await start(folder({ 'index.html': '<!doctype html>' }));
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const port = new URL(server.url).port;
      const req = httpRequest(`${server.url}/`, { headers: { host: `evil.example:${port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(421);
  });
});
