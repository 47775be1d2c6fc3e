import type { DataSource } from 'typeorm';
import { stepWaiting } from '../core/runs/run-steps';
import { acquireDeviceLocks, devicesOf, releaseDeviceLocks } from '../core/safety/locks';
import { deviceWindows } from '../core/safety/windows';
import { devicesWindowState } from '../libs/safety/src/windows';
import type { SafetyActivities } from '../workflows/contracts';

/**
 * Device locks and maintenance windows for the workflows' guard (workflows/safety.ts), kept in
 * PostgreSQL (core/safety) so they survive worker and API restarts.
 */
export function createSafetyActivities(deps: { dataSource: DataSource }): SafetyActivities {
  const { dataSource } = deps;

  return {
    acquireDeviceLocks: (input) => acquireDeviceLocks(dataSource, input),

    releaseDeviceLocks: ({ runId }) => releaseDeviceLocks(dataSource, runId),

    async checkWindows(input) {
      const devices = await devicesOf(dataSource, input.runId, input.stepKey);
      if (devices.length === 0) return { open: true, opensAt: null, closed: [] };
      const state = devicesWindowState(await deviceWindows(dataSource, devices, 'name'), new Date());
      return { open: state.open, opensAt: state.opensAt?.toISOString() ?? null, closed: state.closed };
    },

    noteStepWaiting: (input) => stepWaiting(dataSource, input),
  };
}
