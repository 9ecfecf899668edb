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
