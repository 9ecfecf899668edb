import {
  type Attributes,
  type Context,
  context,
  createContextKey,
  INVALID_SPAN_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';

/**
 * OpenTelemetry spans for the path of a command: HTTP request → engine command → driver call → the
 * events it publishes, each with the call id (`switchboard.call_id`). Only the API is used here: with
 * no tracer provider registered (no exporter configured) every span is a no-op that costs next to
 * nothing, so the hot path pays for tracing only when an operator turns it on.
 */
export const CALL_ID_ATTRIBUTE = 'switchboard.call_id';

const CALL_ID = createContextKey('switchboard.call_id');
/** The request's span, so that an engine command can name its call on it once the call exists. */
const ROOT_SPAN = createContextKey('switchboard.root_span');

const tracer = () => trace.getTracer('switchboard');

let enabled = false;

/**
 * Turns spans on (a tracer provider was registered: see api/tracing-setup.ts). Off, the helpers here
 * run the work directly, without even a no-op span.
 */
export function enableTracing(on: boolean): void {
  enabled = on;
}

export function tracingEnabled(): boolean {
  return enabled;
}

const NO_SPAN = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * Runs `work` inside a span named `name`, a child of the active one; the span ends when the work
 * settles and records a failure as an error. With `callId`, the span and the context carry it.
 */
export function inSpan<T>(
  name: string,
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
  callId?: string,
): Promise<T> {
  if (!enabled) return work(NO_SPAN);
  const known = callId ?? activeCallId();
  const span = tracer().startSpan(name, {
    attributes: known === undefined ? attributes : { ...attributes, [CALL_ID_ATTRIBUTE]: known },
  });
  let ctx = trace.setSpan(context.active(), span);
  if (callId !== undefined) {
    ctx = ctx.setValue(CALL_ID, callId);
    (ctx.getValue(ROOT_SPAN) as Span | undefined)?.setAttribute(CALL_ID_ATTRIBUTE, callId);
  }
  return context.with(ctx, async () => {
    try {
      return await work(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * Starts a span for work that ends later (an event until it is committed); answers the function that
 * ends it, or undefined while tracing is off.
 */
export function startSpan(name: string, callId: string | undefined): ((error?: unknown) => void) | undefined {
  if (!enabled) return undefined;
  const id = callId ?? activeCallId();
  const span = tracer().startSpan(name, { attributes: id === undefined ? {} : { [CALL_ID_ATTRIBUTE]: id } });
  return (error) => {
    if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
    span.end();
  };
}

/** Starts a server span for an incoming request; the caller ends it. */
export function startRequestSpan(name: string, attributes: Attributes): { span: Span; context: Context } {
  const span = tracer().startSpan(name, { kind: SpanKind.SERVER, attributes });
  const ctx = trace.setSpan(context.active(), span).setValue(ROOT_SPAN, span);
  return { span, context: ctx };
}

/** Runs `work` in `ctx` (the request's, so that what it starts is the request span's child). */
export function runIn<T>(ctx: Context, work: () => T): T {
  return context.with(ctx, work);
}

/**
 * Names the call that the current work is about: on the active span, on the request's span, and on
 * everything started from here on in this context.
 */
export function withCallId<T>(callId: string, work: () => T): T {
  const active = context.active();
  trace.getSpan(active)?.setAttribute(CALL_ID_ATTRIBUTE, callId);
  (active.getValue(ROOT_SPAN) as Span | undefined)?.setAttribute(CALL_ID_ATTRIBUTE, callId);
  return context.with(active.setValue(CALL_ID, callId), work);
}

/** The call id the current work is about, if one was named. */
export function activeCallId(): string | undefined {
  return context.active().getValue(CALL_ID) as string | undefined;
}
