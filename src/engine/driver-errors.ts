import { type ErrorCode, SwitchboardError } from '../core/errors.ts';
import { DriverError, type DriverErrorKind } from '../telephony/driver.ts';

/** The catalogue code each kind of driver failure answers with. */
const ENGINE_CODES: Readonly<Record<DriverErrorKind, ErrorCode>> = {
  not_found: 'CHANNEL_NOT_FOUND',
  invalid: 'INVALID_STATE',
  not_supported: 'NOT_SUPPORTED',
  unavailable: 'DRIVER_UNAVAILABLE',
  provider_unavailable: 'PROVIDER_UNAVAILABLE',
  rate_limited: 'PROVIDER_RATE_LIMITED',
  provider_auth: 'PROVIDER_AUTH_FAILED',
};

/**
 * A driver's error as the engine answers it: a catalogue error keeping the driver's message, so that
 * nothing beyond the engine needs to know the driver's error type. Anything else passes unchanged.
 */
export function asEngineError(error: unknown): unknown {
  if (!(error instanceof DriverError)) return error;
  const details = error.retryAfterMs === undefined ? undefined : { retryAfterMs: error.retryAfterMs };
  return new SwitchboardError(ENGINE_CODES[error.kind], error.message, details);
}

/** Runs `work` (sync or async); a driver error it throws or rejects with becomes an engine error. */
export function withEngineErrors<T>(work: () => T): T {
  let result: T;
  try {
    result = work();
  } catch (error) {
    throw asEngineError(error);
  }
  if (result instanceof Promise) {
    return result.catch((error: unknown) => {
      throw asEngineError(error);
    }) as T;
  }
  return result;
}

/**
 * The same object with every method run through {@link withEngineErrors}: how the composition root
 * hands driver-side controls (the simulator's remote parties) to the API.
 */
export function withEngineErrorsOn<T extends object>(target: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(target)) {
    wrapped[key] =
      typeof value === 'function'
        ? (...args: unknown[]) => withEngineErrors(() => value.apply(target, args))
        : value;
  }
  return wrapped as T;
}
