import type { DataSource, EntityManager } from 'typeorm';
import type { AppConfig } from '../libs/config/src/config';
import type { PlacementNode } from '../libs/temporal/src/placement';
import { routeFor } from '../libs/temporal/src/routing';

/**
 * Live nodes (heartbeating, not draining, not stopped) with what they serve. A node that stops
 * heartbeating for three intervals no longer counts.
 */
export async function liveNodes(
  manager: EntityManager | DataSource,
  config: Pick<AppConfig, 'temporal' | 'nodes'>,
): Promise<PlacementNode[]> {
  return manager.query(
    `SELECT id, $1 = ANY(task_queues) AS shared, sites, capabilities, capacity, load FROM nodes
      WHERE stopped_at IS NULL AND NOT draining AND heartbeat_at > now() - make_interval(secs => $2)
      ORDER BY id`,
    [config.temporal.taskQueue, (config.nodes.heartbeatMs * 3) / 1000],
  );
}

/** How far back a reachability check counts as recent latency for placement. */
export const LATENCY_WINDOW_MINUTES = 30;

/**
 * Recent latency from nodes to devices: the median time to the SSH identification line of the
 * successful reachability checks of the last LATENCY_WINDOW_MINUTES, per device and node.
 */
export async function recentLatency(
  manager: EntityManager | DataSource,
  deviceIds: string[],
): Promise<Map<string, Record<string, number>>> {
  const rows: { device_id: string; node_id: string; ms: number }[] = deviceIds.length
    ? await manager.query(
        `SELECT device_id, node_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY banner_ms) AS ms
           FROM device_checks
          WHERE device_id = ANY($1::uuid[]) AND status = 'UP' AND node_id IS NOT NULL AND banner_ms IS NOT NULL
            AND checked_at > now() - make_interval(mins => $2)
          GROUP BY device_id, node_id`,
        [deviceIds, LATENCY_WINDOW_MINUTES],
      )
    : [];
  const out = new Map<string, Record<string, number>>();
  for (const r of rows) out.set(r.device_id, { ...out.get(r.device_id), [r.node_id]: Number(r.ms) });
  return out;
}

/**
 * Where device work runs (see `routeFor`): on its site's task queue when a live node serves that
 * site, on a capability queue when the step requires capabilities, otherwise on the shared queue.
 * Decided when the work is planned; a site whose nodes all die later keeps its queued work until
 * one comes back. Returns only the devices that leave the shared queue.
 */
export async function deviceQueues(
  manager: EntityManager | DataSource,
  config: Pick<AppConfig, 'temporal' | 'nodes'>,
  deviceIds: string[],
  requires: readonly string[] = [],
): Promise<Record<string, string>> {
  if (deviceIds.length === 0) return {};
  const nodes = await liveNodes(manager, config);
  const rows: { id: string; site: string | null }[] = await manager.query(
    `SELECT id, site FROM devices WHERE id = ANY($1::uuid[])`,
    [deviceIds],
  );
  const queues: Record<string, string> = {};
  for (const r of rows) {
    const queue = routeFor(config.temporal.taskQueue, nodes, r.site, requires);
    if (queue) queues[r.id] = queue;
  }
  return queues;
}
