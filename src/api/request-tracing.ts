import type { Context, Span } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';
import { runIn, startRequestSpan, tracingEnabled } from '../core/tracing.ts';
import { isApiRequest, requestPath } from './request-path.ts';

declare module 'fastify' {
  interface FastifyRequest {
    traceSpan?: Span;
    traceContext?: Context;
  }
}

/**
 * A server span for every /api/* request, the parent of the engine's and driver's spans: handlers run
 * inside its context. Registered before any route (it wraps each route's handler as it is added);
 * nothing is done while tracing is off.
 */
export function registerRequestTracing(app: FastifyInstance): void {
  if (!tracingEnabled()) return;
  app.addHook('onRoute', (route) => {
    const handler = route.handler;
    route.handler = function traced(request, reply) {
      const ctx = request.traceContext;
      return ctx ? runIn(ctx, () => handler.call(this, request, reply)) : handler.call(this, request, reply);
    };
  });
  app.addHook('onRequest', async (request) => {
    if (!isApiRequest(request)) return;
    const path = requestPath(request);
    const { span, context } = startRequestSpan(`${request.method} ${path}`, {
      'http.request.method': request.method,
      'http.route': path,
    });
    request.traceSpan = span;
    request.traceContext = context;
  });
  app.addHook('onResponse', async (request, reply) => {
    const span = request.traceSpan;
    if (!span) return;
    span.setAttribute('http.response.status_code', reply.statusCode);
    if (reply.statusCode >= 500) span.setStatus({ code: 2 });
    span.end();
  });
}
