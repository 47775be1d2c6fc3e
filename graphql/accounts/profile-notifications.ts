import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { PROFILE_NOTIFY_CHANNEL } from '../../core/database/notify';
import { PgListener } from '../../core/database/pg-listener';
import type { AppConfig } from '../../libs/config/src/config';
import { APP_CONFIG } from '../../libs/config/src/config.module';

/**
 * Listens on PostgreSQL NOTIFY for saved profiles (payload `<user id>:<version>`, sent at commit by
 * core/accounts/profiles.ts in whichever API process saved it) and tells this process's
 * `profileUpdated` subscribers of that user, and no one else. After a reconnection (PgListener)
 * it tells every subscriber once (a change may have been missed meanwhile).
 */
@Injectable()
export class ProfileNotifications implements OnModuleInit, OnApplicationShutdown {
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  private readonly listener: PgListener;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.listener = new PgListener({
      url: config.database.url,
      channel: PROFILE_NOTIFY_CHANNEL,
      applicationName: 'switchboard-listen-profiles',
      logger: new Logger(ProfileNotifications.name),
      onNotification: (payload) => {
        const [userId, version] = payload.split(':');
        if (userId && this.emitter.listenerCount(userId) > 0) this.emitter.emit(userId, Number(version));
      },
      onReconnected: () => {
        for (const userId of this.emitter.eventNames()) this.emitter.emit(userId, Number.NaN);
      },
    });
  }

  onModuleInit(): Promise<void> {
    return this.listener.start();
  }

  /**
   * Calls `listener` with the new version after a profile of `userId` was saved (NaN: perhaps,
   * after a reconnection); returns the unsubscribe function.
   */
  subscribe(userId: string, listener: (version: number) => void): () => void {
    this.emitter.on(userId, listener);
    return () => this.emitter.off(userId, listener);
  }

  onApplicationShutdown(): Promise<void> {
    return this.listener.stop();
  }
}
