import { z } from 'zod';
import { ERROR_CATALOGUE, type ErrorCode, isSwitchboardError, SwitchboardError } from '../../core/errors.ts';
import { jsonDepth } from '../../core/json-depth.ts';

/** Every code of the catalogue, so that the OpenAPI document lists each one a client may meet. */
const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as [ErrorCode, ...ErrorCode[]];

const codeTable = ERROR_CODES.map(
  (code) => `- \`${code}\` (${ERROR_CATALOGUE[code].status}): ${ERROR_CATALOGUE[code].message}`,
);

/** The machine code of an error; integrations branch on it, so codes are never renamed or reused. */
export const ErrorCodeSchema = z
  .enum(ERROR_CODES)
  .meta({ id: 'ErrorCode', description: `Stable machine code of an error:\n${codeTable.join('\n')}` });

/** The failure envelope of /api/v1 (and of every other answer that is not mock-CTI). */
export const ErrorEnvelopeSchema = z
  .object({
    success: z.literal(false),
    error: z.object({
      code: ErrorCodeSchema,
      message: z.string().describe('What went wrong and what to do about it, for people.'),
      details: z
        .unknown()
        .optional()
        .describe('Machine-readable specifics; for VALIDATION_ERROR a list of fields.'),
    }),
  })
  .meta({
    id: 'ErrorEnvelope',
    description: 'A failed request. A 4xx is a problem with the request; a 5xx is a bug.',
  });

/** The mock-CTI failure shape: bare, as existing integrations read it (`code` absent for an unknown call). */
export const CtiErrorSchema = z
  .object({ error: z.string(), code: ErrorCodeSchema.optional() })
  .meta({ id: 'CtiError', description: 'A failed mock-CTI request.' });

/** A response with its description, in the per-content-type form that both Fastify and the docs read. */
const described = <T extends z.ZodType>(description: string, schema: T) =>
  ({ description, content: { 'application/json': { schema } } }) as const;

const CLIENT_ERROR = 'The request cannot be served; `code` says why and the message what to do.';
const SERVER_ERROR = 'A bug in Switchboard (or 503 while it starts or stops); please report 500s.';

/** Error responses of every /api/v1 route, by status class. */
export const v1Errors = {
  '4xx': described(CLIENT_ERROR, ErrorEnvelopeSchema),
  '5xx': described(SERVER_ERROR, ErrorEnvelopeSchema),
} as const;

/** Error responses of every /api/cti route, by status class. */
export const ctiErrors = {
  '4xx': described(CLIENT_ERROR, CtiErrorSchema),
  '5xx': described(SERVER_ERROR, CtiErrorSchema),
} as const;

/** True when both types have exactly the same keys, so a field added to the core type fails here. */
export type SameKeys<A, B> = [keyof A] extends [keyof B]
  ? [keyof B] extends [keyof A]
    ? true
    : false
  : false;

/** The success envelope of /api/v1 around `data`. */
export function envelope<T extends z.ZodType>(data: T, description = 'Success.') {
  return z.object({ success: z.literal(true), data }).describe(description);
}

/** Wraps a result in the success envelope. */
export function ok<T>(data: T): { success: true; data: T } {
  return { success: true, data };
}

/** An ISO-8601 instant in an answer; only documented, since the engine writes them with toISOString. */
export const isoTime = (description: string) => z.string().meta({ format: 'date-time', description });

/** An ISO-8601 instant in a request, with `Z` or an offset. */
export const isoTimeInput = (description: string) => z.iso.datetime({ offset: true }).describe(description);

/** A phone number (E.164 or national) or a driver endpoint; the engine reads and checks it. */
export const addressInput = (description: string) => z.string().min(1).max(128).describe(description);

/** Id of a call or channel in a path or body. */
export const idInput = (description: string) => z.string().min(1).max(128).describe(description);

/** DTMF digits a phone can send. */
export const dtmfDigits = z
  .string()
  .regex(/^[0-9*#A-D]{1,32}$/, 'use 1 to 32 of 0-9, *, #, A-D')
  .describe('1 to 32 DTMF digits: 0-9, *, #, A-D.');

/**
 * How deep a call's `context` may nest (the object itself is level 1). Integrations attach ids and a
 * few labelled values; deeper data belongs in their own system, referenced by an id.
 */
export const MAX_CONTEXT_DEPTH = 8;
/**
 * Largest `context`, as JSON bytes. It is copied into the snapshot of every event and record write of
 * its call (a dozen or more per call), so 16 KiB already costs some 200 KiB of log per call; ticket
 * ids, names and a few flags take well under 1 KiB.
 */
export const MAX_CONTEXT_BYTES = 16 * 1024;

/** Free-form data the caller attaches to a call and gets back in every snapshot and event. */
export const contextInput = z
  .record(z.string(), z.unknown())
  .superRefine((context, ctx) => {
    const problem = contextProblem(context);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe(
    `Free-form data kept with the call (for example a CRM ticket id): at most ${MAX_CONTEXT_DEPTH} levels deep and ${MAX_CONTEXT_BYTES / 1024} KiB as JSON.`,
  );

/** What breaks the context limits, or undefined; depth first, so the size is measured only when safe. */
function contextProblem(context: Record<string, unknown>): string | undefined {
  if (jsonDepth(context, MAX_CONTEXT_DEPTH) > MAX_CONTEXT_DEPTH) {
    return `nests deeper than ${MAX_CONTEXT_DEPTH} levels; keep context flat and reference bulky data by id`;
  }
  const bytes = Buffer.byteLength(JSON.stringify(context));
  if (bytes > MAX_CONTEXT_BYTES) {
    return `is ${bytes} bytes as JSON, more than the ${MAX_CONTEXT_BYTES} allowed; reference bulky data by id`;
  }
  return undefined;
}

/**
 * A PUT names its resource in the path; an `id` in the body may repeat it but not contradict it,
 * since a silent rename (or a write to another resource) is never what the caller meant.
 */
export function checkBodyId(sent: string | undefined, fromPath: string): void {
  if (sent === undefined || sent === fromPath) return;
  const problem = `is "${sent}" but the path names "${fromPath}"; leave it out or make them match`;
  throw new SwitchboardError('VALIDATION_ERROR', `The request is malformed: body.id: ${problem}.`, [
    { in: 'body', path: 'id', problem },
  ]);
}

/** Whether a lookup that answers 404 for an unknown id finds something; other failures propagate. */
export function exists(lookup: () => unknown): boolean {
  try {
    lookup();
    return true;
  } catch (error) {
    if (isSwitchboardError(error) && error.status === 404) return false;
    throw error;
  }
}
