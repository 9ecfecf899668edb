import type { Address } from '../../core/call.ts';
import { type AriContext, enc } from './ari-context.ts';
import { toDriverError } from './ari-errors.ts';

interface AriEndpoint {
  readonly technology: string;
  readonly resource: string;
  readonly state?: string;
}

/**
 * Starts reporting a phone's registration. Without subscribeAll Asterisk sends no endpoint event until
 * the application subscribes to the endpoint (then EndpointStateChange, PeerStatusChange and
 * ContactStatusChange per change); with it, PeerStatusChange and ContactStatusChange come anyway and the
 * subscription changes nothing. The current state is then read with GET /endpoints/{tech}/{resource}.
 */
export async function watchEndpoint(ctx: AriContext, address: Address): Promise<string> {
  ctx.assertRunning();
  const name = ctx.endpoints.dialString(address);
  const [tech, resource] = [name.slice(0, name.indexOf('/')), name.slice(name.indexOf('/') + 1)];
  const registrations = ctx.state.registrations;
  const before = registrations.version(name);
  try {
    if (!ctx.options.subscribeAll) {
      await ctx.client.request('POST', `/applications/${enc(ctx.app)}/subscription`, {
        eventSource: `endpoint:${name}`,
      });
    }
    const endpoint = await ctx.client.request<AriEndpoint>('GET', `/endpoints/${enc(tech)}/${enc(resource)}`);
    // An event heard meanwhile reported the state already, and every later change brings its own.
    if (registrations.version(name) === before && endpoint?.state) {
      registrations.report(name, endpoint.state === 'online');
    }
  } catch (error) {
    throw toDriverError(error, `watch endpoint ${name}`);
  }
  return name;
}
