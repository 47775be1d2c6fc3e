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
import { drainNode, reportDownNodes } from '../../core/routing/nodes';
import { Requires } from '../common/auth.guard';

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
    if (!(await drainNode(this.dataSource, id))) throw SwitchboardError.notFound('running node', id);
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
    const down = await reportDownNodes(this.dataSource, this.downAfterMs / 1000);
    for (const r of down) {
      this.logger.warn(`node ${r.id} is down (no heartbeat since ${r.heartbeat_at.toISOString()})`);
    }
    return down.length;
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

  @Requires('nodes:read')
  @Query(() => [NodeModel], { description: 'Execution nodes (worker processes) with their status and load.' })
  nodes(): Promise<NodeModel[]> {
    return this.service.list();
  }

  @Requires('nodes:read')
  @Query(() => [NodeEventModel], {
    description: 'Node events (up, draining, drained, stopped, down), oldest first.',
  })
  nodeEvents(
    @Args('nodeId', { type: () => String, nullable: true }) nodeId?: string,
    @Args('last', { type: () => Int, defaultValue: 100 }) last = 100,
  ): Promise<NodeEventModel[]> {
    return this.service.events(nodeId ?? undefined, Math.min(Math.max(last, 1), 1000));
  }

  @Requires('nodes:write')
  @Mutation(() => NodeModel, {
    description: 'Drain a node: it finishes the work it has and takes no more, then stops.',
  })
  drainNode(@Args('id') id: string): Promise<NodeModel> {
    return this.service.drain(id);
  }
}

@Module({ providers: [NodesService, NodesResolver] })
export class NodesModule {}
