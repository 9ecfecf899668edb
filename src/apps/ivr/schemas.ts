import { z } from 'zod';
import { idInput, isoTime } from '../http-kit/schemas.ts';

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
