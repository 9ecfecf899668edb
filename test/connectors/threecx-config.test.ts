import { describe, expect, it } from 'vitest';
import { DEFAULT_SOCKET_FIELDS, parseThreeCxConfig } from '../../src/connectors/3cx/config.ts';
import { THREECX_YAML } from '../support/threecx.ts';

const ENV = { THREECX_DB_URL: 'postgres://cdr@pbx.example.com/database_single', THREECX_SOCKET_PORT: '5001' };

describe('the 3CX configuration file', () => {
  it('reads the documented shape, with variables and their defaults from the environment', () => {
    const config = parseThreeCxConfig(THREECX_YAML, ENV);
    expect(config.threecx).toEqual({
      version: 20,
      database: { url: ENV.THREECX_DB_URL, table: 'cdroutput' },
      pollIntervalSeconds: 600,
      backfillDays: 10,
      activeSocket: {
        host: '127.0.0.1',
        port: 5001,
        timezone: 'UTC',
        fields: [...DEFAULT_SOCKET_FIELDS],
        maxLineBytes: 65_536,
      },
    });
    expect(config.extensions).toEqual({ '101': 'john.doe@example.com', '102': 'jane.roe@example.com' });
    expect(config.businessHours?.saturday).toBeNull();
    expect(config.businessHours?.monday).toEqual({ start: '08:00', end: '17:00' });
    expect(config.callGroups[0]).toEqual({ id: '700', name: 'Support Team' });
    const overridden = parseThreeCxConfig(THREECX_YAML, {
      ...ENV,
      THREECX_POLL_SECONDS: '30',
      EXT_102_EMAIL: 'j.roe@example.com',
    });
    expect(overridden.threecx.pollIntervalSeconds).toBe(30);
    expect(overridden.extensions['102']).toBe('j.roe@example.com');
  });

  it('keeps a value with YAML syntax in it as a value', () => {
    const url = 'postgres://cdr:p#ss: {x}@pbx.example.com/db';
    expect(parseThreeCxConfig(THREECX_YAML, { ...ENV, THREECX_DB_URL: url }).threecx.database.url).toBe(url);
  });

  it('names the missing variable and where it is used', () => {
    expect(() => parseThreeCxConfig(THREECX_YAML, { THREECX_SOCKET_PORT: '1' })).toThrow(
      `3CX configuration: threecx.database.url uses \${THREECX_DB_URL}, but THREECX_DB_URL is not set`,
    );
  });

  it('names each field that is wrong', () => {
    const bad = THREECX_YAML.replace('version: 20', 'version: 18')
      .replace('"101": john.doe@example.com', '"101": not-an-email')
      .replace('timezone: America/Anchorage', 'timezone: Mars/Olympus');
    expect(() => parseThreeCxConfig(bad, ENV)).toThrow(
      /threecx\.version: only 3CX v20.*extensions\.101: is not an e-mail address.*businessHours\.timezone: is not an IANA time zone/,
    );
    expect(() => parseThreeCxConfig('threecx: [', ENV)).toThrow(/not valid YAML/);
    expect(() => parseThreeCxConfig(`${THREECX_YAML}\nsurprise: 1\n`, ENV)).toThrow(
      /Unrecognized key.*surprise/,
    );
    const noId = THREECX_YAML.replace('fields: ', 'x: ').replace(
      '    timezone: UTC',
      '    timezone: UTC\n    fields: [duration, time-start]',
    );
    expect(() => parseThreeCxConfig(noId, ENV)).toThrow(
      /activeSocket\.fields: must include historyid or callid/,
    );
  });
});
