import { ConfigError, loadConfig } from './config';

const valid = {
  API_TOKEN: 'a-long-enough-token-123',
  DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
  CREDENTIALS_KEY: '0'.repeat(64),
};

describe('loadConfig', () => {
  it('applies defaults to a minimal valid environment', () => {
    const config = loadConfig(valid);
    expect(config.api.port).toBe(4000);
    expect(config.temporal.address).toBe('127.0.0.1:7233');
    expect(config.credentialsKey).toHaveLength(32);
    expect(config.database.migrationsRun).toBe(true);
  });

  it('accepts a base64 key', () => {
    const config = loadConfig({ ...valid, CREDENTIALS_KEY: Buffer.alloc(32, 7).toString('base64') });
    expect(config.credentialsKey.equals(Buffer.alloc(32, 7))).toBe(true);
  });

  it('names every bad key at once and never echoes values', () => {
    let error: unknown;
    try {
      loadConfig({
        API_TOKEN: 'short',
        DATABASE_URL: 'mysql://x',
        CREDENTIALS_KEY: 'c2VjcmV0',
        API_PORT: 'eighty',
        TEMPORAL_ADDRESS: 'nohostport',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const key of ['API_TOKEN', 'DATABASE_URL', 'CREDENTIALS_KEY', 'API_PORT', 'TEMPORAL_ADDRESS']) {
      expect(problems).toContain(key);
    }
    expect(problems).not.toContain('c2VjcmV0');
    expect(problems).not.toContain('short');
  });

  it('reports missing required keys as required', () => {
    expect(() => loadConfig({})).toThrow(
      /API_TOKEN is required[\s\S]*DATABASE_URL[\s\S]*CREDENTIALS_KEY is required/,
    );
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ ...valid, API_PORT: '' }).api.port).toBe(4000);
  });

  it('reads REACHABILITY_INTERVAL as seconds, off as null, default 5 minutes', () => {
    expect(loadConfig(valid).reachability.intervalSeconds).toBe(300);
    const at = (value: string) => loadConfig({ ...valid, REACHABILITY_INTERVAL: value }).reachability;
    expect(at('30s').intervalSeconds).toBe(30);
    expect(at('5m').intervalSeconds).toBe(300);
    expect(at('1h').intervalSeconds).toBe(3600);
    expect(at('1h30m').intervalSeconds).toBe(5400);
    expect(at('off').intervalSeconds).toBeNull();
    expect(at('OFF').intervalSeconds).toBeNull();
    for (const bad of ['5', '5 minutes', '-1m', '0s', 'never', '1.5h']) {
      expect(() => at(bad)).toThrow(/REACHABILITY_INTERVAL must be a duration such as 30s, 5m/);
    }
  });
});
