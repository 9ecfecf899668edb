import { z } from 'zod';
import { isoTime, type SameKeys } from '../http-kit/schemas.ts';
import type { EmergencySnapshot } from './events.ts';

const emergencyShape = z.object({
  id: z.string(),
  callId: z.string(),
  driverId: z.union([z.string(), z.number()]).describe('As the panic button sent it.'),
  driverPhone: z.string(),
  driverName: z.string().optional(),
  vehiclePlate: z.string().optional(),
  location: z.object({ lat: z.number(), lng: z.number() }).optional(),
  raisedAt: isoTime('When Switchboard raised it.'),
  reportedAt: isoTime('When the driver pressed the button (as reported).').optional(),
  status: z.enum(['raised', 'offered', 'escalated', 'answered', 'ended']),
  dispatcherId: z.string().optional(),
  answeredAt: isoTime('When a dispatcher answered.').optional(),
  endedAt: isoTime('When the emergency call ended.').optional(),
});
true satisfies SameKeys<EmergencySnapshot, z.output<typeof emergencyShape>>;

/** An emergency raised by a driver's panic button. */
export const EmergencySchema: z.ZodType<EmergencySnapshot> = emergencyShape.meta({ id: 'Emergency' });
