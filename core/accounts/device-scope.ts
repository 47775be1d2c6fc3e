import { ErrorCode, SwitchboardError } from '../../libs/common/src/errors';
import { WorkFailure } from '../../libs/common/src/failures';
import type { Db } from '../runs/run-log';
import { deviceInScope, scopeOf, type Grant, type Permission, type Scope } from './permissions';
import { scopeFor, type Principal } from './principal';
import { runDevicesOutside, scopeCondition } from './scope-sql';

/**
 * Site and tag scopes of role bindings, applied to what a request reads and starts (issue 12):
 * a principal scoped to `lab-a` sees only devices of `lab-a` (and the runs, outputs and configs of
 * those devices), and may start work only on them. See docs/security.md, "Scoped bindings".
 * Callers pass the principal explicitly; `null` is no request at all (the worker, a schedule, a
 * test) and sees everything, as does an unscoped principal.
 */

export const EVERYWHERE: Scope = { all: true, parts: [] };
const NOWHERE: Scope = { all: false, parts: [] };

/** The scope a request may use `permission` in: everywhere without a principal, nowhere if not held. */
export function scopeOfRequest(principal: Principal | null | undefined, permission: Permission): Scope {
  if (!principal) return EVERYWHERE;
  return scopeFor(principal, permission) ?? NOWHERE;
}

type ScopedDevice = { name: string; site: string | null; tags: readonly string[] };

/**
 * Refuses (FORBIDDEN) work on devices outside the principal's scope for `permission`. Names up to
 * five of them, but only those the principal may read (devices:read): a device the caller cannot
 * see is only counted, so a refusal never reveals a device that reads hide.
 */
export function assertDevicesInScope(
  principal: Principal | null | undefined,
  permission: Permission,
  devices: readonly ScopedDevice[],
): void {
  if (!principal) return;
  const scope = scopeOfRequest(principal, permission);
  if (scope.all) return;
  const outside = devices.filter((d) => !deviceInScope(scope, d));
  if (outside.length === 0) return;
  throw new SwitchboardError(
    ErrorCode.FORBIDDEN,
    outsideMessage(principal.username, permission, outside, scopeOfRequest(principal, 'devices:read')),
  );
}

function outsideMessage(
  username: string,
  permission: Permission,
  outside: readonly ScopedDevice[],
  readable: Scope,
): string {
  // By name: an update checks a device as it is and as it would be, the same device twice.
  const all = new Set(outside.map((d) => d.name));
  const shown = [...new Set(outside.filter((d) => deviceInScope(readable, d)).map((d) => d.name))]
    .sort()
    .slice(0, 5);
  const rest = all.size - shown.length;
  const list = [...shown, ...(rest > 0 ? [`${rest} more device(s)`] : [])].join(', ');
  return `${username} may not use ${list}: outside the sites and tags of their ${permission} role`;
}

/**
 * A scope as a condition for a TypeORM query builder on a devices alias: named parameters
 * (`:scope1`, ...) instead of numbered ones. Every device when the scope is all.
 */
export function scopeWhere(scope: Scope, alias: string): { sql: string; params: Record<string, unknown> } {
  const condition = scopeCondition(scope, alias);
  const params: Record<string, unknown> = {};
  condition.params.forEach((value, i) => (params[`scope${i + 1}`] = value));
  return { sql: condition.sql.replace(/\$(\d+)/g, (_, n: string) => `:scope${n}`), params };
}

/**
 * Whether the device `id` exists and lies in `scope` (a device outside it is, for the caller, a
 * device that does not exist).
 */
export async function deviceVisible(db: Db, scope: Scope, id: string): Promise<boolean> {
  const condition = scopeCondition(scope, 'd', 2);
  const rows: unknown[] = await db.query(`SELECT 1 FROM devices d WHERE d.id = $1 AND ${condition.sql}`, [
    id,
    ...condition.params,
  ]);
  return rows.length > 0;
}

/**
 * The devices a run and the runs it started (task steps, subtasks) work on: their run_devices, and
 * the device items of their fan-out and per-device steps. A SQL subquery selecting `device_id`,
 * correlated to the run alias `runAlias`.
 */
const treeDevices = (runAlias: string) => `
  WITH RECURSIVE tree(id) AS (
    SELECT ${runAlias}.id
    UNION SELECT c.id FROM runs c JOIN tree t ON c.parent_run_id = t.id)
  SELECT rd.device_id FROM run_devices rd JOIN tree t ON rd.run_id = t.id
  UNION ALL
  SELECT dv.id AS device_id FROM run_step_items i JOIN tree t ON i.run_id = t.id
    JOIN devices dv ON jsonb_typeof(i.item) = 'object' AND dv.id::text = i.item->>'id'`;

