import { ArgsType, Field, ID, InputType, Int, registerEnumType } from '@nestjs/graphql';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { Type } from 'class-transformer';
import { GraphQLJSON } from 'graphql-type-json';
import { IsName } from '../../common/names';
import { PageArgs } from '../../common/pagination';
import { DefinitionFormatEnum } from '../models/task.model';

export const BATCH_MAX = 500;

@InputType()
export class SaveTaskInput {
  @Field(() => GraphQLJSON, { description: 'The task definition (see docs/tasks.md).' })
  @IsObject()
  definition!: Record<string, unknown>;

  @Field(() => String, { nullable: true, description: 'Why this version exists.' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  comment?: string | null;
}

@InputType()
export class ImportTaskInput {
  @Field({ description: 'A definition as YAML or JSON text.' })
  @IsString()
  @MaxLength(2_000_000)
  text!: string;

  @Field(() => DefinitionFormatEnum, { defaultValue: 'YAML' })
  @IsIn(['YAML', 'JSON'])
  format: 'YAML' | 'JSON' = 'YAML';

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  comment?: string | null;
}

@InputType()
export class TaskFromTemplateInput {
  @Field({ description: 'A built-in template name (see taskTemplates).' })
  @IsString()
  template!: string;

  @Field(() => GraphQLJSON, { nullable: true, description: 'Values for the template parameters.' })
  @IsOptional()
  @IsObject()
  params?: Record<string, unknown> | null;

  @Field(() => String, { nullable: true, description: 'Name of the new task; default from the template.' })
  @IsOptional()
  @IsName({ max: 100 })
  name?: string | null;
}

@ArgsType()
export class TasksArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: 'Part of the name or description.' })
  @IsOptional()
  @IsString()
  search?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsName({ max: 64, allowEmpty: true })
  tag?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  owner?: string | null;
}

@InputType()
export class StartTaskRunInput {
  @Field({ description: 'Task name or id.' })
  @IsString()
  task!: string;

  @Field(() => Int, { nullable: true, description: 'Pin this version; default the latest.' })
  @IsOptional()
  @IsInt()
  @Min(1)
  version?: number | null;

  @Field(() => GraphQLJSON, { nullable: true, description: "Checked against the task's input schema." })
  @IsOptional()
  @IsObject()
  inputs?: Record<string, unknown> | null;

  @Field(() => Int, { nullable: true, description: "1 (most urgent) to 5; default the task's priority." })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(5)
  priority?: number | null;
}

@InputType()
export class StepDecisionInput {
  @Field(() => ID)
  @IsString()
  runId!: string;

  @Field()
  @IsString()
  stepId!: string;

  @Field()
  @IsBoolean()
  approve!: boolean;

  @Field(() => String, {
    nullable: true,
    description:
      'Who decides: leave it out, the decision is recorded as you. Only the service account (API_TOKEN) may name the person it acts for.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  by?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  comment?: string | null;
}

export const BatchTaskOpEnum = { CREATE: 'CREATE', UPDATE: 'UPDATE', DELETE: 'DELETE' } as const;
registerEnumType(BatchTaskOpEnum, { name: 'BatchTaskOp' });
export const BatchRunOpEnum = { START: 'START', CANCEL: 'CANCEL' } as const;
registerEnumType(BatchRunOpEnum, { name: 'BatchRunOp' });

@InputType()
export class BatchTaskItem {
  @Field(() => BatchTaskOpEnum)
  @IsIn(Object.keys(BatchTaskOpEnum))
  op!: keyof typeof BatchTaskOpEnum;

  @Field(() => String, { nullable: true, description: 'UPDATE, DELETE: task name or id.' })
  @IsOptional()
  @IsString()
  task?: string | null;

  @Field(() => GraphQLJSON, { nullable: true, description: 'CREATE, UPDATE: the definition.' })
  @IsOptional()
  @IsObject()
  definition?: Record<string, unknown> | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  comment?: string | null;
}

@InputType()
export class BatchTasksInput {
  @Field(() => Boolean, { defaultValue: false, description: 'All items succeed or nothing changes.' })
  @IsBoolean()
  atomic = false;

  @Field(() => [BatchTaskItem])
  @ArrayMinSize(1)
  @ArrayMaxSize(BATCH_MAX)
  @ValidateNested({ each: true })
  @Type(() => BatchTaskItem)
  items!: BatchTaskItem[];
}

@InputType()
export class BatchRunItem {
  @Field(() => BatchRunOpEnum)
  @IsIn(Object.keys(BatchRunOpEnum))
  op!: keyof typeof BatchRunOpEnum;

  @Field(() => String, { nullable: true, description: 'START: task name or id.' })
  @IsOptional()
  @IsString()
  task?: string | null;

  @Field(() => Int, { nullable: true })
  @IsOptional()
  @IsInt()
  version?: number | null;

  @Field(() => GraphQLJSON, { nullable: true })
  @IsOptional()
  @IsObject()
  inputs?: Record<string, unknown> | null;

  @Field(() => Int, { nullable: true })
  @IsOptional()
  @IsInt()
  priority?: number | null;

  @Field(() => ID, { nullable: true, description: 'CANCEL: the run.' })
  @IsOptional()
  @IsString()
  runId?: string | null;
}

@InputType()
export class BatchRunsInput {
  @Field(() => Boolean, { defaultValue: false, description: 'All items succeed or nothing changes.' })
  @IsBoolean()
  atomic = false;

  @Field(() => [BatchRunItem])
  @ArrayMinSize(1)
  @ArrayMaxSize(BATCH_MAX)
  @ValidateNested({ each: true })
  @Type(() => BatchRunItem)
  items!: BatchRunItem[];
}
