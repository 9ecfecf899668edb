#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { createSwitchboard, openKeyBook, startTracingFromEnv } from '../app.ts';
import { assertSafeExposure, type ConfigOverrides, loadConfig } from '../config/config.ts';
import { DEMO_AGENTS, DEMO_LINES } from '../demo/demo-data.ts';
import { FLEET_PATH } from '../demo/fleet-directory.ts';
import { startBanner } from './banner.ts';
import { KEYS_USAGE, keysCommand } from './keys.ts';

const USAGE = `Usage: switchboard start [options]
       switchboard keys <create|list|revoke> ...  (API keys; see switchboard keys --help)

Options (each also read from the environment variable in brackets):
  --port <n>          port for HTTP and Socket.io (CTI_PORT / PORT, default 5000)
  --host <addr>       interface to listen on (HOST, default 127.0.0.1)
  --database-url <u>  PostgreSQL instead of the embedded store (DATABASE_URL)
  --data-dir <dir>    folder of the embedded store (SWITCHBOARD_DATA_DIR, default ./data)
  --driver <d>        simulator | ari | twilio | exotel (SWITCHBOARD_DRIVER, default simulator; USE_REAL_CTI=true means ari)
                      ari reads ARI_URL, ARI_USERNAME, ARI_PASSWORD, ARI_APP, ARI_TRUNK
  --profiles <file>   simulator party profiles, YAML (SWITCHBOARD_PROFILES)
  --clock <c>         real | virtual | a speed factor such as 10 (SWITCHBOARD_CLOCK, default real)
  --ring-timeout <ms> how long a dialled party may ring (RING_TIMEOUT_MS, default 30000)
  --demo              plays the dispatch scenarios without a dispatch application: dispatchers, a queue,
                      the driver check-in line and a fleet directory at /demo/fleet (SWITCHBOARD_DEMO=1;
                      its store is ./data/demo unless --data-dir says otherwise)
  -h, --help          this text
`;

/** `switchboard start`: runs the server until Ctrl-C, then ends live calls cleanly. */
async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'keys') {
    if (argv.includes('--help') || argv.includes('-h')) {
      process.stdout.write(KEYS_USAGE);
      return 0;
    }
    const line = (text: string) => process.stdout.write(`${text}\n`);
    return keysCommand(argv.slice(1), loadConfig(process.env), line);
  }
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'database-url': { type: 'string' },
      'data-dir': { type: 'string' },
      driver: { type: 'string' },
      profiles: { type: 'string' },
      clock: { type: 'string' },
      'ring-timeout': { type: 'string' },
      demo: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0] ?? 'start';
  if (values.help || command !== 'start') {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  const overrides: ConfigOverrides = {
    CTI_PORT: values.port,
    HOST: values.host,
    DATABASE_URL: values['database-url'],
    SWITCHBOARD_DATA_DIR: values['data-dir'],
    SWITCHBOARD_DRIVER: values.driver,
    SWITCHBOARD_PROFILES: values.profiles,
    SWITCHBOARD_CLOCK: values.clock,
    RING_TIMEOUT_MS: values['ring-timeout'],
    SWITCHBOARD_DEMO: values.demo ? 'true' : undefined,
  };
  const config = loadConfig(process.env, overrides);
  if (config.apiKeys.length === 0) {
    const book = await openKeyBook(config);
    const stored = await book.keyCount().finally(() => book.close());
    assertSafeExposure(config, stored);
  }
  if (config.ari) {
    process.stdout.write(`Connecting to Asterisk ARI at ${config.ari.url} as "${config.ari.username}"...\n`);
  }
  // Before the server is built: its routes and the engine pick up the tracer provider.
  const tracing = startTracingFromEnv(process.env);
  const switchboard = await createSwitchboard(config);
  const url = await switchboard.listen();
  process.stdout.write(
    startBanner({
      url,
      driver: switchboard.telephony.name,
      store: switchboard.store.kind,
      clock: String(config.clock),
      ...(switchboard.ari && { ari: switchboard.ari.status() }),
      authRequired: config.apiKeys.length > 0 || (await switchboard.store.apiKeys.count()) > 0,
      console: switchboard.consoleServed,
      ...(config.demo && { extra: demoLines(url) }),
    }),
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.stdout.write(
        `\n${signal}: draining (no new calls, outbox flushed), then ending live calls...\n`,
      );
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await switchboard.drain();
  await switchboard.close();
  await tracing?.shutdown();
  process.stdout.write('Stopped.\n');
  return 0;
}

function demoLines(shown: string): string[] {
  return [
    `  Demo:     dispatchers ${DEMO_AGENTS.filter((a) => a.id.startsWith('dispatcher'))
      .map((a) => a.id)
      .join(', ')} on duty; fleet at ${shown}${FLEET_PATH}/drivers`,
    `            check-in line ${DEMO_LINES.checkIn} (IVR), dispatch line ${DEMO_LINES.dispatch} (queue); README "Try it"`,
  ];
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`switchboard: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
