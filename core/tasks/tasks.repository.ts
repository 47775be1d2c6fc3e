import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isUUID } from 'class-validator';
import { DataSource, type EntityManager } from 'typeorm';
import { SwitchboardError, type FieldError } from '../../libs/common/src/errors';
import {
  BUILTIN_TASK_TEMPLATES_DIR,
  instantiateTemplate,
  loadTaskTemplates,
  parseDefinitionText,
  serializeDefinition,
  validateDefinition,
  type TaskDefinition,
  type TaskTemplate,
} from '../../libs/tasks/src';
import { TaskEntity, TaskVersionEntity } from './task.entity';
import {
  decodeCursor,
  encodeCursor,
  toConnection,
  type ConnectionShape,
} from '../../libs/common/src/pagination';
import { currentActorId } from '../accounts/actor';

export type DefinitionFormat = 'YAML' | 'JSON';

export interface TaskFilter {
  search?: string | null;
  tag?: string | null;
  owner?: string | null;
}

/**
 * Task definitions: validated when saved, every save an immutable new version, deletes soft (runs
 * keep the version they pinned). Built-in templates come from templates/tasks.
 */
@Injectable()
export class TasksRepository {
  private readonly logger = new Logger(TasksRepository.name);
  private templates?: TaskTemplate[];

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Check a definition as saving it would, without saving; errors name the step and field. */
  async check(raw: unknown, manager: EntityManager = this.dataSource.manager): Promise<TaskDefinition> {
    const { definition, errors } = validateDefinition(raw);
    if (!definition) throw SwitchboardError.invalidFields(prefix(errors));
    // Saves that add edges between tasks (subtasks, upstream) take turns, so that two saves at once
    // cannot each close half of a cycle.
    await manager.query(`SELECT pg_advisory_xact_lock(hashtext('switchboard:task-graph'))`);
    const more = [
      ...(await this.checkSubtasks(definition, manager)),
      ...(await this.checkUpstream(definition, manager)),
    ];
    if (errors.length || more.length) throw SwitchboardError.invalidFields(prefix([...errors, ...more]));
    return definition;
  }

  async create(raw: unknown, comment = '', manager?: EntityManager): Promise<TaskEntity> {
    return this.inTransaction(manager, async (m) => {
      const definition = await this.check(raw, m);
      if (await this.findLive(definition.name, m)) {
        throw SwitchboardError.conflict(
          `a task named "${definition.name}" already exists`,
          'definition.name',
        );
      }
      const task = m.create(TaskEntity, {
        name: definition.name,
        description: definition.description,
        owner: definition.owner,
        priority: definition.priority,
        tags: definition.tags,
        latestVersion: 1,
        deletedAt: null,
        createdBy: currentActorId(),
      });
      await m.save(task);
      await this.insertVersion(m, task.id, 1, definition, comment);
      this.logger.log(`task ${definition.name} created (v1)`);
      return task;
    });
  }

  /** A new version; the name may not change (runs and subtasks refer to it). */
  async update(id: string, raw: unknown, comment = '', manager?: EntityManager): Promise<TaskEntity> {
    return this.inTransaction(manager, async (m) => {
      const task = await this.get(id, m, true);
      const definition = await this.check(raw, m);
      if (definition.name !== task.name) {
        throw SwitchboardError.badInput(
          'definition.name',
          `is "${definition.name}" but the task is "${task.name}"; a task's name cannot change`,
        );
      }
      const version = task.latestVersion + 1;
      await this.insertVersion(m, task.id, version, definition, comment);
      await m.update(
        TaskEntity,
        { id: task.id },
        {
          latestVersion: version,
          description: definition.description,
          owner: definition.owner,
          priority: definition.priority,
          tags: definition.tags,
        },
      );
      this.logger.log(`task ${task.name} updated (v${version})`);
      return this.get(task.id, m);
    });
  }

  async delete(id: string, manager?: EntityManager): Promise<TaskEntity> {
    return this.inTransaction(manager, async (m) => {
      const task = await this.get(id, m, true);
      const users: { name: string }[] = await m.query(
        `SELECT DISTINCT t.name FROM tasks t JOIN task_versions v ON v.task_id = t.id AND v.version = t.latest_version
          WHERE t.deleted_at IS NULL AND t.id <> $1 AND v.definition::text LIKE '%' || $2 || '%'`,
        [task.id, JSON.stringify(task.name)],
      );
      const callers = [];
      const downstream = [];
      for (const u of users) {
        const def = await this.definition(u.name, undefined, m);
        if (subtaskNames(def).includes(task.name)) callers.push(u.name);
        if (upstreamNames(def).includes(task.name)) downstream.push(u.name);
      }
      if (callers.length) {
        throw SwitchboardError.conflict(`task "${task.name}" is used as a subtask by ${callers.join(', ')}`);
      }
      if (downstream.length) {
        throw SwitchboardError.conflict(
          `task "${task.name}" is an upstream task of ${downstream.join(', ')}; remove it from their upstream first`,
        );
      }
      await m.update(TaskEntity, { id: task.id }, { deletedAt: new Date() });
      return { ...task, deletedAt: new Date() };
    });
  }

