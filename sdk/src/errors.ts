import type { ErrorCode } from './types.ts';

/**
 * A request the server refused: `code` is one of its catalogue's codes (`CALL_NOT_FOUND`,
 * `INVALID_STATE`, ...), `message` says what to do, `details` are the code's specifics.
 */
export class SwitchboardApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;

  constructor(status: number, code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'SwitchboardApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** Whether `error` is a refusal from the server, optionally with one of the given codes. */
export function isApiError<C extends ErrorCode>(
  error: unknown,
  ...codes: C[]
): error is SwitchboardApiError & { code: C } {
  return error instanceof SwitchboardApiError && (codes.length === 0 || codes.includes(error.code as C));
}

/**
 * Reads a failed answer: the `/api/v1` envelope `{ error: { code, message, details } }` or the
 * mock-CTI `{ error, code }`. Anything else (a proxy's HTML page) keeps its status with
 * `INTERNAL_ERROR` or `API_UNAVAILABLE`, so callers branch on one type.
 */
export function errorFromAnswer(status: number, body: unknown): SwitchboardApiError {
  const fallback: ErrorCode = status >= 500 ? 'API_UNAVAILABLE' : 'INTERNAL_ERROR';
  if (typeof body === 'object' && body !== null && 'error' in body) {
    const error = (body as { error: unknown; code?: ErrorCode }).error;
    if (typeof error === 'object' && error !== null) {
      const { code, message, details } = error as { code?: ErrorCode; message?: string; details?: unknown };
      return new SwitchboardApiError(status, code ?? fallback, message ?? `HTTP ${status}`, details);
    }
    if (typeof error === 'string') {
      // The mock-CTI contract answers an unknown call with `{ error }` alone, as integrations expect.
      const code = (body as { code?: ErrorCode }).code ?? (status === 404 ? 'CALL_NOT_FOUND' : fallback);
      return new SwitchboardApiError(status, code, error);
    }
  }
  const text = typeof body === 'string' && body.length > 0 ? `: ${body.slice(0, 200)}` : '';
  return new SwitchboardApiError(status, fallback, `HTTP ${status}${text}`);
}
