/**
 * A driver as the business application names it: a string or a number, kept exactly as sent (mobile
 * apps send `42`, others `"D-17"`), so that it comes back in the type the application compares with.
 */
export type DriverId = string | number;

/** An emergency as clients see it. */
export interface EmergencySnapshot {
  readonly id: string;
  readonly callId: string;
  readonly driverId: DriverId;
  readonly driverPhone: string;
  readonly driverName?: string;
  readonly vehiclePlate?: string;
  readonly location?: { readonly lat: number; readonly lng: number };
  readonly raisedAt: string;
  readonly reportedAt?: string;
  readonly status: 'raised' | 'offered' | 'escalated' | 'answered' | 'ended';
  readonly dispatcherId?: string;
  readonly answeredAt?: string;
  readonly endedAt?: string;
}

/** The emergency app's events and what each carries in `data`. */
export interface EmergencyEventDataMap {
  'emergency.raised': { readonly emergency: EmergencySnapshot };
  'emergency.escalated': { readonly emergency: EmergencySnapshot };
  'emergency.updated': { readonly emergency: EmergencySnapshot };
}

declare module '../../core/events.ts' {
  interface DomainEventDataMap extends EmergencyEventDataMap {}
}