  /** By id or by name. */
  async get(
    idOrName: string,
    manager: EntityManager = this.dataSource.manager,
    forUpdate = false,
  ): Promise<TaskEntity> {
    const query = manager
      .createQueryBuilder(TaskEntity, 't')
      .where('t.deleted_at IS NULL')
      .andWhere(isUUID(idOrName, 'all') ? 't.id = :key' : 't.name = :key', { key: idOrName });
    if (forUpdate) query.setLock('pessimistic_write');
    const task = await query.getOne();
    if (!task) throw SwitchboardError.notFound('task', idOrName);
    return task;
  }

  /** Allow or forbid whoever starts a run of the task to approve its steps (an administrator's call). */
  async setSelfApproval(idOrName: string, allowed: boolean): Promise<TaskEntity> {
    const task = await this.get(idOrName);
    await this.dataSource.query(`UPDATE tasks SET self_approval = $2 WHERE id = $1`, [task.id, allowed]);
    return this.get(task.id);
  }

  /** A task even when deleted: runs keep naming the task they ran. */
  async versionOwner(id: string): Promise<TaskEntity> {
    const task = await this.dataSource.getRepository(TaskEntity).findOne({ where: { id } });
    if (!task) throw SwitchboardError.notFound('task', id);
    return task;
  }

