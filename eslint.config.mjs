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
  {
    // Nest's DI reads constructor parameter types at run time: those imports must stay value imports.
    files: ['graphql/**/*.ts', 'apps/**/*.ts', 'libs/**/*.ts'],
    rules: { '@typescript-eslint/consistent-type-imports': 'off' },
  },
  {
    // The workflow sandbox: deterministic code only. Activities come in as types.
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
            {
              group: ['**/activities/*', '**/activities'],
              allowTypeImports: true,
              message: 'Import activities as types only (import type).',
            },
          ],
        },
      ],
    },
  },
);
