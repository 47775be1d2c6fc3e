import { Global, Module } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AccountsRepository } from '../../core/accounts/accounts.repository';
import { MfaService } from '../../core/accounts/mfa';
import { AccountLinksService } from '../../core/accounts/account-links';
import { APP_CONFIG } from '../../libs/config/src/config.module';
import type { AppConfig } from '../../libs/config/src/config';
import { AccountLinksResolver } from './account-links.resolver';
import { SecretBox } from '../../libs/crypto/src/secret-box';
import { AccountsResolver } from './accounts.resolver';
import { IdentitiesResolver } from './identities.resolver';
import { MfaResolver } from './mfa.resolver';
import { ProfileNotifications } from './profile-notifications';
import { ProfilesResolver } from './profiles.resolver';
import { UsernameLoader } from './username.loader';

/**
 * Accounts, roles, tokens and the audit log in GraphQL (AccountsRepository comes from CoreModule);
 * profiles (followed through PostgreSQL NOTIFY); UsernameLoader for every feature's `createdBy` field.
 */
@Global()
@Module({
  providers: [
    AccountsResolver,
    IdentitiesResolver,
    MfaResolver,
    AccountLinksResolver,
    ProfilesResolver,
    ProfileNotifications,
    UsernameLoader,
    {
      provide: MfaService,
      inject: [getDataSourceToken(), SecretBox, AccountsRepository],
      useFactory: (dataSource: DataSource, secrets: SecretBox, accounts: AccountsRepository) =>
        new MfaService(dataSource, secrets, accounts),
    },
    {
      provide: AccountLinksService,
      inject: [getDataSourceToken(), APP_CONFIG],
      useFactory: (dataSource: DataSource, config: AppConfig) =>
        new AccountLinksService(dataSource, config.smtp),
    },
  ],
  exports: [UsernameLoader, MfaService, AccountLinksService],
})
export class AccountsModule {}
