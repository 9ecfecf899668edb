import type { CallSnapshot } from '../../core/call.ts';
import type { RecordingPolicy, RecordingReason } from '../../core/recording.ts';

/** Where a call's recording policies are found: its queue's and its inbound route's. */
export interface PolicySource {
  queue(queueId: string): RecordingPolicy | undefined;
  /** The policy of the routing-table row an inbound call followed. */
  route(call: CallSnapshot): RecordingPolicy | undefined;
}

/**
 * Whether a call just answered is recorded by policy, and why: an emergency always, a call flagged
 * `recording` always, else its queue's policy, else its inbound route's (each with its sample share).
 */
export function policyReason(
  call: CallSnapshot,
  policies: PolicySource,
  random: () => number,
): RecordingReason | undefined {
  if (call.flags?.emergency) return 'emergency';
  if (call.flags?.recording) return 'flagged';
  if (call.queueId !== undefined && sampled(policies.queue(call.queueId), random)) return 'queue';
  if (call.direction === 'inbound' && sampled(policies.route(call), random)) return 'route';
  return undefined;
}

/** An enabled policy takes `samplePercent` of its calls (all by default); `random` is in [0, 1). */
function sampled(policy: RecordingPolicy | undefined, random: () => number): boolean {
  return policy?.enabled === true && random() * 100 < (policy.samplePercent ?? 100);
}
