import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Address, HangupCause } from '../../core/call.ts';
import type { Clock, TimerHandle } from '../../core/clock.ts';
import { type Log, SILENT_LOG } from '../../core/log.ts';
import {
  acknowledged,
  callbackPath,
  refused,
  type WebhookReceiver,
  type WebhookReply,
  type WebhookRequest,
} from '../../core/provider-callbacks.ts';
import { CloudDriverBase } from '../cloud/cloud-driver.ts';
import type { ProviderFetch } from '../cloud/provider-http.ts';
import {
  type DriverCapabilities,
  DriverError,
  type OriginateRequest,
  type TelephonyDriver,
} from '../driver.ts';
import { ExotelApi } from './exotel-api.ts';

/**
 * What Exotel's call API does: it calls one party, then connects a second (or runs a flow); it cannot
 * hold, send keys, play, move or end a call in progress, nor join parties of different calls.
 */
export const EXOTEL_CAPABILITIES: DriverCapabilities = Object.freeze({
  hold: false,
  dtmf: false,
  redirect: false,
  bridgeRoles: Object.freeze([] as const),
  mute: false,
  playback: false,
  recording: false,
  hangup: false,
  bridging: false,
});

export interface ExotelDriverOptions {
  readonly sid: string;
  readonly apiKey: string;
  readonly apiToken: string;
  /** https://api.exotel.com, https://api.in.exotel.com, or a test's fake. */
  readonly apiBaseUrl: string;
  /** The ExoPhone the parties see. */
  readonly virtualNumber: string;
  /** The flow (app) a call to a single number runs once answered; without it only click-to-dial works. */
  readonly appId?: string;
  readonly publicBaseUrl: string;
  readonly fetch: ProviderFetch;
  readonly clock: Clock;
  readonly log?: Log;
  readonly requestTimeoutMs?: number;
  /** How often calls not heard of for that long are read back from Call details (default 60 s). */
  readonly pollIntervalMs?: number;
}

/** One Exotel call: its first party, and the second it connects (click-to-dial's number). */
interface ExotelConnection {
  sid?: string;
  readonly legs: [string, string | undefined];
  /** The number Exotel dials once the first party answers. */
  readonly second?: string;
  /** The second party answered before the engine named its channel. */
  secondAnswered: boolean;
  lastHeard: number;
}

interface ExotelChannel {
  readonly id: string;
  readonly connection: ExotelConnection;
  readonly leg: 0 | 1;
  answered: boolean;
}

/** Exotel's leg and call statuses as hang-up causes. */
const CAUSES: Readonly<Record<string, HangupCause>> = {
  completed: 'normal',
  busy: 'busy',
  'no-answer': 'no_answer',
  failed: 'unreachable',
  canceled: 'canceled',
};
const UP = new Set(['in-progress', 'answered', 'completed']);

/**
 * The telephony driver for Exotel (Voice v1). Click-to-dial is one connect request: Exotel calls the
 * agent's phone (`From`), and once it answers the customer (`To`); the engine's second channel is bound
 * to that second leg instead of being dialled (see {@link OriginateRequest.next}). A call to one number
 * connects it to the flow `appId`. Status callbacks (`answered` per leg, then `terminal` with every
 * leg's status) carry a secret in their URL, checked before anything is believed; each channel moves
 * forward once, so repeated or late callbacks change nothing. A call not heard of for a while is read
 * back from Call details, in case its terminal callback was lost (Exotel advises it).
 */
export class ExotelDriver extends CloudDriverBase implements TelephonyDriver, WebhookReceiver {
  readonly name = 'exotel';
  readonly provider = 'exotel';
  readonly capabilities = EXOTEL_CAPABILITIES;
  readonly publicBaseUrl: string;
  private readonly options: ExotelDriverOptions;
  private readonly api: ExotelApi;
  private readonly log: Log;
  private readonly secret: Buffer;
  private readonly channels = new Map<string, ExotelChannel>();
  private readonly bridges = new Map<string, Set<string>>();
  private poll: TimerHandle | undefined;
  private reconciling: Promise<void> = Promise.resolve();

