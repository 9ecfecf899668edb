import { describe, expect, it } from 'vitest';
import { readLine, splitCsv } from '../../src/connectors/3cx/active-socket-line.ts';
import type { SocketField } from '../../src/connectors/3cx/config.ts';

const FIELDS: SocketField[] = [
  'historyid',
  'time-start',
  'time-answered',
  'time-end',
  'reason-terminated',
  'from-no',
  'to-no',
  'from-dn',
  'final-dn',
  'from-type',
  'to-type',
  'final-type',
];

describe('an Active Socket line', () => {
  it('splits on commas outside quotes, with doubled quotes inside', () => {
    expect(splitCsv('a,"b, ""c""",,d')).toEqual(['a', 'b, "c"', '', 'd']);
    expect(splitCsv('"open,x')).toBeUndefined();
  });

  it('reads times in the configured zone, in the configured field order', () => {
    const read = readLine(
      'h1,2026/07/01 10:00:00,2026/07/01 10:00:04,2026/07/01 10:02:04,TerminatedBySrc,030 1234567,700,,101,Line,Queue,Extension',
      FIELDS,
      'Europe/Berlin',
      'DE',
    );
    expect(read).toEqual({
      kind: 'call',
      call: {
        pbxCallId: 'h1',
        direction: 'INBOUND',
        phoneNumber: '+49301234567',
        ownerExtension: '101',
        startedAt: '2026-07-01T08:00:00.000Z',
        answeredAt: '2026-07-01T08:00:04.000Z',
        endedAt: '2026-07-01T08:02:04.000Z',
        endReason: 'normal',
        rungExtensions: ['101'],
      },
    });
  });

  it('reads an outbound call, skips one between extensions, and says why a line is malformed', () => {
    const outbound = readLine(
      'h2,2026-01-05 09:00:00,,2026-01-05 09:00:30,TerminatedBySrc,,+12125550199,101,,Extension,Line,Line',
      FIELDS,
      'UTC',
      'US',
    );
    expect(outbound).toMatchObject({
      kind: 'call',
      call: {
        direction: 'OUTBOUND',
        phoneNumber: '+12125550199',
        ownerExtension: '101',
        endReason: 'canceled',
      },
    });
    const internal = readLine(
      'h3,2026-01-05 09:00:00,,2026-01-05 09:00:30,,,102,101,,Extension,Extension,Extension',
      FIELDS,
      'UTC',
      'US',
    );
    expect(internal).toEqual({ kind: 'internal' });
    expect(readLine('h4,x', FIELDS, 'UTC', 'US')).toEqual({
      kind: 'malformed',
      reason: '2 fields where 12 are configured',
    });
    expect(readLine(',2026-01-05 09:00:00,,2026-01-05 09:00:30,,,,,,,,', FIELDS, 'UTC', 'US')).toMatchObject({
      kind: 'malformed',
      reason: 'no historyid or callid',
    });
    expect(readLine('h5,yesterday,,2026-01-05 09:00:30,,,,,,,,', FIELDS, 'UTC', 'US')).toMatchObject({
      kind: 'malformed',
    });
  });
});
