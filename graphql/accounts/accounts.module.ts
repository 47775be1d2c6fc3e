import { Global, Module } from '@nestjs/common';
import { AccountsResolver } from './accounts.resolver';
import { UsernameLoader } from './username.loader';

/**
 * Accounts, roles, tokens and the audit log in GraphQL (AccountsRepository comes from CoreModule);
 * UsernameLoader for every feature's `createdBy` field.
 */
@Global()
@Module({ providers: [AccountsResolver, UsernameLoader], exports: [UsernameLoader] })
export class AccountsModule {}
