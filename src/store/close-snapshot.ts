import { type CallSnapshot, type EndReason, finalStatusFor, type LegSnapshot } from '../core/call.ts';

/**
 * The snapshot of a live call forced to end with `reason` at `endedAt`: final status, end time,
 * duration when it was answered, and every leg still up ended the same way.
 */
export function closeSnapshot(call: CallSnapshot, reason: EndReason, endedAt: string): CallSnapshot {
  const legs = call.legs.map(
    (leg): LegSnapshot =>
      leg.status === 'ended' ? leg : { ...leg, status: 'ended', endedAt, endReason: reason },
  );
  const closed: CallSnapshot = {
    ...call,
    status: finalStatusFor(reason, call.answeredAt !== undefined),
    endedAt,
    endReason: reason,
    legs,
  };
  if (call.answeredAt === undefined) return closed;
  // A skewed clock must not produce a negative talk time.
  const talkMs = Math.max(0, Date.parse(endedAt) - Date.parse(call.answeredAt));
  return { ...closed, duration: Math.floor(talkMs / 1000) };
}
