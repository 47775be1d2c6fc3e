import { DynamicModule, Inject, Injectable, Logger, Module } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { NativeConnection } from '@temporalio/worker';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../../../libs/config/src/config';
import { APP_CONFIG, AppConfigModule } from '../../../libs/config/src/config.module';
import { CryptoModule } from '../../../libs/crypto/src/crypto.module';
import { SecretBox } from '../../../libs/crypto/src/secret-box';
import { DatabaseModule } from '../../../core/database/database.module';
import { NodeRegistry } from './node-registry';
import { createSwitchboardWorkers } from './worker.factory';

/** Runs the Temporal worker until it is shut down (SIGINT/SIGTERM are handled by the Temporal runtime). */
@Injectable()
export class WorkerRunner {
  private readonly logger = new Logger('Worker');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly secrets: SecretBox,
  ) {}

  async run(): Promise<void> {
    const connection = await NativeConnection.connect({ address: this.config.temporal.address });
    try {
      const workers = await createSwitchboardWorkers({
        config: this.config,
        dataSource: this.dataSource,
        secrets: this.secrets,
        connection,
      });
      const node = new NodeRegistry(this.dataSource, this.config, workers);
      await node.register();
      this.logger.log(
        `node ${node.id}: serving task queue ${workers.map((w) => w.options.taskQueue).join(', ')} on ${this.config.temporal.address} ` +
          `(namespace ${this.config.temporal.namespace}, ${this.config.worker.maxConcurrentActivities} activity slots per queue)`,
      );
      // One queue stopping (a signal, or a drain) stops them all.
      await Promise.all(
        workers.map((w) =>
          w.run().finally(() => {
            for (const other of workers) if (other.getState() === 'RUNNING') other.shutdown();
          }),
        ),
      );
      await node.stopped();
      this.logger.log('worker stopped');
    } finally {
      // Workers created but never run (the node's registration failed: PostgreSQL down, say) keep
      // their reference to the connection, and closing it then fails: that error must not replace
      // the first one (main.ts exits non-zero on it; docs/reliability.md, D6).
      await connection.close().catch((error: unknown) => {
        this.logger.warn(
          `Temporal connection left open: ${error instanceof Error ? error.message : String(error)}`,
        );
      });
    }
  }
}

@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [AppConfigModule.forRoot(config), CryptoModule, DatabaseModule],
      providers: [WorkerRunner],
    };
  }
}
