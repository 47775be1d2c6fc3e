import { Module } from '@nestjs/common';
import { RunsModule } from '../runs/runs.module';
import { ScheduleReconciler } from './schedule-reconciler';
import { SchedulesResolver } from './schedules.resolver';
import { SchedulesService } from './schedules.service';

@Module({
  imports: [RunsModule],
  providers: [SchedulesService, SchedulesResolver, ScheduleReconciler],
})
export class SchedulesModule {}
