import type { MemorySink } from '../../notify/notification.ts';
import type { SwitchboardApp } from '../app-contract.ts';
import { type EmergencyDeps, EmergencyService } from './emergency-service.ts';
import { ctiEmergencyRoute, emergencyRoutes } from './routes.ts';
import { EMERGENCY_EVENTS } from './schemas.ts';

export interface EmergencyAppDeps extends EmergencyDeps {
  /** A sink whose messages can be read back (the simulator's): served at GET /api/v1/notifications. */
  readonly readableSink?: MemorySink;
}

/** Panic-button emergencies as the composition root lists them. */
export function createEmergencyApp(deps: EmergencyAppDeps): SwitchboardApp {
  const emergencies = new EmergencyService(deps);
  const sink = deps.readableSink;
  return {
    name: 'emergency',
    start: async () => emergencies.start(),
    stop: async () => emergencies.stop(),
    idle: () => emergencies.idle(),
    get busy() {
      return emergencies.busy;
    },
    routes: [
      { prefix: '/api/cti', plugin: async (app) => app.register(ctiEmergencyRoute, { emergencies }) },
      {
        prefix: '/api/v1',
        plugin: async (app) => app.register(emergencyRoutes, { emergencies, ...(sink && { sink }) }),
      },
    ],
    events: EMERGENCY_EVENTS,
    tags: [{ name: 'emergencies', description: 'Panic-button emergencies and their audit trail.' }],
  };
}
