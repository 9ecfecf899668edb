import type { SwitchboardApp } from '../../apps/app-contract.ts';
import { V20CdrSource } from './cdr-v20.ts';
import { threecxRoutes } from './routes.ts';
import { THREECX_EVENTS } from './schemas.ts';
import { type ThreeCxDeps, ThreeCxService } from './threecx-service.ts';

/** The 3CX connector as the composition root lists it; its CDR source is 3CX v20's database unless given. */
export function createThreeCxApp(
  deps: Omit<ThreeCxDeps, 'source'> & { readonly source?: ThreeCxDeps['source'] },
): SwitchboardApp & { readonly service: ThreeCxService } {
  const source =
    deps.source ??
    new V20CdrSource({
      url: deps.config.threecx.database.url,
      table: deps.config.threecx.database.table,
      country: deps.defaultCountry,
    });
  const threecx = new ThreeCxService({ ...deps, source });
  return {
    name: 'threecx',
    service: threecx,
    start: () => threecx.start(),
    stop: () => threecx.stop(),
    idle: () => threecx.idle(),
    get busy() {
      return threecx.busy;
    },
    routes: [
      {
        prefix: '/api/v1',
        plugin: async (app) => app.register(threecxRoutes, { threecx, country: deps.defaultCountry }),
      },
    ],
    events: THREECX_EVENTS,
    tags: [
      {
        name: '3cx',
        description: '3CX: PBX calls logged for their users, call-group alerts, the CDR import.',
      },
    ],
    health: () => threecx.health(),
  };
}
