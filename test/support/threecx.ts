import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { type CdrDatabase, PG_URL } from './cdroutput.ts';
import { startServer, type TestServer } from './server.ts';

/** The connector's configuration as a site writes it: variables from the environment, with defaults. */
export const THREECX_YAML = `
threecx:
  version: 20
  database: { url: "\${THREECX_DB_URL}", table: "\${THREECX_TABLE:-cdroutput}" }
  pollIntervalSeconds: \${THREECX_POLL_SECONDS:-600}
  backfillDays: 10            # first start without a saved position: CDRs of the last 10 days
  activeSocket:
    host: 127.0.0.1
    port: \${THREECX_SOCKET_PORT:-0}
    timezone: UTC
extensions:
  "101": john.doe@example.com
  "102": \${EXT_102_EMAIL:-jane.roe@example.com}
businessHours:
  timezone: America/Anchorage
  monday: { start: "08:00", end: "17:00" }
  tuesday: { start: "08:00", end: "17:00" }
  wednesday: { start: "08:00", end: "17:00" }
  thursday: { start: "08:00", end: "17:00" }
  friday: { start: "08:00", end: "17:00" }
  saturday: null
callGroups:
  - { id: "700", name: Support Team }
  - { id: support, name: Support queue }
alerts:
  notify: [{ channel: email, to: supervisor@example.com }]
`;

/** Writes the configuration file and starts a server with the connector reading `db`. */
export async function startWithThreeCx(
  db: CdrDatabase,
  options: { dataDir?: string; table?: string; env?: Record<string, string>; logger?: Logger } = {},
): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-3cx-'));
  const file = join(dir, 'threecx.yaml');
  writeFileSync(file, THREECX_YAML);
  return startServer({
    ...(options.dataDir && { dataDir: options.dataDir }),
    env: { THREECX_CONFIG: file },
    parts: {
      ...(options.logger && { logger: options.logger }),
      env: { THREECX_DB_URL: PG_URL, THREECX_TABLE: options.table ?? db.table, ...options.env },
    },
  });
}
