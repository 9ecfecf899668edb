import type { CountryCode } from 'libphonenumber-js';
import { parseAddress } from '../core/address.ts';
import type { Address } from '../core/call.ts';
import type { PartyDirectory } from './types.ts';

/** Who a name in a command is: where to dial, how to show it, and the agent it names, if any. */
export interface ResolvedParty {
  readonly address: Address;
  readonly shown: Address;
  readonly agentId?: string;
  /** The agent's roles (`supervisor`, ...), when the directory says. */
  readonly roles?: readonly string[];
}

/**
 * A `from`, a transfer's `to` or a conference party: an agent id (the directory knows it) rings the
 * agent's phone and shows the agent's id; anything else is an address, shown as it is dialled.
 */
export function resolveParty(
  directory: PartyDirectory | undefined,
  raw: string,
  field: string,
  country: CountryCode,
): ResolvedParty {
  const agent = directory?.resolve(raw.trim());
  if (!agent) {
    const address = parseAddress(raw, field, country);
    return { address, shown: address };
  }
  return {
    address: parseAddress(agent.endpoint, field, country),
    shown: { kind: 'endpoint', value: agent.agentId },
    agentId: agent.agentId,
    ...(agent.roles !== undefined && { roles: agent.roles }),
  };
}
