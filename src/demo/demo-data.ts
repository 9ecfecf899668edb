import type { FleetDriver } from './fleet-directory.ts';

/** The demo's phone lines: drivers call the check-in line; the dispatch line reaches a dispatcher. */
export const DEMO_LINES = {
  checkIn: '+13125550100',
  dispatch: '+13125550199',
} as const;

/** The dispatch queue the dispatch line feeds. */
export const DEMO_QUEUE = 'dispatch';

/** The check-in flow the check-in line runs (shipped in examples/flows). */
export const CHECKIN_FLOW = 'driver-checkin';

/** Two dispatchers and a supervisor, each with a desk phone on the simulator. */
export const DEMO_AGENTS = [
  { id: 'dispatcher-001', name: 'Alex Rivera', endpoint: 'sim/dispatcher-001', roles: ['dispatcher'] },
  { id: 'dispatcher-002', name: 'Sam Okafor', endpoint: 'sim/dispatcher-002', roles: ['dispatcher'] },
  { id: 'supervisor-001', name: 'Morgan Lee', endpoint: 'sim/supervisor-001', roles: ['supervisor'] },
] as const;

/** The fleet: driver 42 has a trip to check in to; driver 7 has none today. */
export const DEMO_DRIVERS: readonly FleetDriver[] = [
  {
    id: '42',
    name: 'Dana Kowalski',
    phone: '+13125550142',
    vehicle: { id: 'V-12', plate: 'IL-4821-TX', model: 'Ford Transit' },
    trips: [{ id: 'T-1042', pickup: '233 S Wacker Dr', dropoff: "O'Hare Terminal 3" }],
  },
  {
    id: '7',
    name: 'Luis Ortega',
    phone: '+13125550107',
    vehicle: { id: 'V-03', plate: 'IL-7310-CB', model: 'Toyota Prius' },
    trips: [],
  },
  {
    id: '1138',
    name: 'Priya Natarajan',
    phone: '+13125550138',
    vehicle: { id: 'V-21', plate: 'IL-9902-VN', model: 'Mercedes Sprinter' },
    trips: [
      { id: 'T-2201', pickup: 'Union Station', dropoff: 'Navy Pier' },
      { id: 'T-2202', pickup: 'Navy Pier', dropoff: 'Midway Airport' },
    ],
  },
];
