import type { Address, HangupCause } from '../../core/call.ts';
import type { Clock } from '../../core/clock.ts';
import { type Log, SILENT_LOG } from '../../core/log.ts';
import {
  callbackPath,
  type WebhookReceiver,
  type WebhookReply,
  type WebhookRequest,
} from '../../core/provider-callbacks.ts';
import { CloudDriverBase } from '../cloud/cloud-driver.ts';
import type { ProviderFetch } from '../cloud/provider-http.ts';
import {
  type BridgeRole,
  type DriverCapabilities,
  DriverError,
  type OriginateRequest,
  PBX_CAPABILITIES,
  type RecordingTarget,
  type TelephonyDriver,
} from '../driver.ts';
import { handleTwilioWebhook } from './twilio-callbacks.ts';
import { PROGRESS, type TwilioCallbackTarget, type TwilioChannel, twilioTo } from './twilio-channels.ts';
import { TwilioRecordings } from './twilio-recordings.ts';
import { type TwilioRest, twilioRest } from './twilio-rest.ts';
import { type ChannelUrls, dialTwiml, digitsTwiml, type Plan, planTwiml, playTwiml } from './twiml.ts';

/**
 * What Twilio does here: the whole contract, with conferences for bridges (a listener joins `muted`, a
 * whisperer as Twilio's `coach` of the bridge's agent) and Twilio's call recordings.
 */
export const TWILIO_CAPABILITIES: DriverCapabilities = PBX_CAPABILITIES;

export interface TwilioDriverOptions {
  readonly accountSid: string;
  /** Signs Twilio's callbacks (always needed), and authenticates REST calls unless an API key is given. */
  readonly authToken: string;
  readonly apiKey?: string;
  readonly apiSecret?: string;
  /** The Twilio number (or verified caller id) calls are made from. */
  readonly callerId: string;
  /** Switchboard's public base URL, as Twilio reaches it (callbacks are signed against it). */
  readonly publicBaseUrl: string;
  /** Instead of https://api.twilio.com. */
  readonly apiBaseUrl?: string;
  /** Where `sound:NAME` and `tone:NAME` prompts are served from (`<base>/sound/NAME.wav`). */
  readonly mediaBaseUrl?: string;
  readonly fetch: ProviderFetch;
  readonly clock: Clock;
  readonly log?: Log;
  /** How long one REST request may take before it counts as the provider failing (default 10 s). */
  readonly requestTimeoutMs?: number;
}

/** Twilio's longest ring (`Timeout`), in seconds. */
const MAX_RING_SECONDS = 600;

/**
 * The telephony driver for Twilio Programmable Voice. A channel is one Twilio call; a bridge is a
 * conference named by the bridge id. Twilio drives a call by the TwiML it fetches: each channel has a
 * plan (wait for keys with `<Gather>`, ring back, hold, sit in a conference) that Switchboard serves
 * when Twilio asks and pushes (by updating the call) when it changes. Events come from status
 * callbacks, signed with `X-Twilio-Signature` and checked before anything is believed; duplicates and
 * late (out-of-order) callbacks are ignored, since a call only moves forward.
 */
