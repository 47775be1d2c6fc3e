import type { Db } from '../runs/run-log';
import { SwitchboardError } from '../../libs/common/src/errors';
import { checkWindowSpec, type MaintenanceWindow } from '../../libs/safety/src/windows';
import { isUniqueViolation } from '../database/db-errors';

/**
 * The maintenance windows that apply to each device (a window of its site, or of every site, whose
 * tags the device has), keyed by device id or name. A device with no window needs none: it maps
 * to an empty list.
 */
export async function deviceWindows(
  db: Db,
  deviceIds: string[],
  key: 'id' | 'name',
): Promise<Map<string, MaintenanceWindow[]>> {
  const rows: {
    device: string;
    name: string | null;
    cron: string | null;
    duration_seconds: number | null;
    timezone: string | null;
    start_at: Date | null;
    end_at: Date | null;
  }[] = await db.query(
    `SELECT d.${key === 'id' ? 'id' : 'name'} AS device, w.name, w.cron, w.duration_seconds, w.timezone,
            w.start_at, w.end_at
       FROM devices d
       LEFT JOIN maintenance_windows w ON (w.site IS NULL OR w.site = d.site) AND d.tags @> w.tags
      WHERE d.id = ANY($1::uuid[])`,
    [deviceIds],
  );
  const out = new Map<string, MaintenanceWindow[]>();
  for (const r of rows) {
    const list = out.get(r.device) ?? [];
    if (r.name !== null) {
      list.push({
        name: r.name,
        cron: r.cron,
        durationSeconds: r.duration_seconds,
        timezone: r.timezone ?? 'UTC',
        startAt: r.start_at,
        endAt: r.end_at,
      });
    }
    out.set(r.device, list);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Maintenance windows: the only code that writes `maintenance_windows`.

/** A window as the API creates it: recurring (cron + duration, in a time zone) or one-off. */
export interface WindowInput {
  name: string;
  site?: string | null;
  tags?: string[] | null;
  cron?: string | null;
  durationSeconds?: number | null;
  timezone?: string | null;
  startAt?: Date | null;
  endAt?: Date | null;
}

export interface WindowRow {
  id: string;
  name: string;
  site: string | null;
  tags: string[];
  cron: string | null;
  duration_seconds: number | null;
  timezone: string;
  start_at: Date | null;
  end_at: Date | null;
}

/** Checked first, stored only when every field is right: a stored window always evaluates. */
export async function createMaintenanceWindow(db: Db, input: WindowInput): Promise<WindowRow> {
  const recurring = !!input.cron;
  if (recurring && (input.startAt || input.endAt)) {
    throw SwitchboardError.badInput(
      'startAt',
      'give cron and durationSeconds, or startAt and endAt, not both',
    );
  }
  if (recurring && !input.durationSeconds) {
    throw SwitchboardError.badInput('durationSeconds', 'is required with cron');
  }
  if (!recurring && (!input.startAt || !input.endAt)) {
    throw SwitchboardError.badInput(
      'cron',
      'give cron and durationSeconds (recurring) or startAt and endAt (one-off)',
    );
  }
  if (!recurring && input.endAt! <= input.startAt!)
    throw SwitchboardError.badInput('endAt', 'must be after startAt');
  const timezone = input.timezone ?? 'UTC';
  const problem = checkWindowSpec({ cron: input.cron, timezone });
  if (problem) {
    const [field, ...rest] = problem.split(': ');
    throw SwitchboardError.badInput(field, rest.join(': '));
  }
  const rows: WindowRow[] = await db
    .query(
      `INSERT INTO maintenance_windows (name, site, tags, cron, duration_seconds, timezone, start_at, end_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
      [
        input.name,
        input.site ?? null,
        input.tags ?? [],
        input.cron ?? null,
        recurring ? input.durationSeconds : null,
        timezone,
        input.startAt ?? null,
        input.endAt ?? null,
      ],
    )
    .catch((error: unknown) => {
      if (isUniqueViolation(error))
        throw SwitchboardError.conflict(`a window named "${input.name}" exists`, 'name');
      throw error;
    });
  return rows[0];
}

/** NOT_FOUND when there is no window of that name. */
export async function deleteMaintenanceWindow(db: Db, name: string): Promise<void> {
  const rows: unknown[] = await db.query(
    `WITH gone AS (DELETE FROM maintenance_windows WHERE name = $1 RETURNING id) SELECT id FROM gone`,
    [name],
  );
  if (!rows.length) throw SwitchboardError.notFound('maintenance window', name);
}

export function listMaintenanceWindows(db: Db): Promise<WindowRow[]> {
  return db.query(`SELECT * FROM maintenance_windows ORDER BY name`);
}
