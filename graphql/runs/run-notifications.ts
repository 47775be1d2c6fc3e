import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { Client } from 'pg';
import type { AppConfig } from '../../libs/config/src/config';
import { APP_CONFIG } from '../../libs/config/src/config.module';
import { RUN_NOTIFY_CHANNEL } from '../../core/database/notify';

/**
 * Listens on PostgreSQL NOTIFY for run changes written by the worker's activities, and tells
 * local subscribers (coalesced per run, so a 1000-device run does not flood clients).
 * Works across any number of API and worker processes; reconnects if the connection drops.
 */
@Injectable()
export class RunNotifications implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RunNotifications.name);
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private client?: Client;
  private retry?: NodeJS.Timeout;
  private stopped = false;
  static readonly COALESCE_MS = 100;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async onModuleInit(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    const client = new Client({
      connectionString: this.config.database.url,
      application_name: 'switchboard-listen',
    });
    client.on('notification', (msg) => msg.payload && this.schedule(msg.payload));
    client.on('error', (error) => this.logger.warn(`notification connection error: ${error.message}`));
    try {
      await client.connect();
      await client.query(`LISTEN ${RUN_NOTIFY_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    client.on('end', () => {
      if (this.stopped) return;
      this.logger.warn('notification connection closed; reconnecting');
      this.reconnect(1000);
    });
    this.client = client;
  }

  /**
   * Connect again, backing off up to 30 s, for as long as it takes (a database restart, a
   * failover); then tell every subscriber once, since changes may have been missed meanwhile.
   */
  private reconnect(delayMs: number): void {
    if (this.stopped) return;
    this.retry = setTimeout(() => {
      this.connect()
        .then(() => {
          this.logger.log('notification connection back');
          for (const runId of this.emitter.eventNames()) this.schedule(String(runId));
        })
        .catch((error: Error) => {
          const next = Math.min(delayMs * 2, 30_000);
          this.logger.warn(`notification connection failed (${error.message}); trying again in ${next} ms`);
          this.reconnect(next);
        });
    }, delayMs);
    this.retry.unref();
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
    this.stopped = true;
    clearTimeout(this.retry);
    for (const timer of this.pending.values()) clearTimeout(timer);
    await this.client?.end().catch(() => undefined);
  }
}
