import { readFileSync } from 'node:fs';
import {
  DOC_FILE,
  permissionProblems,
  permissionsDoc,
  rootFieldHandlers,
  schemaRootFields,
} from './permissions';

describe('permissions of root fields', () => {
  const handlers = rootFieldHandlers();

  it('finds the resolvers (the walk reads real metadata)', () => {
    expect(handlers.length).toBeGreaterThan(90);
    expect(handlers.find((h) => h.type === 'Mutation' && h.name === 'startChange')?.permission).toBe(
      'changes:start',
    );
    expect(handlers.find((h) => h.type === 'Subscription' && h.name === 'runUpdated')?.permission).toBe(
      'runs:read',
    );
  });

  it('every Query, Mutation and Subscription field of schema.gql declares a known permission', () => {
    expect(permissionProblems(handlers)).toEqual([]);
  });

  it('reports a field without a permission, and one without a resolver', () => {
    const without = handlers.map((h) => (h.name === 'createDevice' ? { ...h, permission: null } : h));
    const fields = [...schemaRootFields(), { type: 'Query' as const, name: 'ghost' }];
    expect(permissionProblems(without, fields)).toEqual([
      expect.stringMatching(/^Mutation\.createDevice: declares no permission/),
      'Query.ghost: no resolver found for it',
    ]);
  });

  it('docs/permissions.md is up to date (npm run docs:permissions)', () => {
    expect(readFileSync(DOC_FILE, 'utf8')).toBe(permissionsDoc(handlers));
  });
});
