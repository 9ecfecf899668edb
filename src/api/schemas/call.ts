import { z } from 'zod';
import {
  CALL_STATUSES,
  type CallDirection,
  type CallSnapshot,
  END_REASONS,
  type LegRole,
  type LegSnapshot,
  type LegStatus,
} from '../../core/call.ts';
import type { Page } from '../../store/types.ts';
import { isoTime } from './common.ts';

/** True when both types have exactly the same keys, so a field added to the core type fails here. */
export type SameKeys<A, B> = [keyof A] extends [keyof B]
  ? [keyof B] extends [keyof A]
    ? true
    : false
  : false;

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
});
true satisfies SameKeys<LegSnapshot, z.output<typeof legShape>>;

const callShape = z.object({
  id: z.string(),
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
  transferTo: z.string().optional(),
  transferInitiatedAt: isoTime('When the transfer was started.').optional(),
  heldAt: isoTime('When the call was put on hold.').optional(),
  queueId: z.string().optional().describe('The queue the call waits in or came through.'),
  agentId: z.string().optional().describe('The agent who took the call.'),
  flags: z
    .object({ recording: z.boolean().optional(), emergency: z.boolean().optional() })
    .optional()
    .describe('Policies attached to the call (recording requested, emergency).'),
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
