import { Logger } from '@nestjs/common';
import { Client } from 'pg';

export interface PgListenerOptions {
  /** DATABASE_URL. */
  url: string;
  /** The NOTIFY channel (a constant of core/database/notify.ts; it is not quoted). */
  channel: string;
  /** Shown in pg_stat_activity. */
  applicationName: string;
  logger: Logger;
  onNotification(payload: string): void;
  /** After a reconnection: notifications may have been missed meanwhile. */
  onReconnected(): void;
}

/**
 * A dedicated PostgreSQL connection that LISTENs on one channel, for the API's live subscriptions
 * (runUpdated, profileUpdated). When the connection drops (a database restart, a failover) it
 * connects again, backing off from 1 s up to 30 s, for as long as it takes, then calls
 * onReconnected once.
 */
export class PgListener {
  private client?: Client;
  private retry?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly options: PgListenerOptions) {}

  /** Connects and listens; throws when the first connection fails (the API does not start). */
  start(): Promise<void> {
    return this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    await this.client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const { logger } = this.options;
    const client = new Client({
      connectionString: this.options.url,
      application_name: this.options.applicationName,
    });
    client.on('notification', (msg) => msg.payload && this.options.onNotification(msg.payload));
    client.on('error', (error) => logger.warn(`notification connection error: ${error.message}`));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.options.channel}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    client.on('end', () => {
      if (this.stopped) return;
      logger.warn('notification connection closed; reconnecting');
      this.reconnect(1000);
    });
    this.client = client;
  }

  private reconnect(delayMs: number): void {
    if (this.stopped) return;
    this.retry = setTimeout(() => {
      this.connect()
        .then(() => {
          this.options.logger.log('notification connection back');
          this.options.onReconnected();
        })
        .catch((error: Error) => {
          const next = Math.min(delayMs * 2, 30_000);
          this.options.logger.warn(
            `notification connection failed (${error.message}); trying again in ${next} ms`,
          );
          this.reconnect(next);
        });
    }, delayMs);
    this.retry.unref();
  }
}
