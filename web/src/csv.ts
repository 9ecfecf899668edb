import type { Call } from './live-store.ts';

const CSV_COLUMNS = [
  'id',
  'direction',
  'from',
  'to',
  'status',
  'agentId',
  'queueId',
  'startedAt',
  'answeredAt',
  'endedAt',
  'duration',
  'endReason',
] as const;

/** Call records as CSV (RFC 4180 quoting), built in the browser from the rows shown. */
export function callsCsv(calls: readonly Call[]): string {
  const quote = (value: unknown) => {
    const text = value === undefined || value === null ? '' : String(value);
    return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  const rows = calls.map((call) => CSV_COLUMNS.map((column) => quote(call[column])).join(','));
  return `${[CSV_COLUMNS.join(','), ...rows].join('\r\n')}\r\n`;
}
