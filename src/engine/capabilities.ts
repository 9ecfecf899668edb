import { SwitchboardError } from '../core/errors.ts';
import type { DriverCapabilities, TelephonyDriver } from '../telephony/driver.ts';

type Flag = {
  [K in keyof DriverCapabilities]: DriverCapabilities[K] extends boolean ? K : never;
}[keyof DriverCapabilities];

/**
 * Refuses with NOT_SUPPORTED, before anything is dialled or changed, what the driver declares it
 * cannot do (a cloud provider without transfers, one that cannot end a call itself).
 */
export function requireCapability(driver: TelephonyDriver, capability: Flag, what: string): void {
  if (driver.capabilities[capability]) return;
  throw new SwitchboardError('NOT_SUPPORTED', `The ${driver.name} driver cannot ${what}.`, { capability });
}
