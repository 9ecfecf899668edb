import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { CountryCode } from 'libphonenumber-js';
import type { AcdService } from '../apps/acd/acd-service.ts';
import type { IvrService } from '../apps/ivr/ivr-service.ts';
import type { IvrVariable, SwitchboardConfig } from '../config/config.ts';
import type { Clock } from '../core/clock.ts';
import { DEMO_DRIVERS } from './demo-data.ts';
import { FLEET_PATH, FleetDirectory, fleetRoutes } from './fleet-directory.ts';
import { demoProfiles, seedDemo } from './seed.ts';

/** Where the demo's own services answer: this server, on loopback. */
const DEMO_HOST = '127.0.0.1';

/**
 * Demo mode, as the composition root uses it: a fleet directory served by Switchboard itself, the
 * simulator's driver phones, and a seeded dispatch site. The check-in flow is not edited: its
 * `dispatchApi` is pointed at the directory as a site variable, as a real site points it at its own.
 */
export class DemoSite {
  readonly fleet: FleetDirectory;
  readonly profiles = demoProfiles();

  constructor(clock: Clock) {
    this.fleet = new FleetDirectory(DEMO_DRIVERS, clock);
  }

  /** The configuration the demo runs with: outbound HTTP may reach the directory on loopback. */
  static configure(config: SwitchboardConfig): SwitchboardConfig {
    if (config.outboundHttpAllow.includes(DEMO_HOST)) return config;
    return { ...config, outboundHttpAllow: [...config.outboundHttpAllow, DEMO_HOST] };
  }

  /** Mounts the fleet directory under {@link FLEET_PATH}. */
  readonly routes = async (app: FastifyInstance): Promise<void> => {
    await app.register(fleetRoutes, { prefix: FLEET_PATH, fleet: this.fleet });
  };

  seed(deps: { acd: AcdService; ivr: IvrService }, defaultCountry: CountryCode): Promise<void> {
    return seedDemo(deps, defaultCountry);
  }

  /**
   * Once the server listens (its port may have been chosen by the system): the site's IVR variables
   * get `dispatchApi` pointing at the directory, unless SWITCHBOARD_IVR_VARIABLES names another.
   */
  listening(address: AddressInfo | string | null, ivrVariables: Record<string, IvrVariable>): void {
    if (address === null || typeof address === 'string') return;
    ivrVariables.dispatchApi ??= `http://${DEMO_HOST}:${address.port}${FLEET_PATH}`;
  }
}
