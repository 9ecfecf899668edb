import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RealtimePhones } from '../src/telephony/ari/provisioning/realtime-phones.ts';
import { startServer } from './support/server.ts';

const PG_URL = process.env.SWITCHBOARD_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA_SQL = readFileSync(
  new URL('./fixtures/asterisk-realtime/ps-tables.sql', import.meta.url),
  'utf8',
);

/** Asterisk's realtime tables in a schema of their own, on the test PostgreSQL. */
describe('phones in Asterisk realtime (PostgreSQL with the ps_* tables)', () => {
  let admin: pg.Client;
  let schema: string;
  let phones: RealtimePhones;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
  });
  afterAll(async () => {
    await admin.end();
  });

  beforeEach(async () => {
    schema = `rt_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    await admin.query(`create schema ${schema}`);
    await admin.query(`set search_path to ${schema}`);
    await admin.query(SCHEMA_SQL);
    phones = new RealtimePhones({ url: PG_URL, schema, defaults: { transport: 'transport-udp' } });
    return async () => {
      await phones.close();
      await admin.query(`drop schema ${schema} cascade`);
    };
  });

  const rows = async (table: string, columns: string) =>
    (await admin.query(`select ${columns} from ${schema}.${table} order by id`)).rows;

  it('an agent created: endpoint, auth and AOR rows under the extension, as Asterisk reads them', async () => {
    await phones.put({ extension: '1010', password: 's3cret-1010' });
    expect(
      await rows('ps_endpoints', 'id, transport, aors, auth, context, disallow, allow, direct_media'),
    ).toEqual([
      {
        id: '1010',
        transport: 'transport-udp',
        aors: '1010',
        auth: '1010',
        context: 'from-internal',
        disallow: 'all',
        allow: 'ulaw,alaw',
        direct_media: 'no',
      },
    ]);
    expect(await rows('ps_auths', 'id, auth_type, username, password')).toEqual([
      { id: '1010', auth_type: 'userpass', username: '1010', password: 's3cret-1010' },
    ]);
    expect(await rows('ps_aors', 'id, max_contacts, remove_existing')).toEqual([
      { id: '1010', max_contacts: 1, remove_existing: 'yes' },
    ]);
  });

  it('changed: the same rows take the new password, codecs, context and transport; other columns stay', async () => {
    await phones.put({ extension: '1010', password: 'old' });
    await admin.query(`update ${schema}.ps_endpoints set callerid = 'Front desk <1010>' where id = '1010'`);
    await phones.put({
      extension: '1010',
      password: 'new',
      codecs: ['opus', 'g722'],
      context: 'dispatch',
      transport: 'transport-tls',
    });
    expect(await rows('ps_endpoints', 'id, allow, context, transport, callerid')).toEqual([
      {
        id: '1010',
        allow: 'opus,g722',
        context: 'dispatch',
        transport: 'transport-tls',
        callerid: 'Front desk <1010>',
      },
    ]);
    expect(await rows('ps_auths', 'id, password')).toEqual([{ id: '1010', password: 'new' }]);
    expect(await rows('ps_aors', 'id')).toEqual([{ id: '1010' }]);
  });

  it('deleted: the three rows go, other phones stay; deleting again is not an error', async () => {
    await phones.put({ extension: '1010', password: 'a' });
    await phones.put({ extension: '1011', password: 'b' });
    await phones.remove('1010');
    await phones.remove('1010');
    for (const table of ['ps_endpoints', 'ps_auths', 'ps_aors']) {
      expect(await rows(table, 'id')).toEqual([{ id: '1011' }]);
    }
  });

  it('refuses an id Asterisk cannot hold, and writes nothing half-way', async () => {
    await expect(phones.put({ extension: 'x'.repeat(41), password: 'a' })).rejects.toThrow(/1 to 40/);
    await expect(phones.put({ extension: '1012', password: 'p'.repeat(81) })).rejects.toThrow();
    for (const table of ['ps_endpoints', 'ps_auths', 'ps_aors']) expect(await rows(table, 'id')).toEqual([]);
  });

  it('the check says the database answers and names the tables it found', async () => {
    expect(await phones.check()).toEqual({
      reachable: true,
      tables: ['ps_aors', 'ps_auths', 'ps_endpoints'],
    });
    const nowhere = new RealtimePhones({ url: 'postgres://postgres@127.0.0.1:1/none' });
    const check = await nowhere.check();
    await nowhere.close();
    expect(check.reachable).toBe(false);
  });
});

describe('agents provision their phones in Asterisk realtime (HTTP, ASTERISK_REALTIME_URL)', () => {
  it('created, changed, moved to another extension, deleted: the rows follow; the password is never shown', async () => {
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    const schema = `rt_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    await admin.query(`create schema ${schema}`);
    await admin.query(`set search_path to ${schema}`);
    await admin.query(SCHEMA_SQL);
    const server = await startServer({
      env: {
        ASTERISK_REALTIME_URL: PG_URL,
        ASTERISK_REALTIME_SCHEMA: schema,
        ASTERISK_REALTIME_CONTEXT: 'dispatch',
        ASTERISK_REALTIME_CODECS: 'opus,ulaw',
      },
    });
    const ids = async (table: string) =>
      (await admin.query(`select id from ${schema}.${table} order by id`)).rows.map((r) => r.id);
    try {
      const check = await server.request('GET', '/api/v1/telephony/check');
      expect(check.body).toEqual({
        success: true,
        data: {
          driver: 'simulator',
          realtime: { reachable: true, tables: ['ps_aors', 'ps_auths', 'ps_endpoints'] },
        },
      });
      const created = await server.request('POST', '/api/v1/agents', {
        id: 'dispatcher-010',
        name: 'Dana',
        endpoint: 'PJSIP/1010',
        phone: { extension: '1010', password: 'secret-1010' },
      });
      expect(created.status).toBe(201);
      expect(created.body.data.phone).toEqual({ extension: '1010' });
      expect(JSON.stringify(created.body)).not.toContain('secret-1010');
      expect(
        (await admin.query(`select id, context, allow, auth, aors from ${schema}.ps_endpoints`)).rows,
      ).toEqual([{ id: '1010', context: 'dispatch', allow: 'opus,ulaw', auth: '1010', aors: '1010' }]);
      expect((await admin.query(`select password from ${schema}.ps_auths`)).rows).toEqual([
        { password: 'secret-1010' },
      ]);

      // A change without the password keeps it.
      const changed = await server.request('PATCH', '/api/v1/agents/dispatcher-010', {
        phone: { extension: '1010', codecs: ['g722'] },
      });
      expect(changed.status).toBe(200);
      expect((await admin.query(`select allow from ${schema}.ps_endpoints`)).rows).toEqual([
        { allow: 'g722' },
      ]);
      expect((await admin.query(`select password from ${schema}.ps_auths`)).rows).toEqual([
        { password: 'secret-1010' },
      ]);

      // Another extension: the old rows go, the new ones come (with the password given again).
      await server.request('PATCH', '/api/v1/agents/dispatcher-010', {
        phone: { extension: '1020', password: 'secret-1020' },
      });
      for (const table of ['ps_endpoints', 'ps_auths', 'ps_aors']) expect(await ids(table)).toEqual(['1020']);

      const bad = await server.request('POST', '/api/v1/agents', {
        id: 'dispatcher-011',
        name: 'Eve',
        endpoint: 'PJSIP/1011',
        phone: { extension: '10 11', password: 'short' },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('VALIDATION_ERROR');

      expect((await server.request('DELETE', '/api/v1/agents/dispatcher-010')).status).toBeLessThan(300);
      for (const table of ['ps_endpoints', 'ps_auths', 'ps_aors']) expect(await ids(table)).toEqual([]);
    } finally {
      await server.close({ removeData: true });
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
    }
  });
});
