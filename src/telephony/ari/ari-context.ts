import type { Clock } from '../../core/clock.ts';
import type { Log } from '../../core/log.ts';
import type { AriClient } from './ari-client.ts';
import type { AriDriverOptions } from './ari-options.ts';
import type { ChannelRecord, DriverState } from './driver-state.ts';
import type { EndpointMap } from './endpoint-map.ts';

/** What the driver's command modules need from it: its client, its view of the PBX, and its checks. */
export interface AriContext {
  readonly client: AriClient;
  readonly state: DriverState;
  readonly app: string;
  readonly options: AriDriverOptions;
  readonly endpoints: EndpointMap;
  readonly clock: Clock;
  readonly log: Log;
  /** Rejects with `unavailable` unless the driver is started. */
  assertRunning(): void;
  /** The live channel a command is for; `not_found` at once for one the driver saw end. */
  target(channelId: string): ChannelRecord;
  /** One request; a channel Asterisk says is gone is reported ended (see `AriDriver`). */
  call(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    query: Record<string, string | number | undefined> | undefined,
    what: string,
    channel?: ChannelRecord,
  ): Promise<void>;
  nextSnoopId(supervisorId: string): string;
}

export const enc = encodeURIComponent;