  constructor(options: ExotelDriverOptions) {
    super();
    this.options = options;
    this.log = options.log ?? SILENT_LOG;
    this.publicBaseUrl = options.publicBaseUrl.replace(/\/+$/, '');
    // Exotel signs nothing: callbacks carry a secret derived from the API token in their URL.
    this.secret = createHmac('sha256', options.apiToken).update('switchboard exotel callbacks').digest();
    this.api = new ExotelApi({
      sid: options.sid,
      apiKey: options.apiKey,
      apiToken: options.apiToken,
      baseUrl: options.apiBaseUrl.replace(/\/+$/, ''),
      fetch: options.fetch,
      clock: options.clock,
      timeoutMs: options.requestTimeoutMs ?? 10_000,
    });
  }

  async start(): Promise<void> {
    if (this.markStarted()) this.schedulePoll();
  }

  async stop(): Promise<void> {
    this.markStopped();
    if (this.poll) this.options.clock.clearTimer(this.poll);
    this.poll = undefined;
  }

  /** Resolves once a read-back of quiet calls in progress (if any) is done. */
  idle(): Promise<void> {
    return this.reconciling;
  }

  /** The channels of an Exotel call, first party then second (for tests and operators' tooling). */
  channelsOf(callSid: string): string[] {
    const connection = [...this.channels.values()].find((c) => c.connection.sid === callSid)?.connection;
    return connection ? connection.legs.filter((l): l is string => l !== undefined) : [];
  }

  async originate(request: OriginateRequest): Promise<void> {
    this.assertStarted();
    const { channelId, endpoint, next, joins } = request;
    if (!channelId || this.channels.has(channelId)) {
      throw new DriverError('invalid', `channel id "${channelId}" is missing or already in use`);
    }
    if (endpoint.kind !== 'number') {
      throw new DriverError('invalid', `Exotel dials phone numbers only, not "${endpoint.value}"`);
    }
    if (joins !== undefined) return this.bindSecond(channelId, endpoint, joins);
    if (next === undefined && this.options.appId === undefined) {
      throw new DriverError('not_supported', 'calling one number needs EXOTEL_APP_ID, the flow it runs');
    }
    const connection: ExotelConnection = {
      legs: [channelId, undefined],
      ...(next && { second: next.value }),
      secondAnswered: false,
      lastHeard: this.options.clock.now(),
    };
    const channel: ExotelChannel = { id: channelId, connection, leg: 0, answered: false };
    this.channels.set(channelId, channel);
    const seconds = String(Math.max(1, Math.ceil((request.timeoutMs ?? 30_000) / 1_000)));
    const callback = `${this.base()}/status?channel=${encodeURIComponent(channelId)}&token=${this.token()}`;
    try {
      const call = await this.api.connect({
        From: endpoint.value,
        CallerId: this.options.virtualNumber,
        ...(next
          ? { To: next.value }
          : { Url: `http://my.exotel.com/${this.options.sid}/exoml/start_voice/${this.options.appId}` }),
        TimeOut: seconds,
        CustomField: channelId,
        StatusCallback: callback,
        StatusCallbackEvents: ['terminal', 'answered'],
        StatusCallbackContentType: 'application/json',
      });
      connection.sid = call.Sid;
    } catch (error) {
      this.channels.delete(channelId);
      throw error;
    }
  }

  /** No request: the second party is the `To` of the first party's connect, which Exotel dials itself. */
  private bindSecond(channelId: string, endpoint: Address, joins: string): void {
    const first = this.channels.get(joins);
    const connection = first?.connection;
    if (!connection || connection.second !== endpoint.value || connection.legs[1] !== undefined) {
      throw new DriverError(
        'not_supported',
        'Exotel connects a second party only as the To of the connect request that called the first',
      );
    }
    connection.legs[1] = channelId;
    const channel: ExotelChannel = { id: channelId, connection, leg: 1, answered: false };
    this.channels.set(channelId, channel);
    if (connection.secondAnswered) queueMicrotask(() => this.answered(channel));
  }

