// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const nodeBuiltins = [
  'assert',
  'buffer',
  'child_process',
  'cluster',
  'crypto',
  'dgram',
  'dns',
  'events',
  'fs',
  'fs/promises',
  'http',
  'http2',
  'https',
  'net',
  'os',
  'path',
  'perf_hooks',
  'process',
  'readline',
  'stream',
  'tls',
  'url',
  'util',
  'v8',
  'vm',
  'worker_threads',
  'zlib',
];

/**
 * Layers (docs/architecture.md): apps → anything; graphql → core, libs, workflow contracts;
 * activities → core, libs, workflow contracts; workflows → contracts and pure libs; core → libs;
 * libs → libs. A wrong-way import is a lint error (and scripts/import-directions.spec.ts fails).
 */
const layerPatterns = {
  apps: { group: ['**/apps/**'], message: 'Only apps/ wires processes; nothing imports it.' },
  graphql: { group: ['**/graphql/**'], message: 'graphql/ is the API layer: move shared code into core/.' },
  activities: {
    group: ['**/activities/**'],
    message: 'activities/ are worker shells: move shared code into core/.',
  },
  core: { group: ['**/core/**'], message: 'This layer stands below core/.' },
  workflows: {
    group: ['**/workflows/**', '!**/workflows/contracts', '!**/workflows/contracts/**'],
    message: 'Only workflows/contracts (types) is shared with workflows.',
  },
  anyWorkflows: { group: ['**/workflows/**'], message: 'libs/ stand below workflows.' },
};
const layer = (...names) => ({
  'no-restricted-imports': ['error', { patterns: names.map((n) => layerPatterns[n]) }],
});

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      '.data/',
      'coverage/',
      'eslint.config.mjs',
      'jest.config.js',
      'scripts/bootstrap.js',
      'apps/portal/dist/',
      'apps/portal/src/gql/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', disallowTypeAnnotations: false, fixStyle: 'separate-type-imports' },
      ],
      'no-console': 'off',
    },
  },
  { files: ['core/**/*.ts'], rules: layer('apps', 'graphql', 'activities', 'workflows') },
  { files: ['activities/**/*.ts'], rules: layer('apps', 'graphql', 'workflows') },
  { files: ['graphql/**/*.ts'], rules: layer('apps', 'activities', 'workflows') },
  { files: ['workflows/**/*.ts'], rules: layer('apps', 'graphql', 'activities', 'core') },
  {
    files: ['libs/**/*.ts'],
    // Test helpers of a lib may drive the device lab.
    ignores: ['**/*.spec.ts', '**/*.testing.ts'],
    rules: layer('apps', 'graphql', 'activities', 'core', 'anyWorkflows'),
  },
  {
    // Nest's DI reads constructor parameter types at run time: those imports must stay value imports.
    files: ['graphql/**/*.ts', 'apps/**/*.ts', 'libs/**/*.ts', 'core/**/*.ts'],
    rules: { '@typescript-eslint/consistent-type-imports': 'off' },
  },
  {
    // The workflow sandbox: deterministic code only. Activities come in as contract types.
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({
              name,
              message: 'Node builtins are not available in the workflow sandbox.',
            })),
            ...nodeBuiltins.map((name) => ({
              name: `node:${name}`,
              message: 'Node builtins are not available in the workflow sandbox.',
            })),
            { name: 'reflect-metadata', message: 'No reflect-metadata in workflows.' },
            { name: 'typeorm', message: 'No database code in workflows: use an activity.' },
            { name: 'pg', message: 'No database code in workflows: use an activity.' },
            { name: 'ssh2', message: 'No I/O in workflows: use an activity.' },
            { name: '@temporalio/activity', message: 'Activities run in the worker, not the workflow.' },
            {
              name: '@temporalio/client',
              message: 'Use child workflows or activities, not a client, inside workflows.',
            },
            { name: '@temporalio/worker', message: 'The worker is not available inside workflows.' },
          ],
          patterns: [
            { group: ['@nestjs/*'], message: 'No Nest inside the workflow sandbox.' },
            { group: ['typeorm/*', '@nestjs/typeorm'], message: 'No database code in workflows.' },
          ],
        },
      ],
    },
  },
  {
    // The portal (apps/portal): browser code with its own tsconfig (DOM, JSX), found by the project service.
    files: ['apps/portal/**/*.{ts,tsx,mts}'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.browser },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', disallowTypeAnnotations: false, fixStyle: 'separate-type-imports' },
      ],
      'no-console': 'error',
    },
  },
);
