import type { Db } from '../runs/run-log';
import type { Scope } from './permissions';

/**
 * A scope as a SQL condition on a devices alias: `{ sql, params }` with numbered parameters from
 * `first`. Every device when the scope is all; otherwise devices of a listed site (if any are
 * listed) carrying all the part's tags, for any one part.
 */
export function scopeCondition(scope: Scope, alias: string, first = 1): { sql: string; params: unknown[] } {
  if (scope.all) return { sql: 'TRUE', params: [] };
  if (scope.parts.length === 0) return { sql: 'FALSE', params: [] };
  const params: unknown[] = [];
  const parts = scope.parts.map((p) => {
    const conditions: string[] = [];
    if (p.sites.length) {
      params.push([...p.sites]);
      conditions.push(`${alias}.site = ANY($${first + params.length - 1}::text[])`);
    }
    if (p.tags.length) {
      params.push([...p.tags]);
      conditions.push(`${alias}.tags @> $${first + params.length - 1}::text[]`);
    }
    return conditions.length ? `(${conditions.join(' AND ')})` : 'TRUE';
  });
  return { sql: `(${parts.join(' OR ')})`, params };
}

/**
 * Names of devices a run (and the runs it started: task steps, subtasks) works on that lie
 * outside `scope` (at most `limit`); empty when all are inside.
 */
export async function runDevicesOutside(db: Db, scope: Scope, runId: string, limit = 5): Promise<string[]> {
  if (scope.all) return [];
  const condition = scopeCondition(scope, 'd', 3);
  const rows: { device_name: string }[] = await db.query(
    `WITH RECURSIVE tree(id) AS (
       SELECT id FROM runs WHERE id = $1
       UNION SELECT r.id FROM runs r JOIN tree t ON r.parent_run_id = t.id)
     SELECT DISTINCT rd.device_name FROM run_devices rd JOIN tree t ON rd.run_id = t.id
       LEFT JOIN devices d ON d.id = rd.device_id
      WHERE d.id IS NULL OR NOT ${condition.sql}
      ORDER BY rd.device_name LIMIT $2`,
    [runId, limit, ...condition.params],
  );
  return rows.map((r) => r.device_name);
}