/**
 * The runs (alias `runAlias`) a principal may see with `scope` (runs:read): those working on at
 * least one device inside it (child runs included); a run that works on no device at all (a task
 * of HTTP requests, say) only by the user who started it. TRUE when the scope is everywhere.
 */
export function runVisibleCondition(
  scope: Scope,
  userId: string,
  runAlias: string,
  first = 1,
): { sql: string; params: unknown[] } {
  if (scope.all) return { sql: 'TRUE', params: [] };
  const condition = scopeCondition(scope, 'd', first + 1);
  return {
    sql: `(EXISTS (SELECT 1 FROM (${treeDevices(runAlias)}) td JOIN devices d ON d.id = td.device_id
                WHERE ${condition.sql})
           OR (${runAlias}.created_by = $${first}::uuid AND NOT EXISTS (SELECT 1 FROM (${treeDevices(runAlias)}) te)))`,
    params: [userId, ...condition.params],
  };
}

/** Whether the principal may see the run `runId` (see runVisibleCondition). */
export async function runVisible(
  db: Db,
  principal: Principal | null | undefined,
  runId: string,
): Promise<boolean> {
  const scope = scopeOfRequest(principal, 'runs:read');
  if (scope.all) return true;
  const condition = runVisibleCondition(scope, principal!.userId, 'r', 2);
  const rows: unknown[] = await db.query(`SELECT 1 FROM runs r WHERE r.id = $1 AND ${condition.sql}`, [
    runId,
    ...condition.params,
  ]);
  return rows.length > 0;
}

/** NOT_FOUND unless the principal may see the run (a run outside its scope does not exist for it). */
export async function assertRunVisible(
  db: Db,
  principal: Principal | null | undefined,
  runId: string,
): Promise<void> {
  if (!(await runVisible(db, principal, runId))) throw SwitchboardError.notFound('run', runId);
}

/** A user's grants (role bindings with their roles' permissions), read in core code of the worker. */
export async function grantsOfUser(db: Db, userId: string): Promise<Grant[]> {
  return db.query(
    `SELECT b.role, r.permissions, b.sites, b.tags FROM role_bindings b JOIN roles r ON r.name = b.role
      WHERE b.user_id = $1 ORDER BY b.created_at`,
    [userId],
  );
}

/**
 * Devices a task run resolves while it runs (a step's selector, a fan-out), checked against the
 * scope in which the run's creator holds `permission` now (tasks:run): the user who started it
 * (or its parent run), else the user who created its schedule. A run without either (the
 * built-in reachability schedule, a schedule made with no user) is not checked. Throws the non-retryable WorkFailure FORBIDDEN,
 * naming up to five devices the creator may read.
 */
export async function assertRunCreatorMay(
  db: Db,
  runId: string,
  permission: Permission,
  devices: readonly ScopedDevice[],
): Promise<void> {
  // Its creator, or its ancestors' (a child run inherits it), or the creator of the schedule that made it.
  const [run]: { created_by: string | null; username: string | null }[] = await db.query(
    `WITH RECURSIVE up(id, parent_run_id, created_by, schedule_id, depth) AS (
       SELECT id, parent_run_id, created_by, schedule_id, 0 FROM runs WHERE id = $1
       UNION ALL SELECT p.id, p.parent_run_id, p.created_by, p.schedule_id, up.depth + 1
         FROM runs p JOIN up ON p.id = up.parent_run_id WHERE up.depth < 32)
     SELECT COALESCE(up.created_by, s.created_by) AS created_by, u.username
       FROM up LEFT JOIN schedules s ON s.id = up.schedule_id
       LEFT JOIN users u ON u.id = COALESCE(up.created_by, s.created_by)
      WHERE COALESCE(up.created_by, s.created_by) IS NOT NULL
      ORDER BY up.depth LIMIT 1`,
    [runId],
  );
  if (!run?.created_by) return;
  const grants = await grantsOfUser(db, run.created_by);
  const scope = scopeOf(grants, permission) ?? NOWHERE;
  if (scope.all) return;
  const outside = devices.filter((d) => !deviceInScope(scope, d));
  if (outside.length === 0) return;
  throw new WorkFailure(
    'FORBIDDEN',
    outsideMessage(
      run.username ?? run.created_by,
      permission,
      outside,
      scopeOf(grants, 'devices:read') ?? NOWHERE,
    ),
  );
}

