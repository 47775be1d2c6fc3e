import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';

export enum ConflictKind {
  SCHEDULE_OVERLAP = 'SCHEDULE_OVERLAP',
  WINDOW_NEVER_OPENS = 'WINDOW_NEVER_OPENS',
  WINDOW_CLOSED = 'WINDOW_CLOSED',
  DEVICE_LOCKED = 'DEVICE_LOCKED',
  DEVICES_UNKNOWN = 'DEVICES_UNKNOWN',
}

registerEnumType(ConflictKind, {
  name: 'ConflictKind',
  description: 'What a schedule or a run will meet (docs/schedules.md, "Conflict report").',
  valuesMap: {
    SCHEDULE_OVERLAP: {
      description:
        'Runs of another enabled schedule work on some of the same devices (at least one of the two changes them) at the same time, within the next 7 days.',
    },
    WINDOW_NEVER_OPENS: {
      description:
        'Devices a change step needs are covered by maintenance windows, and none of them opens within the horizon (or before the schedule ends, or at all).',
    },
    WINDOW_CLOSED: {
      description:
        "A run's change devices are outside their maintenance window now: it waits until `at` or is refused (safety.onClosedWindow).",
    },
    DEVICE_LOCKED: {
      description:
        "Devices a run's change steps need are locked by another run (`otherRunId`): it waits or is refused (safety.onLocked).",
    },
    DEVICES_UNKNOWN: {
      description:
        "A note: a step's devices depend on other steps' outputs (or do not resolve), so they cannot be checked in advance.",
    },
  },
});

@ObjectType('Conflict', {
  description: 'A conflict a schedule or a run will meet; a readable `message` says it all.',
})
export class ConflictModel {
  @Field(() => ConflictKind) kind!: ConflictKind;
  @Field({ description: 'A readable sentence.' }) message!: string;
  @Field(() => String, { nullable: true, description: 'The step concerned, when there is one.' })
  stepId!: string | null;
  @Field(() => [ID], { description: 'The devices concerned (shared devices for overlaps), at most 20.' })
  deviceIds!: string[];
  @Field(() => Int, { description: 'How many devices are concerned (deviceIds lists at most 20).' })
  deviceCount!: number;
  @Field(() => ID, { nullable: true, description: 'SCHEDULE_OVERLAP: the other schedule.' })
  otherScheduleId!: string | null;
  @Field(() => String, { nullable: true, description: "SCHEDULE_OVERLAP: the other schedule's name." })
  otherScheduleName!: string | null;
  @Field(() => ID, { nullable: true, description: 'DEVICE_LOCKED: the run holding the locks.' })
  otherRunId!: string | null;
  @Field(() => Date, {
    nullable: true,
    description:
      'When it first happens: the first overlap, the first firing that meets a shut window, the next window opening.',
  })
  at!: Date | null;
}
