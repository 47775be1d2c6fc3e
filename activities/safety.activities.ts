import type { DataSource, EntityManager } from 'typeorm';
import { devicesWindowState, type MaintenanceWindow } from '../libs/safety/src/windows';
import { runEvent } from './device-session';

export interface LockAttempt {
  acquired: boolean;
  /** Runs holding some of the devices now. */
  heldBy: string[];
  /** Runs ahead of this one for these devices (holders and earlier waiters); 0 when acquired. */
  position: number;
}

/** The devices a step works on (its items), or every device of a change run. */
async function devicesOf(
  manager: EntityManager | DataSource,
  runId: string,
  stepKey?: string,
): Promise<string[]> {
  const rows: { id: string }[] = stepKey
    ? await manager.query(
        `SELECT DISTINCT (item->>'id')::uuid AS id FROM run_step_items
          WHERE run_id = $1 AND step_key = $2 AND item ? 'id' ORDER BY 1`,
        [runId, stepKey],
      )
    : await manager.query(
        `SELECT device_id AS id FROM run_devices WHERE run_id = $1 AND device_id IS NOT NULL ORDER BY 1`,
        [runId],
      );
  return rows.map((r) => r.id);
}

/** Release every lock and queue place of a run (it ended, however it ended). */
export async function releaseDeviceLocks(
  manager: EntityManager | DataSource,
  runId: string,
): Promise<number> {
  const released: unknown[] = await manager.query(
    `WITH gone AS (DELETE FROM device_locks WHERE run_id = $1 RETURNING device_id) SELECT device_id FROM gone`,
    [runId],
  );
  await manager.query(`DELETE FROM device_lock_waiters WHERE run_id = $1`, [runId]);
  return released.length;
}

/**
 * Device locks and maintenance windows, kept in PostgreSQL so they survive worker and API restarts.
 * A run that changes devices locks them until it ends; runs wanting a locked device queue in order
 * of arrival (per device), so a waiting run is not overtaken by a later one.
 */
export function createSafetyActivities(deps: { dataSource: DataSource }) {
  const { dataSource } = deps;

  return {
    async acquireDeviceLocks(input: {
      runId: string;
      stepId: string;
      stepKey?: string;
    }): Promise<LockAttempt> {
      return dataSource.transaction(async (manager) => {
        const devices = await devicesOf(manager, input.runId, input.stepKey);
        if (devices.length === 0) return { acquired: true, heldBy: [], position: 0 };
        // Serialise runs competing for the same devices (rows locked in one order: no deadlock).
        await manager.query(`SELECT id FROM devices WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [
          devices,
        ]);
        await manager.query(
          `INSERT INTO device_lock_waiters (device_id, run_id)
           SELECT d, $2 FROM unnest($1::uuid[]) AS d
            WHERE NOT EXISTS (SELECT 1 FROM device_locks l WHERE l.device_id = d AND l.run_id = $2)
           ON CONFLICT DO NOTHING`,
          [devices, input.runId],
        );
        const holders: { run_id: string }[] = await manager.query(
          `SELECT DISTINCT run_id FROM device_locks WHERE device_id = ANY($1::uuid[]) AND run_id <> $2`,
          [devices, input.runId],
        );
        const ahead: { run_id: string }[] = await manager.query(
          `SELECT DISTINCT o.run_id FROM device_lock_waiters o
             JOIN device_lock_waiters me ON me.device_id = o.device_id AND me.run_id = $2
            WHERE o.device_id = ANY($1::uuid[]) AND o.run_id <> $2 AND o.since < me.since`,
          [devices, input.runId],
        );
        const before = new Set([...holders, ...ahead].map((r) => r.run_id));
        if (before.size > 0) {
          return { acquired: false, heldBy: holders.map((h) => h.run_id), position: before.size };
        }
        await manager.query(
          `INSERT INTO device_locks (device_id, run_id, step_id) SELECT d, $2, $3 FROM unnest($1::uuid[]) AS d
           ON CONFLICT (device_id) DO NOTHING`,
          [devices, input.runId, input.stepId],
        );
        await manager.query(
          `DELETE FROM device_lock_waiters WHERE run_id = $1 AND device_id = ANY($2::uuid[])`,
          [input.runId, devices],
        );
        await runEvent(
          manager,
          input.runId,
          'INFO',
          null,
          `locked ${devices.length} device(s) for this run`,
          {
            stepId: input.stepId,
          },
        );
        return { acquired: true, heldBy: [], position: 0 };
      });
    },

    async releaseDeviceLocks(input: { runId: string }): Promise<number> {
      return releaseDeviceLocks(dataSource, input.runId);
    },

    /** Whether the step's devices are inside their maintenance windows now, and when to look again. */
    async checkWindows(input: {
      runId: string;
      stepKey?: string;
    }): Promise<{ open: boolean; opensAt: string | null; closed: string[] }> {
      const devices = await devicesOf(dataSource, input.runId, input.stepKey);
      if (devices.length === 0) return { open: true, opensAt: null, closed: [] };
      const byDevice = await deviceWindows(dataSource, devices, 'name');
      const state = devicesWindowState(byDevice, new Date());
      return { open: state.open, opensAt: state.opensAt?.toISOString() ?? null, closed: state.closed };
    },

    /** A step waits (for a lock or a window) or goes on: its status and the run log say so. */
    async noteStepWaiting(input: {
      runId: string;
      stepId: string;
      status: 'WAITING_LOCK' | 'WAITING_WINDOW' | 'RUNNING';
      message: string;
    }): Promise<void> {
      await dataSource.transaction(async (manager) => {
        await manager.query(`UPDATE run_steps SET status = $3 WHERE run_id = $1 AND step_id = $2`, [
          input.runId,
          input.stepId,
          input.status,
        ]);
        await runEvent(
          manager,
          input.runId,
          input.status === 'RUNNING' ? 'INFO' : 'WARN',
          null,
          input.message,
          {
            stepId: input.stepId,
          },
        );
      });
    },
  };
}

export type SafetyActivities = ReturnType<typeof createSafetyActivities>;

/**
 * The maintenance windows that apply to each device (a window of its site, or of every site, whose
 * tags the device has), keyed by device id or name. A device with no window needs none: it maps
 * to an empty list.
 */
export async function deviceWindows(
  manager: DataSource | EntityManager,
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
  }[] = await manager.query(
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
