import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * The one outbound-host policy every HTTP request Switchboard makes on behalf of configuration
 * (IVR look-ups now, webhooks later) goes through. A flow or a hook URL is written by whoever may
 * upload one, so without it they could reach the machine itself, the cloud metadata service
 * (169.254.169.254) or the private network and read the answer back through the call. Denied by
 * default: loopback, private, link-local, unspecified, shared (CGNAT), multicast and reserved
 * addresses, also when embedded in IPv6 (mapped, NAT64, 6to4). `OUTBOUND_HTTP_ALLOW` lists exceptions.
 *
 * It sits in `net/`, beside `store/` and `notify/`, because it does I/O (DNS) that `core/` must not,
 * and both `apps/` and `notify/` must be able to import it.
 */

/** A refused target; the message says which address and why, never anything the target answered. */
export class OutboundRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutboundRefusedError';
  }
}

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Every address of a host name, as dns.lookup with `all` answers. */
export type Resolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/** Decides where outbound requests may go. */
export interface OutboundPolicy {
  /**
   * Resolves `hostname` (an IP literal resolves to itself), checks every address it resolves to, and
   * answers the address to connect to, so that DNS cannot answer differently between the check and
   * the connection. Rejects with OutboundRefusedError when any address is denied.
   */
  resolve(hostname: string): Promise<ResolvedAddress>;
}

/** Denied ranges by what they are; the first that matches names the reason. */
const DENIED: readonly { readonly kind: string; readonly ranges: readonly string[] }[] = [
  { kind: 'unspecified', ranges: ['0.0.0.0/8', '::/128'] },
  { kind: 'loopback', ranges: ['127.0.0.0/8', '::1/128'] },
  { kind: 'private', ranges: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7', 'fec0::/10'] },
  { kind: 'link-local', ranges: ['169.254.0.0/16', 'fe80::/10'] },
  { kind: 'shared (CGNAT)', ranges: ['100.64.0.0/10'] },
  { kind: 'multicast', ranges: ['224.0.0.0/4', 'ff00::/8'] },
  {
    kind: 'reserved',
    ranges: [
      '192.0.0.0/24',
      '192.0.2.0/24',
      '198.18.0.0/15',
      '198.51.100.0/24',
      '203.0.113.0/24',
      '240.0.0.0/4',
      '::/96',
      '100::/64',
      '2001::/32',
      '2001:db8::/32',
    ],
  },
];

/** IPv6 ranges that carry an IPv4 address, and where: that address is checked as well. */
const EMBEDDING: readonly { readonly range: string; readonly group: number }[] = [
  { range: '::ffff:0:0/96', group: 6 }, // IPv4-mapped
  { range: '64:ff9b::/96', group: 6 }, // NAT64
  { range: '2002::/16', group: 1 }, // 6to4
];

const denied = DENIED.map(({ kind, ranges }) => ({ kind, list: blockListOf(ranges) }));
const embedding = EMBEDDING.map(({ range, group }) => ({ list: blockListOf([range]), group }));

/** Why an address is denied by default (`loopback`, `private`, ...), or undefined for a public one. */
export function deniedKind(address: string): string | undefined {
  const family = isIP(address);
  if (family === 0) return 'invalid';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const direct = denied.find(({ list }) => list.check(address, type))?.kind;
  if (direct !== undefined || family === 4) return direct;
  const carried = embedding.find(({ list }) => list.check(address, 'ipv6'));
  if (carried === undefined) return undefined;
  const inner = deniedKind(embeddedIPv4(address, carried.group));
  return inner === undefined ? undefined : `${inner} (embedded in IPv6)`;
}

/** The exceptions of OUTBOUND_HTTP_ALLOW: host names, addresses and CIDR ranges. */
export interface AllowList {
  readonly hosts: ReadonlySet<string>;
  readonly addresses: BlockList;
}

/** Reads OUTBOUND_HTTP_ALLOW entries; throws naming the first entry that is none of the three. */
export function parseAllowList(entries: readonly string[]): AllowList {
  const hosts = new Set<string>();
  const addresses = new BlockList();
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase();
    const [base = '', prefix, extra] = entry.split('/');
    const address = unbracket(base);
    const family = isIP(address);
    if (prefix !== undefined) {
      const bits = /^[0-9]{1,3}$/.test(prefix) ? Number(prefix) : -1;
      if (family === 0 || extra !== undefined || bits > (family === 4 ? 32 : 128) || bits < 0) {
        throw new Error(`"${raw}" is not a CIDR range such as 10.0.0.0/8 or fd00::/8`);
      }
      addresses.addSubnet(address, bits, family === 4 ? 'ipv4' : 'ipv6');
    } else if (family !== 0) {
      addresses.addAddress(address, family === 4 ? 'ipv4' : 'ipv6');
    } else if (/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/.test(entry)) {
      hosts.add(entry.replace(/\.$/, ''));
    } else {
      throw new Error(`"${raw}" is not a host name, an IP address or a CIDR range`);
    }
  }
  return { hosts, addresses };
}

/** The policy with `allow` as exceptions; `resolve` replaces DNS (tests, a custom resolver). */
export function createOutboundPolicy(
  options: { readonly allow?: readonly string[]; readonly resolve?: Resolver } = {},
): OutboundPolicy {
  const allow = parseAllowList(options.allow ?? []);
  const resolver = options.resolve ?? resolveWithDns;
  return {
    async resolve(hostname) {
      const host = unbracket(hostname.toLowerCase()).replace(/\.$/, '');
      const family = isIP(host);
      const found: readonly ResolvedAddress[] =
        family === 0 ? await resolveOrRefuse(resolver, host) : [{ address: host, family: family as 4 | 6 }];
      const first = found[0];
      if (first === undefined) throw new OutboundRefusedError(`${host} resolves to no address`);
      if (allow.hosts.has(host)) return first;
      for (const { address, family: f } of found) {
        const kind = deniedKind(address);
        if (kind === undefined || allow.addresses.check(address, f === 4 ? 'ipv4' : 'ipv6')) continue;
        const what = family === 0 ? `${host} resolves to ${address}, ` : `${address} is `;
        throw new OutboundRefusedError(`${what}a ${kind} address; OUTBOUND_HTTP_ALLOW can allow it`);
      }
      return first;
    },
  };
}

async function resolveOrRefuse(resolver: Resolver, host: string): Promise<readonly ResolvedAddress[]> {
  try {
    return await resolver(host);
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new OutboundRefusedError(`${host} cannot be resolved${code ? ` (${code})` : ''}`);
  }
}

const resolveWithDns: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map(({ address, family }) => ({
    address,
    family: family === 6 ? 6 : 4,
  }));

function blockListOf(ranges: readonly string[]): BlockList {
  const list = new BlockList();
  for (const range of ranges) {
    const [net = '', bits = ''] = range.split('/');
    list.addSubnet(net, Number(bits), isIP(net) === 4 ? 'ipv4' : 'ipv6');
  }
  return list;
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** The IPv4 address in 16-bit groups `group` and `group + 1` of an IPv6 address. */
function embeddedIPv4(address: string, group: number): string {
  const groups = expandIPv6(address);
  const high = groups[group] ?? 0;
  const low = groups[group + 1] ?? 0;
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/** The eight 16-bit groups of an IPv6 address, `::` and a trailing dotted quad written out. */
function expandIPv6(address: string): number[] {
  let text = address.split('%')[0] ?? '';
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  return [...front, ...Array(8 - front.length - back.length).fill(0), ...back];
}
