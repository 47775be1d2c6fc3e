import { Args, Field, ID, InputType, Int, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { Injectable, Module } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { IsArray, IsDate, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { Type } from 'class-transformer';
import { DataSource } from 'typeorm';
import { SwitchboardError } from '../../libs/common/src/errors';
import { checkWindowSpec, windowState } from '../../libs/safety/src/windows';

@InputType()
export class CreateMaintenanceWindowInput {
  @Field()
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9._-]{0,99}$/, {
    message: 'name must be lower-case letters, digits, ".", "_" or "-"',
  })
  name!: string;

  @Field(() => String, { nullable: true, description: 'Only devices of this site (all sites when absent).' })
  @IsOptional()
  @IsString()
  site?: string | null;

  @Field(() => [String], {
    nullable: true,
    description: 'Only devices carrying all these tags (a device group).',
  })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
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

interface WindowRow {
  id: string;
  name: string;
  site: string | null;
  tags: string[];
  cron: string | null;
  duration_seconds: number | null;
  timezone: string;
  start_at: Date | null;
  end_at: Date | null;
}

@Injectable()
export class SafetyService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async createWindow(input: CreateMaintenanceWindowInput): Promise<MaintenanceWindowModel> {
    const recurring = !!input.cron;
    if (recurring && (input.startAt || input.endAt)) {
      throw SwitchboardError.badInput(
        'startAt',
        'give cron and durationSeconds, or startAt and endAt, not both',
      );
    }
    if (recurring && !input.durationSeconds) {
      throw SwitchboardError.badInput('durationSeconds', 'is required with cron');
    }
    if (!recurring && (!input.startAt || !input.endAt)) {
      throw SwitchboardError.badInput(
        'cron',
        'give cron and durationSeconds (recurring) or startAt and endAt (one-off)',
      );
    }
    if (!recurring && input.endAt! <= input.startAt!)
      throw SwitchboardError.badInput('endAt', 'must be after startAt');
    const problem = checkWindowSpec({ cron: input.cron, timezone: input.timezone });
    if (problem) {
      const [field, ...rest] = problem.split(': ');
      throw SwitchboardError.badInput(field, rest.join(': '));
    }
    const rows: WindowRow[] = await this.dataSource
      .query(
        `INSERT INTO maintenance_windows (name, site, tags, cron, duration_seconds, timezone, start_at, end_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
        [
          input.name,
          input.site ?? null,
          input.tags ?? [],
          input.cron ?? null,
          recurring ? input.durationSeconds : null,
          input.timezone ?? 'UTC',
          input.startAt ?? null,
          input.endAt ?? null,
        ],
      )
      .catch((error: { code?: string }) => {
        if (error.code === '23505')
          throw SwitchboardError.conflict(`a window named "${input.name}" exists`, 'name');
        throw error;
      });
    return toModel(rows[0]);
  }

  async deleteWindow(name: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `WITH gone AS (DELETE FROM maintenance_windows WHERE name = $1 RETURNING id) SELECT id FROM gone`,
      [name],
    );
    if (!rows.length) throw SwitchboardError.notFound('maintenance window', name);
    return true;
  }

  async windows(): Promise<MaintenanceWindowModel[]> {
    const rows: WindowRow[] = await this.dataSource.query(`SELECT * FROM maintenance_windows ORDER BY name`);
    return rows.map(toModel);
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
  const state = windowState(
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

  @Query(() => [MaintenanceWindowModel])
  maintenanceWindows(): Promise<MaintenanceWindowModel[]> {
    return this.safety.windows();
  }

  @Mutation(() => MaintenanceWindowModel, {
    description:
      'A recurring (cron + duration) or one-off (startAt..endAt) window for a site and/or device group.',
  })
  createMaintenanceWindow(
    @Args('input') input: CreateMaintenanceWindowInput,
  ): Promise<MaintenanceWindowModel> {
    return this.safety.createWindow(input);
  }

  @Mutation(() => Boolean)
  deleteMaintenanceWindow(@Args('name') name: string): Promise<boolean> {
    return this.safety.deleteWindow(name);
  }

  @Query(() => [DeviceLockModel], {
    description: 'Devices locked by runs now, with the runs queued for each.',
  })
  deviceLocks(): Promise<DeviceLockModel[]> {
    return this.safety.locks();
  }
}

@Module({ providers: [SafetyService, SafetyResolver] })
export class SafetyModule {}