export class TwilioDriver
  extends CloudDriverBase
  implements TelephonyDriver, WebhookReceiver, TwilioCallbackTarget
{
  readonly name = 'twilio';
  readonly provider = 'twilio';
  readonly capabilities = TWILIO_CAPABILITIES;
  readonly publicBaseUrl: string;
  readonly mediaBaseUrl: string;
  readonly options: TwilioDriverOptions;
  readonly authToken: string;
  readonly log: Log;
  readonly rest: TwilioRest;
  /** Live channels by id, and by CallSid. */
  readonly channels = new Map<string, TwilioChannel>();
  readonly bySid = new Map<string, string>();
  /** Bridges: their members and roles, in the order they joined. */
  readonly bridges = new Map<string, Map<string, BridgeRole>>();
  /** Prompts playing: the channel each plays to. */
  readonly playbacks = new Map<string, string>();
  /** Conference SIDs by bridge id, as Twilio's conference callbacks tell them. */
  readonly conferences = new Map<string, string>();
  override readonly recordings: TwilioRecordings;

  constructor(options: TwilioDriverOptions) {
    super();
    this.options = options;
    this.authToken = options.authToken;
    this.log = options.log ?? SILENT_LOG;
    this.publicBaseUrl = options.publicBaseUrl.replace(/\/+$/, '');
    this.mediaBaseUrl = (options.mediaBaseUrl ?? `${this.publicBaseUrl}/media`).replace(/\/+$/, '');
    this.rest = twilioRest({
      accountSid: options.accountSid,
      secret: options.apiKey ? (options.apiSecret ?? '') : options.authToken,
      ...(options.apiKey && { apiKey: options.apiKey }),
      ...(options.apiBaseUrl && { apiBaseUrl: options.apiBaseUrl }),
      fetch: options.fetch,
      clock: options.clock,
      timeoutMs: options.requestTimeoutMs ?? 10_000,
    });
    this.recordings = new TwilioRecordings({
      rest: this.rest,
      clock: options.clock,
      accountSid: options.accountSid,
      emit: (event) => this.emit(event),
      callbackUrl: (recordingId) => `${this.base()}/recording?recording=${encodeURIComponent(recordingId)}`,
    });
  }

  // --- Lifecycle and events ----------------------------------------------------------------------

  /** Twilio keeps no connection open: the driver is ready once started; callbacks arrive over HTTP. */
  async start(): Promise<void> {
    this.markStarted();
  }

  async stop(): Promise<void> {
    this.markStopped();
  }

  /** Resolves once work the driver began by itself (a recording's time limit) is done. */
  idle(): Promise<void> {
    return this.recordings.idle();
  }

  handleWebhook(request: WebhookRequest): Promise<WebhookReply> {
    return handleTwilioWebhook(this, request);
  }

  // --- Channels ----------------------------------------------------------------------------------

  async originate(request: OriginateRequest): Promise<void> {
    this.assertStarted();
    const { channelId, endpoint, timeoutMs } = request;
    if (!channelId || this.channels.has(channelId)) {
      throw new DriverError('invalid', `channel id "${channelId}" is missing or already in use`);
    }
    const channel: TwilioChannel = {
      id: channelId,
      direction: 'outbound',
      endpoint,
      progress: 'dialling',
      plan: { kind: 'idle' },
      held: false,
    };
    this.channels.set(channelId, channel);
    const urls = this.urls(channelId);
    try {
      const call = await this.rest.calls.create({
        to: twilioTo(endpoint),
        from: this.options.callerId,
        url: urls.twiml,
        method: 'POST',
        statusCallback: `${this.base()}/status?channel=${encodeURIComponent(channelId)}`,
        statusCallbackMethod: 'POST',
        statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
        ...(timeoutMs !== undefined && {
          timeout: Math.min(MAX_RING_SECONDS, Math.max(1, Math.ceil(timeoutMs / 1_000))),
        }),
      });
      if (!channel.sid) this.knowSid(channel, call.sid);
    } catch (error) {
      this.channels.delete(channelId);
      throw error;
    }
  }

  /** Twilio already runs TwiML for an inbound call: answering stops the ringback and reports it up. */
  async answer(channelId: string): Promise<void> {
    const channel = this.channel(channelId);
    if (channel.direction !== 'inbound') {
      throw new DriverError(
        'invalid',
        `channel "${channelId}" is outbound: only its remote party answers it`,
      );
    }
    if (PROGRESS[channel.progress] >= PROGRESS.answered) return;
    channel.progress = 'answered';
    if (channel.plan.kind === 'ringback') await this.setPlan(channel, { kind: 'idle' });
    this.emit({ type: 'channel.answered', channelId });
  }

  async ring(channelId: string): Promise<void> {
    const channel = this.channel(channelId);
    if (channel.direction !== 'inbound' || PROGRESS[channel.progress] >= PROGRESS.answered) {
      throw new DriverError('invalid', `channel "${channelId}" is not an inbound caller waiting`);
    }
    channel.plan = { kind: 'ringback' };
    await this.push(channel, this.planOf(channel));
  }

  async hangup(channelId: string, cause: HangupCause): Promise<void> {
    const channel = this.channel(channelId);
    if (channel.sid) {
      const status = channel.progress === 'answered' ? 'completed' : 'canceled';
      try {
        await this.rest.calls(channel.sid).update({ status });
      } catch (error) {
        // Twilio no longer knows the call: it has ended already, which is what was asked.
        if ((error as DriverError).kind !== 'not_found') throw error;
      }
    }
    this.end(channel, cause);
  }

  /** A party in a conference is held there (participant `hold`, music from `holdUrl`); one alone hears music. */
  async hold(channelId: string): Promise<void> {
    await this.setHeld(this.answered(channelId, 'hold'), true);
  }

  async unhold(channelId: string): Promise<void> {
    await this.setHeld(this.answered(channelId, 'unhold'), false);
  }

  async sendDtmf(channelId: string, digits: string): Promise<void> {
    const channel = this.answered(channelId, 'send DTMF to');
    await this.push(channel, digitsTwiml(digits, this.urls(channelId)));
  }

  /** The call is dialled elsewhere by TwiML and leaves Switchboard: its channel ends `normal`. */
  async redirect(channelId: string, endpoint: Address): Promise<void> {
    const channel = this.answered(channelId, 'redirect');
    await this.push(channel, dialTwiml(twilioTo(endpoint), this.options.callerId));
    this.end(channel, 'normal');
  }

  // --- Bridges (conferences) ---------------------------------------------------------------------

  /** A conference starts when its first party joins; a bridge is its name until then. */
  async createBridge(bridgeId: string): Promise<void> {
    this.assertStarted();
    if (this.bridges.has(bridgeId)) throw new DriverError('invalid', `bridge "${bridgeId}" exists already`);
    this.bridges.set(bridgeId, new Map());
  }

  async destroyBridge(bridgeId: string): Promise<void> {
    const members = this.bridge(bridgeId);
    this.bridges.delete(bridgeId);
    this.conferences.delete(bridgeId);
    for (const channelId of members.keys()) {
      const channel = this.channels.get(channelId);
      if (channel) await this.setPlan(channel, { kind: 'idle' });
    }
  }

  async addToBridge(bridgeId: string, channelId: string, role: BridgeRole = 'normal'): Promise<void> {
    const members = this.bridge(bridgeId);
    const channel = this.channel(channelId);
    for (const [otherId, other] of this.bridges) if (otherId !== bridgeId) other.delete(channelId);
    members.set(channelId, role);
    const coach = role === 'whisper' ? this.agentOf(members)?.sid : undefined;
    await this.setPlan(channel, { kind: 'bridge', bridgeId, role, ...(coach && { coach }) });
  }

  async removeFromBridge(bridgeId: string, channelId: string): Promise<void> {
    const members = this.bridge(bridgeId);
    const channel = this.channel(channelId);
    if (!members.delete(channelId)) {
      throw new DriverError('not_found', `channel "${channelId}" is not in bridge "${bridgeId}"`);
    }
    await this.setPlan(channel, { kind: 'idle' });
  }

  async mute(channelId: string): Promise<void> {
    await this.setMuted(channelId, true);
  }

  async unmute(channelId: string): Promise<void> {
    await this.setMuted(channelId, false);
  }

  // --- Media -------------------------------------------------------------------------------------

  /** Plays with `<Play>` (`sound:`/`tone:` names from the media base URL, or a URL) or speaks text with `<Say>`. */
  async play(channelId: string, playbackId: string, media: string): Promise<void> {
    const channel = this.answered(channelId, 'play to');
    this.playbacks.set(playbackId, channelId);
    try {
      await this.push(channel, playTwiml(media, playbackId, this.urls(channelId), this.mediaBaseUrl));
    } catch (error) {
      this.playbacks.delete(playbackId);
      throw error;
    }
  }

  async stopPlayback(playbackId: string): Promise<void> {
    const channelId = this.playbacks.get(playbackId);
    const channel = channelId === undefined ? undefined : this.channels.get(channelId);
    if (!channel) throw new DriverError('not_found', `no playback "${playbackId}"`);
    this.playbacks.delete(playbackId);
    await this.push(channel, this.planOf(channel));
    this.emit({ type: 'playback.finished', playbackId, channelId: channel.id });
  }

  /** Records a channel's call, or a bridge through the call of its first member (it hears them all). */
  async startRecording(
    target: RecordingTarget,
    recordingId: string,
    options: { maxDurationMs?: number } = {},
  ): Promise<void> {
    const channelId = target.kind === 'channel' ? target.id : [...this.bridge(target.id).keys()][0];
    if (channelId === undefined) throw new DriverError('invalid', `bridge "${target.id}" is empty`);
    const channel = this.answered(channelId, 'record');
    await this.recordings.start(target, recordingId, channel, options.maxDurationMs);
  }

  async stopRecording(recordingId: string): Promise<void> {
    await this.recordings.stop(recordingId);
  }

  recordingCompleted(recordingId: string, sid: string | undefined, url: string | undefined): void {
    this.recordings.completed(recordingId, sid, url);
  }

  // --- Inside ------------------------------------------------------------------------------------

  /** The callback URLs of one channel. */
  urls(channelId: string): ChannelUrls {
    const base = this.base();
    const channel = `channel=${encodeURIComponent(channelId)}`;
    return {
      twiml: `${base}/twiml?${channel}`,
      gather: `${base}/gather?${channel}`,
      played: (playbackId) => `${base}/played?${channel}&playback=${encodeURIComponent(playbackId)}`,
      conference: (bridgeId) => `${base}/conference?bridge=${encodeURIComponent(bridgeId)}`,
    };
  }

  /** The TwiML a channel runs now: on hold, or its plan. */
  planOf(channel: TwilioChannel): string {
    const plan: Plan = channel.held && channel.plan.kind !== 'bridge' ? { kind: 'hold' } : channel.plan;
    return planTwiml(plan, this.urls(channel.id), this.mediaBaseUrl);
  }

  knowSid(channel: TwilioChannel, sid: string): void {
    channel.sid = sid;
    this.bySid.set(sid, channel.id);
  }

  /** Ends a channel once: it leaves its bridges and reports `channel.hangup`; later callbacks find nothing. */
  end(channel: TwilioChannel, cause: HangupCause): void {
    if (channel.progress === 'ended') return;
    channel.progress = 'ended';
    this.channels.delete(channel.id);
    if (channel.sid) {
      this.bySid.delete(channel.sid);
      // Twilio completes a call's recordings with it: they end before the channel does.
      this.recordings.callEnded(channel.sid);
    }
    for (const members of this.bridges.values()) members.delete(channel.id);
    for (const [playbackId, channelId] of this.playbacks) {
      if (channelId === channel.id) this.playbacks.delete(playbackId);
    }
    this.emit({ type: 'channel.hangup', channelId: channel.id, cause });
  }

  private base(): string {
    return `${this.publicBaseUrl}${callbackPath(this.provider)}`;
  }

  private async setPlan(channel: TwilioChannel, plan: Plan): Promise<void> {
    channel.plan = plan;
    await this.push(channel, this.planOf(channel));
  }

  /**
   * Sends new TwiML to a call that runs TwiML now. A call still ringing gets its plan when Twilio
   * fetches it on answer instead; a party that has hung up has no call to update.
   */
  private async push(channel: TwilioChannel, twiml: string): Promise<void> {
    const running = channel.direction === 'inbound' || channel.progress === 'answered';
    if (!channel.sid || !running || channel.progress === 'ended') return;
    await this.rest.calls(channel.sid).update({ twiml });
  }

  private async setHeld(channel: TwilioChannel, held: boolean): Promise<void> {
    if (channel.plan.kind !== 'bridge') {
      channel.held = held;
      await this.push(channel, this.planOf(channel));
      return;
    }
    await this.updateParticipant(channel, {
      hold: held,
      ...(held && { holdUrl: `${this.mediaBaseUrl}/sound/hold-music.wav`, holdMethod: 'GET' as const }),
    });
    channel.held = held;
  }

  private async setMuted(channelId: string, muted: boolean): Promise<void> {
    await this.updateParticipant(this.channel(channelId), { muted });
  }

  /** Changes the channel's participant in its bridge's conference (mute, hold). */
  private async updateParticipant(
    channel: TwilioChannel,
    change: { muted?: boolean; hold?: boolean; holdUrl?: string; holdMethod?: 'GET' },
  ): Promise<void> {
    if (!channel.sid || channel.plan.kind !== 'bridge') {
      throw new DriverError('invalid', `channel "${channel.id}" is not in a conference`);
    }
    const conference = await this.conferenceSid(channel.plan.bridgeId);
    await this.rest.conferences(conference).participants(channel.sid).update(change);
  }

  private async conferenceSid(bridgeId: string): Promise<string> {
    const known = this.conferences.get(bridgeId);
    if (known) return known;
    const [found] = await this.rest.conferences.list({
      friendlyName: bridgeId,
      status: 'in-progress',
      limit: 1,
    });
    if (!found) throw new DriverError('not_found', `Twilio has no conference for bridge "${bridgeId}" yet`);
    this.conferences.set(bridgeId, found.sid);
    return found.sid;
  }

  /** The bridge's agent: the first normal member dialled to a phone (not a number), else the first normal one. */
  private agentOf(members: Map<string, BridgeRole>): TwilioChannel | undefined {
    const normal = [...members]
      .filter(([, role]) => role === 'normal')
      .map(([id]) => this.channels.get(id))
      .filter((c): c is TwilioChannel => c !== undefined);
    return normal.find((c) => c.endpoint && c.endpoint.kind !== 'number') ?? normal[0];
  }

  private channel(channelId: string): TwilioChannel {
    this.assertStarted();
    const channel = this.channels.get(channelId);
    if (!channel) throw new DriverError('not_found', `no channel "${channelId}"`);
    return channel;
  }

  private answered(channelId: string, what: string): TwilioChannel {
    const channel = this.channel(channelId);
    if (channel.progress !== 'answered') {
      throw new DriverError('invalid', `cannot ${what} channel "${channelId}": it is not answered`);
    }
    return channel;
  }

  private bridge(bridgeId: string): Map<string, BridgeRole> {
    this.assertStarted();
    const members = this.bridges.get(bridgeId);
    if (!members) throw new DriverError('not_found', `no bridge "${bridgeId}"`);
    return members;
  }
}
