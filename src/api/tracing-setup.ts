import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { enableTracing } from '../core/tracing.ts';

/** A running tracer provider; `shutdown` flushes the spans not yet exported. */
export interface Tracing {
  shutdown(): Promise<void>;
}

/**
 * Registers a tracer provider that hands finished spans to `processor` (an exporter behind a batch
 * processor in production, an in-memory one in tests), with the context manager that carries the
 * active span across awaits. Call before the server is built.
 */
export function startTracing(processor: SpanProcessor, serviceName = 'switchboard'): Tracing {
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [processor],
  });
  trace.setGlobalTracerProvider(provider);
  enableTracing(true);
  return {
    async shutdown() {
      enableTracing(false);
      await provider.shutdown();
      trace.disable();
      context.disable();
    },
  };
}

/**
 * Tracing as the environment asks: with `OTEL_EXPORTER_OTLP_ENDPOINT` (or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) spans go to that collector over OTLP/HTTP, in batches;
 * without, tracing stays off. `OTEL_SERVICE_NAME` names the service (`switchboard`).
 */
export function tracingFromEnv(env: NodeJS.ProcessEnv): Tracing | undefined {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return undefined;
  return startTracing(
    new BatchSpanProcessor(new OTLPTraceExporter()),
    env.OTEL_SERVICE_NAME ?? 'switchboard',
  );
}
