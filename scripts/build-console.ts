// Builds the operator console (web/) into web/dist when its output is missing or older than its
// sources, so that `npm start` and `npm test` serve and test the console without an extra step. The
// build remembers a hash of what it was built from; file times are no guide after a clone.
import { execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const INPUTS = [
  'web/src',
  'web/index.html',
  'web/vite.config.ts',
  'web/package.json',
  'sdk/src',
  'package-lock.json',
];
const STAMP = join(ROOT, 'web/dist/.build-hash');

function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => filesUnder(join(path, name)));
}

/** A hash of every input file's name and content. */
export function sourceHash(): string {
  const hash = createHash('sha256');
  for (const file of INPUTS.flatMap((input) => filesUnder(join(ROOT, input)))) {
    hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

/** Builds the console unless web/dist was built from the current sources. */
export function ensureConsoleBuilt(): boolean {
  const wanted = sourceHash();
  if (existsSync(STAMP) && readFileSync(STAMP, 'utf8').trim() === wanted) return false;
  console.log('Switchboard: building the operator console (web/ -> web/dist).');
  execSync('npx vite build --logLevel warn', { cwd: join(ROOT, 'web'), stdio: 'inherit' });
  writeFileSync(STAMP, `${wanted}\n`);
  return true;
}

if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) ensureConsoleBuilt();
