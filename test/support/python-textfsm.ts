import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** The Python TextFSM the engine is a port of (ntc-templates pins textfsm < 2). */
export const PYTHON_TEXTFSM_VERSION = '1.1.3';
const VENV = path.resolve(__dirname, '../../.data/py-textfsm');
const SCRIPT = path.join(__dirname, 'textfsm_parse.py');

/**
 * A Python interpreter with `textfsm` importable: a venv under .data/ created (and `textfsm` installed
 * from PyPI) on first use. Throws with pip's output when that fails.
 */
export function pythonWithTextfsm(): string {
  const python = path.join(VENV, 'bin', 'python');
  const has = (): boolean => {
    if (!existsSync(python)) return false;
    try {
      const v = execFileSync(python, ['-c', 'import textfsm; print(textfsm.__version__)'], {
        encoding: 'utf8',
      });
      return v.trim() === PYTHON_TEXTFSM_VERSION;
    } catch {
      return false;
    }
  };
  if (has()) return python;
  execFileSync('python3', ['-m', 'venv', VENV], { stdio: 'pipe' });
  execFileSync(python, ['-m', 'pip', 'install', '--quiet', `textfsm==${PYTHON_TEXTFSM_VERSION}`], {
    stdio: 'pipe',
    timeout: 180_000,
  });
  if (!has()) throw new Error(`textfsm ${PYTHON_TEXTFSM_VERSION} is not importable from ${python}`);
  return python;
}

export type PythonResult =
  | { header: string[]; rows: unknown[][] }
  | { error: 'TextFSMError' | 'TextFSMTemplateError'; message: string };

/** Parses every case with Python TextFSM in one process. */
export function parseWithPython(python: string, cases: { template: string; text: string }[]): PythonResult[] {
  const out = execFileSync(python, [SCRIPT], {
    input: JSON.stringify(cases),
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  return JSON.parse(out) as PythonResult[];
}
