import { assertMayApprove, decider } from '../../core/accounts/approvals';
import {
  assertMayActOnRun,
  deviceNamesOutsideRun,
  scopeOfRequest,
  stepsTouchingOutside,
} from '../../core/accounts/device-scope';
import type { Principal } from '../../core/accounts/principal';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from '@temporalio/client';
import { DataSource, type EntityManager } from 'typeorm';
import { ErrorCode, SwitchboardError } from '../../libs/common/src/errors';
import type { TaskDefinition } from '../../libs/tasks/src';
import { RunEntity } from '../../core/runs/run.entity';
import { RunsService } from '../runs/runs.service';
import { isFinalRunStatus } from '../../core/runs/run-states';
import { RunStepEntity } from '../../core/runs/run-step.entity';
import { storeTaskRun } from '../../core/tasks/task-runs';
import { type StepDecision } from '../../workflows/contracts';

export interface StartTaskRunRequest {
  task: string;
  version?: number | null;
  inputs?: unknown;
  priority?: number | null;
}

/** Task runs: start, control (pause, resume, rollback, approvals), restart and retry from failure. */
@Injectable()
export class TaskRunsService {
  private readonly logger = new Logger(TaskRunsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly temporal: Client,
    private readonly runs: RunsService,
  ) {}

  async start(request: StartTaskRunRequest): Promise<RunEntity> {
    const run = await this.dataSource.transaction((m) => this.store(request, m));
    await this.runs.startRunWorkflow(run);
    return run;
  }

  /**
   * Validate and store a run (PENDING, with its step rows; see storeTaskRun); its workflow starts
   * after commit. A run stored but never started (the API died in between) is started by the reconciler.
   */
  async store(
    request: StartTaskRunRequest,
    manager: EntityManager,
    from?: { sourceRunId: string; reused: Map<string, unknown> },
  ): Promise<RunEntity> {
    const { run, taskName } = await storeTaskRun(manager, request, from);
    this.logger.log(`run ${run.id}: task ${taskName} v${run.taskVersion}`);
    return run;
  }

  /** The same task version and inputs, from scratch. */
  async restart(runId: string, principal?: Principal | null): Promise<RunEntity> {
    await assertMayActOnRun(this.dataSource, principal, runId, 'tasks:run');
    const source = await this.taskRun(runId);
    const run = await this.dataSource.transaction((m) =>
      this.store(this.requestOf(source), m, { sourceRunId: source.id, reused: new Map() }),
    );
    await this.runs.startRunWorkflow(run);
    return run;
  }

  /**
   * A new run that keeps the outputs of the steps that succeeded and whose effect is still in place
   * (not compensated), and runs the failed steps and everything after them again.
   */
  async retryFromFailure(runId: string, principal?: Principal | null): Promise<RunEntity> {
    await assertMayActOnRun(this.dataSource, principal, runId, 'tasks:run');
    const source = await this.taskRun(runId);
    if (!isFinalRunStatus(source.status)) {
      throw SwitchboardError.conflict(`run ${runId} is still ${source.status}; retry it once it has ended`);
    }
    if (source.status === 'COMPLETED')
      throw SwitchboardError.conflict(`run ${runId} completed; nothing to retry`);
    const steps = await this.dataSource.getRepository(RunStepEntity).find({
      where: { runId },
      order: { completionSeq: 'ASC' },
    });
    const reused = new Map<string, unknown>();
    for (const step of steps) {
      const done = step.status === 'SUCCEEDED' || step.status === 'REUSED';
      if (done && step.compensationStatus !== 'COMPENSATED') reused.set(step.stepId, step.output);
    }
    const run = await this.dataSource.transaction((m) =>
      this.store(this.requestOf(source), m, { sourceRunId: source.id, reused }),
    );
    await this.runs.startRunWorkflow(run);
    return run;
  }

  async pause(
    runId: string,
    by?: string | null,
    note?: string | null,
    principal?: Principal | null,
  ): Promise<RunEntity> {
    await assertMayActOnRun(this.dataSource, principal, runId, 'runs:control');
    const run = await this.liveTaskRun(runId);
    await this.temporal.workflow
      .getHandle(run.workflowId)
      .signal('pause', { by: by ?? undefined, note: note ?? undefined });
    return run;
  }

  async resume(runId: string, by?: string | null, principal?: Principal | null): Promise<RunEntity> {
    await assertMayActOnRun(this.dataSource, principal, runId, 'runs:control');
    const run = await this.liveTaskRun(runId);
    await this.temporal.workflow.getHandle(run.workflowId).signal('resume', { by: by ?? undefined });
    return run;
  }

