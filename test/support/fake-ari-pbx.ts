import type { Clock, TimerHandle } from '../../src/core/clock.ts';
import { toneWav } from '../../src/telephony/sim/wav.ts';
import {
  ASTERISK_ID,
  asteriskTime,
  type FakeAriServer,
  type FakeBackend,
  type FakeRequest,
  type FakeResponse,
} from './fake-ari.ts';

/**
 * A small Asterisk behind the fake ARI server: channels, bridges, snoops, playbacks and recordings,
 * with the event sequences, status codes and error bodies of the recorded transcripts
 * (test/fixtures/ari). Each sequence below names the transcript it follows. Remote parties act when
 * a test tells them to (`party*`), or by the behaviour set for the endpoint dialled; all time goes
 * through the clock given, so a test moves it with a virtual clock.
 */

/** What the phone at a dialled endpoint does, as the rig's SIPp phones did. */
export type PartyBehaviour =
  /** Rings (180) until told otherwise or the originate timeout (PJSIP/1006). */
  | { readonly kind: 'ring' }
  /** Rings, then answers after `afterMs` (PJSIP/1001: 1000 ms). */
  | { readonly kind: 'answer'; readonly afterMs?: number }
  /** 486 Busy Here after `afterMs` (default 300), without ringing (PJSIP/1005). */
  | { readonly kind: 'busy'; readonly afterMs?: number }
  /** Does not exist: POST /channels answers 500 "Allocation failed" (PJSIP/9999). */
  | { readonly kind: 'unknown' }
  /** The trunk fails the call: 503 with cause 34 (circuit/channel congestion) after `afterMs` (default 0). */
  | { readonly kind: 'congestion'; readonly afterMs?: number };

type ChannelState = 'Down' | 'Ring' | 'Ringing' | 'Up';

export interface FakeChannel {
  readonly id: string;
  readonly name: string;
  state: ChannelState;
  readonly direction: 'inbound' | 'outbound' | 'snoop';
  readonly app: string;
  readonly args: string[];
  readonly caller: { name: string; number: string };
  connected: { name: string; number: string };
  dialplan: { context: string; exten: string; priority: number; app_name: string; app_data: string };
  readonly creationtime: string;
  readonly protocolId: string;
  readonly dialstring: string;
  inStasis: boolean;
  bridge: FakeBridge | undefined;
  ending: boolean;
  timers: TimerHandle[];
  /** Digits sent to this party with POST dtmf. */
  dtmfReceived: string;
  onHold: boolean;
  moh: boolean;
  /** Muted with `direction=in` or `both`: nobody hears the party (`conference-three-party`). */
  muted: boolean;
  /** For a snoop: the channel it spies on, and how. */
  snoopOf?: string;
  spy?: string;
  whisper?: string;
  /** After a redirect of an answered call: the phone never lets the original leg go (baresip). */
  keepsLegAfterRefer: boolean;
}

export interface FakeBridge {
  readonly id: string;
  readonly name: string;
  readonly app: string;
  readonly type: string;
  readonly members: FakeChannel[];
  readonly creationtime: string;
  moh: boolean;
}

interface FakePlayback {
  readonly id: string;
  readonly media: string;
  readonly channel: FakeChannel;
  timer: TimerHandle | undefined;
}

interface FakeRecording {
  readonly name: string;
  readonly format: string;
  readonly targetUri: string;
  readonly app: string;
  /** Recorded before the current stretch; a pause records nothing (`recording-pause-resume`). */
  recordedMs: number;
  /** When the current stretch began; undefined while paused. */
  since: number | undefined;
  timer: TimerHandle | undefined;
}

/** A finished recording's file as Asterisk keeps it until DELETE /recordings/stored/{name}. */
interface StoredRecording {
  readonly format: string;
  readonly durationMs: number;
}

const HANGUP_REASONS: Record<string, [number, string, number?]> = {
  normal: [16, 'Normal Clearing'],
  busy: [17, 'User busy', 486],
  congestion: [34, 'Circuit/channel congestion', 503],
  no_answer: [19, 'User alerting, no answer', 480],
  timeout: [18, 'No user responding', 408],
  rejected: [21, 'Call Rejected', 603],
  unallocated: [1, 'Unallocated (unassigned) number', 404],
  normal_unspecified: [31, 'Normal, unspecified'],
  number_incomplete: [28, 'Invalid number format (addr incomplete)', 484],
  codec_mismatch: [58, 'Bearer capability not available', 488],
  interworking: [127, 'Interworking, unspecified'],
  failure: [38, 'Network out of order', 500],
  answered_elsewhere: [26, 'Answered elsewhere'],
};

const RECORDING_FORMATS = new Set(['wav', 'gsm', 'ulaw', 'alaw', 'sln', 'wav16']);

/** GET /asterisk/info as the rig's Asterisk 22.10.1 answered it. */
export const ASTERISK_INFO = {
  build: {
    os: 'Linux',
    kernel: '6.18.44-fc-v769',
    machine: 'x86_64',
    options: 'OPTIONAL_API',
    date: '2026-11-22 03:38:18 UTC',
    user: 'root',
  },
  system: { version: '22.10.1', entity_id: ASTERISK_ID },
  config: { name: '', default_language: 'en', setid: { user: '', group: '' }, max_channels: 200 },
  status: { startup_time: '2026-11-22T03:58:30.075+0000', last_reload_time: '2026-11-22T03:58:30.075+0000' },
};

const notFound = (what: string): FakeResponse => ({ status: 404, body: { message: what } });

/** A WAV file of `durationMs` of tone, as the bytes a response carries. */
async function toneWavBytes(durationMs: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of toneWav(durationMs)) chunks.push(chunk);
  return Buffer.concat(chunks);
}
const bad = (status: number, message: string): FakeResponse => ({ status, body: { message } });
const NO_CONTENT: FakeResponse = { status: 204 };

