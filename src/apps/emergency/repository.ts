import type { ConfigRepository, Store } from '../../store/types.ts';
import type { EmergencySnapshot } from './events.ts';

/** Emergencies as stored: the store keeps each snapshot as the JSON document this app saved. */
export type EmergencyRepository = ConfigRepository<EmergencySnapshot>;

/** The emergency table of the store, typed as what this app writes there (and only this app does). */
export function emergencyRepository(store: Pick<Store, 'emergencies'>): EmergencyRepository {
  return store.emergencies as EmergencyRepository;
}
