import { Logger } from '@nestjs/common';
import type { Worker } from '@temporalio/worker';
import os from 'node:os';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../../../libs/config/src/config';
import { switchboardVersion } from '../../../libs/common/src/paths';
import { nodeHeartbeat, nodeStopped, registerNode } from '../../../core/routing/nodes';

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
    await registerNode(this.dataSource, {
      id: this.id,
      host: os.hostname(),
      pid: process.pid,
      version: VERSION,
      taskQueues: this.workers.map((w) => w.options.taskQueue),
      sites: nodes.sites,
      capabilities: nodes.capabilities,
      capacity: worker.maxConcurrentActivities * this.workers.length,
    });
    this.timer = setInterval(() => void this.beat(), nodes.heartbeatMs);
    this.timer.unref();
  }

  private async beat(): Promise<void> {
    try {
      const load = this.workers.reduce((n, w) => n + w.getStatus().numInFlightActivities, 0);
      const { draining } = await nodeHeartbeat(this.dataSource, this.id, load);
      if (draining && !this.draining) {
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
    await nodeStopped(this.dataSource, this.id, this.draining).catch(() => undefined);
  }
}
