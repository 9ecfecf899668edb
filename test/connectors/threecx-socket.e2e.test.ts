import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SOCKET_FIELDS, type SocketField } from '../../src/connectors/3cx/config.ts';
import type { CallSnapshot } from '../../src/core/call.ts';
import { CdrDatabase, threecxId } from '../support/cdroutput.ts';
import { connectEvents } from '../support/server.ts';
import { startWithThreeCx } from '../support/threecx.ts';

/** A real TCP client, as 3CX's CDR service in Active Socket mode, pushing lines to the connector. */

const db = new CdrDatabase();
beforeAll(async () => {
  await db.open();
});
afterAll(async () => {
  await db.close();
});

/** An Active Socket line in 3CX's default field order; fields not given are empty. */
function line(fields: Partial<Record<SocketField, string>>): string {
  return DEFAULT_SOCKET_FIELDS.map((name) => {
    const value = fields[name] ?? '';
    return /[",]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
  }).join(',');
}

const inbound = (historyid: string, answeredBy: string) =>
  line({
    historyid,
    callid: `${historyid}-c`,
    duration: '00:01:30',
    'time-start': '2026/01/05 07:30:00',
    'time-answered': '2026/01/05 07:30:10',
    'time-end': '2026/01/05 07:31:40',
    'reason-terminated': 'TerminatedBySrc',
    'from-no': '+442079460000',
    'to-no': '700',
    'from-dn': '10000',
    'to-dn': '700',
    'final-number': answeredBy,
    'final-dn': answeredBy,
    chain: `Chain: 10000;700;Ext.${answeredBy}`,
    'from-type': 'Line',
    'to-type': 'Queue',
    'final-type': 'Extension',
    'from-dispname': 'Acme, "Ltd"',
    'to-dispname': 'Support Team',
    'final-dispname': 'Jane Roe',
    'missed-queue-calls': 'Ext.101',
  });

function write(socket: Socket, text: string): Promise<void> {
  return new Promise((resolve, reject) => socket.write(text, (err) => (err ? reject(err) : resolve())));
}

describe('Active Socket', () => {
  it('records good lines, counts malformed ones without dropping the connection, and dedups with the poll', async () => {
    const polled = threecxId();
    await db.insert({
      call_history_id: polled,
      source_entity_type: 'extension',
      source_dn_number: '101',
      destination_entity_type: 'external_line',
      destination_participant_phone_number: '+12125550199',
      cdr_started_at: '2026-01-05 08:10:00+00',
      cdr_answered_at: '2026-01-05 08:10:05+00',
      cdr_ended_at: '2026-01-05 08:11:05+00',
    });
    const server = await startWithThreeCx(db);
    try {
      const events = await connectEvents(server.url);
      await server.request('POST', '/api/v1/integrations/3cx/trigger/poll');
      const health = (await server.request('GET', '/api/v1/integrations/3cx/health')).body.data;
      expect(health.activeSocket).toMatchObject({ listening: true, connections: 0, malformedLines: 0 });

      const pbx = connect(health.activeSocket.port, '127.0.0.1');
      await new Promise<void>((resolve) => pbx.once('connect', () => resolve()));
      const first = threecxId();
      const last = threecxId();
      await write(pbx, `${inbound(first, '102')}\r\n`);
      await write(pbx, 'only,three,fields\r\n');
      // One line in two packets, then a line whose quote never closes.
      const again = inbound(first, '102');
      await write(pbx, again.slice(0, 40));
      await write(pbx, `${again.slice(40)}\r\n"unterminated,${'x,'.repeat(26)}\n`);
      // The polled call reported again over the socket, as 3CX does with both outputs on.
      await write(
        pbx,
        `${line({ historyid: polled, 'time-start': '2026/01/05 08:10:00', 'time-answered': '2026/01/05 08:10:05', 'time-end': '2026/01/05 08:11:05', 'from-type': 'Extension', 'from-dn': '101', 'to-type': 'Line', 'to-no': '+12125550000' })}\n`,
      );
      await write(pbx, `${inbound(last, '105')}\n`);
      await events.waitFor((e) => e.type === 'threecx.call.logged' && e.callId === `3cx-${last}`);

      const calls = (await server.request('GET', '/api/v1/calls?source=3cx')).body.data
        .items as CallSnapshot[];
      expect(calls.map((c) => c.externalId).sort()).toEqual([polled, first, last].sort());
      const record = calls.find((c) => c.externalId === first);
      expect(record).toMatchObject({
        direction: 'inbound',
        from: '+442079460000',
        to: '3CX/102',
        startedAt: '2026-01-05T07:30:00.000Z',
        answeredAt: '2026-01-05T07:30:10.000Z',
        duration: 90,
        queueId: '700',
        context: {
          callOwnerExtension: '102',
          callOwnerEmail: 'jane.roe@example.com',
          callGroupName: 'Support Team',
        },
      });
      expect(record?.legs.map((l) => l.address)).toEqual(['+442079460000', '3CX/102', '3CX/101']);
      expect(calls.find((c) => c.externalId === last)?.context).toMatchObject({ callOwnerEmail: null });
      // The line about the polled call (with another number) left the database's record as it was.
      expect(calls.find((c) => c.externalId === polled)?.to).toBe('+12125550199');
      const logged = (await server.request('GET', '/api/v1/events?after=0&limit=1000')).body.data.filter(
        (e: { type: string }) => e.type === 'threecx.call.logged',
      );
      expect(logged).toHaveLength(3);

      const after = (await server.request('GET', '/api/v1/integrations/3cx/health')).body.data;
      expect(after.activeSocket).toMatchObject({ connections: 1, malformedLines: 2 });
      expect((await server.request('GET', '/api/v1/integrations/3cx/status')).body.data.rejectedCdrs).toBe(2);
      expect(pbx.destroyed).toBe(false);
      pbx.destroy();
      events.close();
    } finally {
      await server.close({ removeData: true });
    }
  });
});
