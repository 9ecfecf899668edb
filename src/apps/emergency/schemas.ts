import { z } from 'zod';
import type { EventDataSchemas } from '../app-contract.ts';
import { addressInput, idInput, isoTime, isoTimeInput, type SameKeys } from '../http-kit/schemas.ts';
import type { EmergencyEventDataMap, EmergencySnapshot } from './events.ts';

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

/** A panic-button report: the body of POST /api/cti/emergency and /api/v1/emergencies. */
export const EmergencyBody = z.strictObject({
  driverId: z
    .union([idInput('A driver id such as "D-17".'), z.int().describe('A numeric driver id such as 42.')])
    .describe('The driver who pressed the panic button; a string or a whole number, kept as sent.'),
  driverPhone: addressInput('The driver’s phone, dialled once a dispatcher takes the emergency.'),
  driverName: z.string().min(1).max(128).optional(),
  location: z
    .strictObject({ lat: z.number().min(-90).max(90), lng: z.number().min(-180).max(180) })
    .optional()
    .describe('Where the vehicle is (WGS84 degrees).'),
  vehiclePlate: z.string().min(1).max(32).optional(),
  timestamp: isoTimeInput('When the button was pressed, as the device reports it.').optional(),
});

/** The mock-CTI answer to a panic button. */
export const CtiEmergencyResponse = z.object({
  emergencyId: z.string(),
  callId: z.string(),
  status: z.literal('raised'),
  driverId: z.union([z.string(), z.number()]).describe('As sent.'),
  raisedAt: isoTime('When Switchboard raised it.'),
});

/** One step of an emergency's audit trail. */
export const AuditEntrySchema = z.object({
  topic: z.string(),
  action: z.string(),
  at: isoTime('When it happened.'),
  detail: z.record(z.string(), z.unknown()),
});

/** A message the notification sink sent. */
export const NotificationSchema = z
  .object({
    id: z.string(),
    channel: z.enum(['sms', 'email', 'webhook']),
    to: z.string(),
    subject: z.string(),
    body: z.string(),
    topic: z.string(),
    at: isoTime('When it was sent.'),
  })
  .meta({ id: 'Notification' });

const withEmergency = z.object({ emergency: EmergencySchema });

/** The payload schemas of the emergency app's events, for the OpenAPI document. */
export const EMERGENCY_EVENTS: EventDataSchemas<keyof EmergencyEventDataMap> = {
  'emergency.raised': withEmergency,
  'emergency.escalated': withEmergency,
  'emergency.updated': withEmergency,
};
