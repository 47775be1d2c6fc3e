import { ArgsType, Field } from '@nestjs/graphql';
import { IsIn, IsOptional } from 'class-validator';
import { PageArgs } from '../../common/pagination';
import { RUN_DEVICE_STATUSES, type RunDeviceStatus } from '../run-device.entity';
import { RUN_STATUSES, type RunStatus } from '../run.entity';
import { RunDeviceStatusEnum, RunStatusEnum } from '../models/run.model';

@ArgsType()
export class RunsArgs extends PageArgs {
  @Field(() => RunStatusEnum, { nullable: true })
  @IsOptional()
  @IsIn(RUN_STATUSES)
  status?: RunStatus;
}

@ArgsType()
export class RunDevicesArgs extends PageArgs {
  @Field(() => RunDeviceStatusEnum, { nullable: true })
  @IsOptional()
  @IsIn(RUN_DEVICE_STATUSES)
  status?: RunDeviceStatus;
}
