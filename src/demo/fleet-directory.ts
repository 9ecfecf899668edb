import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Clock } from '../core/clock.ts';
import { SwitchboardError } from '../core/errors.ts';

/** A driver of the demo fleet: who they are, what they drive, the trips they have today. */
export interface FleetDriver {
  readonly id: string;
  readonly name: string;
  readonly phone: string;
  readonly vehicle: { readonly id: string; readonly plate: string; readonly model: string };
  readonly trips: readonly { readonly id: string; readonly pickup: string; readonly dropoff: string }[];
}

/** A check-in as the driver check-in flow reports it (`POST {dispatchApi}/checkins`). */
export interface CheckIn {
  readonly driverId: string;
  readonly tripId: string;
  readonly event: string;
  readonly callId: string;
  readonly at: string;
  /** When the directory received it. */
  readonly receivedAt: string;
}

/** Where the demo serves its directory; the check-in flow's `dispatchApi` points here. */
export const FLEET_PATH = '/demo/fleet';

/**
 * A small dispatch application for the demo: the fleet's drivers, and the check-ins reported to it.
 * It serves exactly what `examples/flows/driver-checkin.yaml` asks of a dispatch application, so the
 * flow runs unchanged against it or against a real one.
 */
export class FleetDirectory {
  private readonly byId: ReadonlyMap<string, FleetDriver>;
  private readonly checkIns: CheckIn[] = [];

  constructor(
    drivers: readonly FleetDriver[],
    private readonly clock: Clock,
  ) {
    this.byId = new Map(drivers.map((d) => [d.id, d]));
  }

  drivers(): FleetDriver[] {
    return [...this.byId.values()];
  }

  driver(id: string): FleetDriver | undefined {
    return this.byId.get(id);
  }

  /** What the emergency app shows a dispatcher about a driver (the `DriverDirectory` contract). */
  describe(driverId: string): { name: string; vehiclePlate: string } | undefined {
    const driver = this.byId.get(driverId);
    return driver && { name: driver.name, vehiclePlate: driver.vehicle.plate };
  }

  /** Records a check-in of a known driver; 404 NOT_FOUND for another. */
  checkIn(report: Omit<CheckIn, 'receivedAt'>): CheckIn {
    if (!this.byId.has(report.driverId)) throw unknownDriver(report.driverId);
    const checkIn = { ...report, receivedAt: new Date(this.clock.now()).toISOString() };
    this.checkIns.push(checkIn);
    return checkIn;
  }

  /** Check-ins received, oldest first. */
  listCheckIns(): readonly CheckIn[] {
    return this.checkIns;
  }
}

function unknownDriver(id: string): SwitchboardError {
  return new SwitchboardError('NOT_FOUND', `No driver has id "${id}".`, { driverId: id });
}

/** What the check-in flow reads: `{name, activeTrips, trips: [{id}]}`, with the vehicle for people. */
function driverView(driver: FleetDriver) {
  return { ...driver, activeTrips: driver.trips.length, trips: [...driver.trips] };
}

const Trip = z.object({ id: z.string(), pickup: z.string(), dropoff: z.string() });
const DriverView = z.object({
  id: z.string(),
  name: z.string(),
  phone: z.string(),
  vehicle: z.object({ id: z.string(), plate: z.string(), model: z.string() }),
  activeTrips: z.number().int(),
  trips: z.array(Trip),
});
const text = (description: string) => z.string().min(1).max(128).describe(description);
const CheckInBody = z.object({
  driverId: text('The driver who checked in.'),
  tripId: text('Their trip.'),
  event: text('What happened, e.g. pickup.'),
  callId: text('The call it was made on.'),
  at: text('When, as the IVR saw it.'),
});
const CheckInView = CheckInBody.extend({ receivedAt: z.string() });
const tags = ['demo'];

/** The directory's HTTP face under {@link FLEET_PATH} (demo mode only). */
export const fleetRoutes: FastifyPluginAsyncZod<{ fleet: FleetDirectory }> = async (app, { fleet }) => {
  app.get(
    '/drivers',
    { schema: { tags, summary: 'Demo fleet: every driver', response: { 200: z.array(DriverView) } } },
    async () => fleet.drivers().map(driverView),
  );

  app.get(
    '/drivers/:driverId',
    {
      schema: {
        tags,
        summary: 'Demo fleet: one driver with their active trips (404 if unknown)',
        params: z.object({ driverId: text('The driver id, e.g. 42.') }),
        response: { 200: DriverView },
      },
    },
    async (request) => {
      const driver = fleet.driver(request.params.driverId);
      if (!driver) throw unknownDriver(request.params.driverId);
      return driverView(driver);
    },
  );

  app.post(
    '/checkins',
    {
      schema: {
        tags,
        summary: 'Demo fleet: record a driver check-in (the check-in flow posts here)',
        body: CheckInBody,
        response: { 201: CheckInView },
      },
    },
    async (request, reply) => reply.code(201).send(fleet.checkIn(request.body)),
  );

  app.get(
    '/checkins',
    {
      schema: {
        tags,
        summary: 'Demo fleet: check-ins received, oldest first',
        response: { 200: z.array(CheckInView) },
      },
    },
    async () => [...fleet.listCheckIns()],
  );
};
