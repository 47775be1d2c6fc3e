import { ArgsType, Field, ID } from '@nestjs/graphql';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { PageArgs } from '../../common/pagination';
import { RunDeviceStatusEnum, RunStatusEnum } from '../models/run.model';
import {
  RUN_STATUSES,
  type RunStatus,
  RUN_DEVICE_STATUSES,
  type RunDeviceStatus,
} from '../../../core/runs/run-states';

@ArgsType()
export class RunsArgs extends PageArgs {
  @Field(() => RunStatusEnum, { nullable: true })
  @IsOptional()
  @IsIn(RUN_STATUSES)
  status?: RunStatus;

  @Field(() => String, { nullable: true, description: 'collection, change or task.' })
  @IsOptional()
  @IsIn(['collection', 'change', 'task'])
  kind?: string;

  @Field(() => ID, { nullable: true, description: 'Runs of this task.' })
  @IsOptional()
  @IsUUID('all')
  taskId?: string;
}

@ArgsType()
export class RunDevicesArgs extends PageArgs {
  @Field(() => RunDeviceStatusEnum, { nullable: true })
  @IsOptional()
  @IsIn(RUN_DEVICE_STATUSES)
  status?: RunDeviceStatus;
}
