import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '..');

/** The lint rules that guard the workflow sandbox really fire (a rule that silently stopped would not be noticed). */
describe('workflow sandbox lint', () => {
  // The ESLint CLI on stdin, as if the code were a workflow file (Jest cannot load eslint.config.mjs itself).
  const lintAsWorkflow = async (code: string) => {
    const result = spawnSync(
      path.join(root, 'node_modules', '.bin', 'eslint'),
      ['--stdin', '--stdin-filename', 'workflows/collection.workflow.ts', '--format', 'json'],
      { cwd: root, input: code, encoding: 'utf8' },
    );
    const [report] = JSON.parse(result.stdout) as { messages: { ruleId: string; message: string }[] }[];
    return report.messages.map((m) => `${m.ruleId}: ${m.message}`);
  };
  it('refuses Node builtins, Nest, reflect-metadata, database code and imports of activities', async () => {
    const messages = (
      await lintAsWorkflow(
        [
          "import fs from 'node:fs';",
          "import { Injectable } from '@nestjs/common';",
          "import 'reflect-metadata';",
          "import { DataSource } from 'typeorm';",
          "import { createCollectionActivities } from '../activities/collection.activities';",
          'export const x = [fs, Injectable, DataSource, createCollectionActivities];',
        ].join('\n'),
      )
    ).join('\n');
    for (const reason of [
      'Node builtins',
      'No Nest',
      'reflect-metadata',
      'No database code',
      'worker shells',
    ]) {
      expect(messages).toContain(reason);
    }
  }, 60_000);

  it('allows contract types and flags floating promises', async () => {
    const messages = await lintAsWorkflow(
      "import type { CollectionActivities } from './contracts';\n" +
        'export type A = CollectionActivities;\n' +
        'async function f(): Promise<void> {}\n' +
        'export function g(): void {\n  f();\n}\n',
    );
    expect(messages).toEqual([expect.stringContaining('no-floating-promises')]);
  }, 60_000);
});
