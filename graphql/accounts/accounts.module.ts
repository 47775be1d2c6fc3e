import { Global, Module } from '@nestjs/common';
import { AccountsResolver } from './accounts.resolver';
import { ProfileNotifications } from './profile-notifications';
import { ProfilesResolver } from './profiles.resolver';
import { UsernameLoader } from './username.loader';

/**
 * Accounts, roles, tokens and the audit log in GraphQL (AccountsRepository comes from CoreModule);
 * profiles (followed through PostgreSQL NOTIFY); UsernameLoader for every feature's `createdBy` field.
 */
@Global()
@Module({
  providers: [AccountsResolver, ProfilesResolver, ProfileNotifications, UsernameLoader],
  exports: [UsernameLoader],
})
export class AccountsModule {}
