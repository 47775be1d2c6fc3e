import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { Connection } from '../../common/pagination';
import { DeviceFactsModel, InterfaceModel } from './facts.model';
import {
  RUN_STATUSES,
  type RunStatus,
  RUN_DEVICE_STATUSES,
  type RunDeviceStatus,
} from '../../../core/runs/run-states';

const asEnum = <T extends string>(values: readonly T[]) =>
  Object.fromEntries(values.map((v) => [v, v])) as Record<T, T>;

export const RunStatusEnum = asEnum(RUN_STATUSES);
export const RunDeviceStatusEnum = asEnum(RUN_DEVICE_STATUSES);
registerEnumType(RunStatusEnum, {
  name: 'RunStatus',
  description:
    'PENDING: accepted, not started. WAITING_UPSTREAM: a scheduled run waits for the runs of its upstream tasks for the same slot. RUNNING. COMPLETED: every device succeeded. COMPLETED_WITH_ERRORS: finished, some devices failed. CANCELLING: cancel requested. CANCELLED. FAILED: the run itself could not complete. SKIPPED: a scheduled run did not run because its upstream runs did not end as required (or not in time).',
});
registerEnumType(RunDeviceStatusEnum, { name: 'RunDeviceStatus' });

@ObjectType()
export class RunProgress {
  @Field(() => Int) total!: number;
  @Field(() => Int) pending!: number;
  @Field(() => Int) running!: number;
  @Field(() => Int) succeeded!: number;
  @Field(() => Int) failed!: number;
  @Field(() => Int) cancelled!: number;
}

@ObjectType()
export class RunSelectorModel {
  @Field(() => [ID], { nullable: true }) deviceIds?: string[];
  @Field(() => String, { nullable: true }) site?: string;
  @Field(() => [String], { nullable: true }) tags?: string[];
  @Field(() => String, { nullable: true }) platform?: string;
}

@ObjectType()
export class PlatformCommands {
  @Field() platform!: string;
  @Field(() => [String]) commands!: string[];
}

@ObjectType('Run')
export class RunModel {
  @Field(() => ID) id!: string;
  @Field() kind!: string;
  @Field(() => RunStatusEnum) status!: RunStatus;
  @Field(() => [String]) commands!: string[];
  @Field(() => Int) concurrency!: number;
  @Field(() => Int, { nullable: true, description: 'Per-command timeout in milliseconds.' })
  commandTimeoutMs!: number | null;
  @Field(() => RunSelectorModel) selector!: RunSelectorModel;
  @Field({ description: 'Temporal workflow id of this run.' }) workflowId!: string;
  @Field(() => String, { nullable: true, description: 'Set on backup runs: why the configs were saved.' })
  backupReason!: string | null;
  @Field(() => String, {
    nullable: true,
    description:
      'Why the run failed. For a caller whose roles are limited to some sites or tags, it names no device of the run outside them.',
  })
  error!: string | null;
  @Field(() => ID, {
    nullable: true,
    description: 'Runs started by a schedule: the schedule (null once the schedule is deleted).',
  })
  scheduleId!: string | null;
  @Field(() => Date, {
    nullable: true,
    description:
      'Runs started by a schedule: the time it fired for (before jitter; for a trigger, when it was triggered).',
  })
  scheduledAt!: Date | null;
  @Field() createdAt!: Date;
  @Field(() => Date, { nullable: true }) startedAt!: Date | null;
  @Field(() => Date, { nullable: true }) finishedAt!: Date | null;
}

