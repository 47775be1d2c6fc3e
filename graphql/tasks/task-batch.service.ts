import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { ErrorCode, SwitchboardError } from '../../libs/common/src/errors';
import { type RunEntity } from '../../core/runs/run.entity';
import { RunsService } from '../runs/runs.service';
import type { BatchRunItem, BatchTaskItem } from './dto/task.input';
import type { BatchItemResult, BatchResult } from './models/task.model';
import { TaskRunsService } from './task-runs.service';
import { TasksRepository } from '../../core/tasks/tasks.repository';
import { isFinalRunStatus } from '../../core/runs/run-states';

/**
 * Many task or run operations in one call, with a result per item. Not atomic: each item stands
 * alone. Atomic: every item runs inside one transaction, each behind a savepoint so that every bad
 * item is reported, and the transaction commits only when all succeeded.
 */
@Injectable()
export class TaskBatchService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tasks: TasksRepository,
    private readonly taskRuns: TaskRunsService,
    private readonly runs: RunsService,
  ) {}

  tasksBatch(items: BatchTaskItem[], atomic: boolean): Promise<BatchResult> {
    return this.batch(items, atomic, async (item, index, manager) => {
      const need = <T>(value: T | null | undefined, field: string): T => {
        if (value === null || value === undefined) {
          throw SwitchboardError.badInput(`items[${index}].${field}`, `is required for ${item.op}`);
        }
        return value;
      };
      switch (item.op) {
        case 'CREATE':
          return (await this.tasks.create(need(item.definition, 'definition'), item.comment ?? '', manager))
            .id;
        case 'UPDATE':
          return (
            await this.tasks.update(
              need(item.task, 'task'),
              need(item.definition, 'definition'),
              item.comment ?? '',
              manager,
            )
          ).id;
        case 'DELETE':
          return (await this.tasks.delete(need(item.task, 'task'), manager)).id;
      }
    });
  }

  async runsBatch(items: BatchRunItem[], atomic: boolean): Promise<BatchResult> {
    const started: RunEntity[] = [];
    const cancels: string[] = [];
    const result = await this.batch(items, atomic, async (item, index, manager) => {
      if (item.op === 'START') {
        if (!item.task) throw SwitchboardError.badInput(`items[${index}].task`, 'is required for START');
        const request = {
          task: item.task,
          version: item.version,
          inputs: item.inputs ?? {},
          priority: item.priority,
        };
        const run = manager
          ? await this.taskRuns.store(request, manager)
          : await this.dataSource.transaction((m) => this.taskRuns.store(request, m));
        started.push(run);
        return run.id;
      }
      if (!item.runId) throw SwitchboardError.badInput(`items[${index}].runId`, 'is required for CANCEL');
      const run = await this.runs.get(item.runId);
      if (isFinalRunStatus(run.status)) {
        throw SwitchboardError.conflict(
          `run ${run.id} already ended (${run.status})`,
          `items[${index}].runId`,
        );
      }
      cancels.push(run.id);
      return run.id;
    });
    if (result.applied) {
      // Workflows start after the runs are committed; a run whose start fails is marked FAILED with the reason.
      for (const run of started) await this.runs.startRunWorkflow(run).catch(() => undefined);
      for (const id of cancels) await this.runs.cancel(id).catch(() => undefined);
    }
    return result;
  }

  private async batch<T>(
    items: T[],
    atomic: boolean,
    apply: (item: T, index: number, manager: EntityManager | undefined) => Promise<string>,
  ): Promise<BatchResult> {
    const results: BatchItemResult[] = [];
    if (!atomic) {
      for (const [index, item] of items.entries()) {
        results.push(await outcome(index, () => apply(item, index, undefined)));
      }
      return { ok: results.every((r) => r.ok), applied: results.some((r) => r.ok), results };
    }
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      for (const [index, item] of items.entries()) {
        await runner.query(`SAVEPOINT batch_item`);
        const r = await outcome(index, () => apply(item, index, runner.manager));
        await runner.query(r.ok ? `RELEASE SAVEPOINT batch_item` : `ROLLBACK TO SAVEPOINT batch_item`);
        results.push(r);
      }
      const ok = results.every((r) => r.ok);
      if (ok) await runner.commitTransaction();
      else await runner.rollbackTransaction();
      // Nothing of a failed atomic batch exists: the ids of the good items are not returned.
      return { ok, applied: ok, results: ok ? results : results.map((r) => (r.ok ? { ...r, id: null } : r)) };
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      throw error;
    } finally {
      await runner.release();
    }
  }
}

async function outcome(index: number, fn: () => Promise<string>): Promise<BatchItemResult> {
  try {
    return { index, ok: true, id: await fn(), error: null, code: null, fields: null };
  } catch (error) {
    if (error instanceof SwitchboardError) {
      return {
        index,
        ok: false,
        id: null,
        error: error.message,
        code: error.code,
        fields: error.fields.length ? error.fields.map((f) => f.field) : null,
      };
    }
    return {
      index,
      ok: false,
      id: null,
      error: error instanceof Error ? error.message : String(error),
      code: ErrorCode.INTERNAL,
      fields: null,
    };
  }
}
