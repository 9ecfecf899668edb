import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebhookReceiver } from '../../core/provider-callbacks.ts';

/** Largest callback body taken from a provider (theirs are a few hundred bytes). */
const MAX_CALLBACK_BYTES = 64 * 1024;

/**
 * Marks routes called by a voice provider: they carry no API key (the provider cannot send one) and
 * are authenticated by the driver instead, from the provider's signature or the secret in their URL.
 */
export const PROVIDER_CALLBACK = 'providerCallback';

/** Whether a request is a provider's callback, which the driver verifies instead of the API key check. */
export const isProviderCallback = (request: FastifyRequest): boolean =>
  (request.routeOptions.config as unknown as Record<string, unknown> | undefined)?.[PROVIDER_CALLBACK] ===
  true;

/**
 * GET and POST /api/v1/telephony/<provider>/*: status callbacks and TwiML/flow requests, handed to the
 * driver as they came (form fields or JSON) and answered with what it says. Registered only while a
 * cloud driver runs; hidden from the API document, which is for Switchboard's clients.
 */
export function telephonyCallbackRoutes(receiver: WebhookReceiver) {
  return async (scope: FastifyInstance): Promise<void> => {
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: MAX_CALLBACK_BYTES },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
    );
    const prefix = `/api/v1/telephony/${receiver.provider}`;
    scope.route({
      method: ['GET', 'POST'],
      url: `${prefix}/*`,
      bodyLimit: MAX_CALLBACK_BYTES,
      config: { [PROVIDER_CALLBACK]: true },
      schema: { hide: true },
      handler: async (request, reply) => {
        const url = request.url;
        const path = url.split('?', 1)[0] ?? '';
        const body = request.body;
        const answer = await receiver.handleWebhook({
          method: request.method === 'GET' ? 'GET' : 'POST',
          path: path.slice(prefix.length),
          url,
          query: stringRecord(request.query),
          headers: stringRecord(request.headers),
          body:
            typeof body === 'object' && body !== null && !Array.isArray(body)
              ? (body as Record<string, unknown>)
              : {},
        });
        return reply.code(answer.status).type(answer.contentType).send(answer.body);
      },
    });
  };
}

function stringRecord(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof value !== 'object' || value === null) return out;
  for (const [key, item] of Object.entries(value)) if (typeof item === 'string') out[key] = item;
  return out;
}
