import type { SwitchboardApp } from '../app-contract.ts';
import { type AcdDeps, AcdService } from './acd-service.ts';
import { type AcdRouteOptions, acdRoutes } from './routes.ts';
import { ACD_EVENTS } from './schemas.ts';

/** The ACD (agents, queues, inbound routing, distribution) as the composition root lists it. */
export function createAcdApp(
  deps: AcdDeps & AcdRouteOptions,
): SwitchboardApp & { readonly service: AcdService } {
  const acd = new AcdService(deps);
  return {
    name: 'acd',
    service: acd,
    start: () => acd.start(),
    stop: async () => acd.stop(),
    idle: () => acd.idle(),
    get busy() {
      return acd.busy;
    },
    routes: [{ prefix: '/api/v1', plugin: acdRoutes(acd, deps) }],
    events: ACD_EVENTS,
    tags: [
      { name: 'agents', description: 'Agents: profiles, live state, log-in and pause, state history.' },
      { name: 'queues', description: 'Queues: configuration, callers waiting, statistics.' },
      { name: 'routing', description: 'The inbound routing table: dialled number to destination.' },
    ],
    health: () => acd.distributionFigures(),
  };
}
