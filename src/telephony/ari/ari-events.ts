/**
 * The ARI resources and WebSocket events the driver reads, typed after what Asterisk 22 actually sends
 * (see the recorded transcripts in test/fixtures/ari). Fields the driver does not read are left out
 * of the types but kept in the objects.
 */

/** Asterisk's channel states (`ast_state2str`). */
export type AriChannelState =
  | 'Down'
  | 'Rsrvd'
  | 'OffHook'
  | 'Dialing'
  | 'Ring'
  | 'Ringing'
  | 'Up'
  | 'Busy'
  | 'Dialing Offhook'
  | 'Pre-ring'
  | 'Unknown';

export interface AriCallerId {
  readonly name: string;
  readonly number: string;
}

export interface AriChannel {
  readonly id: string;
  readonly name: string;
  readonly state: AriChannelState;
  readonly protocol_id?: string;
  readonly caller: AriCallerId;
  readonly connected: AriCallerId;
  readonly accountcode: string;
  readonly dialplan: {
    readonly context: string;
    readonly exten: string;
    readonly priority: number;
    readonly app_name?: string;
    readonly app_data?: string;
  };
  readonly creationtime: string;
  readonly language: string;
}

export interface AriBridge {
  readonly id: string;
  readonly technology: string;
  readonly bridge_type: string;
  readonly bridge_class: string;
  readonly creator: string;
  readonly name: string;
  readonly channels: readonly string[];
  readonly creationtime?: string;
  readonly video_mode?: string;
}

export interface AriPlayback {
  readonly id: string;
  readonly media_uri: string;
  /** `channel:<id>` or `bridge:<id>`. */
  readonly target_uri: string;
  readonly language?: string;
  readonly state: 'queued' | 'playing' | 'paused' | 'continuing' | 'done' | 'failed' | 'canceled';
}

export interface AriLiveRecording {
  readonly name: string;
  readonly format: string;
  readonly state: 'queued' | 'recording' | 'paused' | 'done' | 'failed' | 'canceled';
  /** `channel:<id>` or `bridge:<id>`. */
  readonly target_uri: string;
  /** Seconds, once finished. */
  readonly duration?: number;
  readonly cause?: string;
}

export interface AriAsteriskInfo {
  readonly system?: { readonly version?: string; readonly entity_id?: string };
  readonly build?: Record<string, unknown>;
  readonly config?: Record<string, unknown>;
  readonly status?: Record<string, unknown>;
}

interface Base<T extends string> {
  readonly type: T;
  readonly timestamp: string;
  readonly application: string;
  readonly asterisk_id?: string;
}

interface ChannelBase<T extends string> extends Base<T> {
  readonly channel: AriChannel;
}

