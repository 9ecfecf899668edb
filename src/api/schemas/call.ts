import { z } from 'zod';
import { RecordingSnapshotSchema } from '../../apps/http-kit/recording.ts';
import { isoTime, type SameKeys } from '../../apps/http-kit/schemas.ts';
import {
  BRIDGE_KINDS,
  type BridgeRole,
  CALL_STATUSES,
  CALL_TYPES,
  type CallDirection,
  type CallSnapshot,
  END_REASONS,
  type LegRole,
  type LegSnapshot,
  type LegStatus,
  MONITOR_MODES,
  MONITOR_STATUSES,
  type MonitorSnapshot,
  PARTICIPANT_ROLES,
  PARTICIPANT_STATUSES,
  type ParticipantSnapshot,
  TRANSFER_KINDS,
  TRANSFER_STATUSES,
} from '../../core/call.ts';
import type { Page } from '../../store/types.ts';

/** A `z.enum` over every member of a string union; the record's type makes a forgotten member a compile error. */
export function enumOf<T extends string>(members: Record<T, true>) {
  return z.enum(Object.keys(members) as [T, ...T[]]);
}

export const LEG_ROLES = enumOf<LegRole>({
  caller: true,
  callee: true,
  agent: true,
  transfer_target: true,
  supervisor: true,
  conference: true,
});
const LEG_STATUSES = enumOf<LegStatus>({ dialing: true, ringing: true, answered: true, ended: true });
const DIRECTIONS = enumOf<CallDirection>({ outbound: true, inbound: true });
const BRIDGE_ROLES = enumOf<BridgeRole>({ normal: true, listen: true, whisper: true });

export const CallStatusSchema = z.enum(CALL_STATUSES).meta({ id: 'CallStatus' });
export const EndReasonSchema = z.enum(END_REASONS).meta({ id: 'EndReason' });

const legShape = z.object({
  id: z.string(),
  role: LEG_ROLES,
  agentId: z.string().optional().describe('For an agent leg: which agent it rings.'),
  address: z.string().describe('E.164 number or driver endpoint of this party.'),
  status: LEG_STATUSES,
  startedAt: isoTime('When the leg was created.'),
  answeredAt: isoTime('When this party answered.').optional(),
  endedAt: isoTime('When this party left.').optional(),
  endReason: EndReasonSchema.optional(),
  bridge: z
    .object({
      bridgeId: z.string(),
      role: BRIDGE_ROLES.describe(
        'normal: hears and is heard; listen: hears only; whisper: heard by the agent only.',
      ),
    })
    .optional()
    .describe('The bridge this leg sits in now, and its role there; absent when it is in none.'),
});
true satisfies SameKeys<LegSnapshot, z.output<typeof legShape>>;

const bridgeShape = z
  .object({
    id: z.string(),
    kind: z
      .enum(BRIDGE_KINDS)
      .describe('main: joins the parties; consultation: an attended transfer; monitor: a supervisor.'),
    createdAt: isoTime('When the bridge was created.'),
    destroyedAt: isoTime('When the bridge was torn down; absent while it is up.').optional(),
    members: z.array(z.string()).describe('Ids of the legs in the bridge now.'),
  })
  .meta({ id: 'CallBridge' });

const transferShape = z
  .object({
    id: z.string(),
    kind: z
      .enum(TRANSFER_KINDS)
      .describe(
        'blind: the transferring party leaves at once; attended: the remote party waits on hold while the transferring party consults the target.',
      ),
    status: z
      .enum(TRANSFER_STATUSES)
      .describe(
        'ringing until the target answers; attended: consulting while the transferring party talks with the target. Then completed (the target has the call), failed (it never will) or canceled (attended: taken back by the transferring party).',
      ),
    to: z.string().describe('Where the call was sent: an agent id or an address.'),
    agentId: z.string().optional().describe('For a transfer to an agent: which agent.'),
    from: z.string().optional().describe("Who transferred: their agent id, or their phone's address."),
    targetLegId: z.string().optional().describe('The leg dialled to the target.'),
    startedAt: isoTime('When the transfer started.'),
    answeredAt: isoTime('Attended: when the target answered and the consultation began.').optional(),
    endedAt: isoTime('When it completed, failed or was canceled.').optional(),
    endReason: EndReasonSchema.optional().describe(
      "Why a failed transfer failed: the target's cause (normal: an attended target hung up during the consultation), or canceled when the call ended first or the target was withdrawn.",
    ),
  })
  .meta({ id: 'CallTransfer' });