/** The fake ARI server's backend that behaves like a small Asterisk. */
export class FakePbx implements FakeBackend {
  readonly channels = new Map<string, FakeChannel>();
  readonly bridges = new Map<string, FakeBridge>();
  readonly playbacks = new Map<string, FakePlayback>();
  readonly recordings = new Map<string, FakeRecording>();
  readonly storedRecordings = new Map<string, StoredRecording>();
  /** The application bridges report to (ARI creates them without naming one). */
  defaultApp = 'switchboard';
  /** How long `sound:` media plays. */
  playbackMs = 1_000;
  /** How long a phone that accepted a REFER takes to hang up the original leg. */
  referHangupMs = 1_500;
  private readonly behaviours: [string, PartyBehaviour][] = [];
  /** Registered phones (`PJSIP/1003`); every other endpoint is offline. */
  private readonly online = new Set<string>();
  /** Endpoints each application subscribed to (POST /applications/{app}/subscription). */
  private readonly subscriptions = new Map<string, Set<string>>();
  private seq = 0;
  private nameSeq = 0;
  private readonly epoch = 1_795_320_000;

  constructor(
    private readonly server: FakeAriServer,
    private readonly clock: Clock,
  ) {}

  /** Sets what the phone at endpoints starting with `prefix` does when dialled (longest prefix wins). */
  behave(prefix: string, behaviour: PartyBehaviour): void {
    this.behaviours.push([prefix, behaviour]);
    this.behaviours.sort((a, b) => b[0].length - a[0].length);
  }

  /** A live channel (or undefined). */
  channel(id: string): Readonly<FakeChannel> | undefined {
    return this.channels.get(id);
  }

  /** The live channel dialled to `endpoint`, most recent first. */
  channelTo(endpoint: string): Readonly<FakeChannel> | undefined {
    return [...this.channels.values()].reverse().find((c) => c.dialstring === endpoint);
  }

  // --- Remote parties ------------------------------------------------------------------------------

  /**
   * A caller dials `to` through the trunk: the dialplan sends it to `Stasis(app,inbound,to)`
   * (transcript `inbound`). Returns the channel id. With nobody on the application's WebSocket the
   * call is refused (`ws-replaced-and-reconnect`: 603 Decline, and the application hears nothing).
   */
  inboundCall(call: { from: string; to: string; app: string; context?: string }): string {
    const context = call.context ?? 'inbound';
    const id = this.nextId();
    const channel = this.makeChannel({
      id,
      name: `PJSIP/sipp-${this.nextName()}`,
      state: 'Ring',
      direction: 'inbound',
      app: call.app,
      args: [context, call.to],
      caller: { name: '', number: call.from },
      dialplan: { context: 'from-trunk', exten: call.to, priority: 1, app_name: '', app_data: '' },
      dialstring: '',
    });
    if (!this.server.appState(call.app).connected) return id;
    this.channels.set(id, channel);
    if (this.all(call.app)) {
      this.send(call.app, 'ChannelCreated', { channel: this.json(channel) });
      this.send(call.app, 'ChannelVarset', {
        variable: 'SIPDOMAIN',
        value: '127.0.0.1',
        channel: this.json(channel),
      });
      channel.dialplan = { ...channel.dialplan, app_name: 'NoOp', app_data: `Inbound ${call.to}` };
      this.send(call.app, 'ChannelDialplan', {
        dialplan_app: 'NoOp',
        dialplan_app_data: `Inbound ${call.to}`,
        channel: this.json(channel),
      });
    }
    channel.dialplan = {
      ...channel.dialplan,
      priority: 2,
      app_name: 'Stasis',
      app_data: `${call.app},${context},${call.to}`,
    };
    if (this.all(call.app)) {
      this.send(call.app, 'ChannelDialplan', {
        dialplan_app: 'Stasis',
        dialplan_app_data: channel.dialplan.app_data,
        channel: this.json(channel),
      });
      this.send(call.app, 'ChannelVarset', {
        variable: 'STASISSTATUS',
        value: '',
        channel: this.json(channel),
      });
    }
    channel.inStasis = true;
    this.send(call.app, 'StasisStart', { args: channel.args, channel: this.json(channel) });
    return id;
  }

  /** The dialled phone answers (transcript `originate`: state Up, Dial ANSWER, then StasisStart). */
  partyAnswer(id: string): void {
    const channel = this.live(id);
    if (channel.direction !== 'outbound' || channel.state === 'Up') {
      throw new Error(`fake PBX: ${id} is not a ringing outbound channel`);
    }
    this.clearTimers(channel);
    channel.state = 'Up';
    this.send(channel.app, 'ChannelStateChange', { channel: this.json(channel) });
    this.dial(channel, 'ANSWER');
    channel.dialplan = {
      ...channel.dialplan,
      app_name: 'Stasis',
      app_data: `${channel.app},${channel.args.join(',')}`,
    };
    this.send(channel.app, 'ChannelVarset', {
      variable: 'STASISSTATUS',
      value: '',
      channel: this.json(channel),
    });
    if (!this.server.appState(channel.app).connected) {
      // Stasis fails for an application nobody listens to: the answered channel is dropped at once.
      this.destroy(channel, [0, 'Unknown']);
      return;
    }
    channel.inStasis = true;
    this.send(channel.app, 'StasisStart', { args: channel.args, channel: this.json(channel) });
  }

  /** The provider fails the dialled call (503, Q.850 cause 34) before anyone answered. */
  trunkFails(id: string): void {
    const channel = this.live(id);
    this.clearTimers(channel);
    this.send(channel.app, 'ChannelHangupRequest', {
      cause: 34,
      tech_cause: 503,
      channel: this.json(channel),
    });
    this.dial(channel, 'CONGESTION');
    this.destroy(channel, [34, 'Circuit/channel congestion', 503]);
  }

