import type { CallSnapshot, ConferenceSettings, EndReason } from '../core/call.ts';
import { SwitchboardError } from '../core/errors.ts';
import { refusalReason } from './call-refusal.ts';
import type { CallRegistry } from './call-registry.ts';
import { requireCapability } from './capabilities.ts';
import type { CommandContext } from './command-context.ts';
import type { Leg, LiveCall } from './live-call.ts';
import { LiveParticipant } from './live-party.ts';
import type { AddParticipantCommand, CallConference, ParticipantAdded } from './types.ts';

/** A site's conference settings when it says nothing. */
export const DEFAULT_CONFERENCE: ConferenceSettings = Object.freeze({
  maxParticipants: 10,
  endWhenOwnerLeaves: false,
});

/**
 * Conferences (see {@link CallConference}): parties added to an answered call join its main bridge.
 * The call's first added party makes it a conference, and the two parties it had become its first
 * participants (the agent's side the `owner`).
 */
export class ConferenceCommands implements CallConference {
  constructor(
    private readonly ctx: CommandContext,
    private readonly defaults: ConferenceSettings = DEFAULT_CONFERENCE,
  ) {}

  async addParticipant(callId: string, command: AddParticipantCommand): Promise<ParticipantAdded> {
    const { ops } = this.ctx;
    requireCapability(ops.deps.driver, 'bridging', 'add a party to a call (it cannot join other parties)');
    const target = this.ctx.party(command.to, 'to');
    const role = command.role ?? 'participant';
    let added: LiveParticipant<Leg> | undefined;
    const call = await this.ctx.command(callId, async (call) => {
      if (call.status !== 'answered') {
        throw new SwitchboardError(
          'INVALID_STATE',
          `Parties can be added to an answered call only; this one is ${call.status.replace('_', ' ')}.`,
          { callId, status: call.status },
        );
      }
      if (role === 'listener') this.requireMute();
      const settings: ConferenceSettings = {
        ...(call.conference ?? this.defaults),
        ...(command.endWhenOwnerLeaves !== undefined && { endWhenOwnerLeaves: command.endWhenOwnerLeaves }),
      };
      const existing = call.participants.length > 0 ? [] : partiesOf(call);
      const present = call.participants.filter((p) => p.status !== 'left').length + existing.length;
      if (present >= settings.maxParticipants) {
        throw new SwitchboardError(
          'CONFERENCE_FULL',
          `The conference has ${present} parties, its maximum; remove one before adding another.`,
          { callId, maxParticipants: settings.maxParticipants },
        );
      }
      // The last check before anything changes: an agent who cannot take the call is refused here.
      if (target.agentId !== undefined) this.ctx.claim(target.agentId, call.id);
      call.type = 'conference';
      call.conference = settings;
      for (const party of existing) call.addParticipant(party(nextId(call)));
      let leg: Leg;
      try {
        leg = await ops.dial(call, 'conference', target.address, this.ringTimeout(call), target.agentId);
      } catch (error) {
        // The driver refused to dial: the party is recorded as never having joined; the call goes on.
        ops.deps.log.warn({ err: error, callId }, 'conference party refused by the driver');
        leg = call.legs.at(-1)!;
        added = new LiveParticipant(nextId(call), leg, role, target.shown.value);
        call.addParticipant(added);
        ops.legEnded(leg, refusalReason(error));
        await publishLeft(ops, call, added);
        return;
      }
      added = new LiveParticipant(nextId(call), leg, role, target.shown.value);
      call.addParticipant(added);
    });
    return { participant: added!.snapshot(), call };
  }

  removeParticipant(callId: string, participantId: string): Promise<CallSnapshot> {
    const { ops } = this.ctx;
    return this.ctx.command(callId, async (call) => {
      const participant = this.present(call, participantId);
      const joined = participant.status === 'joined';
      await ops.hangupLeg(participant.leg, joined ? 'normal' : 'canceled');
      await participantGone(ops, call, participant.leg, joined ? 'normal' : 'canceled');
    });
  }

