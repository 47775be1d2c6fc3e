import { Module } from '@nestjs/common';
import { RunsModule } from '../runs/runs.module';
import { ConflictsModule } from '../safety/conflicts.service';
import { SchedulesResolver } from './schedules.resolver';
import { SchedulesRepository } from '../../core/schedules/schedules.repository';

@Module({
  imports: [RunsModule, ConflictsModule],
  providers: [SchedulesRepository, SchedulesResolver],
  exports: [SchedulesRepository],
})
export class SchedulesModule {}
