import { Injectable } from '@nestjs/common';
import { AccountsRepository } from '../../core/accounts/accounts.repository';
import { RequestLoader } from '../common/request-loader';

/** Usernames by user id, batched per request: who created a run, a task, a schedule, a credential. */
@Injectable()
export class UsernameLoader extends RequestLoader<string> {
  constructor(accounts: AccountsRepository) {
    super((ids) => accounts.usernames(ids));
  }
}
