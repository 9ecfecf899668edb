import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SwitchboardError } from '../core/errors.ts';
import type { ApiKeyRepository, Role, StoredApiKey } from '../store/types.ts';

/** Console session tokens start so, keys with `sb_`: a token is looked up where it can be. */
export const SESSION_PREFIX = 'sbs_';

/** Who a request acts as: a stored key's role (and agent, scopes), a configured key, or nobody (open). */
export interface Principal {
  /** The stored key's id; `configured` for a SWITCHBOARD_API_KEYS key; `open` without authentication. */
  readonly keyId: string;
  readonly role: Role;
  readonly agentId?: string;
  readonly scopes?: readonly string[];
  /** A console session's token (see sessions.ts), not a key. */
  readonly session?: boolean;
}

/** Loopback without any key: development, everything allowed. */
export const OPEN_PRINCIPAL: Principal = Object.freeze({ keyId: 'open', role: 'admin' });
const CONFIGURED_PRINCIPAL: Principal = Object.freeze({ keyId: 'configured', role: 'admin' });

/** How long another process's revocation may take to be seen here; this process's own is at once. */
const CACHE_MS = 5_000;
const MAX_CACHED = 10_000;

export interface NewApiKey {
  readonly name: string;
  readonly role: Role;
  readonly agentId?: string;
  readonly scopes?: readonly string[];
}

/**
 * Authentication and the key book. Keys from SWITCHBOARD_API_KEYS act as admins; keys created through
 * the API or the CLI are stored as SHA-256 digests with a role. Authentication is required as soon as
 * either kind exists; with none, the server is open (it listens on loopback only, see config).
 */
export class Authenticator {
  private readonly configured: readonly Buffer[];
  /** Keys ever stored: once there was one, revoking the last does not open the API again. */
  private stored = 0;
  private readonly cache = new Map<string, { principal: Principal | undefined; at: number }>();

  constructor(
    configuredKeys: readonly string[],
    private readonly keys: ApiKeyRepository | undefined,
    private readonly now: () => number = Date.now,
    /** Console sessions, whose tokens act as agent keys. */
    private readonly sessions?: { resolve(token: string): Promise<Principal | undefined> },
  ) {
    if (configuredKeys.some((key) => key.length === 0)) throw new Error('an API key must not be empty');
    this.configured = configuredKeys.map(digest);
  }

  /** Reads how many keys are stored; call once before serving. */
  async init(): Promise<void> {
    this.stored = (await this.keys?.count()) ?? 0;
  }

  /** Whether requests must present a key. */
  get required(): boolean {
    return this.configured.length > 0 || this.stored > 0;
  }

  /** The principal a presented key stands for; undefined when the key is wrong, unknown or revoked. */
  async resolve(presented: string | undefined): Promise<Principal | undefined> {
    if (!this.required) return OPEN_PRINCIPAL;
    if (presented === undefined || presented.length === 0) return undefined;
    const candidate = digest(presented);
    // Against every configured key without stopping at a match: no timing tells which matched.
    let match = false;
    for (const known of this.configured) match = timingSafeEqual(candidate, known) || match;
    if (match) return CONFIGURED_PRINCIPAL;
    // A session expires or is logged out at a given instant: it is never served from the cache.
    if (presented.startsWith(SESSION_PREFIX)) return this.sessions?.resolve(presented);
    if (!this.keys) return undefined;
    const hex = candidate.toString('hex');
    const cached = this.cache.get(hex);
    const now = this.now();
    if (cached && now - cached.at < CACHE_MS) return cached.principal;
    const key = await this.keys.byDigest(hex);
    const principal = key && key.revokedAt === undefined ? principalOf(key) : undefined;
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(hex, { principal, at: now });
    return principal;
  }

  /** Creates a key; the answer holds the key itself, which is never shown again. */
  async create(input: NewApiKey): Promise<{ key: string; apiKey: StoredApiKey }> {
    const keys = this.book();
    if (input.role === 'agent' && input.agentId === undefined) {
      throw new SwitchboardError('VALIDATION_ERROR', 'An agent key needs the agentId it acts for.', [
        { in: 'body', path: 'agentId', problem: 'is required for role agent' },
      ]);
    }
    if (input.role !== 'agent' && input.agentId !== undefined) {
      throw new SwitchboardError('VALIDATION_ERROR', 'Only an agent key is bound to an agentId.', [
        { in: 'body', path: 'agentId', problem: `is only for role agent, not ${input.role}` },
      ]);
    }
    const key = `sb_${randomBytes(32).toString('base64url')}`;
    const apiKey: StoredApiKey = {
      id: `key_${randomUUID()}`,
      name: input.name,
      role: input.role,
      ...(input.agentId !== undefined && { agentId: input.agentId }),
      ...(input.scopes !== undefined && { scopes: [...input.scopes] }),
      prefix: key.slice(0, 10),
      createdAt: new Date(this.now()).toISOString(),
    };
    await keys.add(apiKey, digest(key).toString('hex'));
    this.stored += 1;
    return { key, apiKey };
  }

  list(): Promise<StoredApiKey[]> {
    return this.book().list();
  }

  /** Revokes a key: refused from the next request on (in this process at once). */
  async revoke(id: string): Promise<StoredApiKey> {
    const revoked = await this.book().revoke(id, new Date(this.now()).toISOString());
    if (!revoked) throw new SwitchboardError('API_KEY_NOT_FOUND');
    this.cache.clear();
    return revoked;
  }

  private book(): ApiKeyRepository {
    if (!this.keys) throw new Error('no key store');
    return this.keys;
  }
}

function principalOf(key: StoredApiKey): Principal {
  return {
    keyId: key.id,
    role: key.role,
    ...(key.agentId !== undefined && { agentId: key.agentId }),
    ...(key.scopes !== undefined && { scopes: key.scopes }),
  };
}

/** The key a request presents: `Authorization: Bearer <key>`, else `X-API-Key`. */
export function keyFromHeaders(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headers.authorization;
  if (authorization !== undefined) {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (bearer) return bearer[1];
  }
  const apiKey = headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey.length > 0 ? apiKey : undefined;
}

/** Names the credential a request presents without keeping the key itself (scopes what it owns). */
export function credentialId(headers: IncomingHttpHeaders): string {
  const key = keyFromHeaders(headers);
  return key === undefined ? 'anonymous' : digest(key).toString('hex');
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
