import type { Store, StoredOutboundCall } from '../../store/types.ts';
import type { CallLogStatus, OutboundCallLog } from './events.ts';

/** The outbound call logs of the store, typed as what this app writes there (and only this app does). */
export interface OutboundRepository {
  save(log: OutboundCallLog): Promise<void>;
  /** Saves many in one transaction. */
  saveAll(logs: readonly OutboundCallLog[]): Promise<void>;
  get(id: string): Promise<OutboundCallLog | undefined>;
  retriesOf(id: string): Promise<OutboundCallLog[]>;
  withStatus(statuses: readonly CallLogStatus[]): Promise<OutboundCallLog[]>;
}

export function outboundRepository(store: Pick<Store, 'outboundCalls'>): OutboundRepository {
  const calls = store.outboundCalls;
  return {
    save: (log) => calls.save(log as unknown as StoredOutboundCall),
    saveAll: (logs) => calls.saveAll(logs as unknown as StoredOutboundCall[]),
    get: async (id) => (await calls.get(id)) as OutboundCallLog | undefined,
    retriesOf: async (id) => (await calls.retriesOf(id)) as unknown as OutboundCallLog[],
    withStatus: async (statuses) => (await calls.withStatus(statuses)) as unknown as OutboundCallLog[],
  };
}
