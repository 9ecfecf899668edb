import type { FastifyRequest } from 'fastify';

/**
 * The path a request is about: the pattern of the route it matched, or for an unmatched request the
 * path of its URL. Decisions such as "is this /api/*" use the pattern because the router decodes the
 * URL before matching, and a check on the raw URL could be dodged with percent-encoding.
 */
export function requestPath(request: FastifyRequest): string {
  const pattern = request.routeOptions.url;
  if (pattern !== undefined && pattern !== '*' && pattern !== '/*') return pattern;
  const raw = request.url.split('?', 1)[0] ?? '/';
  try {
    return decodeURI(raw);
  } catch {
    return raw;
  }
}

/** Mock-CTI requests answer in that contract's bare shapes. */
export const isCtiRequest = (request: FastifyRequest): boolean =>
  requestPath(request).startsWith('/api/cti/');

/** Everything under /api/ needs a key when keys are configured. */
export const isApiRequest = (request: FastifyRequest): boolean => requestPath(request).startsWith('/api/');
