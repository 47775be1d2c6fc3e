import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The layering rules of docs/architecture.md, checked on the source itself (scripts/layers.spec.ts):
 * which folder may import which, what the worker process loads, and which core module writes
 * which table.
 */

export const ROOT = path.resolve(__dirname, '..');

export type Layer =
  'apps' | 'graphql' | 'activities' | 'workflows' | 'contracts' | 'core' | 'libs' | 'migrations';

/** What each layer may import (besides itself and node modules). */
export const ALLOWED: Record<Layer, readonly Layer[]> = {
  apps: ['graphql', 'activities', 'workflows', 'contracts', 'core', 'libs', 'migrations'],
  graphql: ['core', 'libs', 'contracts'],
  activities: ['core', 'libs', 'contracts'],
  workflows: ['contracts', 'libs'],
  contracts: ['libs'],
  core: ['libs', 'contracts', 'migrations'],
  libs: [],
  migrations: [],
};

export function layerOf(file: string): Layer | null {
  const rel = path.relative(ROOT, file).split(path.sep).join('/');
  if (rel.startsWith('workflows/contracts/')) return 'contracts';
  const top = rel.split('/')[0];
  return (
    (['apps', 'graphql', 'activities', 'workflows', 'core', 'libs', 'migrations'] as const).find(
      (l) => l === top,
    ) ?? null
  );
}

/** Test code may reach across layers (a lib's test drives the device lab). */
export const isTestCode = (file: string) => /\.(spec|testing)\.ts$/.test(file);

const IMPORT =
  /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|\b(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Relative module specifiers of a TypeScript file (static and dynamic imports, requires, re-exports). */
export function importsOf(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec?.startsWith('.')) out.push(spec);
  }
  return out;
}

/** The file a relative specifier resolves to (`.ts`, `/index.ts`, or a JS file), if any. */
export function resolveImport(fromFile: string, spec: string): string | null {
  const base = path.resolve(path.dirname(fromFile), spec);
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts'), base, `${base}.js`]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return null;
}

export function sourceFiles(dirs = ['apps', 'graphql', 'activities', 'workflows', 'core', 'libs']): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      if (name === 'node_modules' || name.startsWith('.')) continue;
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(full);
    }
  };
  for (const d of dirs) if (existsSync(path.join(ROOT, d))) walk(path.join(ROOT, d));
  return out.sort();
}

export interface Violation {
  file: string;
  imports: string;
  why: string;
}

/** Imports that go the wrong way, given each file's imported files. */
export function layerViolations(edges: Map<string, string[]>): Violation[] {
  const out: Violation[] = [];
  const rel = (f: string) => path.relative(ROOT, f).split(path.sep).join('/');
  for (const [file, targets] of edges) {
    const from = layerOf(file);
    if (!from || isTestCode(file)) continue;
    for (const target of targets) {
      const to = layerOf(target);
      if (!to || to === from || ALLOWED[from].includes(to)) continue;
      out.push({ file: rel(file), imports: rel(target), why: `${from} may not import ${to}` });
    }
  }
  return out;
}

/** Each source file with the files it imports. */
export function importGraph(files = sourceFiles()): Map<string, string[]> {
  const edges = new Map<string, string[]>();
  for (const file of files) {
    const targets = importsOf(readFileSync(file, 'utf8'))
      .map((spec) => resolveImport(file, spec))
      .filter((t): t is string => t !== null);
    edges.set(file, targets);
  }
  return edges;
}

/** Every file a process loads from its entry point (relative imports, followed to the end). */
export function moduleClosure(entry: string): Set<string> {
  const seen = new Set<string>();
  const stack = [entry];
  while (stack.length) {
    const file = stack.pop()!;
    if (seen.has(file) || !file.endsWith('.ts')) continue;
    seen.add(file);
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      const target = resolveImport(file, spec);
      if (target) stack.push(target);
    }
  }
  return seen;
}

const SQL_WRITE = /\b(?:UPDATE|INSERT\s+INTO|DELETE\s+FROM)\s+([a-z_]+)\b/g;
const ORM_WRITE = /\.(?:insert|update|delete|save|remove|softDelete|upsert)\(\s*([A-Z]\w*Entity)\b/g;
const REPO_WRITE =
  /getRepository\(\s*([A-Z]\w*Entity)\s*\)\s*\.(?:insert|update|delete|save|remove|softDelete|upsert)\(/g;

export interface TableWrite {
  file: string;
  table: string;
}

/** Where each table is written: SQL statements and TypeORM writes naming an entity class. */
export function tableWrites(files: string[], tableOfEntity: Map<string, string>): TableWrite[] {
  const out: TableWrite[] = [];
  for (const file of files) {
    if (isTestCode(file)) continue;
    const source = readFileSync(file, 'utf8');
    const rel = path.relative(ROOT, file).split(path.sep).join('/');
    for (const m of source.matchAll(SQL_WRITE)) out.push({ file: rel, table: m[1] });
    for (const re of [ORM_WRITE, REPO_WRITE]) {
      for (const m of source.matchAll(re)) {
        const table = tableOfEntity.get(m[1]);
        if (table) out.push({ file: rel, table });
      }
    }
  }
  return out;
}

/** Writes of a table outside the core module that owns it. */
export function ownershipViolations(writes: TableWrite[], ownerOfTable: Map<string, string>): string[] {
  return writes
    .filter((w) => ownerOfTable.has(w.table) && !w.file.startsWith(`core/${ownerOfTable.get(w.table)}/`))
    .map((w) => `${w.file} writes ${w.table}, owned by core/${ownerOfTable.get(w.table)}`);
}
