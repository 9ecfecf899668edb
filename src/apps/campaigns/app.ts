import type { SwitchboardApp } from '../app-contract.ts';
import { type CampaignDeps, CampaignService } from './campaign-service.ts';
import { campaignRoutes } from './routes.ts';
import { CAMPAIGN_EVENTS } from './schemas.ts';

/** The campaign dialer as the composition root lists it. */
export function createCampaignsApp(
  deps: CampaignDeps,
): SwitchboardApp & { readonly service: CampaignService } {
  const campaigns = new CampaignService(deps);
  return {
    name: 'campaigns',
    service: campaigns,
    start: () => campaigns.start(),
    stop: async () => campaigns.stop(),
    // The figures of the last second are saved once the calls have ended.
    afterCallsEnded: () => campaigns.flush(),
    idle: () => campaigns.idle(),
    get busy() {
      return campaigns.busy;
    },
    routes: [{ prefix: '/api/v1', plugin: async (app) => app.register(campaignRoutes, { campaigns }) }],
    events: CAMPAIGN_EVENTS,
    tags: [
      {
        name: 'campaigns',
        description:
          'Campaign dialer: contact lists, preview/progressive/predictive pacing, calling hours, do-not-call.',
      },
    ],
    health: () => campaigns.health(),
  };
}
