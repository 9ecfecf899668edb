import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallSnapshot } from '../../src/core/call.ts';
import type { DomainEvent } from '../../src/core/events.ts';
import { CdrDatabase, type Segment, threecxId } from '../support/cdroutput.ts';
import { connectEvents, type TestServer } from '../support/server.ts';
import { startWithThreeCx } from '../support/threecx.ts';

/**
 * The 3CX connector polling a real PostgreSQL that holds 3CX v20's `cdroutput` with realistic rows.
 * The server's virtual clock starts on Monday 2026-01-05 09:00 UTC (00:00 in Anchorage: outside the
 * configured business hours, Monday to Friday 08:00-17:00 Anchorage time).
 */

const db = new CdrDatabase();
beforeAll(async () => {
  await db.open();
});
afterAll(async () => {
  await db.close();
});

const CALLER = { source_entity_type: 'external_line', source_dn_type: 'provider', source_dn_number: '10000' };
const toExtension = (ext: string) => ({
  destination_entity_type: 'extension',
  destination_dn_type: 'extension',
  destination_dn_number: ext,
});
const QUEUE_700 = {
  destination_entity_type: 'queue',
  destination_dn_type: 'queue',
  destination_dn_number: '700',
  destination_dn_name: 'Support Team',
};

/** A queue call rung on 101 and 102, answered by 102 after 5 s, two minutes of talk. */
function queueCallAnswered(history: string): Segment[] {
  const queue = threecxId();
  const base = { call_history_id: history, ...CALLER, source_participant_phone_number: '+12125550101' };
  return [
    {
      ...base,
      cdr_id: queue,
      ...QUEUE_700,
      creation_method: 'route_to',
      termination_reason: 'continued_in',
      cdr_started_at: '2026-01-05 08:00:00.000000+00',
      cdr_ended_at: '2026-01-05 08:00:05.250000+00',
    },
    {
      ...base,
      ...toExtension('101'),
      originating_cdr_id: queue,
      creation_method: 'route_to',
      creation_forward_reason: 'polling',
      termination_reason: 'cancelled',
      cdr_started_at: '2026-01-05 08:00:01.000000+00',
      cdr_ended_at: '2026-01-05 08:00:05.100000+00',
    },
    {
      ...base,
      ...toExtension('102'),
      originating_cdr_id: queue,
      creation_method: 'route_to',
      creation_forward_reason: 'polling',
      termination_reason: 'dst_participant_terminated',
      cdr_started_at: '2026-01-05 08:00:01.000000+00',
      cdr_answered_at: '2026-01-05 08:00:05.000000+00',
      cdr_ended_at: '2026-01-05 08:02:05.000000+00',
    },
  ];
}

/** 101 dials a national number; answered after 5 s, a minute of talk. */
const outbound = (history: string): Segment => ({
  call_history_id: history,
  source_entity_type: 'extension',
  source_dn_type: 'extension',
  source_dn_number: '101',
  destination_entity_type: 'external_line',
  destination_dn_type: 'provider',
  destination_dn_number: '10000',
  destination_participant_phone_number: '(212) 555-0199',
  creation_method: 'call_init',
  termination_reason: 'src_participant_terminated',
  cdr_started_at: '2026-01-05 08:10:00.000000+00',
  cdr_answered_at: '2026-01-05 08:10:05.000000+00',
  cdr_ended_at: '2026-01-05 08:11:05.000000+00',
});

/** A call 101 answers and transfers to 102: its second segment continues the first. */
function transferred(history: string): [Segment, Segment] {
  const second = threecxId();
  const base = { call_history_id: history, ...CALLER, source_participant_phone_number: '+12125550103' };
  return [
    {
      ...base,
      ...toExtension('101'),
      creation_method: 'call_init',
      termination_reason: 'continued_in',
      continued_in_cdr_id: second,
      cdr_started_at: '2026-01-05 08:20:00.000000+00',
      cdr_answered_at: '2026-01-05 08:20:02.000000+00',
      cdr_ended_at: '2026-01-05 08:21:00.000000+00',
    },
    {
      ...base,
      cdr_id: second,
      ...toExtension('102'),
      creation_method: 'transfer',
      termination_reason: 'src_participant_terminated',
      cdr_started_at: '2026-01-05 08:21:00.000000+00',
      cdr_answered_at: '2026-01-05 08:21:00.500000+00',
      cdr_ended_at: '2026-01-05 08:23:00.000000+00',
    },
  ];
}

