import { join } from 'node:path';
import { createClient, type SwitchboardClient } from '@switchboard/client';
import { createTestKit, type TestKit } from '@switchboard/client/testing';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startServer, type TestServer } from '../../test/support/server.ts';
import { type Browser, launchBrowser, SCREENSHOTS, shows, vanishes } from './support/browser.ts';

/** The operator console in Chromium against a real server on the virtual clock. */

let browser: Browser;
let server: TestServer;
let client: SwitchboardClient;
let kit: TestKit;

beforeAll(async () => {
  browser = await launchBrowser();
}, 300_000);
afterAll(async () => {
  await browser?.close();
});
afterEach(async (test) => {
  if (test.task.result?.state === 'fail') {
    for (const [i, page] of browser.context.pages().entries())
      await page.screenshot({ path: `/tmp/console-fail-${i}.png` });
  }
  for (const page of browser.context.pages()) await page.close();
  kit?.close();
  await server?.close({ removeData: true });
});

async function site(env: Record<string, string> = {}): Promise<void> {
  server = await startServer({ env });
  client = createClient({
    baseUrl: server.url,
    ...(env.SWITCHBOARD_API_KEYS && { apiKey: env.SWITCHBOARD_API_KEYS }),
  });
  kit = await createTestKit(client);
  const { api } = client;
  await api.createAgent({
    body: { id: 'alice', name: 'Alice Dispatcher', endpoint: 'sim/alice', roles: ['dispatcher'] },
  });
  await api.createAgent({
    body: { id: 'bob', name: 'Bob Dispatcher', endpoint: 'sim/bob', roles: ['dispatcher'] },
  });
  await api.createAgent({
    body: { id: 'carol', name: 'Carol Supervisor', endpoint: 'sim/carol', roles: ['supervisor'] },
  });
  await api.createQueue({
    body: { id: 'dispatch', name: 'Dispatch', strategy: 'longest_idle', members: ['alice', 'bob'] },
  });
  await api.createRoute({
    body: { dialled: '+13125550199', destination: { kind: 'queue', queueId: 'dispatch' } },
  });
  // Drivers answer after 3 s and stay on the line.
  await api.putSimProfile({
    body: { match: '+1312555*', profile: { answerAfterMs: 3000, hangupAfterMs: null } },
  });
}

