import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { GraphQLJSON } from 'graphql-type-json';
import { Connection } from '../../common/pagination';
import { RunModel } from '../../runs/models/run.model';
import type { RunEntity } from '../../../core/runs/run.entity';
import { OVERLAP_POLICIES, type OverlapPolicy } from '../../../core/schedules/schedule-spec';

export const ScheduleOverlapEnum = Object.fromEntries(OVERLAP_POLICIES.map((v) => [v, v])) as Record<
  OverlapPolicy,
  OverlapPolicy
>;
registerEnumType(ScheduleOverlapEnum, {
  name: 'ScheduleOverlap',
  description: 'What a firing does while a run of the schedule is still going (docs/schedules.md).',
  valuesMap: {
    SKIP: { description: 'Do not start it (the default).' },
    BUFFER_ONE: {
      description: 'Start it when the running one ends; keep at most one waiting, skip the others.',
    },
    BUFFER_ALL: { description: 'Start each in turn as the previous one ends; skip none.' },
    CANCEL_OTHER: {
      description:
        'Cancel the running one (it rolls back like any cancelled run); start the new one once it has ended.',
    },
    TERMINATE_OTHER: {
      description:
        'Terminate the running one at once (no compensation runs; the run is recorded FAILED); start the new one.',
    },
    ALLOW_ALL: { description: 'Start it at once, runs overlap.' },
  },
});

@ObjectType('ScheduleInterval')
export class ScheduleIntervalModel {
  @Field(() => Int) everySeconds!: number;
  @Field(() => Int, { description: 'Fires at epoch + n × everySeconds + offsetSeconds (UTC).' })
  offsetSeconds!: number;
}

@ObjectType('ScheduleCalendar', {
  description: 'Matches every second whose fields all match (cron syntax per field), in the spec time zone.',
})
export class ScheduleCalendarModel {
  @Field() second!: string;
  @Field() minute!: string;
  @Field() hour!: string;
  @Field() dayOfMonth!: string;
  @Field() month!: string;
  @Field() dayOfWeek!: string;
  @Field() year!: string;
  @Field(() => String, { nullable: true }) comment!: string | null;
}

@ObjectType('ScheduleSpec')
export class ScheduleSpecModel {
  @Field(() => [String]) cron!: string[];
  @Field(() => [ScheduleIntervalModel]) intervals!: ScheduleIntervalModel[];
  @Field(() => [ScheduleCalendarModel]) calendars!: ScheduleCalendarModel[];
  @Field({ description: 'IANA time zone of cron expressions, calendars and one-off runs.' })
  timezone!: string;
  @Field(() => Date, { nullable: true }) startAt!: Date | null;
  @Field(() => Date, { nullable: true }) endAt!: Date | null;
  @Field(() => Int) jitterSeconds!: number;
  @Field(() => [Date]) oneOffAt!: Date[];
}

@ObjectType('SchedulePolicy')
export class SchedulePolicyModel {
  @Field(() => ScheduleOverlapEnum) overlap!: OverlapPolicy;
  @Field(() => Int) catchupWindowSeconds!: number;
  @Field() pauseOnFailure!: boolean;
}

@ObjectType('ScheduleAction', { description: 'A workflow the schedule started, and the run it stored.' })
export class ScheduleActionModel {
  @Field({ description: 'The wrapper workflow (scheduledTaskWorkflow).' }) workflowId!: string;
  @Field(() => Date, {
    nullable: true,
    description: 'When it was due (with jitter); null for a running action.',
  })
  scheduledAt!: Date | null;
  @Field(() => Date, { nullable: true, description: 'When Temporal started it; null for a running action.' })
  takenAt!: Date | null;
  @Field(() => RunModel, { nullable: true, description: 'The run it stored (null until it has).' })
  run!: RunEntity | null;
}

@ObjectType('Schedule')
export class ScheduleModel {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field(() => ID) taskId!: string;
  @Field(() => Int, {
    nullable: true,
    description: "The version each run pins; null: the task's latest version when it fires.",
  })
  taskVersion!: number | null;
  @Field(() => GraphQLJSON, {
    description: 'Run inputs as given; defaults are applied when a run is stored.',
  })
  inputs!: Record<string, unknown>;
  @Field(() => SchedulePolicyModel) policy!: SchedulePolicyModel;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
}

@ObjectType()
export class ScheduleConnection extends Connection(ScheduleModel, 'Schedule') {}
