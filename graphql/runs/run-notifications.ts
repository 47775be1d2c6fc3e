import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import type { AppConfig } from '../../libs/config/src/config';
import { APP_CONFIG } from '../../libs/config/src/config.module';
import { RUN_NOTIFY_CHANNEL } from '../../core/database/notify';
import { PgListener } from '../../core/database/pg-listener';

/**
 * Listens on PostgreSQL NOTIFY for run changes written by the worker's activities, and tells
 * local subscribers (coalesced per run, so a 1000-device run does not flood clients).
 * Works across any number of API and worker processes; after a reconnection (PgListener) it tells
 * every subscriber once, since changes may have been missed meanwhile.
 */
@Injectable()
export class RunNotifications implements OnModuleInit, OnApplicationShutdown {
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly listener: PgListener;
  static readonly COALESCE_MS = 100;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.listener = new PgListener({
      url: config.database.url,
      channel: RUN_NOTIFY_CHANNEL,
      applicationName: 'switchboard-listen',
      logger: new Logger(RunNotifications.name),
      onNotification: (runId) => this.schedule(runId),
      onReconnected: () => {
        for (const runId of this.emitter.eventNames()) this.schedule(String(runId));
      },
    });
  }

  onModuleInit(): Promise<void> {
    return this.listener.start();
  }

  private schedule(runId: string): void {
    if (this.emitter.listenerCount(runId) === 0 || this.pending.has(runId)) return;
    this.pending.set(
      runId,
      setTimeout(() => {
        this.pending.delete(runId);
        this.emitter.emit(runId);
      }, RunNotifications.COALESCE_MS),
    );
  }

  /** Calls `listener` after the run changed; returns the unsubscribe function. */
  subscribe(runId: string, listener: () => void): () => void {
    this.emitter.on(runId, listener);
    return () => this.emitter.off(runId, listener);
  }

  async onApplicationShutdown(): Promise<void> {
    for (const timer of this.pending.values()) clearTimeout(timer);
    await this.listener.stop();
  }
}
