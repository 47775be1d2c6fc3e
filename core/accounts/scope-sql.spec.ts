import { scopeCondition } from './scope-sql';

describe('scopeCondition', () => {
  it('is TRUE for every device and FALSE for an empty scope', () => {
    expect(scopeCondition({ all: true, parts: [] }, 'd')).toEqual({ sql: 'TRUE', params: [] });
    expect(scopeCondition({ all: false, parts: [] }, 'd')).toEqual({ sql: 'FALSE', params: [] });
  });

  it('numbers its parameters from `first`, one OR branch per part', () => {
    expect(
      scopeCondition(
        {
          all: false,
          parts: [
            { sites: ['dc1'], tags: [] },
            { sites: [], tags: ['core', 'edge'] },
            { sites: ['dc2'], tags: ['x'] },
          ],
        },
        'dev',
        3,
      ),
    ).toEqual({
      sql: '((dev.site = ANY($3::text[])) OR (dev.tags @> $4::text[]) OR (dev.site = ANY($5::text[]) AND dev.tags @> $6::text[]))',
      params: [['dc1'], ['core', 'edge'], ['dc2'], ['x']],
    });
  });
});
