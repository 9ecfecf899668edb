import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SwitchboardError } from '../../core/errors.ts';
import { envelope, ok, v1Errors } from '../http-kit/schemas.ts';
import type { CampaignService } from './campaign-service.ts';
import { readCsv, readJsonContacts } from './contacts-import.ts';
import {
  CampaignBody,
  CampaignParams,
  CampaignSchema,
  CampaignStatsSchema,
  ContactListQuery,
  ContactPageSchema,
  ContactParams,
  ContactSchema,
  ContactsJsonBody,
  DncBody,
  DncEntrySchema,
  DncListQuery,
  DncPageSchema,
  DncParams,
  ImportReportSchema,
} from './schemas.ts';

/** Largest contact list one request may carry (100,000 contacts of a few fields fit well within). */
const MAX_IMPORT_BYTES = 32 * 1024 * 1024;

const COMMANDS = {
  start: 'Start dialling (draft → running)',
  pause: 'Pause dialling; calls under way go on (running → paused)',
  resume: 'Resume dialling (paused → running)',
  stop: 'Stop for good; contacts not dialled stay pending (draft, running or paused → stopped)',
} as const;

/** /api/v1/campaigns and /api/v1/dnc: campaigns, their contacts and stats, the do-not-call list. */
export const campaignRoutes: FastifyPluginAsyncZod<{ campaigns: CampaignService }> = async (
  app,
  { campaigns },
) => {
  // Contact lists come as CSV too; only in this plugin, the rest of the API stays JSON-only.
  app.addContentTypeParser(
    'text/csv',
    { parseAs: 'string', bodyLimit: MAX_IMPORT_BYTES },
    (_req, body, done) => done(null, body),
  );

  app.post(
    '/campaigns',
    {
      schema: {
        summary: 'Create a campaign (draft)',
        tags: ['campaigns'],
        operationId: 'createCampaign',
        body: CampaignBody,
        response: { 201: envelope(CampaignSchema), ...v1Errors },
      },
    },
    async (request, reply) => reply.status(201).send(ok(await campaigns.create(request.body))),
  );

  app.get(
    '/campaigns',
    {
      schema: {
        summary: 'Every campaign',
        tags: ['campaigns'],
        operationId: 'listCampaigns',
        response: { 200: envelope(z.array(CampaignSchema)), ...v1Errors },
      },
    },
    async () => ok(await campaigns.list()),
  );

  app.get(
    '/campaigns/:id',
    {
      schema: {
        summary: 'A campaign',
        tags: ['campaigns'],
        operationId: 'getCampaign',
        params: CampaignParams,
        response: { 200: envelope(CampaignSchema), ...v1Errors },
      },
    },
    async (request) => ok(await campaigns.get(request.params.id)),
  );

  app.put(
    '/campaigns/:id',
    {
      schema: {
        summary: 'Change a campaign’s settings (its mode only while a draft)',
        tags: ['campaigns'],
        operationId: 'updateCampaign',
        params: CampaignParams,
        body: CampaignBody,
        response: { 200: envelope(CampaignSchema), ...v1Errors },
      },
    },
    async (request) => ok(await campaigns.update(request.params.id, request.body)),
  );

  for (const [command, summary] of Object.entries(COMMANDS) as [keyof typeof COMMANDS, string][]) {
    app.post(
      `/campaigns/:id/${command}`,
      {
        schema: {
          summary,
          description: 'INVALID_STATE (409) names the state the campaign is in when it cannot.',
          tags: ['campaigns'],
          operationId: `${command}Campaign`,
          params: CampaignParams,
          response: { 200: envelope(CampaignSchema), ...v1Errors },
        },
      },
      async (request) => ok(await campaigns.command(request.params.id, command)),
    );
  }

  app.get(
    '/campaigns/:id/stats',
    {
      schema: {
        summary: 'A campaign’s figures: dialled, answered, abandoned, connected, talk time by agent',
        tags: ['campaigns'],
        operationId: 'getCampaignStats',
        params: CampaignParams,
        response: { 200: envelope(CampaignStatsSchema), ...v1Errors },
      },
    },
    async (request) => ok(await campaigns.stats(request.params.id)),
  );

  app.post(
    '/campaigns/:id/contacts',
    {
      bodyLimit: MAX_IMPORT_BYTES,
      schema: {
        summary: 'Import contacts (CSV or JSON); answers a report of the rows refused',
        description:
          'Send `text/csv` with a header row naming phoneNumber, name, timezone and any other fields, or ' +
          'JSON `{contacts: [...]}`. Each refused row is reported by its line in the file (the header is ' +
          'line 1) or its place in the JSON list, with INVALID_PHONE_NUMBER (not E.164), DUPLICATE (the ' +
          'number is in the campaign already) or VALIDATION_ERROR. A contact without a time zone takes ' +
          'its number’s country’s where one zone fits, else the campaign’s. At most 100,000 per request.',
        tags: ['campaigns'],
        operationId: 'importCampaignContacts',
        params: CampaignParams,
        body: z.union([z.string().describe('The CSV (text/csv).'), ContactsJsonBody]),
        response: { 200: envelope(ImportReportSchema), ...v1Errors },
      },
    },
    async (request) => {
      const { body } = request;
      if (typeof body === 'string' && !request.headers['content-type']?.startsWith('text/csv')) {
        throw new SwitchboardError(
          'VALIDATION_ERROR',
          'Send contacts as text/csv or as JSON {contacts: [...]}.',
        );
      }
      const raw = typeof body === 'string' ? readCsv(body) : readJsonContacts(body.contacts);
      return ok(await campaigns.importContacts(request.params.id, raw));
    },
  );

  app.get(
    '/campaigns/:id/contacts',
    {
      schema: {
        summary: 'A page of a campaign’s contacts, in list order, with their attempts',
        tags: ['campaigns'],
        operationId: 'listCampaignContacts',
        params: CampaignParams,
        querystring: ContactListQuery,
        response: { 200: envelope(ContactPageSchema), ...v1Errors },
      },
    },
    async (request) => {
      const { status, cursor, limit } = request.query;
      return ok(
        await campaigns.contacts(request.params.id, {
          limit,
          ...(status !== undefined && { status }),
          ...(cursor !== undefined && { cursor }),
        }),
      );
    },
  );

  app.post(
    '/campaigns/:id/contacts/:contactId/skip',
    {
      schema: {
        summary: 'Preview: pass on the contact offered (it is not dialled)',
        tags: ['campaigns'],
        operationId: 'skipCampaignContact',
        params: ContactParams,
        response: { 200: envelope(ContactSchema), ...v1Errors },
      },
    },
    async (request) => ok(await campaigns.skip(request.params.id, request.params.contactId)),
  );

  app.post(
    '/dnc',
    {
      schema: {
        summary: 'Add numbers to the do-not-call list',
        description:
          'Checked when each campaign call is about to be placed: a number listed after an import is not dialled either.',
        tags: ['campaigns'],
        operationId: 'addDncNumbers',
        body: DncBody,
        response: { 201: envelope(z.array(DncEntrySchema)), ...v1Errors },
      },
    },
    async (request, reply) => reply.status(201).send(ok(await campaigns.addDnc(request.body.numbers))),
  );

  app.get(
    '/dnc',
    {
      schema: {
        summary: 'The do-not-call list, by number',
        tags: ['campaigns'],
        operationId: 'listDncNumbers',
        querystring: DncListQuery,
        response: { 200: envelope(DncPageSchema), ...v1Errors },
      },
    },
    async (request) => {
      const { cursor, limit } = request.query;
      return ok(await campaigns.listDnc({ limit, ...(cursor !== undefined && { cursor }) }));
    },
  );

  app.delete(
    '/dnc/:phoneNumber',
    {
      schema: {
        summary: 'Take a number off the do-not-call list',
        tags: ['campaigns'],
        operationId: 'removeDncNumber',
        params: DncParams,
        response: { 200: envelope(z.object({ phoneNumber: z.string(), removed: z.boolean() })), ...v1Errors },
      },
    },
    async (request) => {
      const { phoneNumber } = request.params;
      return ok({ phoneNumber, removed: await campaigns.removeDnc(phoneNumber) });
    },
  );
};
