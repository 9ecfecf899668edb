import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  allCalls,
  allContacts,
  CAMPAIGN,
  campaignWith,
  isCampaignCall,
  ok,
  run,
  salesTeam,
} from '../../support/campaign-site.ts';
import { connectEvents, type EventClient, startServer, type TestServer } from '../../support/server.ts';

let server: TestServer;
let client: EventClient | undefined;

beforeEach(async () => {
  server = await startServer();
});

afterEach(async () => {
  client?.close();
  client = undefined;
  await server.close({ removeData: true });
});

const csvPost = (path: string, csv: string) =>
  server.request('POST', path, csv, { 'content-type': 'text/csv' });

describe('contact import', () => {
  it('reports each bad row of a CSV by its line and code, and infers time zones', async () => {
    await salesTeam(server, 1);
    const campaign = await campaignWith(server, [], { timezone: 'America/Chicago' });
    const csv = [
      'phoneNumber,name,timezone,accountId',
      '+33142685301,Ann,,A1',
      '12345,Bob,,A2',
      '+33142685301,Again,,A3',
      '+14155550124,Cy,Mars/Base,A4',
      '+14155550125,Di,,A5',
      '',
      '+81312345678,Eri,Asia/Tokyo,"A6, Tokyo"',
    ].join('\n');
    const res = await csvPost(`/api/v1/campaigns/${campaign.id}/contacts`, csv);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toEqual({
      total: 6,
      imported: 3,
      rejected: 3,
      errors: [
        { row: 3, code: 'INVALID_PHONE_NUMBER', message: expect.stringContaining('E.164') },
        { row: 4, code: 'DUPLICATE', message: expect.any(String) },
        { row: 5, code: 'VALIDATION_ERROR', message: expect.stringContaining('Mars/Base') },
      ],
    });
    // A number already in the campaign is a DUPLICATE of a later import too.
    const again = await ok(server, 'POST', `/api/v1/campaigns/${campaign.id}/contacts`, {
      contacts: [{ phoneNumber: '+33142685309' }, { phoneNumber: '+14155550125', name: 'Di again' }],
    });
    expect(again).toMatchObject({
      total: 2,
      imported: 1,
      rejected: 1,
      errors: [{ row: 2, code: 'DUPLICATE' }],
    });

    const first = await ok(server, 'GET', `/api/v1/campaigns/${campaign.id}/contacts?limit=2`);
    expect(first.items.map((c: any) => [c.phoneNumber, c.line, c.timezone, c.status, c.attempts])).toEqual([
      ['+33142685301', 2, 'Europe/Paris', 'pending', []],
      ['+14155550125', 6, 'America/Chicago', 'pending', []],
    ]);
    const rest = await ok(
      server,
      'GET',
      `/api/v1/campaigns/${campaign.id}/contacts?limit=2&cursor=${first.nextCursor}`,
    );
    expect(rest.items.map((c: any) => [c.phoneNumber, c.fields])).toEqual([
      ['+81312345678', { accountId: 'A6, Tokyo' }],
      ['+33142685309', {}],
    ]);
    expect(rest.nextCursor).toBeUndefined();
  });

  it('refuses what it cannot read, and answers 404 for an unknown campaign', async () => {
    await salesTeam(server, 1);
    const campaign = await campaignWith(server, []);
    const broken = await csvPost(
      `/api/v1/campaigns/${campaign.id}/contacts`,
      'phoneNumber,name\n"+3314268530,Ann\n',
    );
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe('VALIDATION_ERROR');
    const plain = await server.request('POST', `/api/v1/campaigns/${campaign.id}/contacts`, 'x', {
      'content-type': 'text/plain',
    });
    expect(plain.status).toBe(415);
    const unknown = await csvPost('/api/v1/campaigns/nope/contacts', 'phoneNumber\n+33142685301\n');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('CAMPAIGN_NOT_FOUND');
    const badQueue = await server.request('POST', '/api/v1/campaigns', { ...CAMPAIGN, queueId: 'nowhere' });
    expect(badQueue.body.error.code).toBe('QUEUE_NOT_FOUND');
    const badHours = await server.request('POST', '/api/v1/campaigns', {
      ...CAMPAIGN,
      callingHours: { start: '8am', end: '21:00' },
    });
    expect(badHours.status).toBe(400);
  });
});

