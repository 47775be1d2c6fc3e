import { existsSync } from 'node:fs';
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