  /** The dialled phone refuses: 486 Busy Here (`originate-busy`) or 603 Decline, without answering. */
  partyReject(id: string, how: 'busy' | 'rejected' = 'busy'): void {
    const channel = this.live(id);
    this.clearTimers(channel);
    if (how === 'busy') {
      this.send(channel.app, 'ChannelHangupRequest', {
        cause: 17,
        tech_cause: 486,
        channel: this.json(channel),
      });
      this.dial(channel, 'BUSY');
      this.destroy(channel, [17, 'User busy', 486]);
    } else {
      this.send(channel.app, 'ChannelHangupRequest', {
        cause: 21,
        tech_cause: 603,
        channel: this.json(channel),
      });
      this.dial(channel, 'BUSY');
      this.destroy(channel, [21, 'Call Rejected', 603]);
    }
  }

  /**
   * The far end hangs up. Answered: a BYE (`inbound`: HangupRequest without a cause, StasisEnd, then
   * Asterisk's own soft request and ChannelDestroyed cause 0). Inbound and still ringing: the caller
   * CANCELs (`caller-hangup-while-ringing`: cause 127, SIP 487).
   */
  partyHangup(id: string): void {
    const channel = this.live(id);
    this.clearTimers(channel);
    if (channel.direction === 'inbound' && channel.state !== 'Up') {
      this.send(channel.app, 'ChannelHangupRequest', {
        cause: 127,
        tech_cause: 487,
        channel: this.json(channel),
      });
      this.leaveStasis(channel);
      this.tidyUp(channel, 487);
      this.destroy(channel, [127, 'Interworking, unspecified', 487], true);
      return;
    }
    this.send(channel.app, 'ChannelHangupRequest', { channel: this.json(channel) });
    this.leaveStasis(channel);
    if (channel.direction === 'inbound') {
      this.tidyUp(channel);
      this.destroy(channel, [0, 'Unknown'], true);
    } else {
      this.destroy(channel, [16, 'Normal Clearing']);
    }
  }

  /** The party presses a key (`inbound`: ChannelDtmfReceived, digit and duration). */
  partyDtmf(id: string, digit: string, durationMs = 160): void {
    const channel = this.live(id);
    this.send(channel.app, 'ChannelDtmfReceived', {
      digit,
      duration_ms: durationMs,
      channel: this.json(channel),
    });
  }

  /** The party's phone holds (re-INVITE sendonly, `phone-hold-reinvite`) and takes it back. */
  partyHold(id: string): void {
    const channel = this.live(id);
    this.send(channel.app, 'ChannelHold', { musicclass: 'default', channel: this.json(channel) });
  }

  partyUnhold(id: string): void {
    const channel = this.live(id);
    this.send(channel.app, 'ChannelUnhold', { channel: this.json(channel) });
  }

  /** Like baresip (`redirect-blind-transfer-baresip`): after a REFER the original leg is never hung up. */
  keepLegAfterRefer(id: string): void {
    this.live(id).keepsLegAfterRefer = true;
  }

  /** Everything ends at once with no event, as when Asterisk restarts. */
  wipe(): void {
    for (const channel of this.channels.values()) this.clearTimers(channel);
    for (const playback of this.playbacks.values()) if (playback.timer) this.clock.clearTimer(playback.timer);
    for (const recording of this.recordings.values())
      if (recording.timer) this.clock.clearTimer(recording.timer);
    this.channels.clear();
    this.bridges.clear();
    this.playbacks.clear();
    this.recordings.clear();
  }

  /** Ends one channel without a word to anyone: it ends while the application is not listening. */
  vanish(id: string): void {
    const channel = this.live(id);
    this.clearTimers(channel);
    if (channel.bridge) remove(channel.bridge.members, channel);
    this.channels.delete(id);
  }

  // --- REST ----------------------------------------------------------------------------------------

  handle(request: FakeRequest): FakeResponse | Promise<FakeResponse> {
    const { method, path, query } = request;
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    const [resource, id, action, sub] = parts;
    if (resource === 'asterisk' && method === 'GET' && id === 'info')
      return { status: 200, body: ASTERISK_INFO };
    if (resource === 'asterisk' && method === 'GET' && id === 'ping') {
      return {
        status: 200,
        body: { ping: 'pong', timestamp: asteriskTime(this.clock.now()), asterisk_id: ASTERISK_ID },
      };
    }
    if (resource === 'channels') return this.channelsApi(method, id, action, query);
    if (resource === 'bridges') return this.bridgesApi(method, id, action, query);
    if (resource === 'playbacks' && id) return this.playbacksApi(method, id);
    if (resource === 'recordings' && id === 'live' && action) return this.recordingsApi(method, action, sub);
    if (resource === 'recordings' && id === 'stored' && action) return this.storedApi(method, action, sub);
    if (resource === 'endpoints' && method === 'GET' && id && action) {
      return { status: 200, body: this.endpointJson(`${id}/${action}`) };
    }
    if (resource === 'applications' && method === 'POST' && id && action === 'subscription') {
      const source = query.eventSource ?? '';
      if (!source.startsWith('endpoint:')) return bad(400, 'Invalid event source');
      const endpoints = this.subscriptions.get(id) ?? new Set<string>();
      endpoints.add(source.slice('endpoint:'.length));
      this.subscriptions.set(id, endpoints);
      return { status: 200, body: { name: id, endpoint_ids: [...endpoints] } };
    }
    if (resource === 'applications' && method === 'GET' && id) {
      if (!this.server.appHeld(id)) return notFound('Application not found');
      return {
        status: 200,
        body: {
          name: id,
          channel_ids: [...this.channels.values()].filter((c) => c.app === id).map((c) => c.id),
          bridge_ids: [...this.bridges.values()].filter((b) => b.app === id).map((b) => b.id),
          endpoint_ids: [],
          device_names: [],
        },
      };
    }
    return notFound('Resource not found');
  }