describe('do-not-call', () => {
  it('never dials a number listed before the import, nor one listed after it', async () => {
    await salesTeam(server, 2);
    await ok(
      server,
      'POST',
      '/api/v1/dnc',
      { numbers: [{ phoneNumber: '+33142685301', reason: 'asked' }] },
      201,
    );
    const campaign = await campaignWith(server, [
      { phoneNumber: '+33142685301' },
      { phoneNumber: '+33142685302' },
      { phoneNumber: '+33142685303' },
    ]);
    await ok(server, 'POST', '/api/v1/dnc', { numbers: [{ phoneNumber: '+33142685303' }] }, 201);
    await ok(server, 'POST', `/api/v1/campaigns/${campaign.id}/start`);
    await run(server, 60_000);

    const dialled = (await allCalls(server)).map((c) => c.to);
    expect(dialled).toEqual(['+33142685302']);
    const contacts = await allContacts(server, campaign.id);
    expect(contacts.map((c) => [c.phoneNumber, c.status, c.attempts.length])).toEqual([
      ['+33142685301', 'dnc', 0],
      ['+33142685302', 'completed', 1],
      ['+33142685303', 'dnc', 0],
    ]);
    expect((await ok(server, 'GET', `/api/v1/campaigns/${campaign.id}`)).state).toBe('completed');
    const list = await ok(server, 'GET', '/api/v1/dnc?limit=1');
    expect(list.items).toEqual([
      { phoneNumber: '+33142685301', addedAt: expect.any(String), reason: 'asked' },
    ]);
    expect(await ok(server, 'DELETE', '/api/v1/dnc/+33142685303')).toEqual({
      phoneNumber: '+33142685303',
      removed: true,
    });
  });
});

describe('states, retries and events', () => {
  it('pauses and resumes: nothing is dialled while paused; states are refused where they cannot be', async () => {
    await salesTeam(server, 1);
    client = await connectEvents(server.url);
    const contacts = [1, 2, 3, 4, 5].map((n) => ({ phoneNumber: `+3314268530${n}` }));
    const campaign = await campaignWith(server, contacts);
    const refused = await server.request('POST', `/api/v1/campaigns/${campaign.id}/pause`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'INVALID_STATE', details: { state: 'draft' } });

    await ok(server, 'POST', `/api/v1/campaigns/${campaign.id}/start`);
    await run(server, 5_000); // one line for the one agent: the first contact talks
    expect((await ok(server, 'POST', `/api/v1/campaigns/${campaign.id}/pause`)).state).toBe('paused');
    await run(server, 300_000);
    expect((await allCalls(server)).length).toBe(1);
    expect((await ok(server, 'GET', `/api/v1/campaigns/${campaign.id}/stats`)).remaining).toBe(4);

    expect((await ok(server, 'POST', `/api/v1/campaigns/${campaign.id}/resume`)).state).toBe('running');
    await run(server, 300_000);
    expect((await allCalls(server)).length).toBe(5);
    const stats = await ok(server, 'GET', `/api/v1/campaigns/${campaign.id}/stats`);
    expect(stats).toMatchObject({ dialled: 5, answered: 5, connected: 5, abandoned: 0, remaining: 0 });
    expect(stats.talkTimeByAgent).toEqual({ 'agent-001': 150 });

    await client.waitFor((e: any) => e.type === 'campaign.state' && e.data.campaign.state === 'completed');
    expect(
      client.events.filter((e) => e.type === 'campaign.state').map((e: any) => e.data.campaign.state),
    ).toEqual(['running', 'paused', 'running', 'completed']);
    await client.waitFor((e) => e.type === 'campaign.stats');
    const connected = client.events.filter((e) => e.type === 'campaign.contact.connected');
    expect(connected).toHaveLength(5);
    const stop = await server.request('POST', `/api/v1/campaigns/${campaign.id}/stop`);
    expect(stop.body.error.code).toBe('INVALID_STATE');
  });

  it('tries a busy contact again after retryDelayMs, up to maxAttempts', async () => {
    await salesTeam(server, 1);
    await ok(server, 'PUT', '/api/v1/sim/profiles', { match: '+33142685301', profile: { outcome: 'busy' } });
    const campaign = await campaignWith(server, [{ phoneNumber: '+33142685301' }], { retryDelayMs: 120_000 });
    await ok(server, 'POST', `/api/v1/campaigns/${campaign.id}/start`);
    await run(server, 600_000, 5_000);
    const [contact] = await allContacts(server, campaign.id);
    expect(contact.status).toBe('failed');
    expect(contact.attempts.map((a: any) => [a.attemptNumber, a.outcome])).toEqual([
      [1, 'busy'],
      [2, 'busy'],
      [3, 'busy'],
    ]);
    const starts = contact.attempts.map((a: any) => Date.parse(a.startedAt));
    expect(starts[1] - starts[0]).toBeGreaterThanOrEqual(120_000);
    expect(starts[2] - starts[1]).toBeGreaterThanOrEqual(120_000);
    expect((await ok(server, 'GET', `/api/v1/campaigns/${campaign.id}`)).state).toBe('completed');
  });

  it('rings at least 15 s before a no-answer', async () => {
    await salesTeam(server, 1);
    await ok(server, 'PUT', '/api/v1/sim/profiles', {
      match: '+33142685301',
      profile: { answerAfterMs: null },
    });
    const campaign = await campaignWith(server, [{ phoneNumber: '+33142685301' }], { maxAttempts: 1 });
    await ok(server, 'POST', `/api/v1/campaigns/${campaign.id}/start`);
    await run(server, 60_000);
    const [call] = await allCalls(server);
    expect(call.endReason).toBe('no_answer');
    expect(Date.parse(call.endedAt) - Date.parse(call.startedAt)).toBeGreaterThanOrEqual(15_000);
    const [contact] = await allContacts(server, campaign.id);
    expect(contact.attempts[0].outcome).toBe('no_answer');
  });

  it('preview: the agent is offered the contact with its fields, and may skip it', async () => {
    await salesTeam(server, 1);
    client = await connectEvents(server.url);
    // The agent's phone rings without answering: the offer waits for them.
    await ok(server, 'PUT', '/api/v1/sim/profiles', { match: 'sim/*', profile: { answerAfterMs: null } });
    const campaign = await campaignWith(
      server,
      [
        { phoneNumber: '+33142685301', name: 'Ann', plan: 'gold' },
        { phoneNumber: '+33142685302', name: 'Bo' },
      ],
      { mode: 'preview' },
    );
    await ok(server, 'POST', `/api/v1/campaigns/${campaign.id}/start`);
    await run(server, 2_000);
    const offered: any = await client.waitFor((e) => e.type === 'call.offered' && isCampaignCall(e));
    expect(offered.data.call.context.campaign).toMatchObject({ name: 'Ann', fields: { plan: 'gold' } });
    expect(offered.data.call.to).toBe('+33142685301');
    const [ann] = await allContacts(server, campaign.id);
    const skipped = await ok(server, 'POST', `/api/v1/campaigns/${campaign.id}/contacts/${ann.id}/skip`);
    expect(skipped).toMatchObject({ status: 'completed', attempts: [{ outcome: 'skipped' }] });
    await run(server, 5_000);
    // The next contact is offered; nobody ever dialled Ann's number.
    await client.waitFor((e: any) => e.type === 'call.offered' && e.data.call.to === '+33142685302');
    const annCall = (await allCalls(server)).find((c) => c.to === '+33142685301');
    expect(annCall.legs.filter((l: any) => l.role === 'callee')).toEqual([]);
    expect(annCall.endReason).toBe('canceled');
  });
});

