import twilio from 'twilio';
import type { BridgeRole } from '../driver.ts';

/** Where a call's TwiML sends it back to: Switchboard's callback URLs for one channel. */
export interface ChannelUrls {
  /** The TwiML the channel runs now (its plan), fetched again after each detour. */
  readonly twiml: string;
  /** Where `<Gather>` posts the keys pressed. */
  readonly gather: string;
  /** Where a finished prompt reports, with its playback id. */
  played(playbackId: string): string;
  /** Where conference events about its bridge are posted. */
  conference(bridgeId: string): string;
}

/** What a channel does between commands. */
export type Plan =
  | { readonly kind: 'idle' }
  | { readonly kind: 'ringback' }
  | { readonly kind: 'hold' }
  | {
      readonly kind: 'bridge';
      readonly bridgeId: string;
      readonly role: BridgeRole;
      /** For `whisper`: the call SID of the agent heard (Twilio's `coach`). */
      readonly coach?: string;
    };

/** How long one `<Gather>` waits for a key before it posts an empty result and starts again. */
const GATHER_SECONDS = 60;

/** Media URIs as Twilio plays them: `sound:`/`tone:` names from the media base URL, URLs as given. */
export function mediaUrl(mediaBaseUrl: string, media: string): string | undefined {
  const named = /^(sound|tone):([A-Za-z0-9_/-]{1,100})$/.exec(media);
  if (named) return `${mediaBaseUrl}/${named[1]}/${named[2]}.wav`;
  if (/^https?:\/\//.test(media)) return media;
  return undefined;
}

/**
 * The TwiML of a plan. Idle: `<Gather>` waiting for keys, posting each one and starting again, so that
 * DTMF comes in while the party is alone. Bridge: the conference named by the bridge id, with
 * `muted` for a listener and `coach` for a whisperer; when it ends the call fetches its plan again.
 */
export function planTwiml(plan: Plan, urls: ChannelUrls, mediaBaseUrl: string): string {
  const response = new twilio.twiml.VoiceResponse();
  switch (plan.kind) {
    case 'idle':
      response.gather({
        input: ['dtmf'],
        numDigits: 1,
        timeout: GATHER_SECONDS,
        action: urls.gather,
        method: 'POST',
        actionOnEmptyResult: true,
      });
      break;
    case 'ringback':
      response.play({ loop: 0 }, `${mediaBaseUrl}/tone/ring.wav`);
      break;
    case 'hold':
      response.play({ loop: 0 }, `${mediaBaseUrl}/sound/hold-music.wav`);
      break;
    case 'bridge': {
      const dial = response.dial();
      dial.conference(
        {
          startConferenceOnEnter: true,
          endConferenceOnExit: false,
          beep: 'false',
          ...(plan.role === 'listen' && { muted: true }),
          ...(plan.role === 'whisper' && plan.coach && { coach: plan.coach }),
          statusCallback: urls.conference(plan.bridgeId),
          statusCallbackEvent: ['join', 'leave'],
          statusCallbackMethod: 'POST',
        },
        plan.bridgeId,
      );
      response.redirect({ method: 'POST' }, urls.twiml);
      break;
    }
  }
  return response.toString();
}

/** A prompt, then a report of its end, then back to the plan. */
export function playTwiml(
  media: string,
  playbackId: string,
  urls: ChannelUrls,
  mediaBaseUrl: string,
): string {
  const response = new twilio.twiml.VoiceResponse();
  const url = mediaUrl(mediaBaseUrl, media);
  if (url) response.play(url);
  else response.say(media.replace(/^say:/, ''));
  response.redirect({ method: 'POST' }, urls.played(playbackId));
  return response.toString();
}

/** Keys played to the party, then back to the plan. */
export function digitsTwiml(digits: string, urls: ChannelUrls): string {
  const response = new twilio.twiml.VoiceResponse();
  response.play({ digits });
  response.redirect({ method: 'POST' }, urls.twiml);
  return response.toString();
}

/** The party is connected elsewhere (a blind transfer out of Switchboard's hands). */
export function dialTwiml(to: string, callerId: string): string {
  const response = new twilio.twiml.VoiceResponse();
  const dial = response.dial({ callerId });
  if (to.startsWith('sip:')) dial.sip(to);
  else if (to.startsWith('client:')) dial.client(to.slice('client:'.length));
  else dial.number(to);
  return response.toString();
}