  /**
   * Exotel's call API cannot end a call in progress: the channel ends here, and Exotel's call goes on
   * until a party hangs up or its ring time-out ends it. The engine refuses hang-ups it is asked for.
   */
  async hangup(channelId: string, cause: HangupCause): Promise<void> {
    const channel = this.channel(channelId);
    if (channel.answered)
      this.log.warn({ channelId }, 'Exotel cannot end a call in progress; its parties will');
    this.end(channel, cause);
  }

  async createBridge(bridgeId: string): Promise<void> {
    this.assertStarted();
    this.bridges.set(bridgeId, new Set());
  }

  async destroyBridge(bridgeId: string): Promise<void> {
    this.bridges.delete(bridgeId);
  }

  /** Only the two legs of one Exotel call sit together (Exotel connected them itself). */
  async addToBridge(bridgeId: string, channelId: string): Promise<void> {
    const members = this.bridges.get(bridgeId);
    if (!members) throw new DriverError('not_found', `no bridge "${bridgeId}"`);
    const channel = this.channel(channelId);
    for (const memberId of members) {
      if (this.channels.get(memberId)?.connection !== channel.connection) {
        this.notSupported('join parties of different calls');
      }
    }
    members.add(channelId);
  }

  async removeFromBridge(bridgeId: string, channelId: string): Promise<void> {
    this.bridges.get(bridgeId)?.delete(channelId);
  }

  async answer(): Promise<void> {
    this.notSupported('answer calls (inbound calls run their Exotel flow)');
  }
  async ring(): Promise<void> {
    this.notSupported('send ringback');
  }
  async hold(): Promise<void> {
    this.notSupported('hold a party');
  }
  async unhold(): Promise<void> {
    this.notSupported('hold a party');
  }
  async sendDtmf(): Promise<void> {
    this.notSupported('send DTMF');
  }
  async redirect(): Promise<void> {
    this.notSupported('move a call in progress');
  }
  async mute(): Promise<void> {
    this.notSupported('mute a party');
  }
  async unmute(): Promise<void> {
    this.notSupported('mute a party');
  }
  async play(): Promise<void> {
    this.notSupported('play prompts');
  }
  async stopPlayback(): Promise<void> {
    this.notSupported('play prompts');
  }
  async startRecording(): Promise<void> {
    this.notSupported('record through the engine (set recording on the Exotel flow)');
  }
  async stopRecording(): Promise<void> {
    this.notSupported('record through the engine');
  }

  // --- Callbacks ---------------------------------------------------------------------------------

  /** POST /api/v1/telephony/exotel/status?channel=…&token=…: Exotel's status callbacks (JSON). */
  async handleWebhook(request: WebhookRequest): Promise<WebhookReply> {
    if (!this.validToken(request.query.token)) {
      this.log.warn({ path: request.path }, 'an Exotel callback without the right token was refused');
      return refused(403, 'the callback token does not match');
    }
    if (request.path !== '/status' || request.method !== 'POST') {
      return refused(404, `no Exotel callback at ${request.path}`);
    }
    const channel = this.channels.get(request.query.channel ?? '');
    if (!channel) return acknowledged();
    const body = request.body as {
      EventType?: unknown;
      Status?: unknown;
      Legs?: unknown;
      RecordingUrl?: unknown;
    };
    const legs = Array.isArray(body.Legs) ? (body.Legs as { Status?: unknown }[]) : [];
    const status = (i: number) => String(legs[i]?.Status ?? '');
    channel.connection.lastHeard = this.options.clock.now();
    if (body.EventType === 'answered') {
      // One per leg as it answers; each leg listed with its status so far.
      for (const i of [0, 1] as const) if (UP.has(status(i))) this.legAnswered(channel.connection, i);
      if (legs.length === 0) this.legAnswered(channel.connection, 0);
      return acknowledged();
    }
    const overall = String(body.Status ?? '');
    if (CAUSES[overall] === undefined) return acknowledged();
    if (typeof body.RecordingUrl === 'string' && body.RecordingUrl !== '') {
      this.log.info({ channelId: channel.id, recordingUrl: body.RecordingUrl }, 'Exotel recorded the call');
    }
    this.finish(channel.connection, legs.length > 0 ? [status(0), status(1) || overall] : [overall, overall]);
    return acknowledged();
  }