  private channelsApi(
    method: string,
    id: string | undefined,
    action: string | undefined,
    q: Record<string, string>,
  ): FakeResponse {
    if (!id) {
      if (method === 'GET')
        return { status: 200, body: [...this.channels.values()].map((c) => this.json(c)) };
      if (method === 'POST') return this.originate(q);
      return bad(405, 'Invalid method');
    }
    const channel = this.channels.get(id);
    const live = channel && !channel.ending ? channel : undefined;
    if (!action) {
      if (method === 'GET')
        return live ? { status: 200, body: this.json(live) } : notFound('Channel not found');
      if (method === 'DELETE') return this.hangup(live, q);
      return bad(405, 'Invalid method');
    }
    if (action === 'snoop') {
      if (!live) return notFound('Provided channel was not found');
      return this.snoop(live, q);
    }
    if (!live) return notFound('Channel not found');
    switch (`${method} ${action}`) {
      case 'POST answer':
        if (!live.inStasis) return bad(409, 'Channel not in Stasis application');
        if (live.state === 'Down') return bad(412, 'Channel in invalid state');
        if (live.state !== 'Up') {
          live.state = 'Up';
          this.send(live.app, 'ChannelStateChange', { channel: this.json(live) });
        }
        return NO_CONTENT;
      case 'POST ring':
        if (!live.inStasis) return bad(409, 'Channel not in Stasis application');
        return NO_CONTENT;
      case 'POST hold':
      case 'DELETE hold':
        if (!live.inStasis) return bad(409, 'Channel not in Stasis application');
        if (live.state === 'Down') return bad(412, 'Channel in invalid state');
        // `hold-moh`: ARI hold raises no ChannelHold; only the device state shows it.
        live.onHold = method === 'POST';
        return NO_CONTENT;
      case 'POST moh':
      case 'DELETE moh':
        if (!live.inStasis) return bad(409, 'Channel not in Stasis application');
        if (live.state === 'Down') return bad(412, 'Channel in invalid state');
        live.moh = method === 'POST';
        return NO_CONTENT;
      case 'POST mute':
      case 'DELETE mute': {
        // `conference-three-party`: 204 and no event either way; GET shows nothing of it.
        const direction = q.direction ?? 'both';
        if (!['in', 'out', 'both'].includes(direction)) return bad(400, 'Invalid direction specified');
        if (direction !== 'out') live.muted = method === 'POST';
        return NO_CONTENT;
      }
      case 'POST dtmf':
        if (!q.dtmf) return bad(400, 'DTMF is required');
        if (live.state === 'Down') return bad(412, 'Channel in invalid state');
        live.dtmfReceived += q.dtmf;
        return NO_CONTENT;
      case 'POST redirect':
        return this.redirect(live, q);
      case 'POST play':
        return this.play(live, q);
      case 'POST record':
        return this.record(`channel:${live.id}`, live.app, q);
      case 'POST variable':
        if (!q.variable) return bad(400, 'Variable name is required');
        return NO_CONTENT;
      default:
        return bad(405, 'Invalid method');
    }
  }

  /** POST /channels (`originate`, `originate-busy`, `originate-noanswer`, `originate-unknown-endpoint`). */
  private originate(q: Record<string, string>): FakeResponse {
    const endpoint = q.endpoint;
    if (!endpoint) return bad(400, 'Endpoint must be specified');
    if (!endpoint.includes('/')) return bad(400, 'Invalid endpoint specified');
    if (!q.app && !q.extension) return bad(400, 'Application or extension must be specified');
    if (q.channelId && this.channels.has(q.channelId))
      return bad(409, 'Channel with given unique ID already exists');
    const [tech, resource = ''] = endpoint.split('/', 2) as [string, string];
    const behaviour = this.behaviourFor(endpoint);
    if (tech !== 'PJSIP' || behaviour.kind === 'unknown')
      return { status: 500, body: { error: 'Allocation failed' } };
    const app = q.app ?? '';
    const device = resource.includes('@') ? resource.split('@')[1]! : resource;
    const channel = this.makeChannel({
      id: q.channelId || this.nextId(),
      name: `PJSIP/${device}-${this.nextName()}`,
      state: 'Down',
      direction: 'outbound',
      app,
      args: q.appArgs ? q.appArgs.split(',') : [],
      caller: parseCallerId(q.callerId),
      dialplan: {
        context: 'from-internal',
        exten: 's',
        priority: 1,
        app_name: 'AppDial2',
        app_data: '(Outgoing Line)',
      },
      dialstring: endpoint,
    });
    this.channels.set(channel.id, channel);
    if (this.all(app)) {
      this.send(app, 'ChannelCreated', { channel: this.json(channel) });
      this.send(app, 'ChannelDialplan', {
        dialplan_app: 'AppDial2',
        dialplan_app_data: '(Outgoing Line)',
        channel: this.json(channel),
      });
      this.send(app, 'ChannelCallerId', {
        caller_presentation: 0,
        caller_presentation_txt: 'Presentation Allowed, Not Screened',
        channel: this.json(channel),
      });
      this.send(app, 'ChannelConnectedLine', { channel: this.json(channel) });
    }
    this.dial(channel, '');
    const timeout = Number(q.timeout ?? 30);
    if (behaviour.kind === 'busy') {
      channel.timers.push(
        this.clock.setTimer(behaviour.afterMs ?? 300, () => this.partyReject(channel.id, 'busy')),
      );
    } else if (behaviour.kind === 'congestion') {
      channel.timers.push(this.clock.setTimer(behaviour.afterMs ?? 0, () => this.trunkFails(channel.id)));
    } else {
      channel.state = 'Ringing';
      this.send(app, 'ChannelStateChange', { channel: this.json(channel) });
      this.dial(channel, 'RINGING');
      if (behaviour.kind === 'answer') {
        channel.timers.push(this.clock.setTimer(behaviour.afterMs ?? 0, () => this.partyAnswer(channel.id)));
      }
    }
    if (Number.isFinite(timeout) && timeout > 0) {
      // `originate-noanswer`: the timeout destroys the channel with 19/480, no HangupRequest, no Dial.
      channel.timers.push(
        this.clock.setTimer(timeout * 1000, () => {
          if (channel.state !== 'Up' && this.channels.get(channel.id) === channel) {
            this.destroy(channel, [19, 'User alerting, no answer', 480]);
          }
        }),
      );
    }
    return { status: 200, body: { ...this.json(channel), state: 'Down' } };
  }