/** A console tab, as `agentId` when given (chosen in the agent panel and logged in by clicking). */
async function consoleAs(agentId?: string): Promise<Page> {
  const page = await browser.open(server.url);
  await shows(page.getByTestId('connection'), 'live');
  if (agentId) {
    await page.getByLabel('Agent', { exact: true }).selectOption(agentId);
    await page.getByRole('button', { name: 'Log in' }).click();
    await shows(page.getByTestId('agent-state'), 'available');
  }
  return page;
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

describe('the operator console', { timeout: 60_000 }, () => {
  it('click-to-dial: a dispatcher dials a driver and sees ringing, answered, then ended with the duration', async () => {
    await site();
    const page = await consoleAs('alice');
    await page.getByLabel('Number to dial').fill('+1312555014');
    await page.getByRole('button', { name: 'Dial key 2' }).click();
    await page.getByRole('button', { name: 'Dial', exact: true }).click();
    const status = page.getByTestId('call-status');
    await shows(status, 'Ringing');

    await kit.advanceClock(3000);
    await shows(status, 'Answered');
    await kit.advanceClock(65_000);
    await shows(page.getByTestId('agent-state'), 'on call');
    await shot(page, 'agent-panel');
    await page.getByRole('button', { name: 'Hang up' }).click();
    await shows(status, 'Ended');
    await shows(page.getByTestId('call-timer'), '1:05');
    const ended = await kit.waitFor('call.ended');
    expect(ended.data.call).toMatchObject({ to: '+13125550142', duration: 65 });
  });

  it('an inbound call offered to the agent panel is answered there', async () => {
    await site();
    // Alice's desk phone rings until someone picks it up.
    await client.api.putSimProfile({ body: { match: 'sim/alice', profile: { answerAfterMs: null } } });
    const page = await consoleAs('alice');
    await kit.placeInbound({ from: '+14155550123', to: '+13125550199' });
    const offer = page.getByTestId('offer');
    await shows(offer, /Incoming call/);
    await shows(offer, /\+14155550123/);
    await offer.getByRole('button', { name: 'Answer' }).click();
    await shows(page.getByTestId('call-status'), 'Answered');
    await vanishes(offer);
    const answered = await kit.waitFor('call.answered', (e) => e.data.call.from === '+14155550123');
    expect(answered.data.call.agentId).toBe('alice');
  });

  it('an attended transfer between two agent panels in two pages', async () => {
    await site();
    await client.api.putSimProfile({ body: { match: 'sim/bob', profile: { answerAfterMs: null } } });
    const alice = await consoleAs('alice');
    const bob = await consoleAs('bob');
    await alice.getByLabel('Number to dial').fill('+13125550142');
    await alice.getByRole('button', { name: 'Dial', exact: true }).click();
    await kit.advanceClock(3000);
    await shows(alice.getByTestId('call-status'), 'Answered');

    await alice.getByLabel('Transfer or add').fill('bob');
    await alice.getByRole('button', { name: 'Attended transfer' }).click();
    const offer = bob.getByTestId('offer');
    await shows(offer, /Transfer from alice/);
    await shows(offer, /\+13125550142/);
    await offer.getByRole('button', { name: 'Answer' }).click();
    await shows(alice.getByTestId('transfer-status'), 'attended transfer to bob: consulting');
    await alice.getByRole('button', { name: 'Complete transfer' }).click();

    await shows(bob.getByTestId('call-status'), 'Answered');
    await bob.getByRole('heading', { name: 'Call with +13125550142' }).first().waitFor();
    await alice
      .getByRole('heading', { name: /Last call/ })
      .first()
      .waitFor();
    const transferred = await kit.waitFor('call.transferred');
    expect(transferred.data.call.agentId).toBe('bob');
  });

  it('an emergency alert appears on the wallboard with the location', async () => {
    await site();
    const page = await consoleAs('alice');
    await page.getByRole('button', { name: 'Wallboard' }).click();
    await client.api.ctiEmergency({
      body: {
        driverId: '42',
        driverPhone: '+13125550142',
        driverName: 'Dana Kowalski',
        vehiclePlate: 'IL-4821-TX',
        location: { lat: 41.8786, lng: -87.6359 },
      },
    });
    const banner = page.getByTestId('emergency-banner');
    await shows(banner, /EMERGENCY/);
    await shows(banner, /Dana Kowalski/);
    await shows(page.getByTestId('emergency-location'), '41.87860, -87.63590');
    expect(await page.getByTestId('emergency-location').getAttribute('href')).toMatch(
      /mlat=41.8786&mlon=-87.6359/,
    );
    await kit.advanceClock(3000);
    await shows(banner, /answered/);
    // The screenshot waits for the figures the answer changes, so that it is the same on every run.
    await shows(page.getByTestId('queue-emergency'), /100 %/);
    await shows(page.getByTestId('queue-dispatch'), /0 \/ 1/);
    await shows(page.getByRole('listitem').filter({ hasText: 'Alice Dispatcher' }), /on call/);
    await shows(page.getByRole('row').filter({ hasText: 'Alice Dispatcher' }), /Answered/);
    await shot(page, 'wallboard');
  });

  it('the call log shows the finished call and plays its recording', async () => {
    await site();
    const page = await consoleAs();
    const call = await client.api.originateCall({ body: { from: 'alice', to: '+13125550142' } });
    await kit.advanceClock(3000);
    await client.api.recordCall({ path: { callId: call.id }, body: { action: 'start' } });
    await kit.advanceClock(4000);
    await client.api.hangupCall({ path: { callId: call.id } });
    await kit.waitFor('recording.stored', (e) => e.callId === call.id);

    await page.getByRole('button', { name: 'Call log' }).click();
    const row = page.getByTestId('log-row').filter({ hasText: '+13125550142' });
    await shows(row, /Ended/);
    await shows(row, /0:04/);
    await row.getByRole('button', { name: /Open call/ }).click();
    const detail = page.getByTestId('call-detail');
    await shows(detail.getByTestId('timeline'), /call\.answered/);
    await shows(detail.getByTestId('timeline'), /call\.ended/);
    await detail.getByRole('button', { name: 'Play recording' }).click();
    const audio = detail.getByTestId('recording-audio');
    await audio.first().waitFor();
    // The WAV was fetched through the SDK, decoded by the browser and plays: it has the call's length.
    await audio.evaluate(
      (element: HTMLAudioElement) =>
        new Promise<void>((resolve) =>
          element.currentTime > 0
            ? resolve()
            : element.addEventListener('timeupdate', () => resolve(), { once: true }),
        ),
    );
    const duration = await audio.evaluate((element: HTMLAudioElement) => element.duration);
    expect(duration).toBeCloseTo(4, 0);
    // Back to the start, so that the screenshot is the same on every run.
    await audio.evaluate(
      (element: HTMLAudioElement) =>
        new Promise<void>((resolve) => {
          element.pause();
          element.addEventListener('seeked', () => resolve(), { once: true });
          element.currentTime = 0;
        }),
    );
    await shot(page, 'call-log');
  });

  it('the simulator panel places an inbound call and acts as the caller', async () => {
    await site();
    const page = await consoleAs();
    await page.getByRole('button', { name: 'Simulator' }).click();
    await page.getByLabel('To', { exact: true }).fill('+13125550199');
    await page.getByRole('button', { name: 'Place inbound call' }).click();
    const channel = page.getByTestId('channel-+13125550142');
    await channel.first().waitFor();
    await page.getByRole('button', { name: '+5 s' }).click();
    await shot(page, 'simulator');
    await channel.getByRole('button', { name: 'Hang up' }).click();
    await vanishes(channel);
    await kit.waitFor('call.ended', (e) => e.data.call.from === '+13125550142');
  });

  it('stays live across a server restart: the stream resumes and shows what happened meanwhile', async () => {
    const port = await freePort();
    await site({ CTI_PORT: String(port) });
    const page = await consoleAs('alice');
    await page.getByLabel('Number to dial').fill('+13125550142');
    await page.getByRole('button', { name: 'Dial', exact: true }).click();
    await kit.advanceClock(3000);
    await shows(page.getByTestId('call-status'), 'Answered');

    kit.close();
    await server.close();
    await shows(page.getByTestId('connection'), 'disconnected');
    // The same store and port: the restart ends the call it finds live, and the page hears of it.
    server = await startServer({ dataDir: server.dataDir, env: { CTI_PORT: String(port) } });
    kit = await createTestKit(createClient({ baseUrl: server.url }));
    await shows(page.getByTestId('connection'), 'live');
    await shows(page.getByTestId('call-status'), 'Ended');
    await shows(page.getByTestId('call'), /server restart/);
  });

  it('works from the keyboard alone, and names every control for assistive technology', async () => {
    await site();
    const page = await consoleAs('alice');
    // Dial without the mouse: type into the field, Enter submits; then Tab to Hang up and press Enter.
    await page.getByLabel('Number to dial').focus();
    await page.keyboard.type('+13125550142');
    await page.keyboard.press('Enter');
    await shows(page.getByTestId('call-status'), 'Ringing');
    await page.getByRole('button', { name: 'Hang up' }).focus();
    await page.keyboard.press('Enter');
    await shows(page.getByTestId('call-status'), 'Ended');
    const headings = {
      Agent: 'Agent panel',
      Wallboard: 'Supervisor wallboard',
      'Call log': 'Call log',
      Simulator: 'Simulator',
    };
    for (const [screen, heading] of Object.entries(headings)) {
      await page.getByRole('button', { name: screen, exact: true }).focus();
      await page.keyboard.press('Enter');
      // Only the chosen screen is on the page before its controls are read (a loaded machine renders late).
      await shows(page.locator('h2'), heading);
      await page.waitForFunction((wanted) => {
        const titles = [...document.querySelectorAll('h2')].map((h) => h.textContent?.trim());
        return titles.length === 1 && titles[0] === wanted;
      }, heading);
      const unnamed = await page.locator('button, input, select, a[href]').evaluateAll((elements) =>
        elements
          .filter((element) => {
            const labelled = (element as HTMLInputElement).labels?.length;
            const name =
              element.getAttribute('aria-label') ?? element.getAttribute('title') ?? element.textContent;
            return !labelled && !name?.trim();
          })
          .map((element) => element.outerHTML.slice(0, 80)),
      );
      expect(unnamed, `${screen}: controls without a name`).toEqual([]);
    }
  });

  it('asks for the API key when the server has keys, and keeps it out of the address', async () => {
    await site({ SWITCHBOARD_API_KEYS: 'open-sesame' });
    const page = await browser.open(server.url);
    await page.getByLabel('API key').fill('wrong');
    await page.getByRole('button', { name: 'Connect' }).click();
    await shows(page.getByRole('alert'), 'That key was refused.');
    await page.getByLabel('API key').fill('open-sesame');
    await page.getByRole('button', { name: 'Connect' }).click();
    await shows(page.getByTestId('connection'), 'live');
    expect(page.url()).not.toContain('open-sesame');
  });
});