/** A queue call nobody answered: rung on 101, the caller gave up. */
function missed(history: string, day: string): Segment[] {
  const base = { call_history_id: history, ...CALLER, source_participant_phone_number: '+12125550107' };
  return [
    {
      ...base,
      ...QUEUE_700,
      creation_method: 'route_to',
      termination_reason: 'src_participant_terminated',
      termination_reason_details: 'terminated_by_originator',
      cdr_started_at: `${day} 18:00:00.000000+00`,
      cdr_ended_at: `${day} 18:00:40.000000+00`,
    },
    {
      ...base,
      ...toExtension('101'),
      creation_method: 'route_to',
      creation_forward_reason: 'polling',
      termination_reason: 'cancelled',
      cdr_started_at: `${day} 18:00:01.000000+00`,
      cdr_ended_at: `${day} 18:00:40.000000+00`,
    },
  ];
}

const H = {
  queue: threecxId(),
  outbound: threecxId(),
  transferred: threecxId(),
  unmapped: threecxId(),
  old: threecxId(),
  missedOpen: threecxId(),
  missedClosed: threecxId(),
  whileDown: threecxId(),
  live: threecxId(),
};

async function poll(server: TestServer) {
  const res = await server.request('POST', '/api/v1/integrations/3cx/trigger/poll');
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data;
}

async function threecxRecords(server: TestServer): Promise<Map<string, CallSnapshot>> {
  const res = await server.request('GET', '/api/v1/calls?source=3cx&limit=500');
  return new Map(res.body.data.items.map((c: CallSnapshot) => [c.externalId, c]));
}

