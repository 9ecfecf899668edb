import type { Log } from '../../core/log.ts';
import type { DriverEvent } from '../driver.ts';
import type { AriEvent, StasisStart } from './ari-events.ts';
import { causeFromDialStatus, causeFromQ850 } from './causes.ts';
import type { ChannelRecord, DriverState } from './driver-state.ts';

/** `appArgs` the driver gives its own channels, so it never mistakes them for inbound calls. */
export const OUTBOUND_ARG = 'outbound';
export const SNOOP_ARG = 'snoop';

export interface RouterContext {
  readonly state: DriverState;
  readonly emit: (event: DriverEvent) => void;
  readonly log: Pick<Log, 'warn'>;
}

/**
 * What one ARI event means for the driver's view, and which driver events it causes. Events about
 * channels, bridges and media the driver does not track are ignored: with `subscribeAll` Asterisk
 * sends the whole PBX's traffic. (`ApplicationReplaced` is the driver's own business.)
 *
 * The mapping, as the recorded transcripts show Asterisk behaves:
 * - an inbound call is a `StasisStart` for a channel the driver did not make, ringing (`Ring`) or
 *   already answered; its dialplan arguments are `[context, dialled number]`;
 * - an originated channel rings at `Dial RINGING` or state `Ringing` (a busy or unknown number never
 *   rings) and counts as answered at its `StasisStart`, which follows the answer: only then can it be
 *   bridged;
 * - a channel ends at `StasisEnd` or `ChannelDestroyed`, whichever comes first (without subscribeAll,
 *   channels that came from the dialplan get no ChannelDestroyed); the cause is the engine's own, else
 *   the first informative one of ChannelHangupRequest, Dial and ChannelDestroyed;
 * - a phone registering or leaving is a PeerStatusChange, a ContactStatusChange and (subscribed to the
 *   endpoint) an EndpointStateChange, in any order, each with the endpoint's new `state`.
 */
export function routeAriEvent(ctx: RouterContext, event: AriEvent): void {
  const { state } = ctx;
  switch (event.type) {
    case 'StasisStart':
      onStasisStart(ctx, event);
      return;
    case 'ChannelStateChange': {
      const channel = state.channels.get(event.channel.id);
      if (!channel) return;
      if (event.channel.state === 'Ringing') state.reportRinging(channel);
      else if (event.channel.state === 'Up') {
        channel.up = true;
        // An inbound channel is answered by the engine's own command; this confirms it.
        if (channel.kind === 'inbound') state.reportAnswered(channel);
      }
      return;
    }
    case 'Dial': {
      const channel = state.channels.get(event.peer.id);
      if (!channel) return;
      if (event.dialstatus === 'RINGING') state.reportRinging(channel);
      channel.observedCause ??= causeFromDialStatus(event.dialstatus);
      return;
    }
    case 'ChannelHangupRequest': {
      const channel = state.channels.get(event.channel.id);
      if (!channel) return;
      // No cause: the far end hung up (a BYE). Soft requests are ARI's DELETE (32) or Asterisk tidying
      // up after the far end (16): neither says why the call ended.
      if (event.cause === undefined) channel.observedCause ??= 'normal';
      else if (!event.soft) channel.observedCause ??= causeFromQ850(event.cause, event.tech_cause);
      return;
    }
    case 'ChannelDtmfReceived': {
      const channel = callChannel(state, event.channel.id);
      if (channel) {
        ctx.emit({
          type: 'channel.dtmf',
          channelId: channel.id,
          digit: event.digit,
          durationMs: event.duration_ms,
        });
      }
      return;
    }
    case 'ChannelHold':
    case 'ChannelUnhold': {
      const channel = callChannel(state, event.channel.id);
      if (channel) {
        ctx.emit({
          type: event.type === 'ChannelHold' ? 'channel.held' : 'channel.unheld',
          channelId: channel.id,
        });
      }
      return;
    }
    case 'StasisEnd':
    case 'ChannelDestroyed': {
      const channel = state.channels.get(event.channel.id);
      if (!channel) return;
      if (channel.kind === 'snoop') {
        state.endChannel(channel, 'normal');
        return;
      }
      const destroyed =
        event.type === 'ChannelDestroyed' ? causeFromQ850(event.cause, event.tech_cause) : undefined;
      state.endChannel(channel, state.causeOf(channel, destroyed));
      return;
    }
    case 'BridgeDestroyed':
      state.dropBridge(event.bridge.id);
      return;
    case 'PlaybackFinished':
      state.finishPlayback(event.playback.id);
      return;
    case 'PeerStatusChange':
    case 'EndpointStateChange':
    case 'ContactStatusChange': {
      // All three carry the endpoint's state after the change; one change comes as two or three.
      const { technology, resource, state: endpointState } = event.endpoint;
      if (endpointState) state.registrations.heardOf(`${technology}/${resource}`, endpointState === 'online');
      return;
    }
    case 'RecordingFinished':
    case 'RecordingFailed':
      // With subscribeAll Asterisk sends each recording event twice; the second finds nothing.
      state.finishRecording(event.recording.name, event.recording.duration);
      return;
    default:
      return;
  }
}

function onStasisStart(ctx: RouterContext, event: StasisStart): void {
  const { state } = ctx;
  const id = event.channel.id;
  const known = state.channels.get(id);
  if (known) {
    if (known.kind === 'outbound' && event.channel.state === 'Up') state.reportAnswered(known);
    return;
  }
  if (state.endedCause(id) !== undefined) return;
  if (!isInboundCall(event)) {
    ctx.log.warn(
      { channelId: id, name: event.channel.name, args: event.args },
      'a channel the driver did not make entered the application; ignored',
    );
    return;
  }
  const channel = state.track(id, 'inbound');
  channel.phase = 'ringing';
  channel.up = event.channel.state === 'Up';
  const caller = event.channel.caller;
  ctx.emit({
    type: 'channel.inbound',
    channelId: id,
    from: caller?.number || caller?.name || 'anonymous',
    to: event.args[1] ?? event.channel.dialplan?.exten ?? '',
  });
}

/**
 * Whether a channel entering the application is a call for the engine: channels made with
 * POST /channels/create sit in state `Down` until dialled, snoops are someone's monitoring, and
 * channels marked with the driver's own arguments were dialled by it (before a restart, perhaps).
 */
function isInboundCall(event: StasisStart): boolean {
  const { channel, args } = event;
  if (channel.state === 'Down' || channel.name.startsWith('Snoop/')) return false;
  return args[0] !== OUTBOUND_ARG && args[0] !== SNOOP_ARG;
}

/** A channel of a call (not a snoop) that is tracked and live. */
function callChannel(state: DriverState, id: string): ChannelRecord | undefined {
  const channel = state.channels.get(id);
  return channel && channel.kind !== 'snoop' ? channel : undefined;
}