  async rollback(
    runId: string,
    by?: string | null,
    reason?: string | null,
    principal?: Principal | null,
  ): Promise<RunEntity> {
    await assertMayActOnRun(this.dataSource, principal, runId, 'runs:control');
    const run = await this.liveTaskRun(runId);
    await this.temporal.workflow
      .getHandle(run.workflowId)
      .signal('rollback', { by: by ?? undefined, reason: reason ?? undefined });
    return run;
  }

  /**
   * Decide an approval step as `principal` (see assertMayApprove). `by` is who is recorded: the
   * principal's username; the service account (API_TOKEN) may name the person it acts for.
   */
  async decide(input: StepDecision & { runId: string }, principal: Principal): Promise<RunStepEntity> {
    const run = await this.liveTaskRun(input.runId);
    const step = await this.dataSource.getRepository(RunStepEntity).findOne({
      where: { runId: run.id, stepId: input.stepId },
    });
    if (!step) throw SwitchboardError.badInput('stepId', `run ${run.id} has no step "${input.stepId}"`);
    // On rollback, an approval may be the compensation of any kind of step.
    const compensation = step.compensationStatus === 'WAITING_APPROVAL';
    if (step.kind !== 'approval' && !compensation)
      throw SwitchboardError.badInput('stepId', `step "${input.stepId}" is not an approval`);
    if (step.status !== 'WAITING_APPROVAL' && !compensation) {
      throw SwitchboardError.conflict(
        `step "${input.stepId}" is ${step.status}, not waiting for approval`,
        'stepId',
      );
    }
    const by = decider(principal, input.by);
    await assertMayApprove(this.dataSource, principal, run);
    const approvers = (
      (compensation ? step.compensationParams : step.params) as { approvers?: unknown } | null
    )?.approvers;
    if (Array.isArray(approvers) && approvers.length > 0 && !approvers.includes(by)) {
      throw new SwitchboardError(
        ErrorCode.FORBIDDEN,
        `step "${input.stepId}" may be decided only by ${approvers.join(', ')}, not ${by}`,
        [{ field: 'by', message: `must be one of ${approvers.join(', ')}` }],
      );
    }
    await this.temporal.workflow.getHandle(run.workflowId).signal('stepDecision', {
      stepId: input.stepId,
      compensation,
      approve: input.approve,
      by,
      comment: input.comment,
    });
    return step;
  }

  /** The steps whose output a scoped principal may not read (they speak of devices outside its scope). */
  stepsHiddenFrom(runId: string, principal?: Principal | null): Promise<Set<string>> {
    return stepsTouchingOutside(this.dataSource, scopeOfRequest(principal, 'runs:read'), runId);
  }

  /** The names of the run's devices outside the principal's runs:read scope (to redact free text). */
  deviceNamesHiddenFrom(runId: string, principal?: Principal | null): Promise<string[]> {
    return deviceNamesOutsideRun(this.dataSource, scopeOfRequest(principal, 'runs:read'), runId);
  }

  steps(runId: string): Promise<RunStepEntity[]> {
    return this.dataSource
      .getRepository(RunStepEntity)
      .createQueryBuilder('s')
      .where('s.run_id = :runId', { runId })
      .getMany();
  }

  /** The definition a run is pinned to (null for other kinds of run). */
  async definitionOf(runId: string): Promise<TaskDefinition | null> {
    const rows: { definition: TaskDefinition }[] = await this.dataSource.query(
      `SELECT v.definition FROM runs r JOIN task_versions v ON v.task_id = r.task_id AND v.version = r.task_version
        WHERE r.id = $1`,
      [runId],
    );
    return rows[0]?.definition ?? null;
  }

  async itemCounts(runId: string): Promise<Map<string, Record<string, number>>> {
    const rows: { step_key: string; status: string; n: number }[] = await this.dataSource.query(
      `SELECT step_key, status, count(*)::int AS n FROM run_step_items WHERE run_id = $1 GROUP BY step_key, status`,
      [runId],
    );
    const counts = new Map<string, Record<string, number>>();
    for (const r of rows) {
      const c = counts.get(r.step_key) ?? {};
      c[r.status] = r.n;
      counts.set(r.step_key, c);
    }
    return counts;
  }

  private requestOf(source: RunEntity): StartTaskRunRequest {
    return {
      task: source.taskId!,
      version: source.taskVersion,
      inputs: source.inputs ?? {},
      priority: source.priority,
    };
  }

  private async taskRun(runId: string): Promise<RunEntity> {
    const run = await this.runs.get(runId);
    if (run.kind !== 'task')
      throw SwitchboardError.badInput('id', `run ${runId} is a ${run.kind} run, not a task run`);
    return run;
  }

  private async liveTaskRun(runId: string): Promise<RunEntity> {
    const run = await this.taskRun(runId);
    if (isFinalRunStatus(run.status)) {
      throw SwitchboardError.conflict(`run ${runId} already ended (${run.status})`);
    }
    return run;
  }
}