describe('abandon', () => {
  it('an answered contact with no agent within 2 s hears a short message, then the call ends', async () => {
    await salesTeam(server, 1);
    client = await connectEvents(server.url);
    const campaign = await campaignWith(server, [{ phoneNumber: '+33142685301' }], { maxAttempts: 1 });
    await ok(server, 'POST', `/api/v1/campaigns/${campaign.id}/start`);
    await run(server, 1_000);
    // The only agent steps away while the number rings; it answers after 3 s.
    await ok(server, 'POST', '/api/v1/agents/agent-001/pause', { reason: 'break' });
    await run(server, 30_000);

    const abandoned: any = await client.waitFor((e) => e.type === 'campaign.contact.abandoned');
    const callId = abandoned.callId;
    const [call] = await allCalls(server);
    expect(call.id).toBe(callId);
    expect(call.agentId).toBeUndefined();
    const heard = client.events.filter((e) => e.callId === callId && e.type === 'call.playback.finished');
    expect(heard).toHaveLength(1);
    const answeredAt = Date.parse(call.answeredAt);
    expect(Date.parse(abandoned.timestamp) - answeredAt).toBe(2_000);
    expect(Date.parse(call.endedAt)).toBeGreaterThan(Date.parse(abandoned.timestamp));
    const [contact] = await allContacts(server, campaign.id);
    expect(contact).toMatchObject({ status: 'failed', attempts: [{ outcome: 'abandoned' }] });
    expect(await ok(server, 'GET', `/api/v1/campaigns/${campaign.id}/stats`)).toMatchObject({
      answered: 1,
      abandoned: 1,
      abandonRate: 1,
      connected: 0,
    });
  });
});
