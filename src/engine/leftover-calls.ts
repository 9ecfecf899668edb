import { CALL_STATUSES, isFinal } from '../core/call.ts';
import { closeSnapshot } from '../store/close-snapshot.ts';
import type { CallRecordRepository } from '../store/types.ts';
import { callEvent } from './call-registry.ts';
import type { EventPublisher } from './event-publisher.ts';

const LIVE_STATUSES = CALL_STATUSES.filter((status) => !isFinal(status));
const PAGE = 500;

/**
 * Ends every call a previous run of this process (`owner`, see Store.owner) left live (it crashed or
 * was killed, so none of them can still be up) with `server_restart`. Calls of other processes sharing
 * the database are theirs and stay as they are; records from before owners were kept count as ours. Each closed record and its `call.ended` are committed together, so
 * clients following the event log hear of it, and a crash half-way leaves the rest for the next start.
 * Resolves with how many it ended.
 */
export async function endLeftoverCalls(
  calls: Pick<CallRecordRepository, 'list'>,
  publisher: EventPublisher,
  endedAt: string,
  owner: string,
): Promise<number> {
  let ended = 0;
  let cursor: string | undefined;
  do {
    const page = await calls.list({
      status: LIVE_STATUSES,
      ownedBy: owner,
      limit: PAGE,
      ...(cursor && { cursor }),
    });
    await Promise.all(
      page.items.map((call) => {
        const closed = closeSnapshot(call, 'server_restart', endedAt);
        const type = closed.status === 'failed' ? 'call.failed' : 'call.ended';
        return publisher.publish(callEvent(closed, type), closed);
      }),
    );
    ended += page.items.length;
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return ended;
}
