import { SwitchboardError } from '../core/errors.ts';

/** Epoch ms of an ISO-8601 instant from a caller, or VALIDATION_ERROR naming `field`. */
export function instant(iso: string, field: string): number {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) {
    throw new SwitchboardError('VALIDATION_ERROR', `${field} is not an ISO-8601 instant.`, {
      field,
      value: iso,
    });
  }
  return ms;
}

/** A listing's `limit`, or VALIDATION_ERROR unless it is an integer from 1 to `max`. */
export function checkLimit(limit: number, max: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new SwitchboardError('VALIDATION_ERROR', `limit must be an integer from 1 to ${max}.`, {
      field: 'limit',
      value: limit,
    });
  }
  return limit;
}