/** A party of a conference (see `CallSnapshot.participants`). */
export const ParticipantSchema = z
  .object({
    id: z.string().describe('The party in this call; use it to remove or mute the party.'),
    legId: z.string().describe("The party's leg in `legs`."),
    role: z
      .enum(PARTICIPANT_ROLES)
      .describe(
        "owner: the agent's side when the call became a conference; participant: hears and is heard; listener: hears, stays muted.",
      ),
    status: z
      .enum(PARTICIPANT_STATUSES)
      .describe('dialing until the party answers, joined, then left (also for a party that never answered).'),
    to: z.string().describe('Who the party is, as asked: an agent id or an address.'),
    agentId: z.string().optional().describe('For an agent: which agent.'),
    muted: z.boolean().describe('Whether nobody hears the party.'),
    joinedAt: isoTime('When the party was connected.').optional(),
    leftAt: isoTime('When the party left.').optional(),
    leftReason: EndReasonSchema.optional().describe('Why the party left.'),
  })
  .meta({ id: 'CallParticipant' });
true satisfies SameKeys<ParticipantSnapshot, z.output<typeof ParticipantSchema>>;

/** A supervisor on a call (see `CallSnapshot.monitors`). */
export const MonitorSchema = z
  .object({
    id: z.string(),
    supervisorId: z.string().describe('The agent (with the supervisor role) who monitors.'),
    legId: z.string().describe("The supervisor's leg in `legs`."),
    mode: z
      .enum(MONITOR_MODES)
      .describe('listen: heard by nobody; whisper: heard by the agent only; barge: heard by everyone.'),
    status: z.enum(MONITOR_STATUSES).describe('ringing (their phone), active, then ended.'),
    startedAt: isoTime('When monitoring was asked for.'),
    connectedAt: isoTime('When the supervisor was connected.').optional(),
    endedAt: isoTime('When monitoring ended.').optional(),
    endReason: EndReasonSchema.optional(),
  })
  .meta({ id: 'CallMonitor' });
true satisfies SameKeys<MonitorSnapshot, z.output<typeof MonitorSchema>>;

const callShape = z.object({
  id: z.string(),
  type: z
    .enum(CALL_TYPES)
    .optional()
    .describe('call, or conference once parties were added; absent on records written before it existed.'),
  direction: DIRECTIONS,
  status: CallStatusSchema,
  from: z.string(),
  to: z.string(),
  context: z.record(z.string(), z.unknown()),
  legs: z.array(legShape),
  startedAt: isoTime('When the call was created.'),
  answeredAt: isoTime('When the call was answered.').optional(),
  endedAt: isoTime('When the call ended.').optional(),
  duration: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe('Whole seconds of talk (answer to end, or to now while live); absent until answered.'),
  endReason: EndReasonSchema.optional(),
  transferTo: z.string().optional().describe('Where the latest transfer sent the call.'),
  transferInitiatedAt: isoTime('When the latest transfer was started.').optional(),
  transfers: z
    .array(transferShape)
    .optional()
    .describe('Every transfer of the call, oldest first, with its outcome; absent before the first.'),
  bridges: z
    .array(bridgeShape)
    .optional()
    .describe('Every bridge the call has held, oldest first; absent before the first.'),
  recordings: z
    .array(RecordingSnapshotSchema)
    .optional()
    .describe('Every recording of the call, oldest first, with its duration; absent before the first.'),
  heldAt: isoTime('When the call was put on hold.').optional(),
  queueId: z.string().optional().describe('The queue the call waits in or came through.'),
  agentId: z.string().optional().describe('The agent who took the call.'),
  flags: z
    .object({ recording: z.boolean().optional(), emergency: z.boolean().optional() })
    .optional()
    .describe('Policies attached to the call (recording requested, emergency).'),
  participants: z
    .array(ParticipantSchema)
    .optional()
    .describe('Every party of a conference, oldest first, those who left too; absent until it is one.'),
  conference: z
    .object({
      maxParticipants: z.number().int().positive().describe('Most parties at once.'),
      endWhenOwnerLeaves: z.boolean().describe('Whether the call ends when its owner leaves.'),
    })
    .optional()
    .describe('How the conference is governed; absent until the call is one.'),
  monitors: z
    .array(MonitorSchema)
    .optional()
    .describe('Every supervisor who monitored the call, oldest first; absent before the first.'),
  source: z
    .string()
    .optional()
    .describe("Where the record comes from: absent for Switchboard's own calls, else the import (3cx)."),
  externalId: z.string().optional().describe("An imported call's id in its source."),
});
true satisfies SameKeys<CallSnapshot, z.output<typeof callShape>>;

/** A call as clients see it in answers and events; the annotation checks it against the core type. */
export const CallSnapshotSchema: z.ZodType<CallSnapshot> = callShape.meta({
  id: 'CallSnapshot',
  description: 'A call: one conversation with the legs (channels) of its parties.',
});

/** One page of call records, newest first. */
export const CallPageSchema: z.ZodType<Page<CallSnapshot>> = z.object({
  items: z.array(CallSnapshotSchema),
  nextCursor: z.string().optional().describe('Present when more records follow; pass it back as `cursor`.'),
});
