import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracing, type Tracing } from '../../src/api/tracing-setup.ts';
import { CALL_ID_ATTRIBUTE } from '../../src/core/tracing.ts';
import { startServer, type TestServer } from '../support/server.ts';

const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let server: TestServer;

beforeAll(async () => {
  tracing = startTracing(new SimpleSpanProcessor(exporter));
  server = await startServer();
});
afterAll(async () => {
  await server.close({ removeData: true });
  await tracing.shutdown();
});

describe('tracing', () => {
  it('traces one click-to-dial from the HTTP request through the engine and the driver to its events', async () => {
    exporter.reset();
    const res = await server.request('POST', '/api/cti/call', { from: 'dispatcher-001', to: '+12125550101' });
    expect(res.status).toBe(200);
    const { callId } = res.body;
    await server.advance(0);

    const spans = exporter.getFinishedSpans();
    const named = (name: string) => spans.filter((s) => s.name === name);
    const [request] = named('POST /api/cti/call');
    expect(request).toBeDefined();
    expect(request?.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/api/cti/call',
      'http.response.status_code': 200,
      [CALL_ID_ATTRIBUTE]: callId,
    });
    const traceId = request?.spanContext().traceId;
    const inTrace = spans.filter((s) => s.spanContext().traceId === traceId);
    const parentOf = (span: (typeof spans)[number]) => span.parentSpanContext?.spanId;

    const [engine] = inTrace.filter((s) => s.name === 'engine.originate');
    expect(parentOf(engine!)).toBe(request?.spanContext().spanId);
    const driver = inTrace.filter((s) => s.name === 'driver.originate');
    expect(driver.length).toBeGreaterThan(0);
    for (const d of driver) expect(parentOf(d)).toBe(engine?.spanContext().spanId);
    const ringing = inTrace.find((s) => s.name === 'event call.ringing');
    expect(ringing && parentOf(ringing)).toBe(engine?.spanContext().spanId);

    // Every span of the trace names the call.
    expect(inTrace.length).toBeGreaterThanOrEqual(4);
    for (const span of inTrace) expect(span.attributes[CALL_ID_ATTRIBUTE], span.name).toBe(callId);
  });

  it('serves the latency histograms', async () => {
    await server.advance(5_000); // the driver answers after 3 s
    const res = await fetch(`${server.url}/api/v1/metrics`);
    const text = await res.text();
    expect(text).toMatch(/switchboard_call_setup_seconds_count\{direction="outbound"\} [1-9]/);
    expect(text).toMatch(
      /switchboard_driver_command_seconds_count\{command="originate",outcome="ok"\} [1-9]/,
    );
    expect(text).toContain('# TYPE switchboard_webhook_delivery_seconds histogram');
    expect(text).toContain('# TYPE switchboard_queue_wait_seconds histogram');
  });
});
