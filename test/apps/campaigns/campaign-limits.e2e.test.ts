import { afterEach, expect, it } from 'vitest';
import type { DomainEvent } from '../../../src/core/events.ts';
import { allCalls, campaignWith, isCampaignCall, ok, run, salesTeam } from '../../support/campaign-site.ts';
import { startServer, type TestServer } from '../../support/server.ts';

let server: TestServer;

afterEach(async () => {
  await server.close({ removeData: true });
});

it('campaign calls count against MAX_CONCURRENT_OUTBOUND_CALLS with the outbound service’s own', async () => {
  server = await startServer({ env: { MAX_CONCURRENT_OUTBOUND_CALLS: '2' } });
  await salesTeam(server, 5);
  let live = 0;
  let most = 0;
  server.sb.engine.events.subscribe((event: DomainEvent) => {
    if (!isCampaignCall(event)) return;
    if (event.type === 'call.ringing') most = Math.max(most, ++live);
    if (event.type === 'call.ended' || event.type === 'call.failed') live--;
  });
  const contacts = Array.from({ length: 6 }, (_, i) => ({ phoneNumber: `+3314268530${i + 1}` }));
  const campaign = await campaignWith(server, contacts);
  await ok(server, 'POST', `/api/v1/campaigns/${campaign.id}/start`);
  await run(server, 5_000);
  // Two campaign calls are live: the outbound service has no room left either.
  expect((await ok(server, 'GET', '/api/v1/calls/outbound/stats')).activeCalls).toBe(2);
  const refused = await server.request('POST', '/api/v1/calls/outbound', {
    phoneNumber: '+33142685399',
    agentId: 'agent-005',
  });
  expect(refused.status).toBe(429);
  expect(refused.body.error.code).toBe('CONCURRENT_LIMIT_REACHED');
  await run(server, 300_000);
  expect(most).toBe(2);
  expect((await ok(server, 'GET', `/api/v1/campaigns/${campaign.id}/stats`)).connected).toBe(6);
});

it('provider failures of campaign calls open the outbound circuit breaker, which holds the campaign back', async () => {
  server = await startServer();
  // One agent: one line at a time, so the order of failures and trials is exact.
  await salesTeam(server, 1);
  await ok(server, 'PUT', '/api/v1/sim/profiles', {
    match: '+3314268539*',
    profile: { outcome: 'network_error' },
  });
  const failing = Array.from({ length: 6 }, (_, i) => ({ phoneNumber: `+3314268539${i}` }));
  const good = Array.from({ length: 3 }, (_, i) => ({ phoneNumber: `+3314268530${i}` }));
  const campaign = await campaignWith(server, [...failing, ...good], { maxAttempts: 1 });
  const t0 = server.sb.clock.now();
  await ok(server, 'POST', `/api/v1/campaigns/${campaign.id}/start`);
  await run(server, 10_000);
  expect((await ok(server, 'GET', '/api/v1/calls/outbound/stats')).circuitBreaker).toBe('open');
  expect((await allCalls(server)).length).toBe(5);
  await run(server, 300_000);
  const starts = (await allCalls(server)).map((c) => Date.parse(c.startedAt) - t0).sort((a, b) => a - b);
  // Five failures open it; after 60 s one trial (the sixth failing number) fails and opens it again;
  // after another 60 s the next trial succeeds and closes it, and the rest are dialled.
  expect(starts).toHaveLength(9);
  expect(starts[4]).toBeLessThan(10_000);
  expect(starts[5]).toBeGreaterThanOrEqual(60_000);
  expect(starts[6]).toBeGreaterThanOrEqual(120_000);
  expect((await ok(server, 'GET', '/api/v1/calls/outbound/stats')).circuitBreaker).toBe('closed');
});
