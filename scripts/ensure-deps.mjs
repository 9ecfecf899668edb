// Installs dependencies when they are missing or older than the lock file, so that `npm start` and
// `npm test` are the only two commands a fresh machine needs. `npm ci` installs exactly the committed
// lock and never rewrites it, so a first run leaves `git status` clean.
import { execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

// The installed tree remembers the hash of the lock it came from; file times are no guide after a
// clone or a checkout, which give every file a new time.
const marker = 'node_modules/.switchboard-lock-hash';
const lockHash = createHash('sha256').update(readFileSync('package-lock.json')).digest('hex');
const stale = !existsSync(marker) || readFileSync(marker, 'utf8').trim() !== lockHash;
if (stale) {
  console.log(
    [
      'Switchboard: installing dependencies from package-lock.json (npm ci).',
      'This happens once. better-sqlite3 (the embedded store) has no prebuilt binary for every machine',
      'and compiles from source: allow about two minutes on two cores. npm prints progress below.',
    ].join('\n'),
  );
  const started = Date.now();
  execSync('npm ci --no-audit --no-fund --loglevel=http', { stdio: 'inherit' });
  writeFileSync(marker, `${lockHash}\n`);
  console.log(`Switchboard: dependencies installed in ${Math.round((Date.now() - started) / 1000)} s.`);
}
