import { type CallSnapshot, isFinal, type TransferSnapshot } from '../core/call.ts';

/**
 * A stored call record, read tolerantly: records written before calls kept their history of
 * transfers (only `transferTo`/`transferInitiatedAt`) get that history rebuilt from their legs, so
 * every record that names a transfer also lists it in `transfers`.
 */
export function readCallSnapshot(json: string): CallSnapshot {
  const call = JSON.parse(json) as CallSnapshot;
  if (call.transfers !== undefined || call.transferTo === undefined) return call;
  return { ...call, transfers: [transferOfOldRecord(call, call.transferTo)] };
}

function transferOfOldRecord(call: CallSnapshot, to: string): TransferSnapshot {
  const target = [...call.legs].reverse().find((leg) => leg.role === 'transfer_target');
  const base = {
    id: `${call.id}-transfer-1`,
    kind: 'blind' as const,
    to,
    ...(target?.agentId !== undefined && { agentId: target.agentId }),
    ...(target !== undefined && { targetLegId: target.id }),
    startedAt: call.transferInitiatedAt ?? call.startedAt,
  };
  if (target?.answeredAt !== undefined) return { ...base, status: 'completed', endedAt: target.answeredAt };
  if (!isFinal(call.status)) return { ...base, status: 'ringing' };
  return {
    ...base,
    status: 'failed',
    ...((target?.endedAt ?? call.endedAt) !== undefined && { endedAt: target?.endedAt ?? call.endedAt }),
    endReason: target?.endReason ?? 'canceled',
  };
}
