import type { FastifyInstance } from 'fastify';
import { SwitchboardError } from '../core/errors.ts';

/**
 * The API speaks JSON only. Fastify's text/plain parser would hand a route a string, which then fails
 * validation as a 400; removing it makes a wrong content type the 415 it is. An empty JSON body is
 * read as no body, because clients often send `Content-Type: application/json` on bodiless POSTs
 * (hangup, answer, ...).
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
    parseJson(request, body.toString(), done);
  });
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
