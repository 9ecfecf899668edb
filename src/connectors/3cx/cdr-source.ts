import type { PbxCall } from './pbx-call.ts';

/**
 * Where the last processed CDR stands: the end time of its segment (as the source writes it, to the
 * microsecond) and its id, the order in which segments are read.
 */
export interface CdrPosition {
  readonly endedAt: string;
  readonly cdrId: string;
}

/** What one read found: the calls touched, how many segments could not be read, and where it ended. */
export interface CdrBatch {
  readonly calls: readonly PbxCall[];
  /** Calls (groups of segments) that could not be read as a call: no times, no history id. */
  readonly rejected: readonly { readonly pbxCallId: string | null; readonly reason: string }[];
  /** Calls between extensions only: nothing to log against an outside party. */
  readonly internal: number;
  /** Segments read; fewer than the limit means the source is drained. */
  readonly segments: number;
  /** Where the next read starts; absent when nothing new was found. */
  readonly next?: CdrPosition;
}

/**
 * A PBX's CDR store, read forward. 3CX v20 keeps one row per call segment in PostgreSQL (`cdroutput`);
 * older versions keep CDRs elsewhere, so the poller reads through this contract and another version is
 * another implementation.
 *
 * - `readAfter` answers the calls with a segment after `after` (or, without a position, ended since
 *   `since`), in order, at most `limit` segments' worth; each call comes whole (every segment of it,
 *   also those read before), so a call continued in a later segment is read again complete.
 * - It rejects (throws) when the source cannot be reached; nothing is consumed then.
 */
export interface CdrSource {
  readAfter(after: CdrPosition | undefined, since: Date, limit: number): Promise<CdrBatch>;
  /** Resolves when the source answers. */
  check(): Promise<void>;
  close(): Promise<void>;
}
