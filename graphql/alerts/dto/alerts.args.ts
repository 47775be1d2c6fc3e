import { ArgsType, Field, ID, IntersectionType } from '@nestjs/graphql';
import { ArrayMaxSize, IsDate, IsIn, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { ALERT_SEVERITIES, type AlertSeverity } from '../../../core/alerts/alert-rules';
import { ALERT_STATUSES, type AlertStatus } from '../../../core/alerts/alert-states';
import { PageArgs } from '../../common/pagination';
import { AlertSeverityEnum, AlertStatusEnum } from '../models/alert-enums';

/** Which alerts: the filters combine. */
@ArgsType()
export class AlertFilterArgs {
  @Field(() => [AlertStatusEnum], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(4)
  @IsIn(ALERT_STATUSES, { each: true })
  statuses?: AlertStatus[];

  @Field(() => [AlertSeverityEnum], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(3)
  @IsIn(ALERT_SEVERITIES, { each: true })
  severities?: AlertSeverity[];

  @Field({ nullable: true })
  @IsOptional()
  @IsUUID('all')
  ruleId?: string;

  @Field({
    nullable: true,
    description: "Text in the rule's name, the grouping key or the events (device, task, error ...).",
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  search?: string;

  @Field({ nullable: true, description: 'Alerts that fired at or after this time.' })
  @IsOptional()
  @IsDate()
  since?: Date;

  @Field({ nullable: true, description: 'Alerts that fired before this time.' })
  @IsOptional()
  @IsDate()
  until?: Date;
}

/** `alerts(...)`: newest first, a page at a time. */
@ArgsType()
export class AlertsArgs extends IntersectionType(PageArgs, AlertFilterArgs, ArgsType) {}

@ArgsType()
export class SilenceAlertArgs {
  @Field(() => ID)
  @IsUUID('all')
  id!: string;

  @Field({ description: 'Quiet until this time (in the future).' })
  @IsDate()
  until!: Date;

  @Field({ description: 'Why (kept in the history).' })
  @IsString()
  @MaxLength(1000)
  reason!: string;
}