describe('polling 3CX v20 cdroutput', () => {
  it('logs each call once, with direction, E.164, owner and talk time; resumes after a restart', async () => {
    const [transferFirst, transferSecond] = transferred(H.transferred);
    await db.insert(
      ...queueCallAnswered(H.queue),
      outbound(H.outbound),
      outbound(H.outbound), // 3CX wrote the same row twice
      transferFirst,
      { ...outbound(H.unmapped), source_dn_number: '105' },
      {
        ...outbound(H.old),
        cdr_started_at: '2025-12-20 08:00:00+00',
        cdr_answered_at: '2025-12-20 08:00:05+00',
        cdr_ended_at: '2025-12-20 08:01:00+00',
      },
      ...missed(H.missedOpen, '2026-01-02'), // Friday 09:00 in Anchorage: business hours
      ...missed(H.missedClosed, '2026-01-03'), // Saturday: closed
    );
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
    const server = await startWithThreeCx(db, { logger });
    const events = await connectEvents(server.url);
    await poll(server);

    let records = await threecxRecords(server);
    expect([...records.keys()].sort()).toEqual(
      [H.queue, H.outbound, H.transferred, H.unmapped, H.missedOpen, H.missedClosed].sort(),
    );
    expect(records.get(H.queue)).toMatchObject({
      id: `3cx-${H.queue}`,
      source: '3cx',
      direction: 'inbound',
      status: 'ended',
      endReason: 'normal',
      from: '+12125550101',
      to: '3CX/102',
      startedAt: '2026-01-05T08:00:00.000Z',
      answeredAt: '2026-01-05T08:00:05.000Z',
      endedAt: '2026-01-05T08:02:05.000Z',
      duration: 120,
      queueId: '700',
      context: { callOwnerExtension: '102', callOwnerEmail: 'jane.roe@example.com', callGroupId: '700' },
    });
    expect(records.get(H.queue)?.legs.map((l) => [l.address, l.answeredAt !== undefined])).toEqual([
      ['+12125550101', true],
      ['3CX/102', true],
      ['3CX/101', false],
    ]);
    expect(records.get(H.outbound)).toMatchObject({
      direction: 'outbound',
      from: '3CX/101',
      to: '+12125550199',
      duration: 60,
      context: { callOwnerExtension: '101', callOwnerEmail: 'john.doe@example.com' },
    });
    expect(records.get(H.unmapped)?.context).toEqual({ callOwnerExtension: '105', callOwnerEmail: null });
    const warned = lines.map((line) => JSON.parse(line)).filter((entry) => entry.extension === '105');
    expect(warned[0]).toMatchObject({ level: 40, msg: expect.stringContaining('no e-mail') });
    expect(records.get(H.missedOpen)).toMatchObject({
      status: 'ended',
      endReason: 'canceled',
      queueId: '700',
    });
    expect(records.get(H.missedOpen)?.answeredAt).toBeUndefined();
    // One segment so far: 101 answered at 08:20:02, the segment ended 08:21:00.
    expect(records.get(H.transferred)).toMatchObject({ duration: 58, endedAt: '2026-01-05T08:21:00.000Z' });

    // Pending for their users, in the integration's shape.
    const pending = await server.request('GET', '/api/v1/integrations/3cx/calls/pending-pbx');
    const queueView = pending.body.data.find((p: { pbxCallId: string }) => p.pbxCallId === H.queue);
    expect(queueView).toEqual({
      pbxCallId: H.queue,
      callId: `3cx-${H.queue}`,
      phoneNumber: '+12125550101',
      callDuration: 120,
      callOwnerExtension: '102',
      callOwnerEmail: 'jane.roe@example.com',
      callDirection: 'INBOUND',
      timestamp: '2026-01-05T08:00:05.000Z',
      isPbxOriginated: true,
      pbxDataReceivedAt: '2026-01-05T09:00:00.000Z',
    });
    const janes = await server.request(
      'GET',
      '/api/v1/integrations/3cx/calls/user/jane.roe@example.com/pending-pbx',
    );
    expect(janes.body.data.map((p: { pbxCallId: string }) => p.pbxCallId)).toEqual([H.queue]);

    // The missed call in business hours alerted its group once; the one on Saturday did not.
    const alerts = await server.request('GET', '/api/v1/integrations/3cx/alerts/call-groups?active=true');
    expect(alerts.body.data).toHaveLength(1);
    expect(alerts.body.data[0]).toMatchObject({
      callGroupId: '700',
      callGroupName: 'Support Team',
      alertType: 'MISSED_CALL',
      isActive: true,
      resolvedAt: null,
    });
    expect(alerts.body.data[0].alertMessage).toContain('+12125550107');
    const logOf = async (type: string, after = 0): Promise<DomainEvent[]> =>
      (await server.request('GET', `/api/v1/events?after=${after}&limit=1000`)).body.data.filter(
        (e: DomainEvent) => e.type === type,
      );
    expect((await logOf('threecx.alert.raised')).map((e) => e.data)).toEqual([
      { alert: alerts.body.data[0] },
    ]);
    const mails = await server.request('GET', '/api/v1/notifications?topic=callgroup:700');
    expect(mails.body.data).toMatchObject([
      { channel: 'email', to: 'supervisor@example.com', subject: 'MISSED_CALL: Support Team' },
    ]);

    // The transfer's second segment arrives: the same record, now to the end of the call.
    await db.insert(transferSecond);
    expect((await poll(server)).calls).toBe(1);
    records = await threecxRecords(server);
    expect(records.size).toBe(6);
    expect(records.get(H.transferred)).toMatchObject({
      duration: 178,
      endedAt: '2026-01-05T08:23:00.000Z',
      context: { callOwnerExtension: '101' },
    });
    expect(await logOf('threecx.call.logged')).toHaveLength(6);
    // Live clients hear of a new call as it is logged.
    await db.insert({ ...outbound(H.live), cdr_ended_at: '2026-01-05 08:30:00+00' });
    await poll(server);
    const live = await events.waitFor(
      (e) => e.type === 'threecx.call.logged' && e.callId === `3cx-${H.live}`,
    );
    expect(live.data).toMatchObject({ pbxCall: { pbxCallId: H.live, callDirection: 'OUTBOUND' } });
    events.close();

    // Down for a while; 3CX writes a call meanwhile. The position survives the restart.
    const status = (await server.request('GET', '/api/v1/integrations/3cx/status')).body.data;
    expect(status).toMatchObject({ lastCdrId: expect.any(String), isBusinessHours: false, rejectedCdrs: 0 });
    const lastSeq = (await server.request('GET', '/api/v1/events?after=0&limit=1000')).body.data.at(-1).seq;
    await server.close();
    const [downId] = await db.insert({ ...outbound(H.whileDown), cdr_ended_at: '2026-01-05 08:59:00+00' });

    const again = await startWithThreeCx(db, { dataDir: server.dataDir });
    try {
      await poll(again);
      records = await threecxRecords(again);
      expect(records.size).toBe(8);
      // Answered 08:10:05, ended 08:59:00.
      expect(records.get(H.whileDown)).toMatchObject({ direction: 'outbound', duration: 2935 });
      const since = (await again.request('GET', `/api/v1/events?after=${lastSeq}&limit=1000`)).body.data;
      const newlyLogged = since.filter((e: DomainEvent) => e.type === 'threecx.call.logged');
      expect(newlyLogged.map((e: DomainEvent) => e.callId)).toEqual([`3cx-${H.whileDown}`]);
      expect((await again.request('GET', '/api/v1/integrations/3cx/status')).body.data.lastCdrId).toBe(
        downId,
      );
    } finally {
      await again.close({ removeData: true });
    }
  });
});

