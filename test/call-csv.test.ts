import { describe, expect, it } from 'vitest';
import { callsCsv, csvField } from '../src/api/call-csv.ts';
import type { CallSnapshot } from '../src/core/call.ts';
import type { CallRecordFilter, Page } from '../src/store/types.ts';
import { makeCall } from './support/call-fixtures.ts';

async function text(lines: AsyncIterable<string>): Promise<string> {
  let all = '';
  for await (const chunk of lines) all += chunk;
  return all;
}

describe('the call log as CSV', () => {
  it('quotes a field only when RFC 4180 needs it', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\r\nlines')).toBe('"two\r\nlines"');
  });

  it('writes times with the offset the zone had at that instant, daylight saving and half hours too', async () => {
    const calls = [
      makeCall('summer', {
        startedAt: '2026-07-01T12:00:00.000Z',
        answeredAt: undefined,
        duration: undefined,
      }),
      makeCall('winter', {
        startedAt: '2026-01-01T12:00:00.000Z',
        answeredAt: undefined,
        duration: undefined,
      }),
    ];
    const list = async (): Promise<Page<CallSnapshot>> => ({ items: calls });
    const started = async (zone: string) => {
      const csv = await text(callsCsv(list, {}, zone));
      return csv
        .trim()
        .split('\r\n')
        .slice(1)
        .map((line: string) => line.split(',')[10]);
    };
    expect(await started('America/New_York')).toEqual([
      '2026-07-01T08:00:00.000-04:00',
      '2026-01-01T07:00:00.000-05:00',
    ]);
    expect(await started('Asia/Kolkata')).toEqual([
      '2026-07-01T17:30:00.000+05:30',
      '2026-01-01T17:30:00.000+05:30',
    ]);
    expect(await started('America/St_Johns')).toEqual([
      '2026-07-01T09:30:00.000-02:30',
      '2026-01-01T08:30:00.000-03:30',
    ]);
  });

  it('reads the store page by page through the cursor, never all at once', async () => {
    const pages: (string | undefined)[] = [];
    const list = async (filter: CallRecordFilter): Promise<Page<CallSnapshot>> => {
      pages.push(filter.cursor);
      expect(filter.limit).toBeLessThanOrEqual(500);
      const n = pages.length;
      return { items: [makeCall(`c${n}`)], ...(n < 3 && { nextCursor: `after-${n}` }) };
    };
    const lines = (await text(callsCsv(list, { source: '3cx' }))).trim().split('\r\n');
    expect(lines.map((l) => l.split(',')[0])).toEqual(['id', 'c1', 'c2', 'c3']);
    expect(pages).toEqual([undefined, 'after-1', 'after-2']);
  });
});
