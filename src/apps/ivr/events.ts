/** How an IVR session ended: the flow hung up, the caller did, or the call went on elsewhere. */
export const IVR_OUTCOMES = [
  'hangup',
  'caller_hangup',
  'enqueued',
  'transferred',
  'failed',
  'error',
] as const;
export type IvrOutcome = (typeof IVR_OUTCOMES)[number];

/** The flow version an IVR event comes from. */
export interface IvrRef {
  readonly flowId: string;
  readonly version: number;
}

/** The IVR's events and what each carries in `data`. */
export interface IvrEventDataMap {
  'ivr.started': IvrRef & { readonly from: string; readonly to: string; readonly language: string };
  'ivr.node': IvrRef & { readonly node: string; readonly kind: string };
  /** What the caller hears, so integrations and tests can follow along. */
  'ivr.prompt': IvrRef & {
    readonly node: string;
    readonly text: string;
    readonly media: string;
    readonly language: string;
  };
  'ivr.input': IvrRef & {
    readonly node: string;
    readonly result: 'digits' | 'no_input' | 'no_match' | 'failed';
    readonly digits?: string;
    readonly attempt: number;
  };
  'ivr.ended': IvrRef & { readonly node: string; readonly outcome: IvrOutcome; readonly durationMs: number };
}

declare module '../../core/events.ts' {
  interface DomainEventDataMap extends IvrEventDataMap {}
}
