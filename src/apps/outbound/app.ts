import type { SwitchboardApp } from '../app-contract.ts';
import { type OutboundDeps, OutboundService } from './outbound-service.ts';
import { outboundRoutes } from './routes.ts';
import { OUTBOUND_EVENTS, OutboundCallSchema } from './schemas.ts';

/** The outbound calling service as the composition root lists it. */
export function createOutboundApp(
  deps: OutboundDeps,
): SwitchboardApp & { readonly service: OutboundService } {
  const outbound = new OutboundService(deps);
  return {
    name: 'outbound',
    service: outbound,
    start: () => outbound.start(),
    stop: async () => outbound.stop(),
    idle: () => outbound.idle(),
    get busy() {
      return outbound.busy;
    },
    routes: [{ prefix: '/api/v1', plugin: async (app) => app.register(outboundRoutes, { outbound }) }],
    events: OUTBOUND_EVENTS,
    tags: [
      { name: 'outbound', description: 'Outbound calls: now, in bulk, scheduled, retried, within limits.' },
    ],
    health: () => outbound.health(),
    callRecords: { schema: OutboundCallSchema, find: (id) => outbound.find(id) },
  };
}
