import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The direction of dependency of DESIGN.md, checked on every import in `src/`: a part may import only
 * the parts listed for it (and itself). `madge` in the test command catches cycles; this catches an
 * import that points the wrong way before it becomes one.
 */

const SRC = resolve(import.meta.dirname, '..', 'src');

/** Part → the parts it may import. `app.ts` (the composition root) may import anything. */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  core: [],
  net: ['core'],
  telephony: ['core'],
  store: ['core'],
  notify: ['core', 'net'],
  engine: ['core', 'telephony', 'store', 'notify'],
  apps: ['core', 'engine', 'store', 'notify', 'net'],
  // Connectors are laid out as apps are: they build on the app contract and the shared HTTP pieces.
  connectors: ['core', 'engine', 'store', 'notify', 'net', 'apps'],
  // The API's simulator controls and the start-up configuration name driver settings and types.
  api: ['core', 'engine', 'apps', 'store', 'notify', 'net', 'connectors'],
  config: ['core', 'net', 'store', 'telephony'],
  demo: ['core', 'engine', 'apps', 'store', 'config', 'telephony', 'api'],
  cli: ['core', 'config', 'demo', 'telephony', 'app.ts'],
};

/**
 * Imports that cross a boundary DESIGN.md draws, each with the reason it stands. Keep this list short
 * and shrinking.
 */
const KNOWN_EXCEPTIONS: readonly string[] = [];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|mjs)$/.test(entry.name) ? [path] : [];
  });
}

/** The part a path under `src/` belongs to: its first folder, or the file name at the top. */
function partOf(pathFromSrc: string): string {
  return pathFromSrc.split(sep)[0] ?? pathFromSrc;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"](\.{1,2}\/[^'"]+)['"]/g;

function crossings(): string[] {
  const found: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const fromSrc = relative(SRC, file);
    const part = partOf(fromSrc);
    const allowed = MAY_IMPORT[part];
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const target = relative(SRC, resolve(file, '..', match[1] as string));
      // The package's own manifest (its version for OpenAPI) is the one file outside src/ code may read.
      if (target === join('..', 'package.json')) continue;
      if (target.startsWith('..')) {
        found.push(`${fromSrc} -> outside src (${match[1]})`);
        continue;
      }
      const targetPart = partOf(target);
      if (targetPart === part || allowed === undefined) continue;
      if (allowed.includes(targetPart)) continue;
      found.push(`${fromSrc.split(sep).join('/')} -> ${targetPart}`);
    }
  }
  return [...new Set(found)];
}

describe('the direction of dependency', () => {
  it('knows every part of src/', () => {
    const parts = readdirSync(SRC, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(parts.filter((p) => MAY_IMPORT[p] === undefined)).toEqual([]);
  });

  it('has no import against it, beyond the known exceptions', () => {
    const unexpected = crossings().filter((c) => !KNOWN_EXCEPTIONS.includes(c));
    expect(unexpected).toEqual([]);
  });

  it('lists no exception that no longer happens', () => {
    const now = new Set(crossings());
    expect(KNOWN_EXCEPTIONS.filter((c) => !now.has(c))).toEqual([]);
  });
});

/**
 * The app shape of DESIGN.md "Apps" (see src/apps/app-contract.ts): every app folder has the same
 * file set, and its notifier is the only file that publishes.
 */
const APP_FILES = ['app.ts', 'events.ts', 'notifier.ts', 'routes.ts', 'schemas.ts'];
/** Folders under src/apps/ that are shared pieces, not apps. */
const NOT_APPS = ['http-kit'];

function appFolders(): string[] {
  return readdirSync(join(SRC, 'apps'), { withFileTypes: true })
    .filter((e) => e.isDirectory() && !NOT_APPS.includes(e.name))
    .map((e) => e.name);
}

describe('the app shape', () => {
  it('gives every app the same file set', () => {
    const missing = appFolders().flatMap((app) => {
      const files = readdirSync(join(SRC, 'apps', app));
      return APP_FILES.filter((file) => !files.includes(file)).map((file) => `apps/${app}/${file}`);
    });
    expect(appFolders().length).toBeGreaterThan(0);
    expect(missing).toEqual([]);
  });

  it('publishes only from each app’s notifier', () => {
    const publishers = appFolders().flatMap((app) =>
      sourceFiles(join(SRC, 'apps', app))
        .filter((file) => !file.endsWith(`${sep}notifier.ts`))
        .filter((file) => /\bpublish\s*\(/.test(readFileSync(file, 'utf8')))
        .map((file) => relative(SRC, file).split(sep).join('/')),
    );
    expect(publishers).toEqual([]);
  });

  it('lists every app once in the composition root', () => {
    const root = readFileSync(join(SRC, 'app.ts'), 'utf8');
    const listed = appFolders().filter((app) => root.includes(`'./apps/${app}/app.ts'`));
    expect(listed).toEqual(appFolders());
  });
});

/** Past this a file holds more than one job; split it by concern (as call-engine.ts and the ARI driver are). */
const MAX_LINES = 500;

describe('file size', () => {
  it(`keeps every file in src/ under ${MAX_LINES} lines`, () => {
    const long = sourceFiles(SRC)
      .map((file) => ({
        file: relative(SRC, file),
        lines: readFileSync(file, 'utf8').split('\n').length - 1,
      }))
      .filter(({ lines }) => lines >= MAX_LINES)
      .map(({ file, lines }) => `${file}: ${lines} lines`);
    expect(long).toEqual([]);
  });
});
