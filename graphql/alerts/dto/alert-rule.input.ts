import { Field, InputType, Int } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  ALERT_EVENT_KINDS,
  ALERT_LANGUAGES,
  ALERT_SEVERITIES,
  CHANNEL_KINDS,
  MAX_ESCALATIONS,
  MAX_FILTER_VALUES,
  MAX_RECIPIENTS,
  MAX_SECONDS,
  MAX_TEMPLATES,
  MAX_TEMPLATE_LENGTH,
  type AlertEventKind,
  type AlertLanguage,
  type AlertSeverity,
  type ChannelKind,
} from '../../../core/alerts/alert-rules';
import type { AlertRuleInput as CoreRuleInput } from '../../../core/alerts/alerts';
import { IsName } from '../../common/names';
import { AlertChannelKindEnum, AlertEventKindEnum, AlertSeverityEnum } from '../models/alert-enums';

export const ALERT_NAME_MAX = 200;

@InputType({ description: 'Which events of the kind fire the rule; each list empty or missing: any.' })
export class AlertFiltersInput {
  @Field(() => [String], {
    nullable: true,
    description: 'RUN_FINISHED: final statuses (FAILED, ROLLBACK_FAILED ...).',
  })
  @IsOptional()
  @ArrayMaxSize(MAX_FILTER_VALUES)
  @IsString({ each: true })
  statuses?: string[];

  @Field(() => [String], {
    nullable: true,
    description: 'RUN_FINISHED: run kinds (collection, change, backup, task).',
  })
  @IsOptional()
  @ArrayMaxSize(MAX_FILTER_VALUES)
  @IsString({ each: true })
  runKinds?: string[];

  @Field(() => [String], { nullable: true, description: 'RUN_FINISHED, STEP_AWAITING_APPROVAL: task ids.' })
  @IsOptional()
  @ArrayMaxSize(MAX_FILTER_VALUES)
  @IsUUID('all', { each: true })
  taskIds?: string[];

  @Field(() => [String], { nullable: true, description: "Runs (any of their devices' sites) and devices." })
  @IsOptional()
  @ArrayMaxSize(MAX_FILTER_VALUES)
  @IsName({ each: true })
  sites?: string[];

  @Field(() => [String], { nullable: true, description: 'DEVICE_*: devices carrying all of these tags.' })
  @IsOptional()
  @ArrayMaxSize(MAX_FILTER_VALUES)
  @IsName({ each: true })
  deviceTags?: string[];

  @Field(() => [String], { nullable: true, description: 'DEVICE_*: device ids.' })
  @IsOptional()
  @ArrayMaxSize(MAX_FILTER_VALUES)
  @IsUUID('all', { each: true })
  deviceIds?: string[];

  @Field(() => [String], { nullable: true, description: 'NODE_*: node ids.' })
  @IsOptional()
  @ArrayMaxSize(MAX_FILTER_VALUES)
  @IsString({ each: true })
  nodeIds?: string[];
}

@InputType({
  description: 'Who is told: users (by e-mail), every user holding a role (by e-mail), channels.',
})
export class AlertRecipientsInput {
  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(MAX_RECIPIENTS)
  @IsUUID('all', { each: true })
  userIds?: string[];

  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(MAX_RECIPIENTS)
  @IsString({ each: true })
  roles?: string[];

  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(MAX_RECIPIENTS)
  @IsUUID('all', { each: true })
  channelIds?: string[];

  @Field({
    nullable: true,
    description: 'STEP_AWAITING_APPROVAL: every user who holds changes:approve, by e-mail.',
  })
  @IsOptional()
  @IsBoolean()
  approvers?: boolean;
}

@InputType()
export class AlertEscalationInput extends AlertRecipientsInput {
  @Field(() => Int, {
    description: 'Unacknowledged this many seconds after the alert fired: these recipients are told too.',
  })
  @IsInt()
  @Min(1)
  @Max(MAX_SECONDS)
  afterSeconds!: number;
}

@InputType({
  description: 'Liquid subject and body for a language, for one channel kind or (channelKind null) all.',
})
export class AlertTemplateInput {
  @Field(() => String, { description: 'en or zh-CN.' })
  @IsIn(ALERT_LANGUAGES)
  language!: AlertLanguage;

  @Field(() => AlertChannelKindEnum, { nullable: true })
  @IsOptional()
  @IsIn(CHANNEL_KINDS)
  channelKind?: ChannelKind | null;

  @Field()
  @IsString()
  @MaxLength(1000)
  subject!: string;

  @Field()
  @IsString()
  @MaxLength(MAX_TEMPLATE_LENGTH)
  body!: string;
}

@InputType()
export class AlertRuleInput implements CoreRuleInput {
  @Field()
  @IsName({ max: ALERT_NAME_MAX })
  name!: string;

  @Field({ nullable: true, defaultValue: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @Field(() => AlertEventKindEnum)
  @IsIn(ALERT_EVENT_KINDS)
  eventKind!: AlertEventKind;

  @Field(() => AlertFiltersInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => AlertFiltersInput)
  filters?: AlertFiltersInput;

  @Field(() => AlertSeverityEnum)
  @IsIn(ALERT_SEVERITIES)
  severity!: AlertSeverity;

  @Field(() => AlertRecipientsInput)
  @ValidateNested()
  @Type(() => AlertRecipientsInput)
  recipients!: AlertRecipientsInput;

  @Field(() => [AlertEscalationInput], {
    nullable: true,
    description: `At most ${MAX_ESCALATIONS}, in increasing afterSeconds.`,
  })
  @IsOptional()
  @ArrayMaxSize(MAX_ESCALATIONS)
  @ValidateNested({ each: true })
  @Type(() => AlertEscalationInput)
  escalations?: AlertEscalationInput[];

  @Field(() => [AlertTemplateInput], {
    nullable: true,
    description:
      'Without one for a channel kind and language, the built-in template of the language is used.',
  })
  @IsOptional()
  @ArrayMaxSize(MAX_TEMPLATES)
  @ValidateNested({ each: true })
  @Type(() => AlertTemplateInput)
  templates?: AlertTemplateInput[];

  @Field(() => [String], {
    nullable: true,
    description:
      'Event labels whose values make the grouping key (one open alert per key); empty: one alert for all. ' +
      'RUN_FINISHED: runKind, status, task, site. STEP_AWAITING_APPROVAL: task, run, step. DEVICE_*: device, site. NODE_*: node.',
  })
  @IsOptional()
  @ArrayMaxSize(8)
  @IsString({ each: true })
  groupBy?: string[];

  @Field(() => Int, {
    nullable: true,
    defaultValue: 0,
    description: 'The first message waits this long to gather events that come together.',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_SECONDS)
  groupWindowSeconds?: number;

  @Field(() => Int, {
    nullable: true,
    defaultValue: 0,
    description: 'Repeat to everyone while unacknowledged, every this many seconds; 0: never.',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_SECONDS)
  repeatIntervalSeconds?: number;

  @Field(() => String, {
    nullable: true,
    defaultValue: 'en',
    description: 'Language of the e-mails to users and roles: en or zh-CN.',
  })
  @IsOptional()
  @IsIn(ALERT_LANGUAGES)
  language?: AlertLanguage;
}
