import type { SwitchboardApp } from '../app-contract.ts';
import { type IvrDeps, IvrService } from './ivr-service.ts';
import { ivrRoutes } from './routes.ts';
import { IVR_EVENTS } from './schemas.ts';

/** The IVR as the composition root lists it. */
export function createIvrApp(deps: IvrDeps): SwitchboardApp & { readonly service: IvrService } {
  const ivr = new IvrService(deps);
  return {
    name: 'ivr',
    service: ivr,
    start: async () => {
      await ivr.start();
    },
    // Its reactions run until the engine has ended the live calls: their traces go into the records.
    stop: async () => {},
    afterCallsEnded: () => ivr.stop(),
    idle: () => ivr.idle(),
    get busy() {
      return ivr.busy;
    },
    routes: [{ prefix: '/api/v1', plugin: async (app) => app.register(ivrRoutes, { ivr }) }],
    events: IVR_EVENTS,
    tags: [{ name: 'ivr', description: 'IVR flows, their versions, and the callers in them now.' }],
  };
}
