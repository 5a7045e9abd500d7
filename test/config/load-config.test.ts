import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfigText, parseConfigValue } from '../../src/config/load-config.js';
import { ConfigError } from '../../src/shared/errors.js';
import { PROJECT_ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

const exampleText = readFileSync(path.join(PROJECT_ROOT, 'config.example.json'), 'utf8');
const exampleEnv = {
  SMART2PAY_SITE_ID: '1010',
  SMART2PAY_API_KEY: 's3cr3t-api-key',
  SMARTGLOCAL_PROJECT: 'proj-1',
};

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

function withSmart2Pay(overrides: Record<string, unknown>): unknown {
  return {
    smart2pay: { baseUrl: 'http://127.0.0.1:1', siteId: '1', apiKey: 'k', ...overrides },
  };
}

describe('configuration', () => {
  it('parses config.example.json with defaults applied and amounts in minor units', () => {
    const config = parseConfigText(exampleText, 'config.example.json', exampleEnv);
    expect(config.timezone).toBe('Europe/Bucharest');
    expect(config.smart2pay?.siteId).toBe('1010');
    expect(config.smart2pay?.apiKey).toBe('s3cr3t-api-key');
    expect(config.smart2pay?.syncFrom).toBe(Date.parse('2026-01-01T00:00:00Z'));
    expect(config.alerts.lowBalance).toEqual({ EUR: 500_000 });
    expect(Object.isFrozen(config.smart2pay)).toBe(true);
  });

  it('gives every key a default, so an empty object is a working configuration', () => {
    const config = parseConfigValue({});
    expect(config.database.url).toBe('sqlite:./data/ledger.db');
    expect(config.timezone).toBe('UTC');
    expect(config.smart2pay).toBeUndefined();
    expect(config.schedule.sync).toBe('*/15 * * * *');
    expect(config.reports.dir).toBe('./reports');
  });

  it.each([
    [withSmart2Pay({ settleSeconds: -1 }), 'config: smart2pay.settleSeconds must be a non-negative integer'],
    [withSmart2Pay({ settleSeconds: 1.5 }), 'config: smart2pay.settleSeconds must be a non-negative integer'],
    [withSmart2Pay({ settleSeconds: '120' }), 'config: smart2pay.settleSeconds must be a non-negative integer'],
    [withSmart2Pay({ settleSecond: 120 }), 'config: smart2pay.settleSecond is not a known key'],
    [{ databse: {} }, 'config: databse is not a known key'],
    [withSmart2Pay({ apiKey: undefined }), 'config: smart2pay.apiKey is required'],
    [withSmart2Pay({ baseUrl: 'ftp://x' }), 'config: smart2pay.baseUrl must be an http(s) URL'],
    [withSmart2Pay({ timezone: 'Mars/Olympus' }), 'config: smart2pay.timezone must be an IANA time zone'],
    [withSmart2Pay({ syncFrom: '2026-01-01' }), 'config: smart2pay.syncFrom must be an ISO 8601 date-time with a zone'],
    [withSmart2Pay({ offsetMode: 'cursor' }), 'config: smart2pay.offsetMode must be "position" or "id"'],
    [{ database: { url: 'mysql://x' } }, 'config: database.url must start with "sqlite:" or "postgres://"'],
    [{ alerts: { lowBalance: { EUR: 5000 } } }, 'config: alerts.lowBalance.EUR must be a decimal amount as a string'],
    [{ alerts: { lowBalance: { EURO: '1.00' } } }, 'config: alerts.lowBalance.EURO must be keyed by an ISO 4217 currency code'],
    [{ alerts: { webhooks: ['not a url'] } }, 'config: alerts.webhooks[0] must be an http(s) URL'],
    [{ schedule: { sync: 'every minute' } }, 'config: schedule.sync must be a cron expression'],
    [{ server: { port: 70000 } }, 'config: server.port must be a port number'],
    [{ matching: { autoConfirmScore: 101 } }, 'config: matching.autoConfirmScore must be an integer from 0 to 100'],
    [{ database: 'sqlite:x' }, 'config: database must be an object'],
  ])('names the key and what was expected: %j', (raw, expected) => {
    const error = errorOf(() => parseConfigValue(raw, {}));
    expect(error.message.split('\n')[0]).toContain(expected);
    expect(error.exitCode).toBe(2);
  });

  it('interpolates ${VAR} from the environment, with ${VAR:-default} fallbacks', () => {
    const config = parseConfigValue(
      { smart2pay: { baseUrl: '${S2P_URL:-http://127.0.0.1:9}', siteId: '${SITE}', apiKey: 'prefix-${KEY}' } },
      { SITE: '77', KEY: 'abc' },
    );
    expect(config.smart2pay?.baseUrl).toBe('http://127.0.0.1:9');
    expect(config.smart2pay?.siteId).toBe('77');
    expect(config.smart2pay?.apiKey).toBe('prefix-abc');
  });

  it('names a missing environment variable and the key that uses it', () => {
    const error = errorOf(() => parseConfigText(exampleText, 'config.json', { SMART2PAY_SITE_ID: '1' }));
    expect(error.message).toBe(
      'config: smart2pay.apiKey refers to the environment variable SMART2PAY_API_KEY, which is not set',
    );
  });

  it('never prints a configured value, even when it is the invalid one', () => {
    const secret = 'sk_live_do_not_print_me';
    const error = errorOf(() =>
      parseConfigValue({ smart2pay: { baseUrl: secret, siteId: '1', apiKey: ['x'], settleSeconds: secret } }, {}),
    );
    expect(error.message).not.toContain(secret);
    expect(error.message).toContain('smart2pay.baseUrl');
    expect(error.message).toContain('smart2pay.apiKey');
  });

  it('rejects text that is not JSON, naming the file', () => {
    const error = errorOf(() => parseConfigText('{ "database": ', '/etc/payout-recon.json'));
    expect(error.message).toMatch(/^config: \/etc\/payout-recon\.json is not valid JSON/);
  });

  it('finds the file from --config, then PAYOUT_RECON_CONFIG, then ./config.json', () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ timezone: 'Europe/Paris' }));
    writeFileSync(path.join(dir, 'env.json'), JSON.stringify({ timezone: 'Asia/Tokyo' }));
    writeFileSync(path.join(dir, 'flag.json'), JSON.stringify({ timezone: 'America/New_York' }));
    const env = { PAYOUT_RECON_CONFIG: 'env.json' };
    expect(loadConfig({ cwd: dir, env: {} }).config.timezone).toBe('Europe/Paris');
    expect(loadConfig({ cwd: dir, env }).config.timezone).toBe('Asia/Tokyo');
    expect(loadConfig({ cwd: dir, env, path: 'flag.json' }).config.timezone).toBe('America/New_York');
  });

  it('says how to create a configuration when there is none', () => {
    const dir = tempDir();
    const error = errorOf(() => loadConfig({ cwd: dir, env: {} }));
    expect(error.message).toContain('no configuration file at');
    expect(error.message).toContain('config.example.json');
  });
});
