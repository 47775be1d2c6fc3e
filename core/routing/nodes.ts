import type { AppConfig } from '../../libs/config/src/config';
import type { PlacementNode } from '../../libs/temporal/src/placement';
import { routeFor } from '../../libs/temporal/src/routing';
import type { Db } from '../runs/run-log';

/**
 * Live nodes (heartbeating, not draining, not stopped) with what they serve. A node that stops
 * heartbeating for three intervals no longer counts.
 */
export async function liveNodes(
  db: Db,
  config: Pick<AppConfig, 'temporal' | 'nodes'>,
): Promise<PlacementNode[]> {
  return db.query(
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
  db: Db,
  deviceIds: string[],
): Promise<Map<string, Record<string, number>>> {
  const rows: { device_id: string; node_id: string; ms: number }[] = deviceIds.length
    ? await db.query(
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
  db: Db,
  config: Pick<AppConfig, 'temporal' | 'nodes'>,
  deviceIds: string[],
  requires: readonly string[] = [],
): Promise<Record<string, string>> {
  if (deviceIds.length === 0) return {};
  const nodes = await liveNodes(db, config);
  const rows: { id: string; site: string | null }[] = await db.query(
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

// ---------------------------------------------------------------------------------------------
// The node registry: the only code that writes `nodes` and `node_events`.

export interface NodeRegistration {
  id: string;
  host: string;
  pid: number;
  version: string;
  taskQueues: string[];
  sites: string[];
  capabilities: string[];
  capacity: number;
}

/** What happened to a node, for operators: UP, DRAINING, DRAINED, STOPPED, DOWN. */
export async function nodeEvent(db: Db, nodeId: string, kind: string, message: string): Promise<void> {
  await db.query(`INSERT INTO node_events (node_id, kind, message) VALUES ($1, $2, $3)`, [
    nodeId,
    kind,
    message,
  ]);
}

/** A worker process starts (or starts again under the same id): UP, not draining, no load. */
export async function registerNode(db: Db, node: NodeRegistration): Promise<void> {
  await db.query(
    `INSERT INTO nodes (id, host, pid, version, task_queues, sites, capabilities, capacity, load, draining,
                        started_at, heartbeat_at, stopped_at, down_reported_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, false, now(), now(), NULL, NULL)
     ON CONFLICT (id) DO UPDATE SET host = $2, pid = $3, version = $4, task_queues = $5, sites = $6,
       capabilities = $7, capacity = $8, load = 0, draining = false, started_at = now(), heartbeat_at = now(),
       stopped_at = NULL, down_reported_at = NULL`,
    [
      node.id,
      node.host,
      node.pid,
      node.version,
      node.taskQueues,
      node.sites,
      node.capabilities,
      node.capacity,
    ],
  );
  await nodeEvent(db, node.id, 'UP', `serving ${node.taskQueues.join(', ')}`);
}

/** A heartbeat with the node's load; answers whether an operator asked it to drain. */
export async function nodeHeartbeat(db: Db, nodeId: string, load: number): Promise<{ draining: boolean }> {
  const rows: { draining: boolean }[] = await db.query(
    `WITH beat AS (UPDATE nodes SET heartbeat_at = now(), load = $2 WHERE id = $1 RETURNING draining)
     SELECT draining FROM beat`,
    [nodeId, load],
  );
  return { draining: rows[0]?.draining ?? false };
}

/** The node's workers stopped (drained, or a signal). */
export async function nodeStopped(db: Db, nodeId: string, drained: boolean): Promise<void> {
  await db.query(`UPDATE nodes SET stopped_at = now(), load = 0 WHERE id = $1`, [nodeId]);
  await nodeEvent(db, nodeId, drained ? 'DRAINED' : 'STOPPED', drained ? 'drained and stopped' : 'stopped');
}

/** An operator drains a running node: it finishes its work and takes no more. False: no such running node. */
export async function drainNode(db: Db, nodeId: string): Promise<boolean> {
  const rows: unknown[] = await db.query(
    `WITH d AS (UPDATE nodes SET draining = true WHERE id = $1 AND stopped_at IS NULL RETURNING id) SELECT id FROM d`,
    [nodeId],
  );
  if (!rows.length) return false;
  await nodeEvent(db, nodeId, 'DRAINING', 'drain requested: the node finishes its work and takes no more');
  return true;
}

/** One DOWN event per silence: nodes that stopped heartbeating without stopping. Returns them. */
export async function reportDownNodes(
  db: Db,
  downAfterSeconds: number,
): Promise<{ id: string; heartbeat_at: Date }[]> {
  const rows: { id: string; heartbeat_at: Date }[] = await db.query(
    `WITH down AS (
       UPDATE nodes SET down_reported_at = now()
        WHERE stopped_at IS NULL AND heartbeat_at < now() - make_interval(secs => $1)
          AND (down_reported_at IS NULL OR down_reported_at < heartbeat_at)
        RETURNING id, heartbeat_at)
     SELECT id, heartbeat_at FROM down`,
    [downAfterSeconds],
  );
  for (const r of rows) {
    await nodeEvent(
      db,
      r.id,
      'DOWN',
      `no heartbeat since ${r.heartbeat_at.toISOString()}; its running activities move to other nodes of the same queue after their heartbeat timeout`,
    );
  }
  return rows;
}
