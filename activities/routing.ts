import type { DataSource, EntityManager } from 'typeorm';
import type { AppConfig } from '../libs/config/src/config';
import { siteQueue } from '../libs/temporal/src/routing';

/**
 * Where device work runs: on its site's task queue when at least one live node (heartbeating,
 * not draining) serves that site, otherwise on the shared queue. Decided when the work is
 * planned; a site whose nodes all die later keeps its queued work until one comes back.
 * Returns only the devices that leave the shared queue.
 */
export async function deviceQueues(
  manager: EntityManager | DataSource,
  config: Pick<AppConfig, 'temporal' | 'nodes'>,
  deviceIds: string[],
): Promise<Record<string, string>> {
  if (deviceIds.length === 0) return {};
  const rows: { id: string; site: string }[] = await manager.query(
    `SELECT d.id, d.site FROM devices d
      WHERE d.id = ANY($1::uuid[]) AND d.site IN (${LIVE_SITES})`,
    [deviceIds, (config.nodes.heartbeatMs * 3) / 1000],
  );
  return Object.fromEntries(rows.map((r) => [r.id, siteQueue(config.temporal.taskQueue, r.site)]));
}

/** Sites served by at least one live node ($2: seconds without heartbeat after which a node is down). */
export const LIVE_SITES = `SELECT unnest(sites) FROM nodes
   WHERE stopped_at IS NULL AND NOT draining AND heartbeat_at > now() - make_interval(secs => $2)`;
