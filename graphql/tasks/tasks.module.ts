import { Module } from '@nestjs/common';
import { RunsModule } from '../runs/runs.module';
import { ConflictsModule } from '../safety/conflicts.service';
import { TaskBatchService } from './task-batch.service';
import { TaskRunsService } from './task-runs.service';
import { TaskRunsResolver, TasksResolver } from './tasks.resolver';
import { TasksService } from './tasks.service';

@Module({
  imports: [RunsModule, ConflictsModule],
  providers: [TasksService, TaskRunsService, TaskBatchService, TasksResolver, TaskRunsResolver],
  exports: [TasksService],
})
export class TasksModule {}
