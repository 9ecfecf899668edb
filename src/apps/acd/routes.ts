import type { FastifyPluginAsync } from 'fastify';
import type { CountryCode } from 'libphonenumber-js';
import type { AgentStateLogRepository } from '../../store/types.ts';
import type { AcdService } from './acd-service.ts';
import { agentRoutes } from './agent-routes.ts';
import { inboundRoutes } from './inbound-routes.ts';
import { queueRoutes } from './queue-routes.ts';
import { acdSchemas } from './schemas.ts';

export interface AcdRouteOptions {
  /** The agent state log; GET /agents/{agentId}/states is served only with it. */
  readonly stateLog?: Pick<AgentStateLogRepository, 'list'>;
  /** Country for numbers written without `+` in ACD configuration (DEFAULT_COUNTRY); US when absent. */
  readonly defaultCountry?: CountryCode;
}

/** The ACD's routes under /api/v1: agents, queues and the inbound routing table, one file each. */
export function acdRoutes(acd: AcdService, options: AcdRouteOptions = {}): FastifyPluginAsync {
  const schemas = acdSchemas(options.defaultCountry);
  return async (app) => {
    await app.register(agentRoutes, { acd, schemas, stateLog: options.stateLog });
    await app.register(queueRoutes, { acd, schemas });
    await app.register(inboundRoutes, { acd, schemas });
  };
}
