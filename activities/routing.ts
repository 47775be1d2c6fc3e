import type { DataSource, EntityManager } from 'typeorm';
import type { AppConfig } from '../libs/config/src/config';
import { routeFor, type LiveNode } from '../libs/temporal/src/routing';

/**
 * Live nodes (heartbeating, not draining, not stopped) with what they serve. A node that stops
 * heartbeating for three intervals no longer counts.
 */
export async function liveNodes(
  manager: EntityManager | DataSource,
  config: Pick<AppConfig, 'temporal' | 'nodes'>,
): Promise<LiveNode[]> {
  const rows: { shared: boolean; sites: string[]; capabilities: string[] }[] = await manager.query(
    `SELECT $1 = ANY(task_queues) AS shared, sites, capabilities FROM nodes
      WHERE stopped_at IS NULL AND NOT draining AND heartbeat_at > now() - make_interval(secs => $2)`,
    [config.temporal.taskQueue, (config.nodes.heartbeatMs * 3) / 1000],
  );
  return rows;
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
