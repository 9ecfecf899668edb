import type { Clock } from '../../core/clock.ts';
import type { Log } from '../../core/log.ts';
import type { BackoffOptions } from './event-stream.ts';

export interface AriDriverOptions {
  /** ARI base URL, e.g. `http://127.0.0.1:8088/ari`. */
  readonly url: string;
  readonly username: string;
  readonly password: string;
  /** Stasis application name (default `switchboard`); the dialplan sends calls to it. */
  readonly app?: string;
  /** Dial string for phone numbers (default `PJSIP/{number}@trunk`). */
  readonly trunk?: string;
  /** Dial string for bare extensions (default `PJSIP/{extension}`). */
  readonly extension?: string;
  /**
   * Receive every channel's events, not just the application's (default false). Off is lighter on a
   * busy PBX; the driver works the same either way.
   */
  readonly subscribeAll?: boolean;
  /** Runs back-off, request timeouts and the redirect grace; the system clock by default. */
  readonly clock?: Clock;
  readonly requestTimeoutMs?: number;
  readonly maxSockets?: number;
  readonly backoff?: BackoffOptions;
  readonly random?: () => number;
  readonly heartbeatMs?: number;
  /**
   * After a redirect, how long the channel may stay before the driver hangs it up itself (default
   * 10 s): some phones complete a REFER and never hang up the original leg.
   */
  readonly redirectGraceMs?: number;
  /** File format of recordings (default `wav`). */
  readonly recordingFormat?: string;
  /** Music-on-hold class for held parties (default: the channel's own). */
  readonly mohClass?: string;
  readonly log?: Log;
}

export type AriConnectionState =
  | 'stopped'
  | 'connecting'
  | 'connected'
  | 'reconnecting'
  | 'resyncing'
  | 'replaced';

/** The connection's state for health and metrics; never contains the password. */
export interface AriStatus {
  readonly state: AriConnectionState;
  readonly url: string;
  readonly app: string;
  readonly subscribeAll: boolean;
  readonly asteriskVersion: string | undefined;
  /** When the state last changed (ISO). */
  readonly since: string;
  readonly reconnects: number;
  readonly resyncs: number;
  /** Times another client took the application (ApplicationReplaced). */
  readonly replacements: number;
  /** Times the driver took the application back once that client had gone. */
  readonly reclaims: number;
  readonly lastError: string | undefined;
  readonly eventsReceived: number;
  readonly liveChannels: number;
  readonly requests: number;
  readonly requestFailures: number;
  readonly requestsInFlight: number;
}
