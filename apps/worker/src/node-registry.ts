import { Logger } from '@nestjs/common';
import type { Worker } from '@temporalio/worker';
import os from 'node:os';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../../../libs/config/src/config';
import { switchboardVersion } from '../../../libs/common/src/paths';

const VERSION = switchboardVersion();

/**
 * This worker process as an execution node: it registers itself, heartbeats its load every
 * NODE_HEARTBEAT_MS, and when an operator drains it (drainNode) it shuts its workers down
 * gracefully: running activities finish, nothing new is taken.
 */
export class NodeRegistry {
  private readonly logger = new Logger('Node');
  private timer?: NodeJS.Timeout;
  private draining = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly workers: Worker[],
  ) {}

  get id(): string {
    return this.config.nodes.id;
  }

  async register(): Promise<void> {
    const { nodes, worker } = this.config;
    await this.dataSource.query(
      `INSERT INTO nodes (id, host, pid, version, task_queues, sites, capabilities, capacity, load, draining,
                          started_at, heartbeat_at, stopped_at, down_reported_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, false, now(), now(), NULL, NULL)
       ON CONFLICT (id) DO UPDATE SET host = $2, pid = $3, version = $4, task_queues = $5, sites = $6,
         capabilities = $7, capacity = $8, load = 0, draining = false, started_at = now(), heartbeat_at = now(),
         stopped_at = NULL, down_reported_at = NULL`,
      [
        this.id,
        os.hostname(),
        process.pid,
        VERSION,
        this.workers.map((w) => w.options.taskQueue),
        nodes.sites,
        nodes.capabilities,
        worker.maxConcurrentActivities * this.workers.length,
      ],
    );
    await this.event('UP', `serving ${this.workers.map((w) => w.options.taskQueue).join(', ')}`);
    this.timer = setInterval(() => void this.beat(), nodes.heartbeatMs);
    this.timer.unref();
  }

  private async beat(): Promise<void> {
    try {
      const load = this.workers.reduce((n, w) => n + w.getStatus().numInFlightActivities, 0);
      const rows: { draining: boolean }[] = await this.dataSource.query(
        `WITH beat AS (UPDATE nodes SET heartbeat_at = now(), load = $2 WHERE id = $1 RETURNING draining)
         SELECT draining FROM beat`,
        [this.id, load],
      );
      if (rows[0]?.draining && !this.draining) {
        this.draining = true;
        this.logger.log(`draining: finishing ${load} running activities, taking no more`);
        for (const w of this.workers) if (w.getState() === 'RUNNING') w.shutdown();
      }
    } catch (error) {
      this.logger.warn(`heartbeat failed: ${(error as Error).message}`);
    }
  }

  /** The workers stopped (drained, or a signal): say so, and stop heartbeating. */
  async stopped(): Promise<void> {
    clearInterval(this.timer);
    await this.dataSource
      .query(`UPDATE nodes SET stopped_at = now(), load = 0 WHERE id = $1`, [this.id])
      .catch(() => undefined);
    await this.event(
      this.draining ? 'DRAINED' : 'STOPPED',
      this.draining ? 'drained and stopped' : 'stopped',
    ).catch(() => undefined);
  }

  private async event(kind: string, message: string): Promise<void> {
    await this.dataSource.query(`INSERT INTO node_events (node_id, kind, message) VALUES ($1, $2, $3)`, [
      this.id,
      kind,
      message,
    ]);
  }
}
