// Installs Debian's Chromium for the console's browser tests when it is missing. Playwright's own
// browser download cannot be used (it fetches a build from outside the package registries), so the
// tests drive the distribution's Chromium through playwright-core.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export const CHROMIUM: string = process.env.SWITCHBOARD_CHROMIUM ?? '/usr/bin/chromium';

/** Installs Chromium with apt-get when it is absent; returns its path, or throws saying what to do. */
export function ensureChromium(): string {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const sudo = asRoot ? '' : 'sudo ';
  console.log('Switchboard: installing Chromium for the console browser tests (apt-get, once).');
  try {
    execSync(
      `${sudo}apt-get update -qq && ${sudo}env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium`,
      {
        stdio: 'inherit',
      },
    );
  } catch (error) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM} and apt-get could not install it (${(error as Error).message}). ` +
        'Install it with `apt-get install chromium`, or set SWITCHBOARD_CHROMIUM to a Chromium binary.',
    );
  }
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get ran, but ${CHROMIUM} is still missing`);
  return CHROMIUM;
}

if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) ensureChromium();
