import { createHash, randomBytes, randomUUID, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { SwitchboardError } from '../core/errors.ts';
import type { AgentSessionRepository } from '../store/types.ts';
import { type Principal, SESSION_PREFIX } from './auth.ts';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, length: number) => Promise<Buffer>;

const KEY_LENGTH = 32;

/**
 * Agents' console sessions: an agent logs in with its password and gets a short-lived token that
 * acts as an agent key bound to it; logout revokes the token at once, refresh swaps it for a new one.
 */
export class AgentSessions {
  constructor(
    private readonly repo: AgentSessionRepository,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Sets (or replaces) an agent's password; only its scrypt hash is kept. */
  async setPassword(agentId: string, password: string): Promise<void> {
    const salt = randomBytes(16);
    const hash = await scryptAsync(password, salt, KEY_LENGTH);
    await this.repo.setPassword(agentId, `scrypt$${salt.toString('base64')}$${hash.toString('base64')}`);
  }

  /** A new session for the agent when the password is right; UNAUTHORIZED otherwise (same answer either way). */
  async login(agentId: string, password: string): Promise<{ token: string; expiresAt: string }> {
    const stored = await this.repo.passwordHash(agentId);
    const [, salt, hash] = stored?.split('$') ?? [];
    // Hashed even for an unknown agent, so the answer's timing does not tell which agents exist.
    const expected = hash ? Buffer.from(hash, 'base64') : Buffer.alloc(KEY_LENGTH);
    const given = await scryptAsync(
      password,
      salt ? Buffer.from(salt, 'base64') : randomBytes(16),
      KEY_LENGTH,
    );
    if (!stored || !timingSafeEqual(given, expected)) {
      throw new SwitchboardError('UNAUTHORIZED', 'Wrong agent id or password.');
    }
    return this.open(agentId);
  }

  /** Swaps a live session for a new one (the old one is revoked). */
  async refresh(principal: Principal): Promise<{ token: string; expiresAt: string }> {
    const agentId = this.sessionAgent(principal);
    await this.repo.revokeSession(principal.keyId, this.now());
    return this.open(agentId);
  }

  /** Ends a session: its token is refused from the next request on. */
  async logout(principal: Principal): Promise<void> {
    this.sessionAgent(principal);
    await this.repo.revokeSession(principal.keyId, this.now());
  }

  /** The principal of a session token, or undefined when unknown, revoked or expired. */
  async resolve(token: string): Promise<Principal | undefined> {
    const session = await this.repo.sessionByDigest(digestHex(token));
    if (!session || session.revokedAtMs !== undefined || session.expiresAtMs <= this.now()) return undefined;
    return { keyId: session.id, role: 'agent', agentId: session.agentId, session: true };
  }

  private async open(agentId: string): Promise<{ token: string; expiresAt: string }> {
    const token = `${SESSION_PREFIX}${randomBytes(32).toString('base64url')}`;
    const now = this.now();
    const expiresAtMs = now + this.ttlMs;
    await this.repo.addSession(
      { id: `ses_${randomUUID()}`, agentId, createdAtMs: now, expiresAtMs },
      digestHex(token),
    );
    // Expired sessions are of no use to anyone: cleared as new ones are made.
    await this.repo.purgeSessions(now - this.ttlMs);
    return { token, expiresAt: new Date(expiresAtMs).toISOString() };
  }

  private sessionAgent(principal: Principal): string {
    if (!principal.session || principal.agentId === undefined) {
      throw new SwitchboardError(
        'FORBIDDEN',
        'Only a console session (a token from POST /api/v1/sessions) can do that.',
      );
    }
    return principal.agentId;
  }
}

function digestHex(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
