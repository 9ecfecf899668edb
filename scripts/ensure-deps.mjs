// Installs dependencies when they are missing or older than the lock file, so that `npm start` and
// `npm test` are the only two commands a fresh machine needs.
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const marker = 'node_modules/.package-lock.json';
const stale = !existsSync(marker) || statSync(marker).mtimeMs < statSync('package-lock.json').mtimeMs;
if (stale) {
  // `npm install`, not `npm ci`: the lock file holds only the platform packages (Biome's binaries) this
  // registry serves, and `npm ci` refuses a lock that lacks the other platforms' optional packages.
  console.log('Installing dependencies (npm install from package-lock.json)...');
  execSync('npm install --no-audit --no-fund', { stdio: 'inherit' });
}
