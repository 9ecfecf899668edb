import { z } from 'zod';
import type { EventDataSchemas } from '../app-contract.ts';
import { idInput, isoTime } from '../http-kit/schemas.ts';
import { IVR_OUTCOMES, type IvrEventDataMap } from './events.ts';

/** A flow in a path. */
export const FlowParams = z.strictObject({ flowId: z.string().min(1).max(64).describe('The flow id.') });
/** One version of a flow in a path. */
export const VersionParams = FlowParams.extend({
  version: z.coerce.number().int().positive().describe('A version number (1, 2, ...).'),
});
/** A caller in the IVR, by call, in a path. */
export const SessionParams = z.strictObject({ callId: idInput('The call in the IVR.') });

/** One stored version of a flow, as uploaded. */
export const FlowSchema = z
  .object({
    id: z.string(),
    version: z.number().int().positive(),
    createdAt: isoTime('When this version was stored.'),
    definition: z.record(z.string(), z.unknown()).describe('The flow as uploaded (YAML read into JSON).'),
  })
  .meta({ id: 'IvrFlow', description: 'One stored version of an IVR flow.' });

/** A flow in the list: its latest version. */
export const FlowSummarySchema = z.object({
  id: z.string(),
  version: z.number().int().positive().describe('The latest version.'),
  name: z.string().optional(),
  nodes: z.number().int().nonnegative(),
  createdAt: isoTime('When the latest version was stored.'),
});

/** One of a flow's versions. */
export const VersionSchema = z.object({
  id: z.string(),
  version: z.number().int().positive(),
  createdAt: isoTime('Stored at.'),
});

/** A caller in a flow now. */
export const SessionSchema = z
  .object({
    callId: z.string(),
    flowId: z.string(),
    version: z.number().int().positive(),
    node: z.string().describe('Where the caller is.'),
    startedAt: isoTime('When the caller entered the IVR.'),
    variables: z.record(z.string(), z.unknown()).describe('The session variables (site variables left out).'),
    trace: z
      .array(z.record(z.string(), z.unknown()))
      .describe('What happened so far: at, node, event, details.'),
  })
  .meta({ id: 'IvrSession', description: 'A caller in an IVR flow.' });

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
