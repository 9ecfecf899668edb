import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { allCalls, allContacts, campaignWith, ok, run, salesTeam } from '../../support/campaign-site.ts';
import { startServer, type TestServer } from '../../support/server.ts';

let server: TestServer;

beforeEach(async () => {
  server = await startServer();
});

afterEach(async () => {
  await server.close({ removeData: true });
});

describe('campaigns', () => {
  it('dials contacts progressively and connects them to agents with their fields', async () => {
    await salesTeam(server, 2);
    const contacts = [1, 2, 3, 4].map((n) => ({
      phoneNumber: `+3314268530${n}`,
      name: `C${n}`,
      accountId: `A-${n}`,
    }));
    const campaign = await campaignWith(server, contacts);
    await ok(server, 'POST', `/api/v1/campaigns/${campaign.id}/start`);
    await run(server, 120_000);
    const after = await allContacts(server, campaign.id);
    console.log(JSON.stringify(after, null, 1).slice(0, 3000));
    console.log(await ok(server, 'GET', `/api/v1/campaigns/${campaign.id}/stats`));
    const calls = await allCalls(server);
    console.log(calls.map((c) => [c.to, c.status, c.agentId, c.endReason, c.startedAt]));
  });
});
