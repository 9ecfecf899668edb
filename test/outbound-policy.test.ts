import { Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../src/config/config.ts';
import { createOutboundFetch } from '../src/net/outbound-fetch.ts';
import {
  createOutboundPolicy,
  deniedKind,
  OutboundRefusedError,
  parseAllowList,
  type Resolver,
} from '../src/net/outbound-policy.ts';
import { type PlainServer, servePlain } from './support/business-app.ts';

/**
 * The outbound-host policy and the fetch that obeys it. Only 127.0.0.0/8 and ::1 ever receive
 * traffic here: requests to other addresses must be refused before any connection is attempted,
 * and the tests make a connection attempt fail loudly rather than leave the machine.
 */

const servers: PlainServer[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const s of servers.splice(0)) await s.close();
});

async function serve(host: string, handle: Parameters<typeof servePlain>[1]): Promise<PlainServer> {
  const server = await servePlain(host, handle);
  servers.push(server);
  return server;
}

const json = (body: unknown) => (_req: unknown, res: import('node:http').ServerResponse) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
const redirectTo =
  (location: string, status = 302) =>
  (_req: unknown, res: import('node:http').ServerResponse) => {
    res.writeHead(status, { location });
    res.end();
  };

/** Fails any socket connection: what must be refused by the policy never reaches the network. */
function forbidConnections() {
  return vi.spyOn(Socket.prototype, 'connect').mockImplementation(() => {
    throw new Error('a connection was attempted');
  });
}

const fakeDns =
  (table: Record<string, string[]>): Resolver =>
  async (host) =>
    (table[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));

describe('which addresses are denied by default', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.3.4', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fd00::1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['100.64.0.1', 'shared (CGNAT)'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['64:ff9b::a9fe:a9fe', 'link-local (embedded in IPv6)'],
    ['2002:7f00:1::', 'loopback (embedded in IPv6)'],
  ])('%s is %s', (address, kind) => {
    expect(deniedKind(address)).toBe(kind);
  });

  it.each(['8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808'])(
    '%s is public',
    (address) => {
      expect(deniedKind(address)).toBeUndefined();
    },
  );
});

describe('OUTBOUND_HTTP_ALLOW', () => {
  it('takes host names, addresses and CIDR ranges, and names a bad entry', () => {
    expect(
      loadConfig({ OUTBOUND_HTTP_ALLOW: '127.0.0.1, erp.internal, 10.0.0.0/8, [::1], fd00::/8' })
        .outboundHttpAllow,
    ).toEqual(['127.0.0.1', 'erp.internal', '10.0.0.0/8', '[::1]', 'fd00::/8']);
    expect(loadConfig({}).outboundHttpAllow).toEqual([]);
    expect(() => loadConfig({ OUTBOUND_HTTP_ALLOW: '10.0.0.0/33' })).toThrow(
      /OUTBOUND_HTTP_ALLOW.*10\.0\.0\.0\/33/,
    );
    expect(() => parseAllowList(['not a host'])).toThrow(/"not a host"/);
    expect(() => parseAllowList(['1.2.3.4/x'])).toThrow(/CIDR/);
  });
});

