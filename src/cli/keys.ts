import { parseArgs } from 'node:util';
import { openKeyBook } from '../app.ts';
import type { SwitchboardConfig } from '../config/config.ts';

export const KEYS_USAGE = `Usage: switchboard keys <create|list|revoke> [options]

  keys create --name <name> --role <admin|supervisor|agent|integration> [--agent <id>] [--scopes a,b]
              prints the new key once (only its digest is kept)
  keys list   lists keys (id, role, name, prefix, revoked)
  keys revoke <id>
`;

/** `switchboard keys ...`: the key book of the configured store, without starting the server. */
export async function keysCommand(
  argv: readonly string[],
  config: SwitchboardConfig,
  out: (line: string) => void,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      role: { type: 'string' },
      agent: { type: 'string' },
      scopes: { type: 'string' },
    },
  });
  const [verb, id] = positionals;
  const book = await openKeyBook(config);
  try {
    if (verb === 'create') {
      const role = values.role;
      if (!values.name || !isRole(role)) {
        out(KEYS_USAGE);
        return 2;
      }
      const { key, apiKey } = await book.auth.create({
        name: values.name,
        role,
        ...(values.agent !== undefined && { agentId: values.agent }),
        ...(values.scopes !== undefined && { scopes: values.scopes.split(',').map((s) => s.trim()) }),
      });
      out(`${apiKey.id} (${apiKey.role}${apiKey.agentId ? ` for ${apiKey.agentId}` : ''}): ${key}`);
      out('Keep the key: it is not shown again.');
      return 0;
    }
    if (verb === 'list') {
      for (const k of await book.auth.list()) {
        const state = k.revokedAt ? `revoked ${k.revokedAt}` : 'active';
        out(`${k.id}\t${k.role}${k.agentId ? `:${k.agentId}` : ''}\t${k.name}\t${k.prefix}…\t${state}`);
      }
      return 0;
    }
    if (verb === 'revoke' && id !== undefined) {
      const revoked = await book.auth.revoke(id);
      out(`${revoked.id} revoked at ${revoked.revokedAt}`);
      return 0;
    }
    out(KEYS_USAGE);
    return 2;
  } finally {
    await book.close();
  }
}

function isRole(role: string | undefined): role is 'admin' | 'supervisor' | 'agent' | 'integration' {
  return role === 'admin' || role === 'supervisor' || role === 'agent' || role === 'integration';
}
