import type { FastifyInstance } from 'fastify';
import { SwitchboardError } from '../core/errors.ts';
import { jsonDepth } from '../core/json-depth.ts';

/**
 * The API speaks JSON only. Fastify's text/plain parser would hand a route a string, which then fails
 * validation as a 400; removing it makes a wrong content type the 415 it is. An empty JSON body is
 * read as no body, because clients often send `Content-Type: application/json` on bodiless POSTs
 * (hangup, answer, ...). A body nested deeper than {@link MAX_JSON_DEPTH} is refused with a 400.
 */
export function acceptJsonOnly(app: FastifyInstance): void {
  app.removeContentTypeParser('text/plain');
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body.length === 0) {
      done(null, undefined);
      return;
    }
    parseJson(request, body.toString(), (error, value) => {
      if (error) done(error, undefined);
      else if (jsonDepth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) done(tooDeep(), undefined);
      else done(null, value);
    });
  });
}

/**
 * Deepest JSON body accepted. Parsing is iterative, but later work on a value (serialising it into an
 * event, validating, logging) recurses, and a body thousands of levels deep would overflow the stack
 * there; no request of this API needs more than a dozen levels (an IVR flow's nodes included).
 */
export const MAX_JSON_DEPTH = 64;

/** Largest request body, in bytes (Fastify's default, stated so it is a decision, not an accident). */
export const MAX_BODY_BYTES = 1024 * 1024;

function tooDeep(): SwitchboardError {
  const problem = `nests deeper than ${MAX_JSON_DEPTH} levels`;
  return new SwitchboardError('VALIDATION_ERROR', `The request body cannot be read: it ${problem}.`, [
    { in: 'body', path: '', problem },
  ]);
}

/**
 * The mock-CTI contract's own examples send JSON without a Content-Type (or as `text/plain`, as a
 * browser's `fetch` with a string body does), and integrations copied them. In the scope this is
 * installed in, a body of any type but `application/json` is read as JSON; one that is not JSON is a
 * 400 VALIDATION_ERROR saying so rather than a 415. Install it in an encapsulated plugin only: the
 * rest of the API keeps insisting on `application/json`.
 */
export function readAnyBodyAsJson(scope: FastifyInstance): void {
  const parseJson = scope.getDefaultJsonParser('error', 'error');
  scope.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    const text = body.toString();
    if (text.trim().length === 0) {
      done(null, undefined);
      return;
    }
    parseJson(request, text, (error, parsed) => {
      if (error) done(notJson(request.headers['content-type']), undefined);
      else if (jsonDepth(parsed, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) done(tooDeep(), undefined);
      else done(null, parsed);
    });
  });
}

function notJson(contentType: string | undefined): SwitchboardError {
  const sent = contentType === undefined ? 'without a Content-Type' : `as ${contentType}`;
  const problem = `not valid JSON (sent ${sent})`;
  return new SwitchboardError(
    'VALIDATION_ERROR',
    `The request body is ${problem}: send a JSON object, preferably with Content-Type: application/json.`,
    [{ in: 'body', path: '', problem }],
  );
}

/**
 * Answers requests that arrive while the server stops with API_UNAVAILABLE in the shared shape
 * (Fastify's own 503 for this has another shape), and closes their connection.
 */
export function refuseWhileClosing(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (_request, reply) => {
    if (!closing) return;
    reply.header('connection', 'close');
    throw new SwitchboardError('API_UNAVAILABLE');
  });
}