  /** DELETE /channels/{id} (`originate`, `bridge`, `caller-hangup-while-ringing`, error catalogue). */
  private hangup(channel: FakeChannel | undefined, q: Record<string, string>): FakeResponse {
    if (!channel) return notFound('Channel not found');
    if (q.reason_code !== undefined && !/^\d+$/.test(q.reason_code)) {
      return bad(400, 'Invalid reason for hangup reason code provided');
    }
    const reason = HANGUP_REASONS[q.reason ?? 'normal'];
    if (!reason) return bad(400, 'Invalid reason for hangup reason provided');
    this.clearTimers(channel);
    channel.ending = true;
    this.send(channel.app, 'ChannelHangupRequest', { cause: 32, soft: true, channel: this.json(channel) });
    if (!channel.inStasis) {
      // A ringing originated channel: CANCEL, and Dial reports NOANSWER.
      if (channel.direction === 'outbound') this.dial(channel, 'NOANSWER');
      this.destroy(channel, reason);
      return NO_CONTENT;
    }
    this.leaveStasis(channel);
    if (channel.direction === 'inbound' && this.all(channel.app)) {
      this.send(channel.app, 'ChannelHangupRequest', { cause: 16, soft: true, channel: this.json(channel) });
    }
    this.destroy(channel, reason, channel.direction !== 'outbound');
    return NO_CONTENT;
  }

  /**
   * POST redirect (`redirect-blind-transfer`, `redirect-ringing-302`): an answered phone gets a REFER
   * and hangs up the original leg a little later; a ringing one gets a 302 at once.
   */
  private redirect(channel: FakeChannel, q: Record<string, string>): FakeResponse {
    const endpoint = q.endpoint;
    if (!endpoint) return bad(400, "Required parameter 'endpoint' not provided.");
    if (!endpoint.includes('/'))
      return bad(422, `Endpoint parameter '${endpoint}' does not contain tech/resource`);
    const [tech, resource] = endpoint.split('/', 2);
    if (!resource) return bad(422, `No resource provided in endpoint parameter '${endpoint}'`);
    if (tech !== 'PJSIP')
      return bad(422, `Endpoint technology '${tech}' does not match channel technology 'PJSIP'`);
    if (channel.state === 'Down') return bad(412, 'Channel in invalid state');
    if (channel.state !== 'Up') {
      this.send(channel.app, 'ChannelHangupRequest', {
        cause: 23,
        tech_cause: 302,
        channel: this.json(channel),
      });
      this.leaveStasis(channel);
      this.tidyUp(channel, 302);
      this.destroy(channel, [23, 'Redirected to new destination', 302], true);
      return NO_CONTENT;
    }
    if (!channel.keepsLegAfterRefer) {
      channel.timers.push(this.clock.setTimer(this.referHangupMs, () => this.partyHangup(channel.id)));
    }
    return NO_CONTENT;
  }

  /** POST snoop (`snoop`): a Snoop/ channel, up and in the application at once. */
  private snoop(target: FakeChannel, q: Record<string, string>): FakeResponse {
    if (!q.app) return bad(400, 'Application name is required');
    const spy = q.spy ?? 'none';
    const whisper = q.whisper ?? 'none';
    if (!['none', 'both', 'out', 'in'].includes(spy)) return bad(400, 'Invalid direction specified for spy');
    if (!['none', 'both', 'out', 'in'].includes(whisper))
      return bad(400, 'Invalid direction specified for whisper');
    const id = q.snoopId || this.nextId();
    if (this.channels.has(id)) return bad(409, 'Channel with given unique ID already exists');
    const args = q.appArgs ? q.appArgs.split(',') : [];
    const snoop = this.makeChannel({
      id,
      name: `Snoop/${target.id}-${this.nextName()}`,
      state: 'Up',
      direction: 'snoop',
      app: q.app,
      args,
      caller: { name: '', number: '' },
      dialplan: {
        context: 'default',
        exten: 's',
        priority: 1,
        app_name: 'Stasis',
        app_data: [q.app, ...args].join(','),
      },
      dialstring: '',
    });
    snoop.snoopOf = target.id;
    snoop.spy = spy;
    snoop.whisper = whisper;
    this.channels.set(id, snoop);
    if (this.all(q.app)) {
      this.send(q.app, 'ChannelCreated', { channel: this.json(snoop) });
      this.send(q.app, 'ChannelDialplan', {
        dialplan_app: 'Stasis',
        dialplan_app_data: snoop.dialplan.app_data,
        channel: this.json(snoop),
      });
      this.send(q.app, 'ChannelVarset', { variable: 'STASISSTATUS', value: '', channel: this.json(snoop) });
    }
    snoop.inStasis = true;
    this.send(q.app, 'StasisStart', { args, channel: this.json(snoop) });
    return { status: 200, body: this.json(snoop) };
  }

  private play(channel: FakeChannel, q: Record<string, string>): FakeResponse {
    if (!q.media) return { status: 500, body: { message: 'Failed to queue media for playback' } };
    if (channel.state === 'Down') return bad(412, 'Channel in invalid state');
    const id = q.playbackId || `pb-${this.nextName()}`;
    const playback: FakePlayback = { id, media: q.media, channel, timer: undefined };
    this.playbacks.set(id, playback);
    const body = {
      id,
      media_uri: q.media,
      target_uri: `channel:${channel.id}`,
      language: 'en',
      state: 'queued',
    };
    this.send(channel.app, 'PlaybackStarted', { playback: { ...body, state: 'playing' } });
    if (q.media.startsWith('sound:no-such')) {
      this.finishPlayback(playback, 'failed');
    } else if (/^(sound|recording|digits|number|tone):/.test(q.media)) {
      // `originate-unknown-endpoint`: an unknown scheme is accepted and never finishes.
      playback.timer = this.clock.setTimer(this.playbackMs, () => this.finishPlayback(playback, 'done'));
    }
    return { status: 201, body };
  }

