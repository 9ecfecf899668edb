import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { StoredFlow } from '../../store/types.ts';
import { envelope, ok, v1Errors } from '../http-kit/schemas.ts';
import type { IvrService } from './ivr-service.ts';
import {
  FlowParams,
  FlowSchema,
  FlowSummarySchema,
  SessionParams,
  SessionSchema,
  VersionParams,
  VersionSchema,
} from './schemas.ts';

/** The IVR routes serve this service. */
export interface IvrRouteOptions {
  readonly ivr: IvrService;
}

/** Content types a flow may be uploaded as besides JSON; YAML is what people write flows in. */
const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'];

const UPLOAD_HELP =
  'Send the flow as JSON (`Content-Type: application/json`) or as YAML (`application/yaml` or `text/yaml`). ' +
  'A broken flow is refused whole with 400 `VALIDATION_ERROR`; the message and `details` name each place ' +
  '(`nodes.askId.next: unknown node "chek"`), with the line for YAML.';

const toView = (flow: StoredFlow) => ({
  id: flow.id,
  version: flow.version,
  createdAt: flow.createdAt,
  definition: flow.definition as Record<string, unknown>,
});

/** /api/v1/ivr: IVR flows (upload, list, fetch versions) and the callers in them. */
export const ivrRoutes: FastifyPluginAsyncZod<IvrRouteOptions> = async (app, { ivr }) => {
  // Encapsulated in this plugin: the rest of the API stays JSON-only.
  app.addContentTypeParser(YAML_TYPES, { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.get(
    '/ivr/flows',
    {
      schema: {
        summary: 'IVR flows, the latest version of each',
        tags: ['ivr'],
        operationId: 'listIvrFlows',
        response: { 200: envelope(z.array(FlowSummarySchema)), ...v1Errors },
      },
    },
    async () =>
      ok(
        (await ivr.flows.list()).map((flow) => {
          const definition = flow.definition as { name?: unknown; nodes?: Record<string, unknown> };
          return {
            id: flow.id,
            version: flow.version,
            ...(typeof definition.name === 'string' && { name: definition.name }),
            nodes: Object.keys(definition.nodes ?? {}).length,
            createdAt: flow.createdAt,
          };
        }),
      ),
  );

  app.post(
    '/ivr/flows',
    {
      schema: {
        summary: 'Upload a flow; a changed flow becomes its next version',
        description: `${UPLOAD_HELP} Callers already in an older version finish in it. Uploading the latest version again changes nothing and answers 200 with \`created: false\`.`,
        tags: ['ivr'],
        operationId: 'uploadIvrFlow',
        response: {
          200: envelope(FlowSchema.extend({ created: z.literal(false) }), 'Unchanged: the latest version.'),
          201: envelope(FlowSchema.extend({ created: z.literal(true) }), 'Stored as a new version.'),
          ...v1Errors,
        },
      },
    },
    async (request, reply) => {
      const { flow, created } = await ivr.saveFlow(request.body);
      return created
        ? reply.code(201).send(ok({ ...toView(flow), created: true as const }))
        : reply.code(200).send(ok({ ...toView(flow), created: false as const }));
    },
  );

  app.post(
    '/ivr/flows/validate',
    {
      schema: {
        summary: 'Check a flow without storing it',
        description: UPLOAD_HELP,
        tags: ['ivr'],
        operationId: 'validateIvrFlow',
        response: {
          200: envelope(z.object({ id: z.string(), valid: z.literal(true), nodes: z.number().int() })),
          ...v1Errors,
        },
      },
    },
    async (request) => ok({ ...ivr.validateFlow(request.body), valid: true as const }),
  );

  app.get(
    '/ivr/flows/:flowId',
    {
      schema: {
        summary: 'The latest version of a flow',
        tags: ['ivr'],
        operationId: 'getIvrFlow',
        params: FlowParams,
        response: { 200: envelope(FlowSchema), ...v1Errors },
      },
    },
    async (request) => ok(toView(await ivr.flows.get(request.params.flowId))),
  );

  app.get(
    '/ivr/flows/:flowId/versions',
    {
      schema: {
        summary: 'Every version of a flow, oldest first',
        tags: ['ivr'],
        operationId: 'listIvrFlowVersions',
        params: FlowParams,
        response: { 200: envelope(z.array(VersionSchema)), ...v1Errors },
      },
    },
    async (request) => ok(await ivr.flows.versions(request.params.flowId)),
  );

  app.get(
    '/ivr/flows/:flowId/versions/:version',
    {
      schema: {
        summary: 'One version of a flow',
        tags: ['ivr'],
        operationId: 'getIvrFlowVersion',
        params: VersionParams,
        response: { 200: envelope(FlowSchema), ...v1Errors },
      },
    },
    async (request) => ok(toView(await ivr.flows.get(request.params.flowId, request.params.version))),
  );

  app.get(
    '/ivr/sessions',
    {
      schema: {
        summary: 'Callers in an IVR now',
        tags: ['ivr'],
        operationId: 'listIvrSessions',
        response: { 200: envelope(z.array(SessionSchema)), ...v1Errors },
      },
    },
    async () => ok(ivr.sessions()),
  );

  app.get(
    '/ivr/sessions/:callId',
    {
      schema: {
        summary: "One caller's IVR session: node, variables and trace so far",
        description: 'A finished session is kept in the call record instead, under `context.ivr`.',
        tags: ['ivr'],
        operationId: 'getIvrSession',
        params: SessionParams,
        response: { 200: envelope(SessionSchema), ...v1Errors },
      },
    },
    async (request) => ok(ivr.session(request.params.callId)),
  );
};