/**
 * Whether the principal may act on the run (cancel, pause, resume, roll back, restart with
 * `permission`): NOT_FOUND when it may not see it, FORBIDDEN naming up to five of the run's devices
 * outside its scope for `permission`.
 */
export async function assertMayActOnRun(
  db: Db,
  principal: Principal | null | undefined,
  runId: string,
  permission: Permission,
): Promise<void> {
  if (!principal) return;
  await assertRunVisible(db, principal, runId);
  const outside = await runDevicesOutside(db, scopeOfRequest(principal, permission), runId, 5);
  if (outside.length) {
    throw new SwitchboardError(
      ErrorCode.FORBIDDEN,
      `${principal.username} may not use ${outside.join(', ')}: outside the sites and tags of their ${permission} role`,
    );
  }
}

/**
 * The credentials (alias `credAlias`) a principal scoped to some sites or tags sees (credentials:read)
 * or may change (credentials:write): those used by at least one device inside the scope, those no
 * device uses yet, and those it created. A credential used only by devices outside the scope is
 * hidden (NOT_FOUND): its name and username say where it logs in. TRUE when the scope is all.
 */
export function credentialVisibleCondition(
  scope: Scope,
  userId: string,
  credAlias: string,
): { sql: string; params: Record<string, unknown> } {
  if (scope.all) return { sql: 'TRUE', params: {} };
  const where = scopeWhere(scope, 'd');
  return {
    sql: `(${credAlias}.created_by = :credentialUser::uuid
      OR NOT EXISTS (SELECT 1 FROM devices du WHERE du.credential_id = ${credAlias}.id)
      OR EXISTS (SELECT 1 FROM devices d WHERE d.credential_id = ${credAlias}.id AND ${where.sql}))`,
    params: { credentialUser: userId, ...where.params },
  };
}

/** The devices of the runs of a `tree(id)` CTE: their run_devices and device items (`device_id`). */
const TREE_DEVICE_IDS = `
  SELECT rd.device_id FROM run_devices rd JOIN tree t ON rd.run_id = t.id
  UNION ALL
  SELECT dv.id AS device_id FROM run_step_items i JOIN tree t ON i.run_id = t.id
    JOIN devices dv ON jsonb_typeof(i.item) = 'object' AND dv.id::text = i.item->>'id'`;

/**
 * The steps of a task run whose outputs speak of devices outside `scope` (runs:read): a device
 * item of the step (or of its compensation), or a device of the run it started (an `ssh.commands`
 * collection, a subtask, and their own child runs, with the device items of their fan-out and
 * per-device steps). Empty when the scope is all.
 */
export async function stepsTouchingOutside(db: Db, scope: Scope, runId: string): Promise<Set<string>> {
  if (scope.all) return new Set();
  const condition = scopeCondition(scope, 'd', 2);
  const rows: { step_id: string }[] = await db.query(
    `SELECT DISTINCT split_part(i.step_key, '#', 1) AS step_id
       FROM run_step_items i JOIN devices d ON jsonb_typeof(i.item) = 'object' AND d.id::text = i.item->>'id'
      WHERE i.run_id = $1 AND NOT ${condition.sql}
     UNION
     SELECT s.step_id FROM run_steps s
      WHERE s.run_id = $1 AND s.child_run_id IS NOT NULL AND EXISTS (
        WITH RECURSIVE tree(id) AS (
          SELECT s.child_run_id UNION SELECT c.id FROM runs c JOIN tree t ON c.parent_run_id = t.id)
        SELECT 1 FROM (${TREE_DEVICE_IDS}) td LEFT JOIN devices d ON d.id = td.device_id
         WHERE d.id IS NULL OR NOT ${condition.sql})
     UNION
     SELECT c.parent_step_id AS step_id FROM runs c
      WHERE c.parent_run_id = $1 AND c.parent_step_id IS NOT NULL AND EXISTS (
        WITH RECURSIVE tree(id) AS (
          SELECT c.id UNION SELECT g.id FROM runs g JOIN tree t ON g.parent_run_id = t.id)
        SELECT 1 FROM (${TREE_DEVICE_IDS}) td LEFT JOIN devices d ON d.id = td.device_id
         WHERE d.id IS NULL OR NOT ${condition.sql})`,
    [runId, ...condition.params],
  );
  return new Set(rows.map((r) => r.step_id));
}

/** What a conflict report entry says about devices (graphql/safety ConflictModel). */
export interface DeviceReport {
  kind: string;
  message: string;
  stepId: string | null;
  deviceIds: string[];
  deviceCount: number;
}