export type StasisStart = ChannelBase<'StasisStart'> & {
  readonly args: readonly string[];
  readonly replace_channel?: AriChannel;
};
export type StasisEnd = ChannelBase<'StasisEnd'>;
export type ChannelCreated = ChannelBase<'ChannelCreated'>;
export type ChannelDestroyed = ChannelBase<'ChannelDestroyed'> & {
  readonly cause: number;
  readonly cause_txt: string;
  readonly tech_cause?: number;
};
export type ChannelStateChange = ChannelBase<'ChannelStateChange'>;
export type ChannelHangupRequest = ChannelBase<'ChannelHangupRequest'> & {
  /** Absent when the far end hung up (a SIP BYE). */
  readonly cause?: number;
  /** True when the hang-up was asked for (ARI DELETE, or Asterisk tidying up after the far end). */
  readonly soft?: boolean;
  readonly tech_cause?: number;
};
export type ChannelDtmfReceived = ChannelBase<'ChannelDtmfReceived'> & {
  readonly digit: string;
  readonly duration_ms: number;
};
export type ChannelHold = ChannelBase<'ChannelHold'> & { readonly musicclass?: string };
export type ChannelUnhold = ChannelBase<'ChannelUnhold'>;
export type ChannelVarset = Base<'ChannelVarset'> & {
  readonly channel?: AriChannel;
  readonly variable: string;
  readonly value: string;
};
export type ChannelDialplan = ChannelBase<'ChannelDialplan'> & {
  readonly dialplan_app: string;
  readonly dialplan_app_data: string;
};
export type ChannelCallerId = ChannelBase<'ChannelCallerId'>;
export type ChannelConnectedLine = ChannelBase<'ChannelConnectedLine'>;
export type ChannelEnteredBridge = ChannelBase<'ChannelEnteredBridge'> & { readonly bridge: AriBridge };
export type ChannelLeftBridge = ChannelBase<'ChannelLeftBridge'> & { readonly bridge: AriBridge };
/** For an originate: only `peer` (the dialled channel), never `caller`. */
export type Dial = Base<'Dial'> & {
  readonly peer: AriChannel;
  readonly caller?: AriChannel;
  /** `""` → `RINGING` → `ANSWER`, or an ending such as `BUSY` or `NOANSWER`. */
  readonly dialstatus: string;
  readonly dialstring?: string;
  readonly forward?: string;
};
export type BridgeCreated = Base<'BridgeCreated'> & { readonly bridge: AriBridge };
export type BridgeDestroyed = Base<'BridgeDestroyed'> & { readonly bridge: AriBridge };
export type PlaybackStarted = Base<'PlaybackStarted'> & { readonly playback: AriPlayback };
export type PlaybackFinished = Base<'PlaybackFinished'> & { readonly playback: AriPlayback };
export type RecordingStarted = Base<'RecordingStarted'> & { readonly recording: AriLiveRecording };
export type RecordingFinished = Base<'RecordingFinished'> & { readonly recording: AriLiveRecording };
export type RecordingFailed = Base<'RecordingFailed'> & { readonly recording: AriLiveRecording };
export type DeviceStateChanged = Base<'DeviceStateChanged'> & {
  readonly device_state: { readonly name: string; readonly state: string };
};
/** An endpoint as events carry it; `state` is `online` while a phone is registered (or for static peers). */
export interface AriEndpointRef {
  readonly technology: string;
  readonly resource: string;
  readonly state?: string;
}
export type PeerStatusChange = Base<'PeerStatusChange'> & {
  readonly endpoint: AriEndpointRef;
  readonly peer: { readonly peer_status: string };
};
/** Sent only to an application subscribed to the endpoint, never with subscribeAll alone. */
export type EndpointStateChange = Base<'EndpointStateChange'> & { readonly endpoint: AriEndpointRef };
export type ContactStatusChange = Base<'ContactStatusChange'> & {
  readonly endpoint: AriEndpointRef;
  readonly contact_info: { readonly contact_status: string; readonly aor?: string };
};
/** Another WebSocket registered the same application: this one receives nothing more. */
export type ApplicationReplaced = Base<'ApplicationReplaced'>;

/** Every event the driver understands; `type` is the discriminant. */
export type AriEvent =
  | StasisStart
  | StasisEnd
  | ChannelCreated
  | ChannelDestroyed
  | ChannelStateChange
  | ChannelHangupRequest
  | ChannelDtmfReceived
  | ChannelHold
  | ChannelUnhold
  | ChannelVarset
  | ChannelDialplan
  | ChannelCallerId
  | ChannelConnectedLine
  | ChannelEnteredBridge
  | ChannelLeftBridge
  | Dial
  | BridgeCreated
  | BridgeDestroyed
  | PlaybackStarted
  | PlaybackFinished
  | RecordingStarted
  | RecordingFinished
  | RecordingFailed
  | DeviceStateChanged
  | PeerStatusChange
  | EndpointStateChange
  | ContactStatusChange
  | ApplicationReplaced;

export type AriEventType = AriEvent['type'];

/**
 * Reads one WebSocket message. Returns undefined for what is not an ARI event (not JSON, no `type`);
 * events of types the driver does not know are returned as they are and ignored by their consumer.
 */
export function parseAriEvent(text: string): AriEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || typeof (value as { type?: unknown }).type !== 'string') {
    return undefined;
  }
  return value as AriEvent;
}
