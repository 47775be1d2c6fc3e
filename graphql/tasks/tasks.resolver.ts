import { redactDeviceNames } from '../../core/accounts/device-scope';
import { Args, ID, Int, Mutation, Parent, Query, ResolveField, Resolver, Context } from '@nestjs/graphql';
import { GraphQLJSON } from 'graphql-type-json';
import { SwitchboardError } from '../../libs/common/src/errors';
import { RunModel } from '../runs/models/run.model';
import type { RunEntity } from '../../core/runs/run.entity';
import { ConflictModel } from '../safety/conflicts.model';
import { ConflictsService } from '../safety/conflicts.service';
import {
  BatchRunsInput,
  BatchTasksInput,
  ImportTaskInput,
  SaveTaskInput,
  StartTaskRunInput,
  StepDecisionInput,
  TaskFromTemplateInput,
  TasksArgs,
} from './dto/task.input';
import {
  BatchResult,
  DefinitionFormatEnum,
  RunStepModel,
  TaskConnection,
  TaskModel,
  TaskTemplateModel,
  TaskValidationModel,
  TaskVersionModel,
} from './models/task.model';
import { TaskBatchService } from './task-batch.service';
import { TaskRunsService } from './task-runs.service';
import type { TaskEntity } from '../../core/tasks/task.entity';
import { TasksRepository } from '../../core/tasks/tasks.repository';
import { principalOf, Requires, type AuthContext } from '../common/auth.guard';
import { UsernameLoader } from '../accounts/username.loader';

@Resolver(() => TaskModel)
export class TasksResolver {
  constructor(
    private readonly tasks: TasksRepository,
    private readonly batch: TaskBatchService,
    private readonly usernames: UsernameLoader,
  ) {}

  @Requires('tasks:read')
  @Query(() => TaskConnection, { name: 'tasks', description: 'Tasks by name.' })
  tasksList(@Args() args: TasksArgs) {
    return this.tasks.list(args);
  }

  @Requires('tasks:read')
  @Query(() => TaskModel)
  task(@Args('task', { description: 'Name or id.' }) task: string): Promise<TaskEntity> {
    return this.tasks.get(task);
  }

  @Requires('tasks:read')
  @Query(() => [TaskTemplateModel], { description: 'Built-in task templates.' })
  taskTemplates(): TaskTemplateModel[] {
    return this.tasks.taskTemplates() as TaskTemplateModel[];
  }

  @Requires('tasks:read')
  @Query(() => TaskValidationModel, { description: 'Check a definition without saving it.' })
  async validateTaskDefinition(
    @Args('definition', { type: () => GraphQLJSON }) definition: unknown,
  ): Promise<TaskValidationModel> {
    try {
      await this.tasks.check(definition);
      return { valid: true, errors: [] };
    } catch (error) {
      if (error instanceof SwitchboardError && error.fields.length)
        return { valid: false, errors: error.fields };
      throw error;
    }
  }

  @Requires('tasks:write')
  @Mutation(() => TaskModel, { description: 'Create a task (version 1).' })
  createTask(@Args('input') input: SaveTaskInput): Promise<TaskEntity> {
    return this.tasks.create(input.definition, input.comment ?? '');
  }

  @Requires('tasks:write')
  @Mutation(() => TaskModel, { description: 'Save a new version of a task; runs in flight keep theirs.' })
  updateTask(
    @Args('task', { description: 'Name or id.' }) task: string,
    @Args('input') input: SaveTaskInput,
  ) {
    return this.tasks.update(task, input.definition, input.comment ?? '');
  }

  @Requires('accounts:write')
  @Mutation(() => TaskModel, {
    description:
      'Let whoever starts a run of this task approve its steps too (separation of duties is the default). Administrators only.',
  })
  setTaskSelfApproval(
    @Args('task', { description: 'Name or id.' }) task: string,
    @Args('allowed') allowed: boolean,
  ): Promise<TaskEntity> {
    return this.tasks.setSelfApproval(task, allowed);
  }

  @Requires('tasks:write')
  @Mutation(() => TaskModel, { description: 'Delete a task; its versions stay readable from its runs.' })
  deleteTask(@Args('task', { description: 'Name or id.' }) task: string): Promise<TaskEntity> {
    return this.tasks.delete(task);
  }

  @Requires('tasks:write')
  @Mutation(() => TaskModel, {
    description: 'Import YAML or JSON: a new task, or a new version of the task of that name.',
  })
  importTask(@Args('input') input: ImportTaskInput): Promise<TaskEntity> {
    return this.tasks.import(input.text, input.format, input.comment ?? '');
  }

