import type { DataSource } from 'typeorm';
import * as lifecycle from '../core/runs/run-lifecycle';
import * as runDevices from '../core/runs/run-devices';
import type { RunActivities } from '../workflows/contracts';

/** Bookkeeping every device run (collection, change) does: it starts, and a device fails for good. */
export function createRunActivities(deps: { dataSource: DataSource }): RunActivities {
  const { dataSource } = deps;
  return {
    async markRunStarted({ runId }) {
      await lifecycle.startRun(dataSource, runId);
    },

    async recordDeviceFailure({ runId, deviceId, kind, message }) {
      await runDevices.failDevice(dataSource, runId, deviceId, { kind, message });
    },
  };
}
