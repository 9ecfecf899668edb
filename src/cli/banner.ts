import type { AriStatus } from '../telephony/ari/ari-driver.ts';

/** What the start-up banner reports. */
export interface BannerInfo {
  /** The address the server listens on, as `listen()` resolved it and as the log line names it. */
  readonly url: string;
  readonly driver: string;
  readonly store: string;
  readonly clock: string;
  readonly ari?: AriStatus;
  readonly authRequired: boolean;
  /** Whether the operator console is built and served at `/`. */
  readonly console?: boolean;
  /** Lines a mode adds before the closing line (the demo's lines and numbers). */
  readonly extra?: readonly string[];
}

/**
 * The lines `switchboard start` prints once listening. The URL is shown exactly as bound (no
 * `localhost` for `127.0.0.1`), so the banner and the log's "Server listening at" name one host.
 */
export function startBanner(info: BannerInfo): string {
  const { url } = info;
  return [
    '',
    `Switchboard is running (driver: ${info.driver}, store: ${info.store}, clock: ${info.clock})`,
    ...(info.ari ? [ariLine(info.ari)] : []),
    ...(info.console ? [`  Console:  ${url}/`] : []),
    `  API:      ${url}/api/v1   (mock-CTI: ${url}/api/cti)`,
    `  Docs:     ${url}/docs     (OpenAPI: ${url}/openapi.json)`,
    `  Events:   Socket.io at ${url}`,
    `  Health:   ${url}/health`,
    info.authRequired ? '  Auth:     API key required' : '  Auth:     none (loopback only)',
    ...(info.extra ?? []),
    'Press Ctrl-C to stop.',
    '',
  ].join('\n');
}

function ariLine(ari: AriStatus): string {
  const version = ari.asteriskVersion ? `Asterisk ${ari.asteriskVersion}` : 'Asterisk';
  return `  Phones:   ${version} at ${ari.url}, Stasis application "${ari.app}" (${ari.state})`;
}