  private playbacksApi(method: string, id: string): FakeResponse {
    const playback = this.playbacks.get(id);
    if (!playback) return notFound('Playback not found');
    if (method === 'GET') {
      return {
        status: 200,
        body: {
          id,
          media_uri: playback.media,
          target_uri: `channel:${playback.channel.id}`,
          language: 'en',
          state: 'playing',
        },
      };
    }
    if (method === 'DELETE') {
      this.finishPlayback(playback, 'done');
      return NO_CONTENT;
    }
    return bad(405, 'Invalid method');
  }

  /** POST .../record (`bridge-record`: 201 queued, RecordingStarted, twice with subscribeAll). */
  private record(targetUri: string, app: string, q: Record<string, string>): FakeResponse {
    if (!q.name) return { status: 500, body: { message: 'Error parsing request' } };
    const format = q.format ?? 'wav';
    if (!RECORDING_FORMATS.has(format)) return bad(422, 'specified format is unknown on this system');
    if ((this.recordings.has(q.name) || this.storedRecordings.has(q.name)) && q.ifExists !== 'overwrite') {
      return bad(409, `Recording '${q.name}' already exists and can not be overwritten`);
    }
    const recording: FakeRecording = {
      name: q.name,
      format,
      targetUri,
      app,
      recordedMs: 0,
      since: this.clock.now(),
      timer: undefined,
    };
    this.recordings.set(q.name, recording);
    const max = Number(q.maxDurationSeconds ?? 0);
    if (max > 0) recording.timer = this.clock.setTimer(max * 1000, () => this.finishRecording(recording));
    const times = this.all(app) ? 2 : 1;
    for (let i = 0; i < times; i++) {
      this.send(app, 'RecordingStarted', {
        recording: { name: q.name, format, state: 'recording', target_uri: targetUri },
      });
    }
    return { status: 201, body: { name: q.name, format, state: 'queued', target_uri: targetUri } };
  }

  /**
   * /recordings/live/{name} (`bridge-record`, `recording-pause-resume`): GET shows `paused` while
   * paused; POST …/pause pauses and DELETE …/pause resumes, without an event; there is no unpause.
   */
  private recordingsApi(method: string, name: string, action: string | undefined): FakeResponse {
    const recording = this.recordings.get(name);
    if (action !== undefined && action !== 'stop' && action !== 'pause')
      return notFound('Resource not found');
    if (!recording) return notFound('Recording not found');
    if (method === 'GET' && !action) {
      const state = recording.since === undefined ? 'paused' : 'recording';
      return {
        status: 200,
        body: { name, format: recording.format, state, target_uri: recording.targetUri },
      };
    }
    if (method === 'POST' && action === 'stop') {
      this.finishRecording(recording);
      return NO_CONTENT;
    }
    if (action === 'pause' && (method === 'POST' || method === 'DELETE')) {
      const now = this.clock.now();
      if (method === 'POST' && recording.since !== undefined) {
        recording.recordedMs += now - recording.since;
        recording.since = undefined;
      } else if (method === 'DELETE' && recording.since === undefined) {
        recording.since = now;
      }
      return NO_CONTENT;
    }
    return bad(405, 'Invalid method');
  }

  /**
   * /recordings/stored/{name} (`recording-pause-resume`): the name and format, the file itself (a WAV
   * of a tone as long as what was recorded, pauses left out), DELETE; 404 `Recording not found` after.
   */
  private storedApi(
    method: string,
    name: string,
    action: string | undefined,
  ): FakeResponse | Promise<FakeResponse> {
    const stored = this.storedRecordings.get(name);
    if (!stored) return notFound('Recording not found');
    if (method === 'GET' && !action) return { status: 200, body: { name, format: stored.format } };
    if (method === 'GET' && action === 'file') {
      return toneWavBytes(stored.durationMs).then((body) => ({
        status: 200,
        contentType: 'audio/wav',
        body,
      }));
    }
    if (method === 'DELETE' && !action) {
      this.storedRecordings.delete(name);
      return NO_CONTENT;
    }
    return bad(405, 'Invalid method');
  }

