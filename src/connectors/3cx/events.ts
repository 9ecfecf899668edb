import type { StoredCallGroupAlert } from '../../store/types.ts';
import type { PbxCallView } from './pbx-call.ts';

/** A call-group alert as the API and events carry it. */
export type CallGroupAlert = StoredCallGroupAlert;

/** The 3CX connector's events and what each carries in `data`. */
export interface ThreeCxEventDataMap {
  /** A 3CX call was logged for the first time (from the CDR database, Active Socket or the API). */
  'threecx.call.logged': { readonly pbxCall: PbxCallView };
  /** A watched call group missed a call (MISSED_CALL) or has nobody available (NO_AGENTS). */
  'threecx.alert.raised': { readonly alert: CallGroupAlert };
  'threecx.alert.resolved': { readonly alert: CallGroupAlert };
}

declare module '../../core/events.ts' {
  interface DomainEventDataMap extends ThreeCxEventDataMap {}
}
