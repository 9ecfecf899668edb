import { describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../../src/core/events.ts';
import { type OutboundRig, outboundRigs } from '../../support/outbound-server.ts';
import type { EventClient, TestServer } from '../../support/server.ts';

const rig = outboundRigs();
let server: TestServer;
let client: EventClient;
let ok: OutboundRig['ok'];

async function start(env: Record<string, string> = {}): Promise<void> {
  ({ server, client, ok } = await rig(env));
}

const schedule = (body: Record<string, unknown>) =>
  server.request('POST', '/api/v1/calls/outbound/schedule', {
    phoneNumber: '+12125550142',
    agentId: 'alice',
    ...body,
  });
const ringing = () => client.events.filter((e) => e.type === 'call.ringing');
const logOf = (e: DomainEvent) =>
  (e.data as { call: { context: { outbound?: { callLogId?: string } } } }).call.context.outbound?.callLogId;
const WEEK = 7 * 24 * 3600 * 1000;
/** Moves the virtual clock to an absolute instant (it starts at 2026-01-05T09:00Z, a Monday). */
const advanceTo = async (isoTime: string) => {
  const now = Date.parse((await ok('GET', '/api/v1/sim/clock')).now);
  // The simulator moves at most a week per request.
  for (let left = Date.parse(isoTime) - now; left > 0; left -= WEEK)
    await server.advance(Math.min(left, WEEK));
};

describe('scheduled calls', () => {
  it('rings a call scheduled for 10:30 Asia/Kolkata at 05:00Z', async () => {
    await start();
    const res = await schedule({
      scheduledFor: '2026-01-06T10:30:00',
      timezone: 'Asia/Kolkata',
      userId: 'u1',
    });
    expect(res.status).toBe(201);
    const data = res.body.data;
    expect(data).toEqual({
      scheduleId: expect.any(String),
      callLogId: expect.any(String),
      scheduledFor: '2026-01-06T05:00:00.000Z',
      status: 'scheduled',
      message: expect.any(String),
    });
    expect(data.scheduleId).not.toBe(data.callLogId);
    const event = await client.waitFor((e) => e.type === 'outbound.scheduled');
    expect(event.data).toMatchObject({
      callLogId: data.callLogId,
      call: { status: 'scheduled', scheduledFor: '2026-01-06T05:00:00.000Z' },
    });
    expect(await ok('GET', `/api/v1/calls/outbound/${data.callLogId}`)).toMatchObject({
      status: 'scheduled',
      outboundStatus: 'scheduled',
      scheduledFor: '2026-01-06T05:00:00.000Z',
      scheduleId: data.scheduleId,
      adjustedFor: null,
      initiatedAt: null,
      userId: 'u1',
    });
    await advanceTo('2026-01-06T04:59:59.999Z');
    expect(ringing()).toHaveLength(0);
    await server.advance(1);
    expect(ringing()).toHaveLength(1);
    expect(ringing()[0]?.timestamp).toBe('2026-01-06T05:00:00.000Z');
    expect(logOf(ringing()[0] as DomainEvent)).toBe(data.callLogId);
    // The agent's phone answered at once: the number rings.
    expect(await ok('GET', `/api/v1/calls/outbound/${data.callLogId}`)).toMatchObject({
      status: 'ringing',
      initiatedAt: '2026-01-06T05:00:00.000Z',
    });
  });

  it('reads a time with an offset as absolute, whatever the time zone', async () => {
    await start();
    const withOffset = await schedule({ scheduledFor: '2026-01-06T10:30:00+05:30' });
    expect(withOffset.body.data.scheduledFor).toBe('2026-01-06T05:00:00.000Z');
    const zulu = await schedule({ scheduledFor: '2026-01-06T05:00:00Z', timezone: 'America/New_York' });
    expect(zulu.body.data.scheduledFor).toBe('2026-01-06T05:00:00.000Z');
    const wall = await schedule({ scheduledFor: '2026-01-06T05:00:00', timezone: 'America/New_York' });
    expect(wall.body.data.scheduledFor).toBe('2026-01-06T10:00:00.000Z');
  });

  it('defers a Saturday call to Monday 09:00 America/New_York', async () => {
    await start();
    const res = await schedule({
      scheduledFor: '2026-01-10T11:00:00',
      timezone: 'America/New_York',
      respectBusinessHours: true,
    });
    expect(res.body.data).toMatchObject({
      scheduledFor: '2026-01-10T16:00:00.000Z',
      adjustedFor: '2026-01-12T14:00:00.000Z',
      status: 'scheduled',
    });
    expect(await ok('GET', `/api/v1/calls/outbound/${res.body.data.callLogId}`)).toMatchObject({
      scheduledFor: '2026-01-12T14:00:00.000Z',
      adjustedFor: '2026-01-12T14:00:00.000Z',
    });
    // Inside its own hours it stays; after closing it moves to the next open day.
    const open = await schedule({
      scheduledFor: '2026-01-07T12:00:00',
      timezone: 'America/New_York',
      respectBusinessHours: true,
      businessHours: { start: '08:00', end: '18:00', daysOfWeek: [1, 2, 3, 4, 5, 6] },
    });
    expect(open.body.data.adjustedFor).toBeUndefined();
    const late = await schedule({
      scheduledFor: '2026-01-10T18:30:00',
      timezone: 'America/New_York',
      respectBusinessHours: true,
      businessHours: { start: '08:00', end: '18:00', daysOfWeek: [1, 2, 3, 4, 5, 6] },
    });
    expect(late.body.data.adjustedFor).toBe('2026-01-12T13:00:00.000Z');
    await advanceTo('2026-01-12T13:59:59.999Z');
    expect(ringing().map(logOf)).toEqual([open.body.data.callLogId, late.body.data.callLogId]);
    expect(ringing()[1]?.timestamp).toBe('2026-01-12T13:00:00.000Z');
    await advanceTo('2026-01-12T14:00:00.000Z');
    expect(ringing().map(logOf)).toEqual([
      open.body.data.callLogId,
      late.body.data.callLogId,
      res.body.data.callLogId,
    ]);
  });

  it('keeps a daily 10:00 New York call at 10:00 across the change to daylight-saving time', async () => {
    await start();
    const res = await schedule({
      scheduledFor: '2026-03-06T10:00:00',
      timezone: 'America/New_York',
      recurring: { frequency: 'daily', interval: 1, maxOccurrences: 4 },
    });
    await advanceTo('2026-03-12T00:00:00Z');
    const times = ringing().map((e) => e.timestamp);
    expect(times).toEqual([
      '2026-03-06T15:00:00.000Z',
      '2026-03-07T15:00:00.000Z',
      '2026-03-08T14:00:00.000Z',
      '2026-03-09T14:00:00.000Z',
    ]);
    const scheduled = client.events.filter((e) => e.type === 'outbound.scheduled');
    expect(scheduled).toHaveLength(4);
    const ids = scheduled.map((e) => (e.data as { callLogId: string }).callLogId);
    expect(ids[0]).toBe(res.body.data.callLogId);
    expect(new Set(ringing().map(logOf))).toEqual(new Set(ids));
    for (const e of scheduled)
      expect((e.data as { call: { scheduleId: string } }).call.scheduleId).toBe(res.body.data.scheduleId);
  });

  it('repeats weekly and monthly until the end date, and a canceled occurrence ends the series', async () => {
    await start();
    const weekly = await schedule({
      scheduledFor: '2026-01-07T09:30:00',
      timezone: 'Europe/Berlin',
      recurring: { frequency: 'weekly', interval: 2, endDate: '2026-02-04' },
    });
    const monthly = await schedule({
      phoneNumber: '+12125550199',
      scheduledFor: '2026-01-31T12:00:00Z',
      recurring: { frequency: 'monthly', interval: 1, maxOccurrences: 3 },
    });
    await advanceTo('2026-04-30T00:00:00Z');
    const byNumber = (n: string) =>
      ringing()
        .filter((e) => (e.data as { call: { to: string } }).call.to === n)
        .map((e) => e.timestamp);
    expect(byNumber('+12125550142')).toEqual([
      '2026-01-07T08:30:00.000Z',
      '2026-01-21T08:30:00.000Z',
      '2026-02-04T08:30:00.000Z',
    ]);
    expect(byNumber('+12125550199')).toEqual([
      '2026-01-31T12:00:00.000Z',
      '2026-02-28T12:00:00.000Z',
      '2026-03-31T12:00:00.000Z',
    ]);
    expect(weekly.status).toBe(201);
    expect(monthly.status).toBe(201);

    const series = await schedule({
      phoneNumber: '+12125550177',
      scheduledFor: '2026-05-01T10:00:00Z',
      recurring: { frequency: 'daily', interval: 1 },
    });
    const canceled = await ok('POST', `/api/v1/calls/outbound/${series.body.data.callLogId}/cancel`);
    expect(canceled).toEqual({
      callLogId: series.body.data.callLogId,
      status: 'canceled',
      message: expect.any(String),
    });
    const event = await client.waitFor((e) => e.type === 'outbound.canceled');
    expect(event.data).toMatchObject({ callLogId: series.body.data.callLogId, call: { status: 'canceled' } });
    await advanceTo('2026-05-05T00:00:00Z');
    expect(byNumber('+12125550177')).toEqual([]);
    expect(await ok('GET', `/api/v1/calls/${series.body.data.callLogId}`)).toMatchObject({
      status: 'canceled',
      outboundStatus: 'canceled',
    });
  });

  it('refuses a time in the past, an unknown zone and malformed hours', async () => {
    await start();
    const past = await schedule({ scheduledFor: '2026-01-05T08:59:59Z' });
    expect(past.status).toBe(400);
    expect(past.body.error).toMatchObject({
      code: 'SCHEDULE_IN_PAST',
      details: { scheduledFor: '2026-01-05T08:59:59.000Z' },
    });
    // 09:00 in Kolkata on the 5th was hours ago.
    expect(
      (await schedule({ scheduledFor: '2026-01-05T09:00:00', timezone: 'Asia/Kolkata' })).body.error.code,
    ).toBe('SCHEDULE_IN_PAST');
    const zone = await schedule({ scheduledFor: '2026-01-06T10:00:00', timezone: 'Mars/Olympus' });
    expect(zone.status).toBe(400);
    expect(zone.body.error.code).toBe('VALIDATION_ERROR');
    const garbage = await schedule({ scheduledFor: 'next tuesday-ish' });
    expect(garbage.body.error.code).toBe('VALIDATION_ERROR');
    const hours = await schedule({
      scheduledFor: '2026-01-06T10:00:00Z',
      respectBusinessHours: true,
      businessHours: { start: '9am', end: '17:00', daysOfWeek: [1] },
    });
    expect(hours.body.error.code).toBe('VALIDATION_ERROR');
    const days = await schedule({
      scheduledFor: '2026-01-06T10:00:00Z',
      businessHours: { start: '09:00', end: '17:00', daysOfWeek: [7] },
    });
    expect(days.body.error.code).toBe('VALIDATION_ERROR');
    const phone = await schedule({ phoneNumber: '555', scheduledFor: '2026-01-06T10:00:00Z' });
    expect(phone.body.error.code).toBe('INVALID_PHONE_NUMBER');
    expect(
      (await schedule({ agentId: 'nobody', scheduledFor: '2026-01-06T10:00:00Z' })).body.error.code,
    ).toBe('AGENT_NOT_FOUND');
    expect(client.events.filter((e) => e.type === 'outbound.scheduled')).toHaveLength(0);
  });
});
