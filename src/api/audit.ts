import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { envelope, isoTime, isoTimeInput, ok, v1Errors } from '../apps/http-kit/schemas.ts';
import type { AuditEntry, AuditLogRepository } from '../store/types.ts';
import { isApiRequest, requestPath } from './request-path.ts';

/** Entries held for one write at most; past this, new ones wait for the write in flight. */
const MAX_PENDING = 10_000;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The audit trail of requests and security events: who (the key's id and role), what (method and
 * route, with the ids in its path), when, from where (address, user agent) and the outcome (status).
 * Entries are written in groups, after the answer, so the request path never waits for the audit.
 */
export class AuditTrail {
  private pending: AuditEntry[] = [];
  private writing: Promise<void> | undefined;
  private scheduled = false;

  constructor(
    private readonly repo: AuditLogRepository,
    private readonly now: () => number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Queues an entry; written shortly, with whatever else arrived meanwhile. */
  record(topic: string, action: string, detail: Record<string, unknown>): void {
    if (this.pending.length >= MAX_PENDING) {
      this.onError(new Error('audit trail backlog full; entry dropped'));
      return;
    }
    this.pending.push({ topic, action, at: new Date(this.now()).toISOString(), detail });
    if (this.scheduled || this.writing) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.write();
    });
  }

  /** Writes what is queued; resolves once it is stored (shutdown, tests). */
  async flush(): Promise<void> {
    while (this.writing || this.pending.length > 0) {
      if (this.writing) await this.writing;
      else await this.write();
    }
  }

  private async write(): Promise<void> {
    if (this.writing || this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.writing = this.repo.appendMany(batch).catch(this.onError);
    await this.writing;
    this.writing = undefined;
    if (this.pending.length > 0) void this.write();
  }

  /** Who and from where, as every entry of a request names them. */
  static who(request: FastifyRequest): Record<string, unknown> {
    const p = request.principal;
    const agent = request.headers['user-agent'];
    return {
      keyId: p?.keyId ?? 'none',
      ...(p && { role: p.role }),
      ...(p?.agentId !== undefined && { agentId: p.agentId }),
      ip: request.ip,
      ...(typeof agent === 'string' && { userAgent: agent.slice(0, 200) }),
    };
  }
}

/** Records every state-changing /api/* request with its outcome, once answered. */
export function registerRequestAudit(app: FastifyInstance, trail: AuditTrail): void {
  app.addHook('onResponse', async (request, reply) => {
    if (SAFE_METHODS.has(request.method) || !isApiRequest(request)) return;
    const params = request.params as Record<string, unknown> | undefined;
    trail.record('request', `${request.method} ${requestPath(request)}`, {
      ...AuditTrail.who(request),
      ...(params && Object.keys(params).length > 0 && { params }),
      status: reply.statusCode,
      requestId: request.id,
    });
  });
}

const AuditQuery = z.strictObject({
  topic: z.string().min(1).max(128).optional().describe('`request`, `security`, `emergency:<id>`, ...'),
  since: isoTimeInput('Entries at or after this instant.').optional(),
  until: isoTimeInput('Entries before this instant.').optional(),
  before: z.coerce.number().int().min(1).optional().describe('Page: entries older than this id.'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const AuditRecord = z
  .object({
    id: z.int(),
    topic: z.string(),
    action: z.string().describe('`POST /api/cti/call`, `UNAUTHORIZED`, `key.created`, ...'),
    at: isoTime('When it happened.'),
    detail: z.record(z.string(), z.unknown()).describe('Who (keyId, role), from where (ip), the outcome.'),
  })
  .meta({ id: 'AuditRecord' });

/** GET /api/v1/audit: the audit log, newest first (admins). */
export const auditRoutes: FastifyPluginAsyncZod<{ repo: AuditLogRepository; trail: AuditTrail }> = async (
  app,
  { repo, trail },
) => {
  app.get(
    '/audit',
    {
      schema: {
        summary: 'The audit log, newest first: state-changing requests and security events',
        tags: ['audit'],
        operationId: 'listAudit',
        querystring: AuditQuery,
        response: { 200: envelope(z.array(AuditRecord)), ...v1Errors },
      },
    },
    async (request) => {
      // What was recorded a moment ago is part of the answer.
      await trail.flush();
      const { topic, since, until, before, limit } = request.query;
      return ok(
        await repo.search({
          limit,
          ...(topic !== undefined && { topic }),
          ...(since !== undefined && { since }),
          ...(until !== undefined && { until }),
          ...(before !== undefined && { before }),
        }),
      );
    },
  );
};