  // --- Inside ------------------------------------------------------------------------------------

  private legAnswered(connection: ExotelConnection, leg: 0 | 1): void {
    const channelId = connection.legs[leg];
    const channel = channelId === undefined ? undefined : this.channels.get(channelId);
    if (channel) this.answered(channel);
    else if (leg === 1) connection.secondAnswered = true;
  }

  private answered(channel: ExotelChannel): void {
    if (channel.answered || !this.channels.has(channel.id)) return;
    channel.answered = true;
    this.emit({ type: 'channel.answered', channelId: channel.id });
  }

  /**
   * The call is over: each leg ends with its own status. The second leg is reported first: when it
   * failed (busy, no answer) that is why the call ended, and the first party only left after it.
   */
  private finish(connection: ExotelConnection, statuses: [string, string]): void {
    for (const i of [1, 0] as const) {
      const channelId = connection.legs[i];
      const channel = channelId === undefined ? undefined : this.channels.get(channelId);
      if (!channel) continue;
      const cause = CAUSES[statuses[i]] ?? 'normal';
      // A leg that talked ended normally, whatever the overall status says about the other one.
      this.end(channel, channel.answered ? 'normal' : cause);
    }
  }

  private end(channel: ExotelChannel, cause: HangupCause): void {
    if (!this.channels.delete(channel.id)) return;
    for (const members of this.bridges.values()) members.delete(channel.id);
    this.emit({ type: 'channel.hangup', channelId: channel.id, cause });
  }

  /** Reads back calls not heard of for a poll interval; ends those Exotel has finished. */
  private schedulePoll(): void {
    const every = this.options.pollIntervalMs ?? 60_000;
    this.poll = this.options.clock.setTimer(every, () => {
      if (!this.started) return;
      this.reconciling = this.reconcile(every).finally(() => {
        if (this.started) this.schedulePoll();
      });
    });
  }

  private async reconcile(quietMs: number): Promise<void> {
    const now = this.options.clock.now();
    const connections = new Set([...this.channels.values()].map((c) => c.connection));
    for (const connection of connections) {
      if (!connection.sid || now - connection.lastHeard < quietMs) continue;
      try {
        const call = await this.api.details(connection.sid);
        connection.lastHeard = now;
        if (CAUSES[call.Status] !== undefined) this.finish(connection, [call.Status, call.Status]);
      } catch (error) {
        this.log.warn({ err: error, callSid: connection.sid }, 'Exotel call details could not be read');
      }
    }
  }

  private token(): string {
    return this.secret.toString('hex').slice(0, 32);
  }

  private validToken(given: string | undefined): boolean {
    const expected = Buffer.from(this.token());
    const presented = Buffer.from(given ?? '');
    return presented.length === expected.length && timingSafeEqual(presented, expected);
  }

  private base(): string {
    return `${this.publicBaseUrl}${callbackPath(this.provider)}`;
  }

  private channel(channelId: string): ExotelChannel {
    this.assertStarted();
    const channel = this.channels.get(channelId);
    if (!channel) throw new DriverError('not_found', `no channel "${channelId}"`);
    return channel;
  }
}
