import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { ensureConsoleBuilt } from '../../../scripts/build-console.ts';
import { ensureChromium } from '../../../scripts/ensure-chromium.ts';

/**
 * Where the browser tests put their screenshots: the README's folder when asked for
 * (`npm run docs:screenshots`), else a temporary one, so a test run leaves the checkout as it found it
 * (the pages show times of day, which differ from run to run).
 */
export const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS
  ? resolve(import.meta.dirname, '../../../docs/screenshots')
  : mkdtempSync(join(tmpdir(), 'switchboard-screenshots-'));

/** Flags for Debian's Chromium in a container: no sandbox, no GPU, nothing that calls home. */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
];

export interface Browser {
  readonly context: BrowserContext;
  /** A new tab at `url` (each tab keeps its own session: its agent and key). */
  open(url: string): Promise<Page>;
  close(): Promise<void>;
}

/**
 * Builds the console if its sources changed, installs Chromium if missing, and starts it with a fresh
 * profile folder. Pages log their errors to the test's output.
 */
export async function launchBrowser(): Promise<Browser> {
  ensureConsoleBuilt();
  const executablePath = ensureChromium();
  const profile = mkdtempSync(join(tmpdir(), 'switchboard-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: FLAGS,
    viewport: { width: 1280, height: 800 },
  });
  return {
    context,
    async open(url) {
      const page = await context.newPage();
      page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
      await page.goto(url);
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** How long the page may take to show something (real time: the browser renders on its own). */
const SHOW_TIMEOUT_MS = 15_000;

/**
 * Waits until `locator`'s text satisfies `wanted` (a string: equal after trimming; a RegExp: matches),
 * and fails with what it showed last. Playwright's `expect` lives in @playwright/test, which would
 * bring a second test runner; this is the one assertion the console tests need.
 */
export async function shows(
  locator: Locator,
  wanted: string | RegExp,
  what = String(locator),
): Promise<void> {
  let last = '(nothing)';
  const deadline = Date.now() + SHOW_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const texts = await locator.allInnerTexts().catch(() => []);
    last = texts.join(' | ') || '(nothing)';
    if (texts.some((text) => (typeof wanted === 'string' ? text.trim() === wanted : wanted.test(text))))
      return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what} never showed ${String(wanted)}; it showed: ${last}`);
}

/** Waits until nothing matches `locator`. */
export async function vanishes(locator: Locator): Promise<void> {
  await locator.first().waitFor({ state: 'detached', timeout: SHOW_TIMEOUT_MS });
}
