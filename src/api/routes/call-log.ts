import { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { addressInput, envelope, isoTimeInput, ok, v1Errors } from '../../apps/http-kit/schemas.ts';
import { CALL_STATUSES, END_REASONS } from '../../core/call.ts';
import type { CallControl } from '../../engine/types.ts';
import type { CallRecordFilter } from '../../store/types.ts';
import { CSV_COLUMNS, callsCsv } from '../call-csv.ts';
import { CallPageSchema } from '../schemas/call.ts';

/** A comma-separated list of members of `values`. */
function listOf<T extends string>(values: readonly [T, ...T[]], what: string) {
  return z
    .string()
    .transform((value) => value.split(',').map((part) => part.trim()))
    .pipe(z.array(z.enum(values)))
    .describe(`Comma-separated ${what}, any of: ${values.join(', ')}.`);
}

const seconds = (description: string) => z.coerce.number().int().min(0).max(10_000_000).describe(description);
const name = (description: string) => z.string().min(1).max(128).describe(description);

/** The selection both the list and the export take. */
const selection = {
  status: listOf(CALL_STATUSES, 'statuses').optional(),
  endReason: listOf(END_REASONS, 'end reasons').optional(),
  direction: z.enum(['inbound', 'outbound']).optional().describe('inbound or outbound.'),
  agentId: name('Calls this agent took.').optional(),
  queueId: name('Calls that went through this queue.').optional(),
  number: addressInput(
    'Calls where any party (from, to, a leg, a transfer target) is exactly this.',
  ).optional(),
  minDuration: seconds('Talk of at least this many seconds (a call never answered has 0).').optional(),
  maxDuration: seconds('Talk of at most this many seconds.').optional(),
  source: name('switchboard for its own calls, or an import (3cx).').optional(),
  since: isoTimeInput('Calls started at or after this instant.').optional(),
  until: isoTimeInput('Calls started before this instant.').optional(),
};

const ListQuery = z.strictObject({
  ...selection,
  cursor: z.string().min(1).max(512).optional().describe('`nextCursor` of the previous page.'),
  limit: z.coerce.number().int().min(1).max(500).default(50).describe('Page size, 1..500.'),
});

const ExportQuery = z.strictObject({
  ...selection,
  timezone: z
    .string()
    .min(1)
    .max(64)
    .refine((zone) => DateTime.local().setZone(zone).isValid, 'is not an IANA time zone (Europe/Paris)')
    .optional()
    .describe('IANA time zone of the times (with their offset); UTC when absent.'),
});

/** The query as the store's filter: undefined fields left out. */
function filterOf(query: Record<string, unknown>): Omit<CallRecordFilter, 'limit'> {
  return Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined)) as Omit<
    CallRecordFilter,
    'limit'
  >;
}

/** GET /api/v1/calls and /calls/export: the call log, filtered, as pages or as one CSV stream. */
export const callLogRoutes: FastifyPluginAsyncZod<{ calls: CallControl }> = async (app, { calls }) => {
  app.get(
    '/calls',
    {
      schema: {
        summary: 'List call records, newest first',
        tags: ['calls'],
        operationId: 'listCalls',
        querystring: ListQuery,
        response: { 200: envelope(CallPageSchema), ...v1Errors },
      },
    },
    async (request) => ok(await calls.list({ ...filterOf(request.query), limit: request.query.limit })),
  );

  app.get(
    '/calls/export',
    {
      schema: {
        summary: 'The same selection as CSV, streamed',
        description:
          `Columns, always in this order: ${CSV_COLUMNS.join(', ')}. RFC 4180 (CRLF lines, quoted fields ` +
          'where needed), ISO-8601 times (UTC, or in `timezone` with its offset), newest first.',
        tags: ['calls'],
        operationId: 'exportCalls',
        querystring: ExportQuery,
        response: {
          200: { description: 'The records as CSV.', content: { 'text/csv': { schema: z.string() } } },
          ...v1Errors,
        },
      },
    },
    async (request, reply) => {
      const { timezone, ...query } = request.query;
      reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="calls.csv"');
      const lines = callsCsv((filter) => calls.list(filter), filterOf(query), timezone);
      // A stream goes out as it is, never through the serializer the schema's type speaks of.
      return reply.send(Readable.from(lines) as unknown as string);
    },
  );
};
