import { ArgsType, Field, InputType, Int } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDate,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { GraphQLJSON } from 'graphql-type-json';
import { IsName } from '../../common/names';
import { PageArgs } from '../../common/pagination';
import { ScheduleOverlapEnum } from '../models/schedule.model';
import {
  MAX_SPEC_ENTRIES,
  MIN_CATCHUP_WINDOW_SECONDS,
  OVERLAP_POLICIES,
  type OverlapPolicy,
} from '../../../core/schedules/schedule-spec';
import type { ScheduleInput, SchedulePatch } from '../../../core/schedules/schedule-inputs';

export const SCHEDULE_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;
const SCHEDULE_NAME_RULE = 'must be 1-100 of a-z, 0-9, ".", "_", "-", starting with a letter or digit';

@InputType()
export class ScheduleIntervalInput {
  @Field(() => Int, { description: 'At least 1.' })
  @IsInt()
  @Min(1)
  everySeconds!: number;

  @Field(() => Int, {
    nullable: true,
    defaultValue: 0,
    description: 'Shift from the epoch-aligned grid: 0 to everySeconds − 1.',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  offsetSeconds?: number | null;
}

@InputType({
  description:
    'Cron syntax per field: *, 5, 1-5, */15, 10-50/10, lists with commas; names for month and dayOfWeek.',
})
export class ScheduleCalendarInput {
  @Field(() => String, { nullable: true, description: '0-59; default 0.' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  second?: string | null;

  @Field(() => String, { nullable: true, description: '0-59; default 0.' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  minute?: string | null;

  @Field(() => String, { nullable: true, description: '0-23; default 0.' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  hour?: string | null;

  @Field(() => String, { nullable: true, description: '1-31; default *.' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  dayOfMonth?: string | null;

  @Field(() => String, { nullable: true, description: '1-12 or JAN-DEC; default *.' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  month?: string | null;

  @Field(() => String, { nullable: true, description: '0-7 (0 and 7 are Sunday) or SUN-SAT; default *.' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  dayOfWeek?: string | null;

  @Field(() => String, { nullable: true, description: '2000-2100; default *.' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  year?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  comment?: string | null;
}

@InputType({ description: 'When a schedule fires: the union of cron, intervals, calendars and oneOffAt.' })
export class ScheduleSpecInput {
  @Field(() => [String], {
    nullable: true,
    description:
      '5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), or @hourly, @daily, @weekly, @monthly, @yearly.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_SPEC_ENTRIES)
  @IsString({ each: true })
  cron?: string[] | null;

  @Field(() => [ScheduleIntervalInput], { nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_SPEC_ENTRIES)
  @ValidateNested({ each: true })
  @Type(() => ScheduleIntervalInput)
  intervals?: ScheduleIntervalInput[] | null;

  @Field(() => [ScheduleCalendarInput], { nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_SPEC_ENTRIES)
  @ValidateNested({ each: true })
  @Type(() => ScheduleCalendarInput)
  calendars?: ScheduleCalendarInput[] | null;

  @Field(() => String, { nullable: true, description: 'IANA time zone; default SCHEDULE_DEFAULT_TIMEZONE.' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  timezone?: string | null;

  @Field(() => Date, { nullable: true, description: 'No firing before this.' })
  @IsOptional()
  @IsDate()
  startAt?: Date | null;

  @Field(() => Date, { nullable: true, description: 'No firing after this.' })
  @IsOptional()
  @IsDate()
  endAt?: Date | null;

  @Field(() => Int, {
    nullable: true,
    defaultValue: 0,
    description: 'Each firing is delayed by a random 0 to jitterSeconds.',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  jitterSeconds?: number | null;

  @Field(() => [Date], { nullable: true, description: 'One-off runs at these times (whole seconds).' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_SPEC_ENTRIES)
  @IsDate({ each: true })
  oneOffAt?: Date[] | null;
}

@InputType()
export class SchedulePolicyInput {
  @Field(() => ScheduleOverlapEnum, { nullable: true, defaultValue: 'SKIP' })
  @IsOptional()
  @IsIn(OVERLAP_POLICIES)
  overlap?: OverlapPolicy | null;

  @Field(() => Int, {
    nullable: true,
    description: `Late firings (the server was down) within this many seconds still run; default one year, at least ${MIN_CATCHUP_WINDOW_SECONDS}.`,
  })
  @IsOptional()
  @IsInt()
  @Min(MIN_CATCHUP_WINDOW_SECONDS)
  catchupWindowSeconds?: number | null;

  @Field(() => Boolean, {
    nullable: true,
    defaultValue: false,
    description: 'Pause the schedule when a run it started fails.',
  })
  @IsOptional()
  @IsBoolean()
  pauseOnFailure?: boolean | null;
}

@InputType()
export class CreateScheduleInput implements ScheduleInput {
  @Field({ description: 'Unique: 1-100 of a-z, 0-9, ".", "_", "-", starting with a letter or digit.' })
  @IsName({ max: 100, pattern: SCHEDULE_NAME, rule: SCHEDULE_NAME_RULE })
  name!: string;

  @Field({ description: 'Task name or id.' })
  @IsString()
  task!: string;

  @Field(() => Int, {
    nullable: true,
    description: "Pin this version; default: the task's latest when it fires.",
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  taskVersion?: number | null;

  @Field(() => GraphQLJSON, { nullable: true, description: "Checked against the task's input schema." })
  @IsOptional()
  @IsObject()
  inputs?: Record<string, unknown> | null;

  @Field(() => ScheduleSpecInput)
  @ValidateNested()
  @Type(() => ScheduleSpecInput)
  spec!: ScheduleSpecInput;

  @Field(() => SchedulePolicyInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => SchedulePolicyInput)
  policy?: SchedulePolicyInput | null;

  @Field(() => Int, {
    nullable: true,
    description:
      'Fire at most this many more times (triggers and backfills do not count); default unlimited.',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  remainingActions?: number | null;

  @Field(() => Boolean, { nullable: true, defaultValue: false, description: 'Create it paused.' })
  @IsOptional()
  @IsBoolean()
  paused?: boolean | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  note?: string | null;
}

@InputType({ description: 'Only what is given changes; spec and policy are replaced as a whole.' })
export class UpdateScheduleInput implements SchedulePatch {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsName({ max: 100, pattern: SCHEDULE_NAME, rule: SCHEDULE_NAME_RULE })
  name?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Task name or id. Another task runs its latest version unless taskVersion is given.',
  })
  @IsOptional()
  @IsString()
  task?: string | null;

  @Field(() => Int, { nullable: true, description: 'null: the latest version when it fires.' })
  @IsOptional()
  @IsInt()
  @Min(1)
  taskVersion?: number | null;

  @Field(() => GraphQLJSON, { nullable: true })
  @IsOptional()
  @IsObject()
  inputs?: Record<string, unknown> | null;

  @Field(() => ScheduleSpecInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => ScheduleSpecInput)
  spec?: ScheduleSpecInput | null;

  @Field(() => SchedulePolicyInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => SchedulePolicyInput)
  policy?: SchedulePolicyInput | null;

  @Field(() => Int, { nullable: true, description: 'null: unlimited.' })
  @IsOptional()
  @IsInt()
  @Min(0)
  remainingActions?: number | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  note?: string | null;
}

@ArgsType()
export class SchedulesArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: 'Schedules of this task (name or id).' })
  @IsOptional()
  @IsString()
  task?: string | null;
}

@ArgsType()
export class ScheduleRunsArgs extends PageArgs {}
