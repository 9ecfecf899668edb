import { DateTime } from 'luxon';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../../src/core/events.ts';
import {
  allCalls,
  allContacts,
  campaignWith,
  isCampaignCall,
  ok,
  run,
  salesTeam,
} from '../../support/campaign-site.ts';
import { startServer, type TestServer } from '../../support/server.ts';

let server: TestServer;

beforeEach(async () => {
  server = await startServer();
});

afterEach(async () => {
  await server.close({ removeData: true });
});

/**
 * Watches campaign lines in the process: at each dial, the calls placed that no agent has yet, and the
 * agents who could take them (available, or already reserved for one of them).
 */
function watchLines(s: TestServer) {
  const unconnected = new Set<string>();
  const samples: { lines: number; agents: number; available: number }[] = [];
  s.sb.engine.events.subscribe((event: DomainEvent) => {
    if (!isCampaignCall(event) || event.callId === undefined) return;
    if (event.type === 'call.ringing') {
      unconnected.add(event.callId);
      const states = s.sb.acd.listAgents().map((a) => a.status.state);
      const available = states.filter((st) => st === 'available').length;
      const reserved = states.filter((st) => st === 'reserved').length;
      samples.push({ lines: unconnected.size, agents: available + reserved, available });
    } else if (
      event.type === 'call.offer.accepted' ||
      event.type === 'call.ended' ||
      event.type === 'call.failed'
    ) {
      unconnected.delete(event.callId);
    }
  });
  return samples;
}

/** Abandon rate from the call records: answered campaign calls that no agent took. */
function abandonFromRecords(calls: readonly any[]) {
  const answered = calls.filter((c) => c.context?.campaign && c.answeredAt !== undefined);
  const abandoned = answered.filter((c) => c.agentId === undefined);
  return { answered: answered.length, abandoned: abandoned.length, rate: abandoned.length / answered.length };
}

describe('campaign pacing', () => {
  it('dials contacts in three time zones only inside their local calling hours', async () => {
    await salesTeam(server, 2);
    // Tokyo's number is always busy: its retries walk past 21:00 local and wait for 08:00.
    await ok(server, 'PUT', '/api/v1/sim/profiles', { match: '+81312345678', profile: { outcome: 'busy' } });
    const campaign = await campaignWith(
      server,
      [
        { phoneNumber: '+33142685301', name: 'Paris' }, // Europe/Paris from the number: 10:00 there
        { phoneNumber: '+12125550101', name: 'New York', timezone: 'America/New_York' }, // 04:00 there
        { phoneNumber: '+81312345678', name: 'Tokyo' }, // Asia/Tokyo from the number: 18:00 there
      ],
      { retryDelayMs: 2 * 3_600_000, maxAttempts: 4 },
    );
    await ok(server, 'POST', `/api/v1/campaigns/${campaign.id}/start`);
    await run(server, 18 * 3_600_000, 60_000);

    const contacts = await allContacts(server, campaign.id);
    const zones = new Map(contacts.map((c) => [c.phoneNumber, c.timezone]));
    expect([...zones.values()]).toEqual(['Europe/Paris', 'America/New_York', 'Asia/Tokyo']);
    const calls = await allCalls(server);
    for (const call of calls) {
      const local = DateTime.fromISO(call.startedAt, { zone: zones.get(call.to) });
      expect(local.hour, `${call.to} dialled at ${local.toISO()}`).toBeGreaterThanOrEqual(8);
      expect(local.hour, `${call.to} dialled at ${local.toISO()}`).toBeLessThan(21);
    }
    const startsOf = (number: string) =>
      calls
        .filter((c) => c.to === number)
        .map((c) => c.startedAt)
        .sort();
    expect(startsOf('+33142685301')).toEqual(['2026-01-05T09:00:00.000Z']);
    expect(startsOf('+12125550101')).toEqual(['2026-01-05T13:00:00.000Z']);
    // Busy after 1 s, then 2 h: 18:00 and 20:00 in Tokyo; 22:00 is closed, so 08:00 the next
    // morning, then 10:00.
    expect(startsOf('+81312345678')).toEqual([
      '2026-01-05T09:00:00.000Z',
      '2026-01-05T11:00:01.000Z',
      '2026-01-05T23:00:00.000Z',
      '2026-01-06T01:00:01.000Z',
    ]);
    expect(contacts.map((c) => c.status)).toEqual(['completed', 'completed', 'failed']);
  });

  it('progressive: never more lines out than agents free to take them', async () => {
    await salesTeam(server, 3);
    await ok(server, 'PUT', '/api/v1/sim/profiles', {
      match: '+1212555*',
      profile: {
        distribution: {
          seed: 3,
          answerRate: 0.6,
          otherwise: 'busy',
          answerAfterMs: { min: 1000, max: 9000 },
          talkMs: { mean: 40_000, min: 5_000 },
        },
      },
    });
    const samples = watchLines(server);
    const contacts = Array.from({ length: 40 }, (_, i) => ({ phoneNumber: `+1212555${String(1000 + i)}` }));
    const campaign = await campaignWith(server, contacts, { maxAttempts: 1, timezone: 'Europe/Paris' });
    await ok(server, 'POST', `/api/v1/campaigns/${campaign.id}/start`);
    await run(server, 1_200_000);

    expect(samples.length).toBe(40);
    for (const sample of samples) expect(sample.lines).toBeLessThanOrEqual(sample.agents);
    const stats = await ok(server, 'GET', `/api/v1/campaigns/${campaign.id}/stats`);
    expect(stats).toMatchObject({ dialled: 40, abandoned: 0, remaining: 0 });
    expect(stats.connected).toBe(stats.answered);
    expect(abandonFromRecords(await allCalls(server)).abandoned).toBe(0);
  });

  it('predictive with half the numbers busy: dials ahead of free agents, abandon rate at most 3% by the call records', async () => {
    await server.close({ removeData: true });
    server = await startServer({ env: { MAX_CONCURRENT_OUTBOUND_CALLS: '100' } });
    await salesTeam(server, 10);
    await ok(server, 'PUT', '/api/v1/sim/profiles', {
      match: '+1212555*',
      profile: {
        distribution: {
          seed: 11,
          answerRate: 0.5,
          otherwise: 'busy',
          answerAfterMs: { min: 2000, max: 8000 },
          talkMs: { mean: 60_000, cv: 0.5, min: 10_000 },
        },
      },
    });
    const samples = watchLines(server);
    const contacts = Array.from({ length: 300 }, (_, i) => ({ phoneNumber: `+1212555${String(1000 + i)}` }));
    const campaign = await campaignWith(server, contacts, { mode: 'predictive', maxAttempts: 1 });
    await ok(server, 'POST', `/api/v1/campaigns/${campaign.id}/start`);
    await run(server, 3_600_000, 15_000);

    const stats = await ok(server, 'GET', `/api/v1/campaigns/${campaign.id}/stats`);
    expect(stats).toMatchObject({ dialled: 300, remaining: 0 });
    // Ahead of free agents: more lines out than agents who could take them, at times.
    expect(samples.some((s) => s.lines > s.agents)).toBe(true);
    const fromRecords = abandonFromRecords(await allCalls(server));
    expect(fromRecords.answered).toBe(stats.answered);
    expect(fromRecords.abandoned).toBe(stats.abandoned);
    expect(fromRecords.rate).toBeLessThanOrEqual(0.03);
  }, 120_000);
});
