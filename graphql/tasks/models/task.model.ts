import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { GraphQLJSON } from 'graphql-type-json';
import { Connection } from '../../common/pagination';
import {
  COMPENSATION_STATUSES,
  STEP_STATUSES,
  type CompensationStatus,
  type RunStepStatus,
} from '../../../core/runs/run-step.entity';

const asEnum = <T extends string>(values: readonly T[]) =>
  Object.fromEntries(values.map((v) => [v, v])) as Record<T, T>;

export const DefinitionFormatEnum = { YAML: 'YAML', JSON: 'JSON' } as const;
registerEnumType(DefinitionFormatEnum, { name: 'DefinitionFormat' });
export const RunStepStatusEnum = asEnum(STEP_STATUSES);
registerEnumType(RunStepStatusEnum, {
  name: 'RunStepStatus',
  description:
    'PENDING: waits for its dependencies. WAITING_APPROVAL: an approval step waits for a decision. SKIPPED: its condition was false. REUSED: output kept from the run this one retries. NOT_RUN: the run stopped before it.',
});
export const CompensationStatusEnum = asEnum(COMPENSATION_STATUSES);
registerEnumType(CompensationStatusEnum, {
  name: 'CompensationStatus',
  description:
    'PENDING: to be undone. RUNNING. WAITING_APPROVAL: an approval compensation waits for decideStep. COMPENSATED. FAILED.',
});

@ObjectType('TaskVersion')
export class TaskVersionModel {
  @Field(() => Int) version!: number;
  @Field() comment!: string;
  @Field() createdAt!: Date;
  @Field(() => GraphQLJSON) definition!: unknown;
}

@ObjectType('Task')
export class TaskModel {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field() description!: string;
  @Field() owner!: string;
  @Field(() => Int, { description: '1 (most urgent) to 5; runs start with it unless given another.' })
  priority!: number;
  @Field(() => [String]) tags!: string[];
  @Field(() => Int) latestVersion!: number;
  @Field({
    description:
      'Whoever starts a run of this task may approve its approval steps (separation of duties waived by an administrator).',
  })
  selfApproval!: boolean;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
}

@ObjectType()
export class TaskConnection extends Connection(TaskModel, 'Task') {}

@ObjectType('TaskTemplate')
export class TaskTemplateModel {
  @Field() name!: string;
  @Field() title!: string;
  @Field() description!: string;
  @Field(() => GraphQLJSON, { description: 'JSON Schema of the parameters createTaskFromTemplate takes.' })
  parameters!: unknown;
  @Field(() => GraphQLJSON, { description: 'The definition with [[ parameter ]] placeholders.' })
  definition!: unknown;
}

@ObjectType()
export class StepItemCounts {
  @Field(() => Int) total!: number;
  @Field(() => Int) pending!: number;
  @Field(() => Int) running!: number;
  @Field(() => Int) succeeded!: number;
  @Field(() => Int) failed!: number;
}

@ObjectType('RunStep', { description: 'One step of a task run: enough to draw the DAG with live status.' })
export class RunStepModel {
  @Field() stepId!: string;
  @Field(() => String, { nullable: true }) name!: string | null;
  @Field() kind!: string;
  @Field(() => [String]) dependsOn!: string[];
  @Field(() => RunStepStatusEnum) status!: RunStepStatus;
  @Field() continueOnError!: boolean;
  @Field({ description: 'The step has a compensation that undoes it on rollback.' }) compensable!: boolean;
  @Field(() => Int) attempts!: number;
  @Field(() => Date, { nullable: true }) startedAt!: Date | null;
  @Field(() => Date, { nullable: true }) finishedAt!: Date | null;
  @Field(() => GraphQLJSON, { nullable: true, description: 'What later steps read as steps.<id>.output.' })
  output!: unknown;
  @Field(() => String, { nullable: true }) errorKind!: string | null;
  @Field(() => String, { nullable: true }) errorMessage!: string | null;
  @Field(() => ID, { nullable: true, description: 'The collection run or subtask run this step started.' })
  childRunId!: string | null;
  @Field(() => CompensationStatusEnum, { nullable: true }) compensationStatus!: CompensationStatus | null;
  @Field(() => String, { nullable: true }) compensationError!: string | null;
  @Field(() => StepItemCounts, { nullable: true, description: 'Per-device and fan-out steps: their items.' })
  items!: StepItemCounts | null;
}

@ObjectType('BatchItemResult')
export class BatchItemResult {
  @Field(() => Int) index!: number;
  @Field() ok!: boolean;
  @Field(() => ID, { nullable: true, description: 'The task or run the item created or changed.' })
  id!: string | null;
  @Field(() => String, { nullable: true }) error!: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'Error code, e.g. BAD_USER_INPUT, NOT_FOUND, CONFLICT.',
  })
  code!: string | null;
  @Field(() => [String], { nullable: true, description: 'The fields the error names.' })
  fields!: string[] | null;
}

@ObjectType('BatchResult')
export class BatchResult {
  @Field({ description: 'Every item succeeded.' }) ok!: boolean;
  @Field({ description: 'Atomic batch: false when one item failed and nothing was changed.' })
  applied!: boolean;
  @Field(() => [BatchItemResult]) results!: BatchItemResult[];
}

@ObjectType('TaskValidation')
export class TaskValidationModel {
  @Field() valid!: boolean;
  @Field(() => [TaskValidationError]) errors!: TaskValidationError[];
}

@ObjectType('TaskValidationError')
export class TaskValidationError {
  @Field() field!: string;
  @Field() message!: string;
}
