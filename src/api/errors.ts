import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CATALOGUE, type ErrorBody, type ErrorCode, SwitchboardError } from '../core/errors.ts';
import { isCtiRequest } from './request-path.ts';

/** One problem with one field of a request, as listed in VALIDATION_ERROR details. */
export interface FieldProblem {
  readonly in: 'body' | 'query' | 'params' | 'headers';
  /** Dotted path inside that part; empty for the part as a whole. */
  readonly path: string;
  readonly problem: string;
}

/** An error as it goes on the wire; `unexpected` ones are bugs and get logged. */
export interface HttpFailure {
  readonly status: number;
  readonly body: ErrorBody;
  readonly unexpected: boolean;
}

/** Fastify's own request errors (body parsing, limits) and the catalogue code each becomes. */
const FASTIFY_ERROR_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'VALIDATION_ERROR',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VALIDATION_ERROR',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_ERROR',
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
};

/** For other 4xx errors from plugins: the code of their status, so the answer keeps the shared shape. */
const STATUS_CODES: Readonly<Record<number, ErrorCode>> = {
  400: 'VALIDATION_ERROR',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'BODY_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'API_UNAVAILABLE',
};

const PARTS: Readonly<Record<string, FieldProblem['in']>> = {
  body: 'body',
  querystring: 'query',
  params: 'params',
  headers: 'headers',
};

const MAX_PROBLEMS_IN_MESSAGE = 5;

/** Turns anything a request can throw into the catalogue's shape and status. */
export function toHttpFailure(error: unknown): HttpFailure {
  if (error instanceof SwitchboardError) {
    return { status: error.status, body: error.toBody(), unexpected: error.status === 500 };
  }
  if (!isFastifyError(error)) return internal();
  if (Array.isArray(error.validation)) return validationFailure(error);
  const mapped = error.code === undefined ? undefined : FASTIFY_ERROR_CODES[error.code];
  if (mapped === 'VALIDATION_ERROR') {
    return known(mapped, `The request body cannot be read: ${error.message}`, [
      { in: 'body', path: '', problem: error.message },
    ]);
  }
  if (mapped) return known(mapped);
  const status = error.statusCode ?? 500;
  const byStatus = status < 500 || status === 503 ? STATUS_CODES[status] : undefined;
  if (status >= 400 && status < 500) return known(byStatus ?? 'VALIDATION_ERROR', error.message);
  return byStatus ? known(byStatus) : internal();
}

/** Installs the one error handler and the not-found handler; both answer in the shared shape. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const failure = toHttpFailure(error);
    if (failure.unexpected) request.log.error({ err: error }, 'request failed unexpectedly');
    return send(request, reply, failure);
  });
  app.setNotFoundHandler((request, reply) =>
    send(request, reply, known('NOT_FOUND', `No route ${request.method} ${request.url.split('?', 1)[0]}.`)),
  );
}

function send(request: FastifyRequest, reply: FastifyReply, failure: HttpFailure): FastifyReply {
  reply.code(failure.status);
  if (failure.status === 401) reply.header('www-authenticate', 'Bearer');
  if (!isCtiRequest(request)) return reply.send({ success: false, error: failure.body });
  // The mock-CTI contract answers an unknown call with `{ error }` alone; integrations match on it.
  if (failure.body.code === 'CALL_NOT_FOUND') return reply.send({ error: failure.body.message });
  return reply.send({ error: failure.body.message, code: failure.body.code });
}

function known(code: ErrorCode, message?: string, details?: unknown): HttpFailure {
  const body: ErrorBody = {
    code,
    message: message ?? ERROR_CATALOGUE[code].message,
    ...(details === undefined ? {} : { details }),
  };
  return { status: ERROR_CATALOGUE[code].status, body, unexpected: false };
}

function internal(): HttpFailure {
  return { ...known('INTERNAL_ERROR'), unexpected: true };
}

function validationFailure(error: FastifyError): HttpFailure {
  const part = PARTS[error.validationContext ?? 'body'] ?? 'body';
  const problems = (error.validation ?? []).flatMap((issue): FieldProblem[] => {
    const path = issue.instancePath.split('/').filter(Boolean).join('.');
    const keys = (issue.params as { keys?: unknown } | undefined)?.keys;
    if (issue.keyword === 'unrecognized_keys' && Array.isArray(keys)) {
      return keys.map((key) => ({
        in: part,
        path: path ? `${path}.${key}` : String(key),
        problem: 'unknown field',
      }));
    }
    return [{ in: part, path, problem: describeProblem(issue.keyword, path, issue.message ?? 'invalid') }];
  });
  const listed = problems
    .slice(0, MAX_PROBLEMS_IN_MESSAGE)
    .map((p) => `${p.in}${p.path ? `.${p.path}` : ''}: ${p.problem}`);
  const more =
    problems.length > MAX_PROBLEMS_IN_MESSAGE ? ` (and ${problems.length - listed.length} more)` : '';
  return known('VALIDATION_ERROR', `The request is malformed: ${listed.join('; ')}${more}.`, problems);
}

/** Zod says "expected string, received undefined" for a missing field; people read "required" faster. */
function describeProblem(keyword: string, path: string, message: string): string {
  if (keyword !== 'invalid_type') return message;
  if (path === '' && /received (null|undefined)$/.test(message)) return 'required: send a JSON object';
  return message.endsWith('received undefined') ? 'required' : message;
}

function isFastifyError(error: unknown): error is FastifyError {
  return error instanceof Error;
}
