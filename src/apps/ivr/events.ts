import { z } from 'zod';
import type { EventDataSchemas } from '../app-contract.ts';

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

const ref = {
  flowId: z.string(),
  version: z.number().int().positive().describe('The flow version the caller is in.'),
};
const node = z.string().describe('The node of the flow.');

/** The payload schemas of the IVR's events, for the OpenAPI document. */
export const IVR_EVENTS: EventDataSchemas<keyof IvrEventDataMap> = {
  'ivr.started': z.object({ ...ref, from: z.string(), to: z.string(), language: z.string() }),
  'ivr.node': z.object({ ...ref, node, kind: z.string().describe('The node kind: say, gather, ...') }),
  'ivr.prompt': z.object({
    ...ref,
    node,
    text: z.string().describe('What the prompt says; empty for a sound without words.'),
    media: z.string().describe('What the driver plays: the text, or `sound:<ref>`.'),
    language: z.string(),
  }),
  'ivr.input': z.object({
    ...ref,
    node,
    result: z
      .enum(['digits', 'no_input', 'no_match', 'failed'])
      .describe('`failed`: no valid input after every retry.'),
    digits: z.string().optional().describe('What the caller pressed (without the finish key).'),
    attempt: z.number().int().positive(),
  }),
  'ivr.ended': z.object({
    ...ref,
    node: node.describe('The last node.'),
    outcome: z.enum(IVR_OUTCOMES),
    durationMs: z.number().nonnegative(),
  }),
};
