import { z } from 'zod';
import type { AppEventSchemas, EventDataSchemas } from '../../apps/app-contract.ts';
import { isoTime } from '../../apps/http-kit/schemas.ts';
import { END_REASONS, TRANSFER_KINDS } from '../../core/call.ts';
import type { CoreEventType, DomainEvent } from '../../core/events.ts';
import { RECORDING_REASONS } from '../../core/recording.ts';
import { CallSnapshotSchema, LEG_ROLES, MonitorSchema, ParticipantSchema } from './call.ts';

const call = CallSnapshotSchema;
const callData = z.object({ call });
const transferStep = z.object({
  call,
  transferId: z.string(),
  transferTo: z.string().describe('Where the transfer sends the call: an agent id or an address.'),
});
const participantData = z.object({ call, participant: ParticipantSchema });
const monitorData = z.object({ call, monitor: MonitorSchema });

/**
 * What each core event type carries (the call and driver events); the apps document their own. The
 * mapped type makes a core event type without a schema a compile error.
 */
const CORE_EVENTS: EventDataSchemas<CoreEventType> = {
  'call.ringing': callData,
  'call.answered': callData,
  'call.held': callData,
  'call.unheld': callData,
  'call.transferring': z.object({ call, transferTo: z.string() }),
  'call.transferred': z.object({ call, transferTo: z.string() }),
  'call.transfer.answered': transferStep.describe(
    'Attended: the target answered; the transferring party talks with them while the remote party waits on hold.',
  ),
  'call.transfer.failed': transferStep
    .extend({
      reason: z
        .enum(END_REASONS)
        .describe('no_answer, busy, rejected, ...; normal: the target hung up during the consultation.'),
    })
    .describe(
      'Attended: the target refused, rang out or hung up; the transferring party is back with the remote party.',
    ),
  'call.transfer.canceled': transferStep.describe(
    'Attended: the transferring party took the call back; the target, if rung, was hung up.',
  ),
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
  'call.offered': z.object({
    call,
    legId: z.string(),
    agentId: z.string(),
    transfer: z
      .object({
        transferId: z.string(),
        kind: z.enum(TRANSFER_KINDS),
        from: z.string().optional().describe('Who transfers: their agent id, or their phone.'),
        caller: z.string().describe('The party being transferred.'),
      })
      .optional()
      .describe('Present when the offer is an attended transfer to the agent.'),
  }),
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
  'call.recording.started': z.object({
    call,
    recordingId: z.string(),
    reason: z.enum(RECORDING_REASONS).describe('on_demand, or the policy that started it.'),
  }),
  'call.recording.paused': z.object({ call, recordingId: z.string() }),
  'call.recording.resumed': z.object({ call, recordingId: z.string() }),
  'call.recording.stopped': z.object({
    call,
    recordingId: z.string(),
    durationMs: z.number().int().nonnegative().describe('Milliseconds recorded, paused time left out.'),
  }),
  'call.ended': callData,
  'call.failed': callData,
  'call.participant.joined': participantData.describe('A party added to a conference is connected.'),
  'call.participant.left': participantData
    .extend({ reason: z.enum(END_REASONS).describe('Why: normal, no_answer, busy, canceled, ...') })
    .describe('A party left the conference, or never answered.'),
  'call.participant.muted': participantData,
  'call.participant.unmuted': participantData,
  'call.monitor.started': monitorData.describe('A supervisor is connected in `monitor.mode`.'),
  'call.monitor.changed': monitorData
    .extend({ previousMode: MonitorSchema.shape.mode })
    .describe('A supervisor changed mode.'),
  'call.monitor.ended': monitorData
    .extend({ reason: z.enum(END_REASONS) })
    .describe('Monitoring ended: on request, the supervisor hung up or never answered.'),
  'driver.connected': z.object({ driver: z.string() }),
  'driver.disconnected': z.object({ driver: z.string(), reason: z.string() }),
  'endpoint.state': z.object({
    endpoint: z.string().describe('The phone as the driver names it (`PJSIP/1003`).'),
    registered: z.boolean().describe('Whether the phone is registered (reachable).'),
  }),
};

const eventOfType = (type: string, data: z.ZodType) =>
  z.object({
    id: z.string(),
    seq: z.number().int().positive().describe('Monotonic per server; resume after the last one you saw.'),
    type: z.literal(type),
    timestamp: isoTime('When it happened.'),
    callId: z.string().optional(),
    agentId: z.string().optional(),
    queueId: z.string().optional(),
    data,
  });

/**
 * One domain event, as logged and as emitted on Socket.io under its `type`: the core's events and
 * those of every app listed. The union is built from a list, which TypeScript cannot follow, so the
 * annotation states the type it was built to match (each app's `events` is checked against its
 * declared payloads where it is written).
 */
export function domainEventSchema(apps: readonly AppEventSchemas[]): z.ZodType<DomainEvent> {
  const all: AppEventSchemas = Object.assign({}, CORE_EVENTS, ...apps);
  const variants = Object.entries(all).map(([type, data]) => eventOfType(type, data as z.ZodType));
  return z
    .discriminatedUnion('type', variants as [(typeof variants)[number], ...(typeof variants)[number][]])
    .meta({
      id: 'DomainEvent',
      description: 'A change Switchboard made; `type` is also its Socket.io event name.',
    }) as unknown as z.ZodType<DomainEvent>;
}
