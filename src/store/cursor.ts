import { SwitchboardError } from '../core/errors.ts';

/** Where a page of call records stopped: the sort key of its last item. */
export interface CallCursor {
  readonly startedAtMs: number;
  readonly id: string;
}

/** Encodes a position as the opaque string handed to clients. */
export function encodeCursor(cursor: CallCursor): string {
  return Buffer.from(JSON.stringify({ t: cursor.startedAtMs, i: cursor.id }), 'utf8').toString('base64url');
}

/** Decodes a cursor from a client; anything not made by {@link encodeCursor} is a VALIDATION_ERROR. */
export function decodeCursor(text: string): CallCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (typeof parsed === 'object' && parsed !== null) {
    const { t, i } = parsed as { t?: unknown; i?: unknown };
    if (typeof t === 'number' && Number.isSafeInteger(t) && typeof i === 'string') {
      return { startedAtMs: t, id: i };
    }
  }
  throw new SwitchboardError('VALIDATION_ERROR', 'The cursor is not one this server issued.', {
    field: 'cursor',
  });
}