describe('a call still going on when polled', () => {
  it('is not taken for a missed call while it may yet be answered; once over and unanswered, it is', async () => {
    const own = await new CdrDatabase().open();
    const server = await startWithThreeCx(own);
    try {
      const history = threecxId();
      const next = threecxId();
      const base = { call_history_id: history, ...CALLER, source_participant_phone_number: '+12125550188' };
      // Friday 09:00 in Anchorage: the queue hands the caller on to 102; that segment is not written yet.
      await own.insert({
        ...base,
        ...QUEUE_700,
        termination_reason: 'continued_in',
        continued_in_cdr_id: next,
        cdr_started_at: '2026-01-02 18:00:00+00',
        cdr_ended_at: '2026-01-02 18:00:20+00',
      });
      await poll(server);
      expect((await server.request('GET', `/api/v1/calls/3cx-${history}`)).body.data).toMatchObject({
        queueId: '700',
        status: 'failed',
      });
      const alerts = async () =>
        (await server.request('GET', '/api/v1/integrations/3cx/alerts/call-groups')).body.data;
      expect(await alerts()).toEqual([]);

      await own.insert({
        ...base,
        cdr_id: next,
        ...toExtension('102'),
        termination_reason: 'src_participant_terminated',
        cdr_started_at: '2026-01-02 18:00:20+00',
        cdr_answered_at: '2026-01-02 18:00:25+00',
        cdr_ended_at: '2026-01-02 18:01:25+00',
      });
      await poll(server);
      expect((await server.request('GET', `/api/v1/calls/3cx-${history}`)).body.data).toMatchObject({
        status: 'ended',
        endReason: 'normal',
        duration: 60,
        context: { callOwnerExtension: '102' },
      });
      expect(await alerts()).toEqual([]);

      // The same again, but 102 never answers and the caller gives up: missed, once it is over.
      const missedHistory = threecxId();
      const agentLeg = threecxId();
      const caller = { ...base, call_history_id: missedHistory };
      await own.insert({
        ...caller,
        ...QUEUE_700,
        termination_reason: 'continued_in',
        continued_in_cdr_id: agentLeg,
        cdr_started_at: '2026-01-02 18:10:00+00',
        cdr_ended_at: '2026-01-02 18:10:20+00',
      });
      await poll(server);
      expect(await alerts()).toEqual([]);
      await own.insert({
        ...caller,
        cdr_id: agentLeg,
        ...toExtension('102'),
        termination_reason: 'src_participant_terminated',
        termination_reason_details: 'terminated_by_originator',
        cdr_started_at: '2026-01-02 18:10:20+00',
        cdr_ended_at: '2026-01-02 18:11:00+00',
      });
      await poll(server);
      expect(await alerts()).toMatchObject([
        { callGroupId: '700', alertType: 'MISSED_CALL', isActive: true },
      ]);
    } finally {
      await server.close({ removeData: true });
      await own.close();
    }
  });
});
