import { Module } from '@nestjs/common';
import { RunsModule } from '../runs/runs.module';
import { TaskBatchService } from './task-batch.service';
import { TaskRunsService } from './task-runs.service';
import { TaskRunsResolver, TasksResolver } from './tasks.resolver';
import { TasksService } from './tasks.service';

@Module({
  imports: [RunsModule],
  providers: [TasksService, TaskRunsService, TaskBatchService, TasksResolver, TaskRunsResolver],
})
export class TasksModule {}
