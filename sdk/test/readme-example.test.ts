// README:start
import { createClient, isApiError, type SwitchboardClient } from '@switchboard/client';
import { createTestKit, type TestKit } from '@switchboard/client/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// README:end
import { startServer, type TestServer } from '../../test/support/server.ts';

/**
 * The README's SDK example, run as it is printed: the blocks between the README markers are the
 * README's code, and `the README shows this test` fails when the two differ. Outside the markers,
 * this repository starts its own server where an integrator runs `npm start -- --clock virtual`.
 */
let server: TestServer | undefined;
beforeAll(async () => {
  server = await startServer();
  process.env.SWITCHBOARD_URL = server.url;
});
afterAll(async () => {
  await server?.close({ removeData: true });
});

// README:start
// Against a Switchboard on the simulator with a virtual clock: `npm start -- --clock virtual`.
let client: SwitchboardClient;
let kit: TestKit;

beforeAll(async () => {
  client = createClient({
    baseUrl: process.env.SWITCHBOARD_URL ?? 'http://127.0.0.1:5000',
    apiKey: process.env.SWITCHBOARD_API_KEY,
  });
  kit = await createTestKit(client);
  await client.api.createAgent({ body: { id: 'dispatcher-7', name: 'Robin', endpoint: 'sim/dispatcher-7' } });
  await client.api.loginAgent({ path: { agentId: 'dispatcher-7' } });
  // The driver picks up after 3 s and stays on the line until someone hangs up.
  await client.api.putSimProfile({
    body: { match: '+1312555*', profile: { answerAfterMs: 3000, hangupAfterMs: null } },
  });
});
afterAll(() => kit.close());

describe('click-to-dial', () => {
  it('rings the dispatcher, then the driver; answered, keys pressed, ended with its duration', async () => {
    // What the dispatch application does when the dispatcher clicks the driver's number:
    const call = await client.api.originateCall({
      body: { from: 'dispatcher-7', to: '+13125550142', context: { ticket: 'T-1042' } },
      idempotencyKey: 'ticket-T-1042-dial-1',
    });
    await kit.waitFor('call.ringing', (e) => e.callId === call.id);

    await kit.advanceClock(3000);
    const answered = await kit.waitFor('call.answered', (e) => e.callId === call.id);
    expect(answered.data.call.context).toEqual({ ticket: 'T-1042' });

    const driver = await kit.party('+13125550142');
    await driver.dtmf('1');
    await kit.waitFor('call.dtmf', (e) => e.callId === call.id && e.data.digit === '1');

    await kit.advanceClock(42_000);
    await driver.hangup();
    const ended = await kit.waitFor('call.ended', (e) => e.callId === call.id);
    expect(ended.data.call).toMatchObject({ status: 'ended', endReason: 'normal', duration: 42 });
  });

  it('refuses a number that is not one, with a typed error', async () => {
    const error = await client.api.originateCall({ body: { to: 'call me maybe' } }).catch((e: unknown) => e);
    expect(isApiError(error, 'INVALID_PHONE_NUMBER')).toBe(true);
  });
});
// README:end

describe('the README', () => {
  it('shows this test as it runs', async () => {
    const { readFileSync } = await import('node:fs');
    const source = readFileSync(import.meta.filename, 'utf8');
    const blocks = [...source.matchAll(/\/\/ README:start\n([\s\S]*?)\/\/ README:end\n/g)].map((m) => m[1]);
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(blocks).toHaveLength(2);
    expect(readme).toContain(`\`\`\`ts\n${blocks.join('\n')}\`\`\``);
  });
});