  @Requires('tasks:write')
  @Mutation(() => TaskModel, { description: 'Create a task from a built-in template and its parameters.' })
  createTaskFromTemplate(@Args('input') input: TaskFromTemplateInput): Promise<TaskEntity> {
    return this.tasks.createFromTemplate(input.template, input.params ?? {}, input.name);
  }

  @Requires('tasks:write')
  @Mutation(() => BatchResult, { description: 'Create, update or delete many tasks; a result per item.' })
  batchTasks(@Args('input') input: BatchTasksInput): Promise<BatchResult> {
    return this.batch.tasksBatch(input.items, input.atomic);
  }

  @Requires('runs:control')
  @Mutation(() => BatchResult, { description: 'Start or cancel many task runs; a result per item.' })
  batchRuns(@Args('input') input: BatchRunsInput): Promise<BatchResult> {
    return this.batch.runsBatch(input.items, input.atomic);
  }

  @ResolveField(() => GraphQLJSON, { description: 'The definition of a version (default the latest).' })
  async definition(
    @Parent() task: TaskEntity,
    @Args('version', { type: () => Int, nullable: true }) version?: number,
  ): Promise<unknown> {
    return this.tasks.definition(task.id, version);
  }

  @ResolveField(() => String, { nullable: true, description: 'The username of who created it.' })
  createdBy(@Parent() task: TaskEntity, @Context() ctx: object): Promise<string | null> | null {
    return task.createdBy ? this.usernames.load(ctx, task.createdBy) : null;
  }

  @ResolveField(() => [TaskVersionModel], { description: 'Every version, newest first.' })
  versions(@Parent() task: TaskEntity) {
    return this.tasks.versions(task.id);
  }

  @ResolveField(() => String, {
    description: 'The definition as YAML or JSON text, ready to import elsewhere.',
  })
  export(
    @Parent() task: TaskEntity,
    @Args('format', { type: () => DefinitionFormatEnum, defaultValue: 'YAML' }) format: 'YAML' | 'JSON',
    @Args('version', { type: () => Int, nullable: true }) version?: number,
  ): Promise<string> {
    return this.tasks.export(task.id, version, format);
  }
}

@Resolver(() => RunModel)
export class TaskRunsResolver {
  constructor(
    private readonly taskRuns: TaskRunsService,
    private readonly tasks: TasksRepository,
    private readonly conflictReport: ConflictsService,
  ) {}

  @Requires('tasks:run')
  @Mutation(() => RunModel, { description: 'Run a task; returns the run at once.' })
  startTaskRun(@Args('input') input: StartTaskRunInput): Promise<RunEntity> {
    return this.taskRuns.start(input);
  }

  @Requires('runs:control')
  @Mutation(() => RunModel, { description: 'No new step starts; running steps finish.' })
  pauseRun(
    @Context() ctx: AuthContext,
    @Args('id', { type: () => ID }) id: string,
    @Args('note', { type: () => String, nullable: true }) note?: string,
  ): Promise<RunEntity> {
    return this.taskRuns.pause(id, null, note, principalOf(ctx));
  }

  @Requires('runs:control')
  @Mutation(() => RunModel)
  resumeRun(@Context() ctx: AuthContext, @Args('id', { type: () => ID }) id: string): Promise<RunEntity> {
    return this.taskRuns.resume(id, null, principalOf(ctx));
  }

  @Requires('runs:control')
  @Mutation(() => RunModel, {
    description: 'Stop the run and undo its completed steps (their compensations, newest first).',
  })
  rollbackRun(
    @Context() ctx: AuthContext,
    @Args('id', { type: () => ID }) id: string,
    @Args('reason', { type: () => String, nullable: true }) reason?: string,
  ): Promise<RunEntity> {
    return this.taskRuns.rollback(id, null, reason, principalOf(ctx));
  }

  @Requires('changes:approve')
  @Mutation(() => RunStepModel, {
    description: 'Approve or reject an approval step that is WAITING_APPROVAL.',
  })
  async decideStep(
    @Context() ctx: AuthContext,
    @Args('input') input: StepDecisionInput,
  ): Promise<RunStepModel> {
    await this.taskRuns.decide(
      {
        runId: input.runId,
        stepId: input.stepId,
        approve: input.approve,
        by: input.by ?? undefined,
        comment: input.comment ?? undefined,
      },
      principalOf(ctx),
    );
    return (await this.steps({ id: input.runId } as RunEntity, ctx)).find((s) => s.stepId === input.stepId)!;
  }

