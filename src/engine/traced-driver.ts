import { performance } from 'node:perf_hooks';
import { inSpan } from '../core/tracing.ts';
import type { TelephonyDriver } from '../telephony/driver.ts';

/** Told of every driver command: its name, how long it took, whether it succeeded. */
export type DriverCommandObserver = (command: string, seconds: number, ok: boolean) => void;

/** What is not a command: the driver's identity, its lifecycle and its event subscription. */
const NOT_COMMANDS = new Set(['name', 'capabilities', 'onEvent', 'start', 'stop', 'constructor']);

/**
 * The driver as the engine's command path sees it: each command is timed (the driver-command latency
 * histogram) and, while tracing is on, runs in a `driver.<command>` span under the engine command,
 * with the call id the context carries.
 */
export function observedDriver(driver: TelephonyDriver, observe?: DriverCommandObserver): TelephonyDriver {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(driver, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string' || NOT_COMMANDS.has(property))
        return value;
      let command = wrapped.get(property);
      if (command === undefined) {
        command = (...args: unknown[]) => {
          const started = performance.now();
          return inSpan(`driver.${property}`, { 'switchboard.driver': target.name }, async () =>
            (value as (...a: unknown[]) => unknown).apply(target, args),
          ).then(
            (result) => {
              observe?.(property, (performance.now() - started) / 1000, true);
              return result;
            },
            (error: unknown) => {
              observe?.(property, (performance.now() - started) / 1000, false);
              throw error;
            },
          );
        };
        wrapped.set(property, command);
      }
      return command;
    },
  });
}