  private bridgesApi(
    method: string,
    id: string | undefined,
    action: string | undefined,
    q: Record<string, string>,
  ): FakeResponse {
    if (!id) {
      if (method === 'GET')
        return { status: 200, body: [...this.bridges.values()].map((b) => this.bridgeJson(b)) };
      if (method !== 'POST') return bad(405, 'Invalid method');
      const type = q.type ?? 'mixing';
      if (
        !['mixing', 'holding', 'dtmf_events', 'proxy_media', 'video_sfu', 'video_single'].some((t) =>
          type.includes(t),
        )
      ) {
        return {
          status: 500,
          body: { message: "Unable to create bridge. Possible duplicate bridge id '(null)'" },
        };
      }
      const bridgeId = q.bridgeId || crypto.randomUUID();
      if (this.bridges.has(bridgeId)) return bad(409, `Bridge with id '${bridgeId}' already exists`);
      const bridge: FakeBridge = {
        id: bridgeId,
        name: q.name ?? '',
        app: this.defaultApp,
        type,
        members: [],
        creationtime: asteriskTime(this.clock.now()),
        moh: false,
      };
      this.bridges.set(bridgeId, bridge);
      if (this.all(bridge.app)) this.send(bridge.app, 'BridgeCreated', { bridge: this.bridgeJson(bridge) });
      return { status: 200, body: this.bridgeJson(bridge) };
    }
    const bridge = this.bridges.get(id);
    if (!bridge) return notFound('Bridge not found');
    if (!action) {
      if (method === 'GET') return { status: 200, body: this.bridgeJson(bridge) };
      if (method !== 'DELETE') return bad(405, 'Invalid method');
      for (const member of [...bridge.members]) this.leaveBridge(member);
      this.bridges.delete(id);
      for (const recording of [...this.recordings.values()]) {
        if (recording.targetUri === `bridge:${id}`) this.finishRecording(recording);
      }
      this.send(bridge.app, 'BridgeDestroyed', { bridge: this.bridgeJson(bridge) });
      return NO_CONTENT;
    }
    if (action === 'record' && method === 'POST') return this.record(`bridge:${id}`, bridge.app, q);
    if (action === 'moh') {
      if (method === 'DELETE' && !bridge.moh) return bad(409, "Bridge isn't playing music");
      bridge.moh = method === 'POST';
      return NO_CONTENT;
    }
    if (method !== 'POST' || (action !== 'addChannel' && action !== 'removeChannel'))
      return bad(405, 'Invalid method');
    if (!q.channel) return bad(400, 'Missing parameter channel');
    const channel = this.channels.get(q.channel);
    if (!channel || channel.ending) return bad(400, 'Channel not found');
    if (action === 'removeChannel') {
      if (channel.bridge !== bridge) return bad(422, 'Channel not in this bridge');
      this.leaveBridge(channel);
      return NO_CONTENT;
    }
    if (!channel.inStasis) return bad(422, 'Channel not in Stasis application');
    if (channel.bridge === bridge) return NO_CONTENT;
    if (channel.bridge) this.leaveBridge(channel);
    bridge.members.push(channel);
    channel.bridge = bridge;
    this.send(channel.app, 'ChannelEnteredBridge', {
      bridge: this.bridgeJson(bridge),
      channel: this.json(channel),
    });
    return NO_CONTENT;
  }

  // --- Inside --------------------------------------------------------------------------------------

  private leaveBridge(channel: FakeChannel): void {
    const bridge = channel.bridge;
    if (!bridge) return;
    remove(bridge.members, channel);
    channel.bridge = undefined;
    this.send(channel.app, 'ChannelLeftBridge', {
      bridge: this.bridgeJson(bridge),
      channel: this.json(channel),
    });
  }

  /** Asterisk's own soft hang-up after the far end's; only subscribeAll shows it for dialplan channels. */
  private tidyUp(channel: FakeChannel, techCause?: number): void {
    if (!this.all(channel.app)) return;
    this.send(channel.app, 'ChannelHangupRequest', {
      cause: 16,
      ...(techCause !== undefined && { tech_cause: techCause }),
      soft: true,
      channel: this.json(channel),
    });
  }

  /** Leaves the application: its bridge first, playbacks and recordings finish, then StasisEnd. */
  private leaveStasis(channel: FakeChannel): void {
    channel.ending = true;
    if (channel.bridge) this.leaveBridge(channel);
    for (const playback of [...this.playbacks.values()]) {
      if (playback.channel === channel) this.finishPlayback(playback, 'done');
    }
    for (const recording of [...this.recordings.values()]) {
      if (recording.targetUri === `channel:${channel.id}`) this.finishRecording(recording);
    }
    if (channel.inStasis) {
      channel.inStasis = false;
      this.send(channel.app, 'StasisEnd', { channel: this.json(channel) });
      // Without subscribeAll a channel from the dialplan reports nothing after StasisEnd.
      if (channel.direction === 'inbound' && !this.all(channel.app)) return;
      this.send(channel.app, 'ChannelVarset', {
        variable: 'STASISSTATUS',
        value: 'SUCCESS',
        channel: this.json(channel),
      });
    }
  }

  /**
   * The channel is gone. Without subscribeAll, channels that came from the dialplan (and snoops) get
   * no ChannelDestroyed (`*-nosuball`); snoops on it end with it (`snoop`: no HangupRequest).
   */
  private destroy(
    channel: FakeChannel,
    [cause, text, tech]: [number, string, number?],
    fromDialplan = false,
  ): void {
    if (this.channels.get(channel.id) !== channel) return;
    channel.ending = true;
    this.clearTimers(channel);
    if (channel.inStasis || channel.bridge) this.leaveStasis(channel);
    this.channels.delete(channel.id);
    const snoops = [...this.channels.values()].filter((s) => s.snoopOf === channel.id);
    for (const snoop of snoops) {
      this.leaveStasis(snoop);
      this.channels.delete(snoop.id);
    }
    const bare = fromDialplan || channel.direction === 'snoop';
    if (!bare || this.all(channel.app)) {
      this.send(channel.app, 'ChannelDestroyed', {
        cause,
        cause_txt: text,
        ...(tech !== undefined && { tech_cause: tech }),
        channel: this.json(channel),
      });
    }
    for (const snoop of snoops) {
      if (this.all(snoop.app)) {
        this.send(snoop.app, 'ChannelDestroyed', {
          cause: 16,
          cause_txt: 'Normal Clearing',
          channel: this.json(snoop),
        });
      }
    }
  }

  private finishPlayback(playback: FakePlayback, state: 'done' | 'failed'): void {
    if (this.playbacks.get(playback.id) !== playback) return;
    this.playbacks.delete(playback.id);
    if (playback.timer) this.clock.clearTimer(playback.timer);
    this.send(playback.channel.app, 'PlaybackFinished', {
      playback: {
        id: playback.id,
        media_uri: playback.media,
        target_uri: `channel:${playback.channel.id}`,
        language: 'en',
        state,
      },
    });
  }