  muteParticipant(callId: string, participantId: string, muted: boolean): Promise<CallSnapshot> {
    const { ops } = this.ctx;
    return this.ctx.command(callId, async (call) => {
      const participant = this.present(call, participantId);
      if (participant.status !== 'joined') {
        throw new SwitchboardError('INVALID_STATE', `Party ${participantId} has not joined yet.`, {
          callId,
          participantId,
          status: participant.status,
        });
      }
      if (!muted && participant.role === 'listener') {
        throw new SwitchboardError(
          'INVALID_STATE',
          `Party ${participantId} is a listener and stays muted; add them again as a participant to let them speak.`,
          { callId, participantId, role: participant.role },
        );
      }
      this.requireMute();
      if (participant.muted === muted) return;
      if (muted) await ops.deps.driver.mute(participant.leg.id);
      else await ops.deps.driver.unmute(participant.leg.id);
      participant.muted = muted;
      await ops.publish(call, muted ? 'call.participant.muted' : 'call.participant.unmuted', {
        participant: participant.snapshot(),
      });
    });
  }

  /** A party of the call that has not left; PARTICIPANT_NOT_FOUND or INVALID_STATE otherwise. */
  private present(call: LiveCall, participantId: string): LiveParticipant<Leg> {
    const participant = call.participants.find((p) => p.id === participantId);
    if (!participant) {
      throw new SwitchboardError(
        'PARTICIPANT_NOT_FOUND',
        `Call ${call.id} has no party "${participantId}"; its participants list them.`,
        { callId: call.id, participantId },
      );
    }
    if (participant.status === 'left') {
      throw new SwitchboardError('INVALID_STATE', `Party ${participantId} has left the call already.`, {
        callId: call.id,
        participantId,
        status: 'left',
      });
    }
    return participant;
  }

  private ringTimeout(call: LiveCall): number {
    return call.ringTimeoutMs ?? this.ctx.ringTimeoutMs;
  }

  private requireMute(): void {
    requireCapability(this.ctx.ops.deps.driver, 'mute', 'mute a party');
  }
}

/**
 * The parties a call has when it becomes a conference: its connected legs, the agent's side (the
 * agent who has the call, else the party who is not the remote one) as the owner. Made once the
 * checks pass, so a refused command leaves the call as it was.
 */
function partiesOf(call: LiveCall): ((id: string) => LiveParticipant<Leg>)[] {
  const legs = call.legs.filter((l) => l.live && l.status === 'answered' && l.role !== 'supervisor');
  const remote = call.remoteLeg();
  const owner =
    (call.agentId !== undefined ? legs.find((l) => l.agentId === call.agentId) : undefined) ??
    legs.find((l) => l !== remote);
  return legs.map(
    (leg) => (id: string) =>
      new LiveParticipant(id, leg, leg === owner ? 'owner' : 'participant', leg.agentId ?? leg.address.value),
  );
}

function nextId(call: LiveCall): string {
  return `${call.id}-participant-${call.participants.length + 1}`;
}

/** A conference's party answered: it joins the main bridge (muted, for a listener). */
export async function participantJoined(ops: CallRegistry, call: LiveCall, leg: Leg): Promise<void> {
  const participant = call.participants.find((p) => p.leg === leg);
  if (!participant) return;
  await ops.bridge(call, leg);
  if (participant.role === 'listener') {
    await ops.deps.driver.mute(leg.id);
    participant.muted = true;
  }
  await ops.publish(call, 'call.participant.joined', { participant: participant.snapshot() });
}

/**
 * A leg of a conference ended (a party hung up, was removed, or never answered): the others hear
 * `call.participant.left`, and the call goes on while two or more parties are connected, unless its
 * owner left and the call ends with its owner.
 */
export async function participantGone(
  ops: CallRegistry,
  call: LiveCall,
  leg: Leg,
  cause: EndReason,
): Promise<void> {
  const participant = call.participants.find((p) => p.leg === leg);
  if (participant) await publishLeft(ops, call, participant, cause);
  const connected = call.participants.filter((p) => p.status === 'joined').length;
  const ownerGone = participant?.role === 'owner' && call.conference?.endWhenOwnerLeaves === true;
  if (connected >= 2 && !ownerGone) return;
  // After an answer, a late "canceled" (answered elsewhere) is a normal end.
  await ops.finish(call, cause === 'canceled' ? 'normal' : cause);
}

async function publishLeft(
  ops: CallRegistry,
  call: LiveCall,
  participant: LiveParticipant<Leg>,
  reason: EndReason = participant.leg.endReason ?? 'normal',
): Promise<void> {
  await ops.publish(call, 'call.participant.left', { participant: participant.snapshot(), reason });
}