  @Requires('tasks:run')
  @Mutation(() => RunModel, { description: 'A new run of the same task version with the same inputs.' })
  restartRun(@Context() ctx: AuthContext, @Args('id', { type: () => ID }) id: string): Promise<RunEntity> {
    return this.taskRuns.restart(id, principalOf(ctx));
  }

  @Requires('tasks:run')
  @Mutation(() => RunModel, {
    description:
      'A new run that keeps the outputs of steps that succeeded (and were not undone) and runs the rest.',
  })
  retryRunFromFailure(
    @Context() ctx: AuthContext,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<RunEntity> {
    return this.taskRuns.retryFromFailure(id, principalOf(ctx));
  }

  @ResolveField(() => String, { nullable: true, description: 'Task runs: the task name.' })
  async taskName(@Parent() run: RunEntity): Promise<string | null> {
    if (!run.taskId) return null;
    return (await this.tasks.versionOwner(run.taskId)).name;
  }

  @ResolveField(() => Int, { nullable: true, description: 'Task runs: the version this run is pinned to.' })
  taskVersion(@Parent() run: RunEntity): number | null {
    return run.taskVersion;
  }

  @ResolveField(() => GraphQLJSON, { nullable: true })
  inputs(@Parent() run: RunEntity): unknown {
    return run.inputs;
  }

  @ResolveField(() => Int, {
    nullable: true,
    description: '1 (most urgent) to 5: the Temporal priority key.',
  })
  priority(@Parent() run: RunEntity): number | null {
    return run.priority;
  }

  @ResolveField(() => ID, { nullable: true, description: 'Runs started by a step of another run.' })
  parentRunId(@Parent() run: RunEntity): string | null {
    return run.parentRunId;
  }

  @ResolveField(() => ID, { nullable: true, description: 'Restarts and retries: the run repeated.' })
  sourceRunId(@Parent() run: RunEntity): string | null {
    return run.sourceRunId;
  }

  @ResolveField(() => [ConflictModel], {
    description:
      'Task runs not finished yet: what its steps that have not started will meet (devices locked by other runs, shut maintenance windows, devices that cannot be known in advance). Empty for other runs.',
  })
  async conflicts(@Parent() run: RunEntity, @Context() ctx?: AuthContext): Promise<ConflictModel[]> {
    return this.conflictReport.scopedFor(ctx?.principal, await this.conflictReport.forRun(run));
  }

  @ResolveField(() => [RunStepModel], {
    description:
      'Task runs: every step with its status, in definition order. For a caller whose roles are limited to some sites or tags, a step that worked on devices outside them shows no output, and error texts name no such device.',
  })
  async steps(@Parent() run: RunEntity, @Context() ctx?: AuthContext): Promise<RunStepModel[]> {
    const [rows, counts, definition, hidden, hiddenNames] = await Promise.all([
      this.taskRuns.steps(run.id),
      this.taskRuns.itemCounts(run.id),
      this.taskRuns.definitionOf(run.id),
      this.taskRuns.stepsHiddenFrom(run.id, ctx?.principal),
      this.taskRuns.deviceNamesHiddenFrom(run.id, ctx?.principal),
    ]);
    const text = (value: string | null) => (value === null ? null : redactDeviceNames(value, hiddenNames));
    if (!definition) return [];
    const byId = new Map(rows.map((r) => [r.stepId, r]));
    return definition.steps.map((step) => {
      const row = byId.get(step.id);
      const c = counts.get(step.id);
      return {
        stepId: step.id,
        name: step.name ?? null,
        kind: step.kind,
        dependsOn: step.dependsOn,
        status: row?.status ?? 'PENDING',
        continueOnError: step.continueOnError,
        compensable: step.compensate !== undefined,
        attempts: row?.attempts ?? 0,
        startedAt: row?.startedAt ?? null,
        finishedAt: row?.finishedAt ?? null,
        output: hidden.has(step.id) ? null : (row?.output ?? null),
        errorKind: row?.errorKind ?? null,
        errorMessage: text(row?.errorMessage ?? null),
        childRunId: row?.childRunId ?? null,
        compensationStatus: row?.compensationStatus ?? null,
        compensationError: text(row?.compensationError ?? null),
        items: c
          ? {
              total: Object.values(c).reduce((a, b) => a + b, 0),
              pending: c.PENDING ?? 0,
              running: c.RUNNING ?? 0,
              succeeded: c.SUCCEEDED ?? 0,
              failed: c.FAILED ?? 0,
            }
          : null,
      };
    });
  }
}
