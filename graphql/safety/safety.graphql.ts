import { Args, Field, ID, InputType, Int, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { Injectable, Module } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  ArrayMaxSize,
  IsArray,
  IsDate,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { Type } from 'class-transformer';
import { DataSource } from 'typeorm';
import { windowState } from '../../libs/safety/src/windows';
import { SITE_MAX, TAGS_MAX, TAG_MAX, TAG_PATTERN, TAG_RULE } from '../../core/devices/device-import';
import { IsName } from '../common/names';
import {
  createMaintenanceWindow,
  deleteMaintenanceWindow,
  listMaintenanceWindows,
  type WindowInput,
  type WindowRow,
} from '../../core/safety/windows';
import { Requires } from '../common/auth.guard';

@InputType()
export class CreateMaintenanceWindowInput implements WindowInput {
  @Field()
  @IsName({
    max: 100,
    pattern: /^[a-z0-9][a-z0-9._-]{0,99}$/,
    rule: 'must be lower-case letters, digits, ".", "_" or "-"',
  })
  name!: string;

  @Field(() => String, { nullable: true, description: 'Only devices of this site (all sites when absent).' })
  @IsOptional()
  @IsName({ max: SITE_MAX })
  site?: string | null;

  @Field(() => [String], {
    nullable: true,
    description: 'Only devices carrying all these tags (a device group).',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(TAGS_MAX)
  @IsName({ each: true, max: TAG_MAX, pattern: TAG_PATTERN, rule: TAG_RULE })
  tags?: string[] | null;

  @Field(() => String, {
    nullable: true,
    description: 'Recurring: when the window opens (cron, in `timezone`).',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cron?: string | null;

  @Field(() => Int, { nullable: true, description: 'Recurring: how long it stays open.' })
  @IsOptional()
  @IsInt()
  @Min(60)
  @Max(7 * 86_400)
  durationSeconds?: number | null;

  @Field(() => String, { nullable: true, description: 'IANA time zone of `cron` (default UTC).' })
  @IsOptional()
  @IsString()
  timezone?: string | null;

  @Field(() => Date, { nullable: true, description: 'One-off: opens at.' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  startAt?: Date | null;

  @Field(() => Date, { nullable: true, description: 'One-off: closes at.' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  endAt?: Date | null;
}

@ObjectType('MaintenanceWindow', {
  description: 'Change steps on the devices it covers start only while it is open.',
})
export class MaintenanceWindowModel {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field(() => String, { nullable: true }) site!: string | null;
  @Field(() => [String]) tags!: string[];
  @Field(() => String, { nullable: true }) cron!: string | null;
  @Field(() => Int, { nullable: true }) durationSeconds!: number | null;
  @Field() timezone!: string;
  @Field(() => Date, { nullable: true }) startAt!: Date | null;
  @Field(() => Date, { nullable: true }) endAt!: Date | null;
  @Field() open!: boolean;
  @Field(() => Date, { nullable: true, description: 'When closed: next opening (null: never again).' })
  opensAt!: Date | null;
  @Field(() => Date, { nullable: true, description: 'When open: when it closes.' })
  closesAt!: Date | null;
}

@ObjectType('DeviceLock', { description: 'A device a run changes; held until the run ends.' })
export class DeviceLockModel {
  @Field(() => ID) deviceId!: string;
  @Field() deviceName!: string;
  @Field(() => ID) runId!: string;
  @Field(() => String, { nullable: true }) stepId!: string | null;
  @Field() acquiredAt!: Date;
  @Field(() => [ID], { description: 'Runs waiting for this device, first in line first.' })
  waiting!: string[];
}

@Injectable()
export class SafetyService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async createWindow(input: CreateMaintenanceWindowInput): Promise<MaintenanceWindowModel> {
    return toModel(await createMaintenanceWindow(this.dataSource, input));
  }

  async deleteWindow(name: string): Promise<boolean> {
    await deleteMaintenanceWindow(this.dataSource, name);
    return true;
  }

  async windows(): Promise<MaintenanceWindowModel[]> {
    return (await listMaintenanceWindows(this.dataSource)).map(toModel);
  }

  async locks(): Promise<DeviceLockModel[]> {
    return this.dataSource.query(
      `SELECT l.device_id AS "deviceId", d.name AS "deviceName", l.run_id AS "runId", l.step_id AS "stepId",
              l.acquired_at AS "acquiredAt",
              COALESCE((SELECT array_agg(w.run_id ORDER BY w.since) FROM device_lock_waiters w WHERE w.device_id = l.device_id), '{}') AS waiting
         FROM device_locks l JOIN devices d ON d.id = l.device_id ORDER BY d.name`,
    );
  }
}

function toModel(r: WindowRow): MaintenanceWindowModel {
  const { error: _unreadable, ...state } = windowState(
    {
      name: r.name,
      cron: r.cron,
      durationSeconds: r.duration_seconds,
      timezone: r.timezone,
      startAt: r.start_at,
      endAt: r.end_at,
    },
    new Date(),
  );
  return {
    id: r.id,
    name: r.name,
    site: r.site,
    tags: r.tags,
    cron: r.cron,
    durationSeconds: r.duration_seconds,
    timezone: r.timezone,
    startAt: r.start_at,
    endAt: r.end_at,
    ...state,
  };
}

@Resolver()
export class SafetyResolver {
  constructor(private readonly safety: SafetyService) {}

  @Requires('safety:read')
  @Query(() => [MaintenanceWindowModel])
  maintenanceWindows(): Promise<MaintenanceWindowModel[]> {
    return this.safety.windows();
  }

  @Requires('safety:write')
  @Mutation(() => MaintenanceWindowModel, {
    description:
      'A recurring (cron + duration) or one-off (startAt..endAt) window for a site and/or device group.',
  })
  createMaintenanceWindow(
    @Args('input') input: CreateMaintenanceWindowInput,
  ): Promise<MaintenanceWindowModel> {
    return this.safety.createWindow(input);
  }

  @Requires('safety:write')
  @Mutation(() => Boolean)
  deleteMaintenanceWindow(@Args('name') name: string): Promise<boolean> {
    return this.safety.deleteWindow(name);
  }

  @Requires('safety:read')
  @Query(() => [DeviceLockModel], {
    description: 'Devices locked by runs now, with the runs queued for each.',
  })
  deviceLocks(): Promise<DeviceLockModel[]> {
    return this.safety.locks();
  }
}

@Module({ providers: [SafetyService, SafetyResolver] })
export class SafetyModule {}
