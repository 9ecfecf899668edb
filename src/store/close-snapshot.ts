import {
  type BridgeSnapshot,
  type CallSnapshot,
  type EndReason,
  finalStatusFor,
  isOpenTransfer,
  type LegSnapshot,
  type TransferSnapshot,
} from '../core/call.ts';
import type { RecordingSnapshot } from '../core/recording.ts';

/**
 * The snapshot of a live call forced to end with `reason` at `endedAt`: final status, end time,
 * duration when it was answered, every leg still up ended the same way, a transfer still open
 * failed with `reason`, every bridge torn down, and a recording still live stopped (with the duration
 * last known).
 */
export function closeSnapshot(call: CallSnapshot, reason: EndReason, endedAt: string): CallSnapshot {
  const legs = call.legs.map((leg): LegSnapshot => {
    if (leg.status === 'ended') return leg;
    const { bridge: _left, ...rest } = leg;
    return { ...rest, status: 'ended', endedAt, endReason: reason };
  });
  const closed: CallSnapshot = {
    ...call,
    status: finalStatusFor(reason, call.answeredAt !== undefined),
    endedAt,
    endReason: reason,
    legs,
    ...(call.transfers && {
      transfers: call.transfers.map(
        (t): TransferSnapshot =>
          isOpenTransfer(t.status) ? { ...t, status: 'failed', endedAt, endReason: reason } : t,
      ),
    }),
    ...(call.bridges && {
      bridges: call.bridges.map(
        (b): BridgeSnapshot =>
          b.destroyedAt === undefined ? { ...b, destroyedAt: endedAt, members: [] } : b,
      ),
    }),
    ...(call.recordings && {
      recordings: call.recordings.map((r): RecordingSnapshot => {
        if (r.state === 'stopped') return r;
        const { pausedAt: _paused, ...rest } = r;
        return { ...rest, state: 'stopped', endedAt };
      }),
    }),
  };
  if (call.answeredAt === undefined) return closed;
  // A skewed clock must not produce a negative talk time.
  const talkMs = Math.max(0, Date.parse(endedAt) - Date.parse(call.answeredAt));
  return { ...closed, duration: Math.floor(talkMs / 1000) };
}
