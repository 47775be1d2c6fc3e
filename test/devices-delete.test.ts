import { Client } from 'pg';
import { startCollection, startStack, waitFor, type Stack } from './support/harness';

/**
 * Deleting devices while runs that used them end: both update the runs' device rows (the delete
 * nulls their device, the run marks them CANCELLED), in different orders, so PostgreSQL may pick
 * the delete as a deadlock victim. deleteDevices must then simply try again.
 */
describe('deleteDevices under concurrent run updates', () => {
  let stack: Stack;

  beforeAll(async () => {
    // No worker: the run's device rows stay PENDING, for the test to lock as an ending run would.
    stack = await startStack({ lab: { devices: 5 }, worker: false });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('survives being chosen as a deadlock victim and deletes every device', async () => {
    // Two devices the delete reaches in the same order whether it scans the table or its index:
    // the first pair in storage order whose ids are in order too.
    const { rows: stored } = await stack.db.query<{ id: string }>(`SELECT id FROM devices ORDER BY ctid`);
    const ids = stored.map((r) => r.id);
    const [a, b] = ids.flatMap((x, i) =>
      ids
        .slice(i + 1)
        .filter((y) => x < y)
        .map((y) => [x, y]),
    )[0];
    const run = await startCollection(stack, { deviceIds: [a, b], commands: ['show version'] });
    const rowOf = async (deviceId: string) =>
      (
        await stack.db.query<{ id: string }>(
          `SELECT id FROM run_devices WHERE run_id = $1 AND device_id = $2`,
          [run.id, deviceId],
        )
      ).rows[0].id;
    const [rowA, rowB] = [await rowOf(a), await rowOf(b)];

    // The "ending run": holds device B's run row, then wants device A's.
    const ending = new Client({ connectionString: stack.config.database.url });
    await ending.connect();
    try {
      await ending.query('BEGIN');
      await ending.query(`UPDATE run_devices SET status = 'CANCELLED' WHERE id = $1`, [rowB]);
      const deleted = stack.gql.request<{ deleteDevices: number }>(
        `mutation ($ids: [ID!]!) { deleteDevices(ids: $ids) }`,
        { ids: [a, b] },
      );
      // The delete now holds A's run row (nulled by the cascade) and waits for B's.
      await waitFor(
        'the delete to wait for the ending run',
        async () => {
          const { rows } = await stack.db.query(
            `SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE 'DELETE FROM%devices%'`,
          );
          return rows.length > 0 ? true : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 50 },
      );
      // Closing the cycle: PostgreSQL aborts the transaction that waited first, the delete's.
      await ending.query(`UPDATE run_devices SET status = 'CANCELLED' WHERE id = $1`, [rowA]);
      await ending.query('COMMIT');
      expect((await deleted).deleteDevices).toBe(2);
    } finally {
      await ending.end();
    }
    const { rows } = await stack.db.query(
      `SELECT count(*)::int AS n FROM devices WHERE id = ANY($1::uuid[])`,
      [[a, b]],
    );
    expect(rows[0].n).toBe(0);
    const left = await stack.db.query(`SELECT device_id FROM run_devices WHERE run_id = $1`, [run.id]);
    expect(left.rows).toEqual([{ device_id: null }, { device_id: null }]);
  });
});
