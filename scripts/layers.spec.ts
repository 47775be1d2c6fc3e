import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { getMetadataArgsStorage } from 'typeorm';
import { ENTITIES_BY_MODULE } from '../core/entities';
import {
  ROOT,
  importGraph,
  layerViolations,
  moduleClosure,
  ownershipViolations,
  sourceFiles,
  tableWrites,
} from './layers';

const at = (rel: string) => path.join(ROOT, rel);

describe('layers', () => {
  it('finds no import going the wrong way', () => {
    expect(layerViolations(importGraph())).toEqual([]);
  });

  it('reports an import going the wrong way', () => {
    const edges = new Map([
      [at('core/runs/run-log.ts'), [at('graphql/runs/runs.service.ts'), at('libs/common/src/errors.ts')]],
      [at('activities/run.activities.ts'), [at('graphql/common/pagination.ts')]],
      [
        at('graphql/runs/runs.service.ts'),
        [at('activities/failures.ts'), at('workflows/contracts/index.ts')],
      ],
      [at('workflows/task.workflow.ts'), [at('core/runs/run-states.ts'), at('workflows/contracts/task.ts')]],
      [at('libs/tasks/src/validate.ts'), [at('core/entities.ts')]],
    ]);
    expect(layerViolations(edges).map((v) => `${v.file} → ${v.imports}: ${v.why}`)).toEqual([
      'core/runs/run-log.ts → graphql/runs/runs.service.ts: core may not import graphql',
      'activities/run.activities.ts → graphql/common/pagination.ts: activities may not import graphql',
      'graphql/runs/runs.service.ts → activities/failures.ts: graphql may not import activities',
      'workflows/task.workflow.ts → core/runs/run-states.ts: workflows may not import core',
      'libs/tasks/src/validate.ts → core/entities.ts: libs may not import core',
    ]);
  });

  it('keeps the API out of the worker process', () => {
    const loaded = [...moduleClosure(at('apps/worker/src/main.ts'))].map((f) => path.relative(ROOT, f));
    expect(loaded).toContain('activities/collection.activities.ts');
    expect(loaded.filter((f) => f.startsWith('graphql/'))).toEqual([]);
  });

  it('writes each table only from the core module that owns it', () => {
    const tables = getMetadataArgsStorage().tables;
    const tableOfEntity = new Map<string, string>();
    const ownerOfTable = new Map<string, string>();
    for (const [module, entities] of Object.entries(ENTITIES_BY_MODULE)) {
      for (const entity of entities) {
        const name = tables.find((t) => t.target === entity)?.name;
        if (!name) throw new Error(`${entity.name} has no @Entity table name`);
        tableOfEntity.set(entity.name, name);
        ownerOfTable.set(name, module);
      }
    }
    const writes = tableWrites(sourceFiles(), tableOfEntity);
    // The scan sees what it must: the run lifecycle writes runs.
    expect(writes).toContainEqual({ file: 'core/runs/run-lifecycle.ts', table: 'runs' });
    expect(ownershipViolations(writes, ownerOfTable)).toEqual([]);
    expect(
      ownershipViolations([{ file: 'graphql/runs/runs.service.ts', table: 'runs' }], ownerOfTable),
    ).toEqual(['graphql/runs/runs.service.ts writes runs, owned by core/runs']);
  });

  it('makes a wrong-way import a lint error', () => {
    const result = spawnSync(
      path.join(ROOT, 'node_modules', '.bin', 'eslint'),
      ['--stdin', '--stdin-filename', 'core/runs/run-log.ts', '--format', 'json'],
      {
        cwd: ROOT,
        encoding: 'utf8',
        input:
          "import { RunsService } from '../../graphql/runs/runs.service';\n" +
          "import type { TaskRunInput } from '../../workflows/contracts';\n" +
          'export const x = RunsService;\nexport type Y = TaskRunInput;\n',
      },
    );
    const [report] = JSON.parse(result.stdout) as { messages: { ruleId: string; line: number }[] }[];
    expect(report.messages.map((m) => `${m.line} ${m.ruleId}`)).toEqual(['1 no-restricted-imports']);
  }, 60_000);
});
