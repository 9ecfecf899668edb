import { expect } from 'vitest';
import type { VirtualClock } from '../../src/core/clock.ts';
import type { DomainEvent } from '../../src/core/events.ts';
import type { TestServer } from './server.ts';

/** A contact centre for campaign tests: agents in queue `sales`, all logged in. */
export async function salesTeam(server: TestServer, agents: number, queue: Record<string, unknown> = {}) {
  const ids = Array.from({ length: agents }, (_, i) => `agent-${String(i + 1).padStart(3, '0')}`);
  for (const id of ids) {
    await ok(server, 'POST', '/api/v1/agents', { id, name: id, endpoint: `sim/${id}` }, 201);
  }
  await ok(
    server,
    'POST',
    '/api/v1/queues',
    { id: 'sales', name: 'Sales', strategy: 'longest_idle', members: ids, ...queue },
    201,
  );
  for (const id of ids) await ok(server, 'POST', `/api/v1/agents/${id}/login`);
  return ids;
}

/** A request expected to succeed with `status`; answers `data`. */
export async function ok(
  server: TestServer,
  method: string,
  path: string,
  body?: unknown,
  status = 200,
): Promise<any> {
  const res = await server.request(method, path, body);
  expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBe(status);
  return res.body.data;
}

export const CAMPAIGN = {
  name: 'Renewals',
  mode: 'progressive',
  queueId: 'sales',
  callingHours: { start: '08:00', end: '21:00' },
  timezone: 'Europe/Paris',
  maxAttempts: 3,
  retryDelayMs: 60_000,
};

/** Creates a campaign and imports JSON contacts; answers the campaign. */
export async function campaignWith(
  server: TestServer,
  contacts: readonly Record<string, unknown>[],
  settings: Record<string, unknown> = {},
): Promise<any> {
  const campaign = await ok(server, 'POST', '/api/v1/campaigns', { ...CAMPAIGN, ...settings }, 201);
  if (contacts.length > 0) {
    const report = await ok(server, 'POST', `/api/v1/campaigns/${campaign.id}/contacts`, { contacts });
    expect(report.rejected, JSON.stringify(report.errors)).toBe(0);
  }
  return campaign;
}

/** Every contact of a campaign, following the pages. */
export async function allContacts(server: TestServer, campaignId: string): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | undefined;
  do {
    const page = await ok(
      server,
      'GET',
      `/api/v1/campaigns/${campaignId}/contacts?limit=500${cursor ? `&cursor=${cursor}` : ''}`,
    );
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

/** Every call record, following the pages. */
export async function allCalls(server: TestServer): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | undefined;
  do {
    const page = await ok(server, 'GET', `/api/v1/calls?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

/** Moves the virtual clock in steps (so each second's work settles before the next). */
export async function run(server: TestServer, ms: number, step = 1000): Promise<void> {
  const clock = server.sb.clock as VirtualClock;
  for (let done = 0; done < ms; done += step) await clock.advance(Math.min(step, ms - done));
}

/** Whether an event is about a campaign's call. */
export function isCampaignCall(event: DomainEvent): boolean {
  const call = (event.data as { call?: { context?: { campaign?: unknown } } }).call;
  return call?.context?.campaign !== undefined;
}
