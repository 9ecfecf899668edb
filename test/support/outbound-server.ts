import { afterEach, expect } from 'vitest';
import { connectEvents, type EventClient, startServer, type TestServer } from './server.ts';

/** A server for the outbound tests: agent `alice` (phone `sim/alice`) exists, a Socket.io client listens. */
export interface OutboundRig {
  readonly server: TestServer;
  readonly client: EventClient;
  /** A request that must succeed; answers its `data`. */
  ok(method: string, path: string, body?: unknown): Promise<any>;
}

/** For a test file: starts rigs (with env overrides) and closes each after its test. */
export function outboundRigs(): (env?: Record<string, string>) => Promise<OutboundRig> {
  const open: OutboundRig[] = [];
  afterEach(async () => {
    for (const rig of open.splice(0)) {
      rig.client.close();
      await rig.server.close({ removeData: true });
    }
  });
  return async (env = {}) => {
    const server = await startServer({ env });
    const client = await connectEvents(server.url);
    const ok = async (method: string, path: string, body?: unknown) => {
      const res = await server.request(method, path, body);
      expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
      return res.body.data;
    };
    const rig = { server, client, ok };
    open.push(rig);
    await ok('POST', '/api/v1/agents', { id: 'alice', name: 'Alice', endpoint: 'sim/alice' });
    return rig;
  };
}