describe('outbound fetch', () => {
  it('refuses 127.0.0.1 unless allowed: nothing reaches the local server', async () => {
    const local = await serve('127.0.0.1', json({ secret: 'S3CRET' }));
    const refused = createOutboundFetch(createOutboundPolicy())(`${local.url}/x`);
    await expect(refused).rejects.toThrow(OutboundRefusedError);
    await expect(refused).rejects.toThrow(
      '127.0.0.1 is a loopback address; OUTBOUND_HTTP_ALLOW can allow it',
    );
    expect(local.hits).toEqual([]);

    const allowed = createOutboundFetch(createOutboundPolicy({ allow: ['127.0.0.1'] }));
    const res = await allowed(`${local.url}/x`, {
      method: 'POST',
      body: '{"a":1}',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ secret: 'S3CRET' });
    expect(local.hits.map((h) => h.line)).toEqual(['POST /x']);
  });

  it('refuses ::1, localhost and a CIDR-allowed neighbour’s outside by the same rules', async () => {
    const six = await serve('::1', json({ ok: true }));
    await expect(createOutboundFetch(createOutboundPolicy())(`${six.url}/`)).rejects.toThrow(
      '::1 is a loopback address',
    );
    await expect(
      createOutboundFetch(createOutboundPolicy())(`http://localhost:${six.port}/`),
    ).rejects.toThrow(/^localhost resolves to (127\.0\.0\.1|::1), a loopback address/);
    expect(six.hits).toEqual([]);
    const res = await createOutboundFetch(createOutboundPolicy({ allow: ['::1/128'] }))(`${six.url}/`);
    expect(res.status).toBe(200);
  });

  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'http://10.0.0.1/',
    'http://[fd00::1]/',
    'http://[::ffff:169.254.169.254]/',
    'http://0x7f.1/',
  ])('refuses %s before connecting', async (url) => {
    const connect = forbidConnections();
    await expect(createOutboundFetch(createOutboundPolicy())(url)).rejects.toThrow(OutboundRefusedError);
    expect(connect).not.toHaveBeenCalled();
  });

  it('refuses a host name that resolves to a denied address, also when only one of its addresses is', async () => {
    const connect = forbidConnections();
    const policy = createOutboundPolicy({
      allow: ['127.0.0.2'],
      resolve: fakeDns({ 'erp.example': ['10.0.0.7'], 'mixed.example': ['127.0.0.2', '169.254.169.254'] }),
    });
    await expect(createOutboundFetch(policy)('http://erp.example/')).rejects.toThrow(
      'erp.example resolves to 10.0.0.7, a private address',
    );
    await expect(createOutboundFetch(policy)('http://mixed.example/')).rejects.toThrow(
      'mixed.example resolves to 169.254.169.254, a link-local address',
    );
    await expect(createOutboundFetch(policy)('http://nowhere.example/')).rejects.toThrow(
      'resolves to no address',
    );
    expect(connect).not.toHaveBeenCalled();
  });

  it('connects to the address it checked, so DNS answering otherwise afterwards changes nothing', async () => {
    const checked = await serve('127.0.0.2', json({ from: 'checked' }));
    const answers = [['127.0.0.2'], ['127.0.0.1']];
    const asked: string[] = [];
    const policy = createOutboundPolicy({
      allow: ['127.0.0.2'],
      resolve: async (host) => {
        asked.push(host);
        return (answers.shift() ?? ['127.0.0.1']).map((address) => ({ address, family: 4 as const }));
      },
    });
    const res = await createOutboundFetch(policy)(`http://rebind.example:${checked.port}/x`);
    expect(await res.json()).toEqual({ from: 'checked' });
    expect(asked).toEqual(['rebind.example']);
    expect(checked.hits).toEqual([{ line: 'GET /x', host: `rebind.example:${checked.port}` }]);
  });

  it('allows a host name by name, whatever it resolves to', async () => {
    const local = await serve('127.0.0.1', json({ ok: true }));
    const policy = createOutboundPolicy({
      allow: ['dispatch.local'],
      resolve: fakeDns({ 'dispatch.local': ['127.0.0.1'] }),
    });
    expect((await createOutboundFetch(policy)(`http://dispatch.local:${local.port}/`)).status).toBe(200);
  });

  it('checks every redirect: an allowed host cannot send the request on to a denied one', async () => {
    const secret = await serve('127.0.0.1', json({ secret: 'S3CRET' }));
    const allowed = await serve('127.0.0.2', redirectTo(`${secret.url}/secret`));
    const outbound = createOutboundFetch(createOutboundPolicy({ allow: ['127.0.0.2'] }));
    await expect(outbound(`${allowed.url}/lookup`)).rejects.toThrow('127.0.0.1 is a loopback address');
    expect(allowed.hits).toHaveLength(1);
    expect(secret.hits).toEqual([]);
  });

  it('follows up to five allowed redirects, turning a POST into a GET on 303, and refuses a sixth', async () => {
    let hops = 0;
    const chain = await serve('127.0.0.1', (req, res) => {
      const n = Number(req.url?.slice(1));
      if (n >= hops) return json({ arrived: n, method: req.method })(req, res);
      return redirectTo(`/${n + 1}`, 303)(req, res);
    });
    const outbound = createOutboundFetch(createOutboundPolicy({ allow: ['127.0.0.1'] }));
    hops = 5;
    const res = await outbound(`${chain.url}/0`, { method: 'POST', body: '{}' });
    expect(await res.json()).toEqual({ arrived: 5, method: 'GET' });
    hops = 6;
    await expect(outbound(`${chain.url}/0`)).rejects.toThrow('more than 5 redirects');
  });
});
