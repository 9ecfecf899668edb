import { AriError } from './ari-client.ts';
import type { AriContext } from './ari-context.ts';
import type { AriAsteriskInfo } from './ari-events.ts';

/** What a connection check of ARI found; never contains the password. */
export type AriCheck =
  | {
      readonly reachable: true;
      readonly asteriskVersion: string | undefined;
      /** Whether Asterisk has the Stasis application (someone holds its WebSocket). */
      readonly application: 'registered' | 'absent';
    }
  | { readonly reachable: false; readonly error: string };

/** Asks ARI for its version (GET /asterisk/info) and for the application (GET /applications/{app}). */
export async function checkAri(ctx: AriContext): Promise<AriCheck> {
  try {
    const info = await ctx.client.request<AriAsteriskInfo>('GET', '/asterisk/info');
    let application: 'registered' | 'absent' = 'registered';
    try {
      await ctx.client.request('GET', `/applications/${encodeURIComponent(ctx.app)}`);
    } catch (error) {
      if (!(error instanceof AriError && error.status === 404)) throw error;
      application = 'absent';
    }
    return { reachable: true, asteriskVersion: info?.system?.version, application };
  } catch (error) {
    return { reachable: false, error: (error as Error).message };
  }
}

/** Whether nobody holds the application: Asterisk deletes it when its last client leaves. */
export async function applicationFree(ctx: AriContext): Promise<boolean> {
  try {
    await ctx.client.request('GET', `/applications/${encodeURIComponent(ctx.app)}`);
    return false;
  } catch (error) {
    if (error instanceof AriError && error.kind === 'http' && error.status === 404) return true;
    throw error;
  }
}
