import { Global, Module } from '@nestjs/common';
import { AccountsRepository } from './accounts/accounts.repository';
import { RunReconciler } from './runs/run-reconciler';
import { RunStarter } from './runs/run-starter';
import { ScheduleReconciler } from './schedules/schedule-reconciler';

/**
 * The domain core as the API process uses it: the run starter, and the reconcilers that record
 * what happened to runs while no workflow code could (the API stopped before starting one, an
 * operator terminated one). The worker builds its activities from core's functions directly.
 */
@Global()
@Module({
  providers: [RunStarter, RunReconciler, ScheduleReconciler, AccountsRepository],
  exports: [RunStarter, AccountsRepository],
})
export class CoreModule {}