/**
 * A conflict report as a reader scoped to some sites or tags may see it: entries about devices
 * only outside its scope are left out; an entry about devices on both sides keeps the devices
 * inside and says so in a message of its own (the report's message names every device). Entries
 * about no device stay. `devices` holds the listed devices by id.
 */
export function scopeReports<T extends DeviceReport>(
  reports: readonly T[],
  scope: Scope,
  devices: ReadonlyMap<string, ScopedDevice>,
): T[] {
  if (scope.all) return [...reports];
  const out: T[] = [];
  for (const report of reports) {
    if (report.deviceIds.length === 0 && report.deviceCount === 0) {
      out.push(report);
      continue;
    }
    const inside = report.deviceIds.filter((id) => {
      const device = devices.get(id);
      return device !== undefined && deviceInScope(scope, device);
    });
    if (inside.length === report.deviceIds.length && report.deviceCount === inside.length) {
      out.push(report);
      continue;
    }
    if (inside.length === 0) continue;
    const names = inside.map((id) => devices.get(id)!.name).join(', ');
    const step = report.stepId ? ` in step ${report.stepId}` : '';
    out.push({
      ...report,
      deviceIds: inside,
      deviceCount: inside.length,
      message:
        `${report.kind}${step} for ${inside.length} of your device(s) (${names}); ` +
        'devices outside the sites and tags of your roles are left out of this report.',
    });
  }
  return out;
}

/** scopeReports for a principal (its devices:read scope), reading the listed devices. */
export async function scopeConflictReport<T extends DeviceReport>(
  db: Db,
  principal: Principal | null | undefined,
  reports: T[],
): Promise<T[]> {
  const scope = scopeOfRequest(principal, 'devices:read');
  if (scope.all) return reports;
  const ids = [...new Set(reports.flatMap((r) => r.deviceIds))];
  const rows: { id: string; name: string; site: string | null; tags: string[] }[] = ids.length
    ? await db.query(`SELECT id, name, site, tags FROM devices WHERE id = ANY($1::uuid[])`, [ids])
    : [];
  return scopeReports(reports, scope, new Map(rows.map((r) => [r.id, r])));
}

/**
 * Names of the devices a run and the runs it started work on (run_devices and device items) that
 * lie outside `scope`: what free text of that run (run-level log events, step errors) must not
 * show to a reader of that scope. Empty when the scope is all.
 */
export async function deviceNamesOutsideRun(db: Db, scope: Scope, runId: string): Promise<string[]> {
  if (scope.all) return [];
  const condition = scopeCondition(scope, 'd', 2);
  const rows: { name: string }[] = await db.query(
    `WITH RECURSIVE tree(id) AS (
       SELECT $1::uuid UNION SELECT c.id FROM runs c JOIN tree t ON c.parent_run_id = t.id)
     SELECT DISTINCT d.name FROM (${TREE_DEVICE_IDS}) td JOIN devices d ON d.id = td.device_id
      WHERE NOT ${condition.sql}`,
    [runId, ...condition.params],
  );
  return rows.map((r) => r.name);
}

/** What a hidden device's name becomes in free text. */
export const HIDDEN_DEVICE = '[a device outside your sites and tags]';

/**
 * `text` with every whole occurrence of `names` (a device name not preceded or followed by a
 * letter, digit, ".", "_" or "-") replaced by HIDDEN_DEVICE; longer names first, so that a name
 * inside another is not cut out of it.
 */
export function redactDeviceNames(text: string, names: readonly string[]): string {
  if (!names.length || !text) return text;
  const escaped = [...names]
    .filter((n) => n.length > 0)
    .sort((a, b) => b.length - a.length)
    .map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  if (!escaped.length) return text;
  return text.replace(new RegExp(`(?<![\\w.-])(?:${escaped.join('|')})(?![\\w.-])`, 'g'), HIDDEN_DEVICE);
}

/**
 * Whether a reader of `scope` (schedules:read) sees a schedule, given the devices its runs would
 * work on as far as they are known before a run (selectors and names in its inputs): every such
 * device must lie inside the scope. A schedule that names no device before it runs (its devices
 * come from other steps' outputs, its selector resolves to nothing, a task of HTTP requests) is
 * seen only by the user who created it. Always when the scope is all. docs/security.md.
 */
export function scheduleVisibleIn(
  scope: Scope,
  userId: string,
  schedule: { createdBy: string | null },
  devices: readonly ScopedDevice[],
): boolean {
  if (scope.all) return true;
  if (devices.length === 0) return schedule.createdBy === userId;
  return devices.every((d) => deviceInScope(scope, d));
}
