import { Module } from '@nestjs/common';
import { RunsModule } from '../runs/runs.module';
import { ConflictsModule } from '../safety/conflicts.service';
import { ScheduleReconciler } from './schedule-reconciler';
import { SchedulesResolver } from './schedules.resolver';
import { SchedulesService } from './schedules.service';

@Module({
  imports: [RunsModule, ConflictsModule],
  providers: [SchedulesService, SchedulesResolver, ScheduleReconciler],
  exports: [SchedulesService],
})
export class SchedulesModule {}
