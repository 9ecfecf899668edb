import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * A fresh clone passes its own tests: the repository's files, copied into a folder with nothing beside
 * it (no sibling `shared` folder, no `data/`), run the tests that read files from disk (recorded ARI transcripts,
 * IVR flow fixtures, the example flows). A test that reads anything outside the repository fails here,
 * even on a machine that has it.
 */

const ROOT = resolve(import.meta.dirname, '..');
/** The suites that read files: transcripts, fixtures and examples. */
const FILE_READING_SUITES = [
  'test/ari-driver.test.ts',
  'test/engine-scenarios.ari.test.ts',
  'test/apps/ivr/ivr-flows.test.ts',
  'test/apps/ivr/ivr.e2e.test.ts',
];

// The copy runs this file's siblings, never this file, so there is no recursion to guard; the flag
// also keeps a copy from copying itself if someone runs the whole suite inside one.
const inCopy = process.env.SWITCHBOARD_FRESH_CLONE === '1';

describe.skipIf(inCopy)('a fresh clone', () => {
  let parent: string;
  let clone: string;

  beforeAll(() => {
    parent = mkdtempSync(join(tmpdir(), 'switchboard-clone-'));
    clone = join(parent, 'switchboard');
    mkdirSync(clone);
    // What a clone would hold: tracked files, and new ones not ignored (they land once committed).
    const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: ROOT,
      encoding: 'utf8',
    })
      .split('\0')
      .filter((f) => f !== '');
    const archive = spawnSync('tar', ['-c', '--null', '--ignore-failed-read', '-T', '-', '-f', '-'], {
      cwd: ROOT,
      input: files.join('\0'),
      maxBuffer: 1 << 30,
    });
    execFileSync('tar', ['-x', '-f', '-'], { cwd: clone, input: archive.stdout, maxBuffer: 1 << 30 });
    // Installing again would take minutes; the installed tree is the one the lock describes.
    symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'), 'dir');
  }, 60_000);

  afterAll(() => {
    if (parent !== undefined) rmSync(parent, { recursive: true, force: true });
  });

  it('has nothing beside it', () => {
    expect(existsSync(join(dirname(clone), 'shared'))).toBe(false);
    expect(existsSync(join(clone, 'data'))).toBe(false);
  });

  it('has a lock that npm ci accepts as it is', () => {
    const ci = spawnSync('npm', ['ci', '--dry-run', '--offline', '--no-audit', '--no-fund'], {
      cwd: clone,
      encoding: 'utf8',
    });
    expect(ci.stderr).not.toMatch(/EUSAGE|in sync|EBADENGINE/);
    expect(ci.status).toBe(0);
  }, 60_000);

  it('passes the suites that read files from disk', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, SWITCHBOARD_FRESH_CLONE: '1' };
    delete env.ARI_FIXTURES_DIR;
    delete env.VITEST;
    delete env.VITEST_POOL_ID;
    delete env.VITEST_WORKER_ID;
    const run = spawnSync(join(clone, 'node_modules', '.bin', 'vitest'), ['run', ...FILE_READING_SUITES], {
      cwd: clone,
      env,
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    const output = `${run.stdout}\n${run.stderr}`;
    expect(output, output.slice(-4000)).toMatch(/Tests\s+.*passed/);
    expect(run.status, output.slice(-4000)).toBe(0);
  }, 300_000);
});
