import type { CountryCode } from 'libphonenumber-js';
import { parseAddress } from '../core/address.ts';
import type { NewDomainEvent } from '../core/events.ts';
import type { DriverEvent, TelephonyDriver } from '../telephony/driver.ts';
import { asEngineError } from './driver-errors.ts';

type StatusEvent = Extract<
  DriverEvent,
  { type: 'driver.connected' | 'driver.disconnected' | 'endpoint.state' }
>;

/** The domain event for a driver event about the phone system rather than a call. */
export function driverStatusEvent(driver: string, event: StatusEvent): NewDomainEvent {
  switch (event.type) {
    case 'driver.connected':
      return { type: 'driver.connected', data: { driver } };
    case 'driver.disconnected':
      return { type: 'driver.disconnected', data: { driver, reason: event.reason } };
    case 'endpoint.state':
      return { type: 'endpoint.state', data: { endpoint: event.endpoint, registered: event.registered } };
  }
}

/** Asks the driver to report a phone's registration; `undefined` when the driver cannot tell. */
export async function watchEndpoint(
  driver: TelephonyDriver,
  endpoint: string,
  defaultCountry: CountryCode,
): Promise<string | undefined> {
  if (!driver.watchEndpoint) return undefined;
  const address = parseAddress(endpoint, 'endpoint', defaultCountry);
  return driver.watchEndpoint(address).catch((error: unknown) => {
    throw asEngineError(error);
  });
}
