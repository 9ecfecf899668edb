import type { CallSnapshot } from '../core/call.ts';
import type { DomainEvent } from '../core/events.ts';

/**
 * The JSON of call snapshots already written out, by snapshot. A call event carries the snapshot it is
 * about (`data.call`), the very object written as the call's record in the same commit: serialising it
 * once for both halves the busiest serialisation of all. Snapshots are never changed once made.
 */
const snapshotJson = new WeakMap<object, string>();

/** A call snapshot as its record's JSON. */
export function callJson(call: CallSnapshot): string {
  let json = snapshotJson.get(call);
  if (json === undefined) {
    json = JSON.stringify(call);
    snapshotJson.set(call, json);
  }
  return json;
}

/**
 * An event as JSON, byte for byte what `JSON.stringify(event)` gives; a call event whose snapshot was
 * already written reuses that text. `data` is the envelope's last key (it is built that way), so the
 * snapshot can be spliced in at the end.
 */
export function eventJson(event: DomainEvent): string {
  const data = (event as { data?: unknown }).data as { call?: unknown } | undefined;
  const call = data?.call;
  const cached = typeof call === 'object' && call !== null ? snapshotJson.get(call) : undefined;
  if (cached === undefined || lastKey(event) !== 'data') return JSON.stringify(event);
  const { data: _data, ...envelope } = event as { data: unknown };
  const { call: _call, ...extra } = data as Record<string, unknown>;
  const head = JSON.stringify(envelope);
  const rest = JSON.stringify(extra);
  return `${head.slice(0, -1)}${head.length > 2 ? ',' : ''}"data":{"call":${cached}${rest.length > 2 ? `,${rest.slice(1)}` : '}'}}`;
}

function lastKey(value: object): string | undefined {
  let last: string | undefined;
  for (const key in value) last = key;
  return last;
}
