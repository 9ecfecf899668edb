import { z } from 'zod';
import { END_REASONS } from '../../core/call.ts';
import {
  type DomainEvent,
  type DomainEventDataMap,
  type DomainEventType,
  IVR_OUTCOMES,
} from '../../core/events.ts';
import { CALL_PRIORITIES } from '../../core/queue.ts';
import { AgentSchema, AgentStateSchema, EmergencySchema, QueueStatsSchema } from './acd.ts';
import { CallSnapshotSchema, LEG_ROLES } from './call.ts';
import { isoTime } from './common.ts';

const call = CallSnapshotSchema;
const queueCall = {
  queueId: z.string(),
  callId: z.string(),
  position: z.number().int().positive().describe('1 = next to be offered.'),
  estimatedWaitMs: z.number().nonnegative(),
};
const callData = z.object({ call });
const ivr = {
  flowId: z.string(),
  version: z.number().int().positive().describe('The flow version the caller is in.'),
};
const ivrNode = z.string().describe('The node of the flow.');

/** What each event type carries; the mapped type makes an event type without a schema a compile error. */
const EVENT_DATA: { [T in DomainEventType]: z.ZodType<DomainEventDataMap[T]> } = {
  'call.ringing': callData,
  'call.answered': callData,
  'call.held': callData,
  'call.unheld': callData,
  'call.transferring': z.object({ call, transferTo: z.string() }),
  'call.transferred': z.object({ call, transferTo: z.string() }),
  'call.dtmf': z.object({
    call,
    digit: z.string(),
    legId: z.string(),
    direction: z.enum(['in', 'out']).describe('`in`: the party pressed it; `out`: Switchboard sent it.'),
  }),
  'call.leg.ended': z.object({ call, legId: z.string(), endReason: z.enum(END_REASONS) }),
  'call.leg.ringing': z
    .object({ call, legId: z.string(), role: LEG_ROLES.describe('The leg that rings.') })
    .describe("A dialled party's phone rings (SIP 180), after `call.ringing` announced the call."),
  'call.queued': z.object({ call, queueId: z.string() }),
  'call.offered': z.object({ call, legId: z.string(), agentId: z.string() }),
  'call.offer.accepted': z.object({ call, legId: z.string(), agentId: z.string() }),
  'call.offer.ended': z.object({
    call,
    legId: z.string(),
    agentId: z.string(),
    reason: z
      .enum(END_REASONS)
      .describe('Why the offer stopped ringing: no_answer, rejected, busy, canceled, ...'),
  }),
  'call.playback.finished': z.object({ call, playbackId: z.string() }),
  'call.recording.finished': z.object({
    call,
    recordingId: z.string(),
    durationMs: z.number().nonnegative(),
  }),
  'call.ended': callData,
  'call.failed': callData,
  'agent.state': z.object({ agent: AgentSchema, previous: AgentStateSchema }),
  'queue.entered': z.object({
    ...queueCall,
    priority: z.enum(CALL_PRIORITIES),
  }),
  'queue.position': z.object(queueCall),
  'queue.left': z.object({
    queueId: z.string(),
    callId: z.string(),
    reason: z.enum(['answered', 'abandoned', 'overflow', 'closed', 'no_agents', 'ended', 'moved']),
    waitedMs: z.number().nonnegative(),
  }),
  'queue.stats': z.object({ stats: QueueStatsSchema }),
  'emergency.raised': z.object({ emergency: EmergencySchema }),
  'emergency.escalated': z.object({ emergency: EmergencySchema }),
  'emergency.updated': z.object({ emergency: EmergencySchema }),
  'ivr.started': z.object({ ...ivr, from: z.string(), to: z.string(), language: z.string() }),
  'ivr.node': z.object({
    ...ivr,
    node: ivrNode,
    kind: z.string().describe('The node kind: say, gather, ...'),
  }),
  'ivr.prompt': z.object({
    ...ivr,
    node: ivrNode,
    text: z.string().describe('What the prompt says; empty for a sound without words.'),
    media: z.string().describe('What the driver plays: the text, or `sound:<ref>`.'),
    language: z.string(),
  }),
  'ivr.input': z.object({
    ...ivr,
    node: ivrNode,
    result: z
      .enum(['digits', 'no_input', 'no_match', 'failed'])
      .describe('`failed`: no valid input after every retry.'),
    digits: z.string().optional().describe('What the caller pressed (without the finish key).'),
    attempt: z.number().int().positive(),
  }),
  'ivr.ended': z.object({
    ...ivr,
    node: ivrNode.describe('The last node.'),
    outcome: z.enum(IVR_OUTCOMES),
    durationMs: z.number().nonnegative(),
  }),
  'driver.connected': z.object({ driver: z.string() }),
  'driver.disconnected': z.object({ driver: z.string(), reason: z.string() }),
};

const eventOfType = (type: DomainEventType) =>
  z.object({
    id: z.string(),
    seq: z.number().int().positive().describe('Monotonic per server; resume after the last one you saw.'),
    type: z.literal(type),
    timestamp: isoTime('When it happened.'),
    callId: z.string().optional(),
    agentId: z.string().optional(),
    queueId: z.string().optional(),
    data: EVENT_DATA[type],
  });

const variants = (Object.keys(EVENT_DATA) as DomainEventType[]).map(eventOfType);

/**
 * One domain event, as logged and as emitted on Socket.io under its `type`. The union is built from a
 * list, which TypeScript cannot follow, so the annotation states the type it was built to match.
 */
export const DomainEventSchema = z
  .discriminatedUnion('type', variants as [(typeof variants)[number], ...(typeof variants)[number][]])
  .meta({
    id: 'DomainEvent',
    description: 'A change Switchboard made; `type` is also its Socket.io event name.',
  }) as unknown as z.ZodType<DomainEvent>;
