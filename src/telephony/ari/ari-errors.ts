import { DriverError } from '../driver.ts';
import { AriError } from './ari-client.ts';
import { StreamConnectError } from './event-stream.ts';

/**
 * Turns what ARI answered into the contract's {@link DriverError} kinds. Asterisk is not consistent
 * about statuses, so the body counts too: adding an unknown channel to a bridge answers
 * 400 "Channel not found", and dialling an endpoint that does not exist answers 500 "Allocation failed".
 */
export function toDriverError(error: unknown, what: string): DriverError {
  if (error instanceof DriverError) return error;
  if (!(error instanceof AriError)) {
    return new DriverError('unavailable', `${what} failed: ${(error as Error)?.message ?? String(error)}`);
  }
  if (error.kind !== 'http') return new DriverError('unavailable', `${what} failed: ${error.message}`);
  const status = error.status ?? 0;
  const said = error.detail ? ` "${error.detail}"` : '';
  const message = `${what} failed: Asterisk answered ${status}${said}`;
  if (status === 404 || /not found$/i.test(error.detail)) return new DriverError('not_found', message);
  if (status === 401 || status === 403) {
    return new DriverError('unavailable', `${message}; check ARI_USERNAME and ARI_PASSWORD`);
  }
  if (error.detail === 'Allocation failed') {
    return new DriverError(
      'invalid',
      `${what} failed: Asterisk could not dial it ("Allocation failed"): the endpoint does not exist or is not registered`,
    );
  }
  if (status >= 500) return new DriverError('unavailable', message);
  return new DriverError('invalid', message);
}

/**
 * A clear sentence for an operator when the driver cannot connect at start: what failed and which
 * setting to check. Never includes the password.
 */
export function explainConnectError(error: unknown, url: string, username: string): string {
  if (error instanceof AriError) {
    if (error.kind === 'http' && (error.status === 401 || error.status === 403)) {
      return `Asterisk ARI at ${url} refused the credentials of user "${username}" (${error.status} ${error.detail || 'Authentication required'}). Check ARI_USERNAME and ARI_PASSWORD against ari.conf.`;
    }
    if (error.kind === 'http' && error.status === 404) {
      return `${url} answered 404 for /asterisk/info: it does not look like ARI. ARI_URL usually ends in /ari (e.g. http://127.0.0.1:8088/ari); check http.conf and that res_ari is loaded.`;
    }
    if (error.kind === 'http') {
      return `Asterisk ARI at ${url} answered ${error.status} ${error.detail} for /asterisk/info.`;
    }
    const how =
      error.kind === 'timeout'
        ? 'it did not answer in time'
        : error.message.replace(/^.*failed: /, '').replace(/ \(https?:\/\/[^)]*\)$/, '');
    return `Cannot reach Asterisk ARI at ${url} (${how}). Check ARI_URL, that Asterisk runs, and that http.conf has enabled = yes on that address and port.`;
  }
  if (error instanceof StreamConnectError) {
    if (error.status === 401 || error.status === 403) {
      return `Asterisk ARI at ${url} refused the event WebSocket for user "${username}" (${error.status}). Check ARI_USERNAME and ARI_PASSWORD against ari.conf.`;
    }
    return `Cannot open the ARI event WebSocket at ${url} (${error.message}). Check that res_ari and res_http_websocket are loaded.`;
  }
  return `Cannot connect to Asterisk ARI at ${url}: ${(error as Error)?.message ?? String(error)}`;
}

/** Whether ARI answered that the channel a request was about does not exist (any more). */
export function isChannelGone(error: unknown): boolean {
  return (
    error instanceof AriError &&
    error.kind === 'http' &&
    (error.status === 404 || error.status === 400) &&
    /channel (was )?not found/i.test(error.detail)
  );
}