  async definition(
    idOrName: string,
    version?: number | null,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<TaskDefinition> {
    return (await this.version(idOrName, version, manager)).definition;
  }

  async version(
    idOrName: string,
    version?: number | null,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<TaskVersionEntity> {
    const task = await this.get(idOrName, manager);
    const found = await manager.findOne(TaskVersionEntity, {
      where: { taskId: task.id, version: version ?? task.latestVersion },
    });
    if (!found) throw SwitchboardError.badInput('version', `task ${task.name} has no version ${version}`);
    return found;
  }

  versions(taskId: string): Promise<TaskVersionEntity[]> {
    return this.dataSource
      .getRepository(TaskVersionEntity)
      .find({ where: { taskId }, order: { version: 'DESC' } });
  }

  async export(
    idOrName: string,
    version: number | null | undefined,
    format: DefinitionFormat,
  ): Promise<string> {
    const definition = await this.definition(idOrName, version);
    return serializeDefinition(definition, format === 'JSON' ? 'json' : 'yaml');
  }

  /** Import YAML or JSON: a new task, or a new version of the task with that name. */
  async import(text: string, format: DefinitionFormat, comment = ''): Promise<TaskEntity> {
    const raw = parseDefinitionText(text, format === 'JSON' ? 'json' : 'yaml');
    const name = (raw as { name?: unknown } | null)?.name;
    const existing = typeof name === 'string' ? await this.findLive(name) : null;
    return existing
      ? this.update(existing.id, raw, comment || 'imported')
      : this.create(raw, comment || 'imported');
  }

  async list(
    args: TaskFilter & { first: number; after?: string | null },
  ): Promise<ConnectionShape<TaskEntity>> {
    const query = this.dataSource
      .getRepository(TaskEntity)
      .createQueryBuilder('t')
      .where('t.deleted_at IS NULL');
    if (args.search) {
      query.andWhere(`(t.name ILIKE :s OR t.description ILIKE :s)`, { s: `%${args.search}%` });
    }
    if (args.tag) query.andWhere(':tag = ANY(t.tags)', { tag: args.tag });
    if (args.owner) query.andWhere('t.owner = :owner', { owner: args.owner });
    const totalCount = await query.getCount();
    if (args.after) {
      const [name] = decodeCursor(args.after, 1);
      query.andWhere('t.name > :after', { after: String(name) });
    }
    const rows = await query
      .orderBy('t.name', 'ASC')
      .take(args.first + 1)
      .getMany();
    return toConnection(rows, args.first, totalCount, (t) => encodeCursor([t.name]));
  }

  taskTemplates(): TaskTemplate[] {
    this.templates ??= loadTaskTemplates(BUILTIN_TASK_TEMPLATES_DIR);
    return this.templates;
  }

  async createFromTemplate(template: string, params: unknown, name?: string | null): Promise<TaskEntity> {
    const found = this.taskTemplates().find((t) => t.name === template);
    if (!found) {
      throw SwitchboardError.badInput(
        'template',
        `unknown template "${template}"; known: ${this.taskTemplates()
          .map((t) => t.name)
          .join(', ')}`,
      );
    }
    const { definition, errors } = instantiateTemplate(found, params ?? {}, name ? { name } : undefined);
    // Parameter errors read `params.x`; errors of the resulting definition read `definition.…`.
    if (!definition || errors.length) {
      throw SwitchboardError.invalidFields(
        errors.map((e) => (e.field.startsWith('params') ? e : { ...e, field: `definition.${e.field}` })),
      );
    }
    return this.create(definition, `from template ${template}`);
  }

  /** Subtasks must name existing tasks, and no task may end up running itself. */
  private async checkSubtasks(definition: TaskDefinition, manager: EntityManager): Promise<FieldError[]> {
    const errors: FieldError[] = [];
    for (const [i, step] of definition.steps.entries()) {
      const ref = subtaskOf(step);
      if (!ref || ref.name.includes('{{')) continue;
      if (ref.name === definition.name) {
        errors.push({
          field: `steps[${i}].${ref.path}`,
          message: `step "${step.id}": a task cannot run itself`,
        });
        continue;
      }
      if (!(await this.findLive(ref.name, manager))) {
        errors.push({
          field: `steps[${i}].${ref.path}`,
          message: `step "${step.id}": unknown task "${ref.name}"`,
        });
        continue;
      }
      const path = await this.pathTo(ref.name, definition.name, subtaskNames, manager);
      if (path) {
        errors.push({
          field: `steps[${i}].${ref.path}`,
          message: `step "${step.id}": cycle between tasks: ${[definition.name, ...path].join(' → ')}`,
        });
      }
    }
    return errors;
  }

  /**
   * Upstream tasks must exist, and the graph of "waits for" between tasks must stay acyclic: a run
   * of a task in a cycle would wait for its own slot's run of itself.
   */
  private async checkUpstream(definition: TaskDefinition, manager: EntityManager): Promise<FieldError[]> {
    const errors: FieldError[] = [];
    for (const [i, dep] of (definition.upstream?.tasks ?? []).entries()) {
      const field = `upstream.tasks[${i}].task`;
      if (dep.task === definition.name) {
        errors.push({ field, message: `cycle between tasks: a task cannot wait for itself` });
        continue;
      }
      if (!(await this.findLive(dep.task, manager))) {
        errors.push({ field, message: `unknown task "${dep.task}"` });
        continue;
      }
      const path = await this.pathTo(dep.task, definition.name, upstreamNames, manager);
      if (path) {
        errors.push({
          field,
          message: `cycle between tasks: ${[definition.name, ...path].join(' waits for ')}`,
        });
      }
    }
    return errors;
  }

  /**
   * The chain of tasks from `from` that reaches `target` following `next` (subtasks, or upstream
   * tasks) in their latest versions, if any.
   */
  private async pathTo(
    from: string,
    target: string,
    next: (definition: TaskDefinition) => string[],
    manager: EntityManager,
    seen = new Set<string>(),
  ): Promise<string[] | null> {
    if (from === target) return [from];
    if (seen.has(from)) return null;
    seen.add(from);
    let def: TaskDefinition;
    try {
      def = await this.definition(from, undefined, manager);
    } catch {
      return null;
    }
    for (const name of next(def)) {
      const rest = await this.pathTo(name, target, next, manager, seen);
      if (rest) return [from, ...rest];
    }
    return null;
  }

  private async insertVersion(
    m: EntityManager,
    taskId: string,
    version: number,
    definition: TaskDefinition,
    comment: string,
  ): Promise<void> {
    await m.query(
      `INSERT INTO task_versions (task_id, version, definition, comment, created_by) VALUES ($1, $2, $3, $4, $5)`,
      [taskId, version, JSON.stringify(definition), comment, currentActorId()],
    );
  }

  private findLive(
    name: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<TaskEntity | null> {
    return manager
      .createQueryBuilder(TaskEntity, 't')
      .where('t.name = :name AND t.deleted_at IS NULL', { name })
      .getOne();
  }

  private inTransaction<T>(
    manager: EntityManager | undefined,
    fn: (m: EntityManager) => Promise<T>,
  ): Promise<T> {
    return manager ? fn(manager) : this.dataSource.transaction(fn);
  }
}

/** Errors of a definition are reported under `definition.` so they read as fields of the input. */
function prefix(errors: FieldError[]): FieldError[] {
  return errors.map((e) => ({ ...e, field: `definition.${e.field}` }));
}

function subtaskOf(step: TaskDefinition['steps'][number]): { name: string; path: string } | null {
  const params = step.params as { task?: unknown };
  if (step.kind === 'subtask' && typeof params.task === 'string')
    return { name: params.task, path: 'params.task' };
  const inner = (params as { task?: { task?: unknown } }).task;
  if (step.kind === 'fanout' && typeof inner?.task === 'string')
    return { name: inner.task, path: 'params.task.task' };
  return null;
}

function subtaskNames(definition: TaskDefinition): string[] {
  return definition.steps.flatMap((s) => {
    const ref = subtaskOf(s);
    return ref && !ref.name.includes('{{') ? [ref.name] : [];
  });
}

function upstreamNames(definition: TaskDefinition): string[] {
  return (definition.upstream?.tasks ?? []).map((t) => t.task);
}
