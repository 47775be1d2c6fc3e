import {
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  Args,
  Field,
  ID,
  Int,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  registerEnumType,
} from '@nestjs/graphql';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SwitchboardError } from '../../libs/common/src/errors';
import type { AppConfig } from '../../libs/config/src/config';
import { APP_CONFIG } from '../../libs/config/src/config.module';

export const NODE_STATUSES = { UP: 'UP', DRAINING: 'DRAINING', DOWN: 'DOWN', STOPPED: 'STOPPED' } as const;
registerEnumType(NODE_STATUSES, {
  name: 'NodeStatus',
  description:
    'UP: heartbeating. DRAINING: finishing its work, taking no more. DOWN: missed three heartbeats. STOPPED: shut down (drained or stopped).',
});

@ObjectType('Node', { description: 'An execution node: one worker process.' })
export class NodeModel {
  @Field(() => ID) id!: string;
  @Field() host!: string;
  @Field(() => Int) pid!: number;
  @Field() version!: string;
  @Field(() => [String]) taskQueues!: string[];
  @Field(() => [String], { description: 'Sites whose devices it reaches (their site task queues).' })
  sites!: string[];
  @Field(() => [String]) capabilities!: string[];
  @Field(() => Int, { description: 'Activity slots.' }) capacity!: number;
  @Field(() => Int, { description: 'Activities running at the last heartbeat.' }) load!: number;
  @Field(() => NODE_STATUSES) status!: keyof typeof NODE_STATUSES;
  @Field() startedAt!: Date;
  @Field() heartbeatAt!: Date;
}

@ObjectType('NodeEvent')
export class NodeEventModel {
  @Field(() => ID) id!: string;
  @Field() nodeId!: string;
  @Field() ts!: Date;
  @Field({ description: 'UP, DRAINING, DRAINED, STOPPED or DOWN.' }) kind!: string;
  @Field() message!: string;
}

@Injectable()
export class NodesService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Nodes');
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** A node is DOWN after three missed heartbeats. */
  private get downAfterMs(): number {
    return this.config.nodes.heartbeatMs * 3;
  }

  async list(): Promise<NodeModel[]> {
    return this.dataSource.query(
      `SELECT id, host, pid, version, task_queues AS "taskQueues", sites, capabilities, capacity, load,
              started_at AS "startedAt", heartbeat_at AS "heartbeatAt",
              CASE WHEN stopped_at IS NOT NULL THEN 'STOPPED'
                   WHEN heartbeat_at < now() - make_interval(secs => $1) THEN 'DOWN'
                   WHEN draining THEN 'DRAINING' ELSE 'UP' END AS status
         FROM nodes ORDER BY id`,
      [this.downAfterMs / 1000],
    );
  }

  async drain(id: string): Promise<NodeModel> {
    const rows: unknown[] = await this.dataSource.query(
      `WITH d AS (UPDATE nodes SET draining = true WHERE id = $1 AND stopped_at IS NULL RETURNING id) SELECT id FROM d`,
      [id],
    );
    if (!rows.length) throw SwitchboardError.notFound('running node', id);
    await this.dataSource.query(
      `INSERT INTO node_events (node_id, kind, message) VALUES ($1, 'DRAINING', $2)`,
      [id, 'drain requested: the node finishes its work and takes no more'],
    );
    return (await this.list()).find((n) => n.id === id)!;
  }

  events(nodeId: string | undefined, last: number): Promise<NodeEventModel[]> {
    return this.dataSource.query(
      `SELECT * FROM (SELECT id, node_id AS "nodeId", ts, kind, message FROM node_events
         WHERE ($1::text IS NULL OR node_id = $1) ORDER BY id DESC LIMIT $2) e ORDER BY id`,
      [nodeId ?? null, last],
    );
  }

  /** Raise one DOWN event per silence: a node that stopped heartbeating without stopping. */
  async reportDownNodes(): Promise<number> {
    const rows: { id: string; heartbeat_at: Date }[] = await this.dataSource.query(
      `WITH down AS (
         UPDATE nodes SET down_reported_at = now()
          WHERE stopped_at IS NULL AND heartbeat_at < now() - make_interval(secs => $1)
            AND (down_reported_at IS NULL OR down_reported_at < heartbeat_at)
          RETURNING id, heartbeat_at)
       SELECT id, heartbeat_at FROM down`,
      [this.downAfterMs / 1000],
    );
    for (const r of rows) {
      await this.dataSource.query(
        `INSERT INTO node_events (node_id, kind, message) VALUES ($1, 'DOWN', $2)`,
        [
          r.id,
          `no heartbeat since ${r.heartbeat_at.toISOString()}; its running activities move to other nodes of the same queue after their heartbeat timeout`,
        ],
      );
      this.logger.warn(`node ${r.id} is down (no heartbeat since ${r.heartbeat_at.toISOString()})`);
    }
    return rows.length;
  }

  onApplicationBootstrap(): void {
    const every = this.config.nodes.heartbeatMs;
    this.timer = setInterval(() => {
      this.reportDownNodes().catch((error: Error) =>
        this.logger.warn(`checking nodes failed: ${error.message}`),
      );
    }, every);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}

@Resolver(() => NodeModel)
export class NodesResolver {
  constructor(private readonly service: NodesService) {}

  @Query(() => [NodeModel], { description: 'Execution nodes (worker processes) with their status and load.' })
  nodes(): Promise<NodeModel[]> {
    return this.service.list();
  }

  @Query(() => [NodeEventModel], {
    description: 'Node events (up, draining, drained, stopped, down), oldest first.',
  })
  nodeEvents(
    @Args('nodeId', { type: () => String, nullable: true }) nodeId?: string,
    @Args('last', { type: () => Int, defaultValue: 100 }) last = 100,
  ): Promise<NodeEventModel[]> {
    return this.service.events(nodeId ?? undefined, Math.min(Math.max(last, 1), 1000));
  }

  @Mutation(() => NodeModel, {
    description: 'Drain a node: it finishes the work it has and takes no more, then stops.',
  })
  drainNode(@Args('id') id: string): Promise<NodeModel> {
    return this.service.drain(id);
  }
}

@Module({ providers: [NodesService, NodesResolver] })
export class NodesModule {}
