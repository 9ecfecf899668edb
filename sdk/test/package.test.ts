import { execFile, execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../test/support/server.ts';

const SDK = resolve(import.meta.dirname, '..');
const OUT = join(SDK, `dist-test-${process.pid}`);
let server: TestServer | undefined;
afterAll(async () => {
  rmSync(OUT, { recursive: true, force: true });
  await server?.close({ removeData: true });
});

describe('the SDK as published', () => {
  it('builds to JavaScript that plain Node runs, without any TypeScript tooling', async () => {
    const tsc = resolve(SDK, '../node_modules/typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-p', join(SDK, 'tsconfig.build.json'), '--outDir', OUT]);
    server = await startServer();
    const script = `
      const { createClient, isApiError } = await import(${JSON.stringify(join(OUT, 'index.js'))});
      const { api } = createClient({ baseUrl: ${JSON.stringify(server.url)} });
      const call = await api.originateCall({ body: { to: '+13125550142' } });
      const refused = await api.getCall({ path: { callId: 'nope' } }).catch((e) => e);
      console.log(JSON.stringify({ status: call.status, refused: isApiError(refused, 'CALL_NOT_FOUND') }));`;
    // Not execFileSync: the server answers from this process, whose event loop must keep running.
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      timeout: 20_000,
    });
    expect(JSON.parse(stdout)).toEqual({ status: 'ringing', refused: true });
  }, 60_000);
});
