/** API keys and agents' console sessions as the store keeps them (see api/auth.ts, api/sessions.ts). */

/** Who may use the API, and how much of it: see the README's Security section. */
export type Role = 'admin' | 'supervisor' | 'agent' | 'integration';

/** An API key as kept: everything but the key, which is shown once when it is created. */
export interface StoredApiKey {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  /** For `agent` keys: the agent whose calls and state the key may act on. */
  readonly agentId?: string;
  /** When present, only these (`calls:write`, `events:read`, `webhooks:*`, ...). */
  readonly scopes?: readonly string[];
  /** The key's first characters, to tell keys apart in a list. */
  readonly prefix: string;
  readonly createdAt: string;
  readonly revokedAt?: string;
}

/**
 * API keys. `add` keeps a key under the digest of its secret (a digest in use rejects); `byDigest`
 * finds it, revoked or not; `revoke` marks it revoked (once; later calls answer it unchanged),
 * undefined for an unknown id; `count` counts every key ever made, revoked ones included.
 */
export interface ApiKeyRepository {
  add(key: StoredApiKey, digest: string): Promise<void>;
  byDigest(digest: string): Promise<StoredApiKey | undefined>;
  list(): Promise<StoredApiKey[]>;
  revoke(id: string, at: string): Promise<StoredApiKey | undefined>;
  count(): Promise<number>;
}

/** A console session of an agent. Instants are epoch ms. */
export interface StoredSession {
  readonly id: string;
  readonly agentId: string;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
  readonly revokedAtMs?: number;
}

/**
 * Agents' console logins. `setPassword` keeps an agent's password hash (replacing one);
 * `passwordHash` reads it. Sessions are kept by the digest of their token: `addSession`,
 * `sessionByDigest` (revoked or expired ones too), `revokeSession` (true when it was live),
 * `purgeSessions` deletes those expired before `before`.
 */
export interface AgentSessionRepository {
  setPassword(agentId: string, hash: string): Promise<void>;
  passwordHash(agentId: string): Promise<string | undefined>;
  addSession(session: StoredSession, digest: string): Promise<void>;
  sessionByDigest(digest: string): Promise<StoredSession | undefined>;
  revokeSession(id: string, atMs: number): Promise<boolean>;
  purgeSessions(before: number): Promise<number>;
}