  private finishRecording(recording: FakeRecording): void {
    if (this.recordings.get(recording.name) !== recording) return;
    this.recordings.delete(recording.name);
    const durationMs =
      recording.recordedMs + (recording.since === undefined ? 0 : this.clock.now() - recording.since);
    this.storedRecordings.set(recording.name, { format: recording.format, durationMs });
    if (recording.timer) this.clock.clearTimer(recording.timer);
    // Whole seconds, pauses left out (`recording-pause-resume`: 5 for 5.02 s recorded).
    const duration = Math.round(durationMs / 1000);
    const times = this.all(recording.app) ? 2 : 1;
    for (let i = 0; i < times; i++) {
      this.send(recording.app, 'RecordingFinished', {
        recording: {
          name: recording.name,
          format: recording.format,
          state: 'done',
          target_uri: recording.targetUri,
          duration,
        },
      });
    }
  }

  private dial(channel: FakeChannel, dialstatus: string): void {
    this.send(channel.app, 'Dial', {
      dialstatus,
      forward: '',
      dialstring: channel.dialstring.split('/')[1] ?? '',
      peer: this.json(channel),
    });
  }

  private behaviourFor(endpoint: string): PartyBehaviour {
    return this.behaviours.find(([prefix]) => endpoint.startsWith(prefix))?.[1] ?? { kind: 'ring' };
  }

  private live(id: string): FakeChannel {
    const channel = this.channels.get(id);
    if (!channel || channel.ending) throw new Error(`fake PBX: no live channel ${id}`);
    return channel;
  }

  private clearTimers(channel: FakeChannel): void {
    for (const timer of channel.timers) this.clock.clearTimer(timer);
    channel.timers = [];
  }

  /**
   * A phone registers (`true`) or leaves: as endpoint-state(-nosuball) recorded, with subscribeAll a
   * PeerStatusChange, DeviceStateChanged and ContactStatusChange (no EndpointStateChange); without it
   * nothing unless the application subscribed to the endpoint, then EndpointStateChange, PeerStatusChange
   * and ContactStatusChange.
   */
  setRegistered(endpoint: string, registered: boolean, app = this.defaultApp): void {
    if (registered) this.online.add(endpoint);
    else this.online.delete(endpoint);
    const ref = this.endpointJson(endpoint);
    const peer = { endpoint: ref, peer: { peer_status: registered ? 'Reachable' : 'Unreachable' } };
    const contact = {
      endpoint: ref,
      contact_info: {
        uri: `sip:${ref.resource}@127.0.0.1:5182`,
        contact_status: registered ? 'NonQualified' : 'Removed',
        aor: ref.resource,
        roundtrip_usec: '0',
      },
    };
    if (this.all(app)) {
      this.send(app, 'PeerStatusChange', peer);
      this.send(app, 'DeviceStateChanged', {
        device_state: { name: endpoint, state: registered ? 'NOT_INUSE' : 'UNAVAILABLE' },
      });
      this.send(app, 'ContactStatusChange', contact);
    } else if (this.subscriptions.get(app)?.has(endpoint)) {
      this.send(app, 'EndpointStateChange', { endpoint: ref });
      this.send(app, 'PeerStatusChange', peer);
      this.send(app, 'ContactStatusChange', contact);
    }
  }

  private endpointJson(endpoint: string) {
    const [technology = '', resource = ''] = endpoint.split('/');
    return {
      technology,
      resource,
      state: this.online.has(endpoint) ? 'online' : 'offline',
      channel_ids: [] as string[],
    };
  }

  private all(app: string): boolean {
    return this.server.appState(app).subscribeAll;
  }

  private send(app: string, type: string, fields: Record<string, unknown>): void {
    this.server.emit(app, {
      type,
      timestamp: asteriskTime(this.clock.now()),
      ...fields,
      asterisk_id: ASTERISK_ID,
      application: app,
    });
  }

  private json(channel: FakeChannel): Record<string, unknown> {
    return {
      id: channel.id,
      name: channel.name,
      state: channel.state,
      protocol_id: channel.protocolId,
      caller: { ...channel.caller },
      connected: { ...channel.connected },
      accountcode: '',
      dialplan: { ...channel.dialplan },
      creationtime: channel.creationtime,
      language: 'en',
    };
  }

  private bridgeJson(bridge: FakeBridge): Record<string, unknown> {
    return {
      id: bridge.id,
      technology: bridge.members.length >= 2 ? 'softmix' : 'simple_bridge',
      bridge_type: 'mixing',
      bridge_class: 'stasis',
      creator: 'Stasis',
      name: bridge.name,
      channels: bridge.members.map((c) => c.id),
      creationtime: bridge.creationtime,
      video_mode: 'talker',
    };
  }

  private makeChannel(init: {
    id: string;
    name: string;
    state: ChannelState;
    direction: FakeChannel['direction'];
    app: string;
    args: string[];
    caller: { name: string; number: string };
    dialplan: FakeChannel['dialplan'];
    dialstring: string;
  }): FakeChannel {
    return {
      ...init,
      connected: { name: '', number: '' },
      creationtime: asteriskTime(this.clock.now()),
      protocolId: crypto.randomUUID(),
      inStasis: false,
      bridge: undefined,
      ending: false,
      timers: [],
      dtmfReceived: '',
      onHold: false,
      moh: false,
      muted: false,
      keepsLegAfterRefer: false,
    };
  }

  private nextId(): string {
    const n = ++this.seq;
    return `${this.epoch + n}.${n}`;
  }

  private nextName(): string {
    return (++this.nameSeq).toString(16).padStart(8, '0');
  }
}

/** `"CTI" <5000>` → {name: CTI, number: 5000}; a bare number → {name: '', number}. */
function parseCallerId(callerId: string | undefined): { name: string; number: string } {
  if (!callerId) return { name: '', number: '' };
  const match = /^\s*"?([^"<]*?)"?\s*<([^>]*)>\s*$/.exec(callerId);
  if (match) return { name: match[1] ?? '', number: match[2] ?? '' };
  return { name: '', number: callerId.trim() };
}

function remove<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}