@ObjectType('CommandOutput')
export class CommandOutputModel {
  @Field(() => Int) seq!: number;
  @Field() command!: string;
  @Field({ description: 'Cleaned output (no echo, prompt, paging or escape sequences); see `truncated`.' })
  output!: string;
  @Field({ description: 'True when `output` was cut to the requested maxBytes.' }) truncated!: boolean;
  @Field(() => Int) sizeBytes!: number;
  @Field(() => String, {
    nullable: true,
    description: "The device's error line when it refused the command.",
  })
  error!: string | null;
  @Field(() => Int) durationMs!: number;
  @Field() collectedAt!: Date;
  @Field(() => String, {
    nullable: true,
    description:
      'PARSED or ANOMALY (no template, rejected by its template, or no rows); null when the device refused the command.',
  })
  parseStatus!: string | null;
  @Field(() => String, { nullable: true, description: 'The TextFSM template(s) used.' }) parseTemplate!:
    string | null;
  @Field(() => String, { nullable: true, description: 'The parsed rows as JSON (TextFSM column names).' })
  parsedJson!: string | null;
  @Field(() => DeviceFactsModel, { nullable: true }) facts!: DeviceFactsModel | null;
  @Field(() => [InterfaceModel], { nullable: true }) interfaces!: InterfaceModel[] | null;
  @Field(() => String, { nullable: true, description: 'NO_TEMPLATE, TEMPLATE_ERROR or EMPTY_RESULT.' })
  anomalyReason!: string | null;
  @Field(() => String, { nullable: true }) anomalyMessage!: string | null;
}

@ObjectType('RunDevice')
export class RunDeviceModel {
  @Field(() => ID) id!: string;
  @Field(() => ID, { nullable: true, description: 'Null when the device was deleted since.' }) deviceId!:
    string | null;
  @Field() deviceName!: string;
  @Field() platform!: string;
  @Field() host!: string;
  @Field(() => RunDeviceStatusEnum) status!: RunDeviceStatus;
  @Field(() => Int) attempts!: number;
  @Field(() => String, { nullable: true, description: 'AUTH_FAILED, CONNECTION_LOST, COMMAND_TIMEOUT, ...' })
  errorKind!: string | null;
  @Field(() => String, { nullable: true }) errorMessage!: string | null;
  @Field(() => Date, { nullable: true }) startedAt!: Date | null;
  @Field(() => Date, { nullable: true }) finishedAt!: Date | null;
  @Field(() => DeviceFactsModel, {
    nullable: true,
    description: 'Facts merged from every parsed output of the device.',
  })
  facts!: DeviceFactsModel | null;
  @Field(() => String, {
    nullable: true,
    description: 'Change runs: NO_CHANGE, PLANNED, CHANGED, ROLLED_BACK, ROLLBACK_FAILED or SKIPPED.',
  })
  outcome!: string | null;
  @Field(() => [String], {
    nullable: true,
    description: 'Change runs: the lines planned (only what was missing).',
  })
  plan!: string[] | null;
  @Field(() => ID, { nullable: true, description: 'Change runs: the config snapshot taken before pushing.' })
  backupSnapshotId!: string | null;
  @Field(() => Int, { nullable: true, description: 'Change runs: lines the device accepted.' })
  pushedLines!: number | null;
  @Field(() => [String], {
    nullable: true,
    description: 'Change runs: the lines sent to restore the backup.',
  })
  restorePlan!: string[] | null;
}

@ObjectType('RunEvent')
export class RunEventModel {
  @Field(() => ID) id!: string;
  @Field() ts!: Date;
  @Field() level!: string;
  @Field(() => String, { nullable: true }) deviceName!: string | null;
  @Field() message!: string;
  @Field(() => String, { nullable: true, description: 'Task runs: the step this event is about.' })
  stepId!: string | null;
  @Field(() => Int, { nullable: true, description: 'The attempt, when the event is about one.' })
  attempt!: number | null;
}

@ObjectType()
export class RunUpdate {
  @Field(() => RunModel) run!: RunModel;
  @Field(() => [RunEventModel], { description: 'Log events since the previous update.' })
  events!: RunEventModel[];
}

@ObjectType()
export class RunConnection extends Connection(RunModel, 'Run') {}

@ObjectType()
export class RunDeviceConnection extends Connection(RunDeviceModel, 'RunDevice') {}
