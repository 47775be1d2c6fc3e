import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The repository's top-level `templates/<kind>` folder, from TypeScript sources (libs/common/src)
 * or from compiled code (dist/libs/common/src).
 */
export function builtinTemplatesDir(kind: 'textfsm' | 'config'): string {
  const candidates = [
    path.resolve(__dirname, '../../../templates', kind),
    path.resolve(__dirname, '../../../../templates', kind),
  ];
  return candidates.find((dir) => existsSync(dir)) ?? candidates[0];
}

/** Switchboard's version (package.json), from sources or compiled code. */
export function switchboardVersion(): string {
  const file = [
    path.resolve(__dirname, '../../../package.json'),
    path.resolve(__dirname, '../../../../package.json'),
  ].find((f) => existsSync(f));
  return file ? (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version : 'unknown';
}
