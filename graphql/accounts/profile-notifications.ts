import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { Client } from 'pg';
import { PROFILE_NOTIFY_CHANNEL } from '../../core/database/notify';
import type { AppConfig } from '../../libs/config/src/config';
import { APP_CONFIG } from '../../libs/config/src/config.module';

/**
 * Listens on PostgreSQL NOTIFY for saved profiles (payload `<user id>:<version>`, sent at commit by
 * core/accounts/profiles.ts in whichever API process saved it) and tells this process's
 * `profileUpdated` subscribers of that user, and no one else. Reconnects when the connection drops,
 * then tells every subscriber once (a change may have been missed meanwhile).
 */
@Injectable()
export class ProfileNotifications implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ProfileNotifications.name);
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  private client?: Client;
  private retry?: NodeJS.Timeout;
  private stopped = false;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async onModuleInit(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    const client = new Client({
      connectionString: this.config.database.url,
      application_name: 'switchboard-listen-profiles',
    });
    client.on('notification', (msg) => {
      const [userId, version] = (msg.payload ?? '').split(':');
      if (userId && this.emitter.listenerCount(userId) > 0) this.emitter.emit(userId, Number(version));
    });
    client.on('error', (error) => this.logger.warn(`notification connection error: ${error.message}`));
    try {
      await client.connect();
      await client.query(`LISTEN ${PROFILE_NOTIFY_CHANNEL}`);
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

  private reconnect(delayMs: number): void {
    if (this.stopped) return;
    this.retry = setTimeout(() => {
      this.connect()
        .then(() => {
          for (const userId of this.emitter.eventNames()) this.emitter.emit(userId, Number.NaN);
        })
        .catch((error: Error) => {
          const next = Math.min(delayMs * 2, 30_000);
          this.logger.warn(`notification connection failed (${error.message}); trying again in ${next} ms`);
          this.reconnect(next);
        });
    }, delayMs);
    this.retry.unref();
  }

  /**
   * Calls `listener` with the new version after a profile of `userId` was saved (NaN: perhaps,
   * after a reconnection); returns the unsubscribe function.
   */
  subscribe(userId: string, listener: (version: number) => void): () => void {
    this.emitter.on(userId, listener);
    return () => this.emitter.off(userId, listener);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    await this.client?.end().catch(() => undefined);
  }
}
