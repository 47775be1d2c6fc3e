import { loadConfig } from '../../../libs/config/src/config';

describe('API limits configuration', () => {
  const valid = {
    API_TOKEN: 'a-long-enough-token-123',
    DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
    CREDENTIALS_KEY: '0'.repeat(64),
  };

  it('has defaults', () => {
    expect(loadConfig(valid).api).toMatchObject({
      queryLimits: { maxDepth: 12, maxCost: 6000, maxAliases: 50, maxFields: 1000 },
      rateLimit: { perSecond: 200, burst: 2000 },
      maxBodyBytes: { anonymous: 65_536, authenticated: 33_554_432 },
    });
  });

  it('reads them, a fractional rate and 0 (no rate limit) included', () => {
    const api = loadConfig({
      ...valid,
      API_MAX_QUERY_DEPTH: '8',
      API_MAX_QUERY_COST: '100',
      API_MAX_ALIASES: '0',
      API_MAX_QUERY_FIELDS: '200',
      API_RATE_LIMIT_PER_SECOND: '0.5',
      API_RATE_LIMIT_BURST: '3',
      API_MAX_BODY_BYTES: '1048576',
      API_MAX_ANONYMOUS_BODY_BYTES: '4096',
    }).api;
    expect(api).toMatchObject({
      queryLimits: { maxDepth: 8, maxCost: 100, maxAliases: 0, maxFields: 200 },
      rateLimit: { perSecond: 0.5, burst: 3 },
      maxBodyBytes: { anonymous: 4096, authenticated: 1_048_576 },
    });
    expect(loadConfig({ ...valid, API_RATE_LIMIT_PER_SECOND: '0' }).api.rateLimit.perSecond).toBe(0);
  });

  it('names bad values', () => {
    expect(() =>
      loadConfig({
        ...valid,
        API_MAX_QUERY_DEPTH: '0',
        API_RATE_LIMIT_PER_SECOND: '-1',
        API_MAX_QUERY_COST: 'x',
      }),
    ).toThrow(
      /API_MAX_QUERY_DEPTH must be at least 1[\s\S]*API_MAX_QUERY_COST must be a number[\s\S]*API_RATE_LIMIT_PER_SECOND must be at least 0/,
    );
    expect(() =>
      loadConfig({ ...valid, API_MAX_BODY_BYTES: '65536', API_MAX_ANONYMOUS_BODY_BYTES: '131072' }),
    ).toThrow(/API_MAX_ANONYMOUS_BODY_BYTES must not exceed API_MAX_BODY_BYTES/);
  });
});
