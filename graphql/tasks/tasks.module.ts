import { Module } from '@nestjs/common';
import { RunsModule } from '../runs/runs.module';
import { ConflictsModule } from '../safety/conflicts.service';
import { TaskBatchService } from './task-batch.service';
import { TaskRunsService } from './task-runs.service';
import { TaskRunsResolver, TasksResolver } from './tasks.resolver';
import { TasksRepository } from '../../core/tasks/tasks.repository';

@Module({
  imports: [RunsModule, ConflictsModule],
  providers: [TasksRepository, TaskRunsService, TaskBatchService, TasksResolver, TaskRunsResolver],
  exports: [TasksRepository],
})
export class TasksModule {}
