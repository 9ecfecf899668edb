import { afterEach, beforeEach, expect, it } from 'vitest';
import { allCalls, allContacts, campaignWith, ok, run, salesTeam } from '../../support/campaign-site.ts';
import { startServer, type TestServer } from '../../support/server.ts';

let server: TestServer;

beforeEach(async () => {
  server = await startServer();
});

afterEach(async () => {
  await server.close({ removeData: true });
});

it('a restart mid-campaign resumes it and dials nothing twice', async () => {
  const agents = await salesTeam(server, 4);
  // The fourth contact is still ringing when the server stops.
  await ok(server, 'PUT', '/api/v1/sim/profiles', {
    match: '+33142685304',
    profile: { answerAfterMs: 15_000 },
  });
  const contacts = Array.from({ length: 12 }, (_, i) => ({
    phoneNumber: `+331426853${String(i + 1).padStart(2, '0')}`,
  }));
  const campaign = await campaignWith(server, contacts);
  await ok(server, 'POST', `/api/v1/campaigns/${campaign.id}/start`);
  await run(server, 10_000);
  const before = await allContacts(server, campaign.id);
  expect(before.filter((c) => c.status === 'in_progress').map((c) => c.phoneNumber)).toEqual([
    '+33142685301',
    '+33142685302',
    '+33142685303',
    '+33142685304',
  ]);

  await server.close();
  server = await startServer({ dataDir: server.dataDir });
  await ok(server, 'PUT', '/api/v1/sim/profiles', {
    match: '+33142685304',
    profile: { answerAfterMs: 1_000 },
  });
  // After a start every agent is logged out; they log in again and the campaign goes on.
  for (const id of agents) await ok(server, 'POST', `/api/v1/agents/${id}/login`);
  await run(server, 600_000);

  expect((await ok(server, 'GET', `/api/v1/campaigns/${campaign.id}`)).state).toBe('completed');
  const after = await allContacts(server, campaign.id);
  const calls = await allCalls(server);
  for (const contact of after) {
    const dialled = calls.filter((c) => c.to === contact.phoneNumber);
    // One call per attempt, each attempt's own: nothing dialled twice.
    expect(dialled.map((c) => c.id).sort(), contact.phoneNumber).toEqual(
      contact.attempts.map((a: any) => a.callId).sort(),
    );
    expect(contact.status, contact.phoneNumber).toBe('completed');
  }
  const byNumber = new Map(after.map((c) => [c.phoneNumber, c.attempts.map((a: any) => a.outcome)]));
  // Connected before the stop: answered, never dialled again; cut while ringing: tried once more.
  expect(byNumber.get('+33142685301')).toEqual(['answered']);
  expect(byNumber.get('+33142685304')).toEqual(['server_restart', 'answered']);
  expect(byNumber.get('+33142685312')).toEqual(['answered']);
  const stats = await ok(server, 'GET', `/api/v1/campaigns/${campaign.id}/stats`);
  expect(stats).toMatchObject({ dialled: 13, connected: 12, remaining: 0 });
});
