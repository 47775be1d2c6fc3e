import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { GraphQLJSON } from 'graphql-type-json';
import type {
  AlertEventKind,
  AlertLanguage,
  AlertSeverity,
  ChannelKind,
} from '../../../core/alerts/alert-rules';
import type { AlertStatus } from '../../../core/alerts/alert-states';
import { Connection } from '../../common/pagination';
import { AlertChannelKindEnum, AlertEventKindEnum, AlertSeverityEnum, AlertStatusEnum } from './alert-enums';

@ObjectType()
export class AlertFilters {
  @Field(() => [String], { nullable: true }) statuses?: string[];
  @Field(() => [String], { nullable: true }) runKinds?: string[];
  @Field(() => [String], { nullable: true }) taskIds?: string[];
  @Field(() => [String], { nullable: true }) sites?: string[];
  @Field(() => [String], { nullable: true }) deviceTags?: string[];
  @Field(() => [String], { nullable: true }) deviceIds?: string[];
  @Field(() => [String], { nullable: true }) nodeIds?: string[];
}

@ObjectType()
export class AlertRecipients {
  @Field(() => [String]) userIds!: string[];
  @Field(() => [String]) roles!: string[];
  @Field(() => [String]) channelIds!: string[];
  @Field(() => Boolean, { description: 'Every user who holds changes:approve.' }) approvers?: boolean;
}

@ObjectType()
export class AlertEscalation extends AlertRecipients {
  @Field(() => Int) afterSeconds!: number;
}

@ObjectType()
export class AlertTemplate {
  @Field(() => String) language!: AlertLanguage;
  @Field(() => AlertChannelKindEnum, { nullable: true }) channelKind!: ChannelKind | null;
  @Field() subject!: string;
  @Field() body!: string;
}

@ObjectType('AlertRule', {
  description: 'Which events fire alerts, how they group, who is told and in which words.',
})
export class AlertRuleModel {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field() enabled!: boolean;
  @Field(() => AlertEventKindEnum) eventKind!: AlertEventKind;
  @Field(() => AlertFilters) filters!: AlertFilters;
  @Field(() => AlertSeverityEnum) severity!: AlertSeverity;
  @Field(() => AlertRecipients) recipients!: AlertRecipients;
  @Field(() => [AlertEscalation]) escalations!: AlertEscalation[];
  @Field(() => [AlertTemplate]) templates!: AlertTemplate[];
  @Field(() => [String]) groupBy!: string[];
  @Field(() => Int) groupWindowSeconds!: number;
  @Field(() => Int) repeatIntervalSeconds!: number;
  @Field(() => String) language!: AlertLanguage;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
}

@ObjectType('AlertChannel', {
  description: 'Where notifications go. Its URL and signing secret are write-only.',
})
export class AlertChannelModel {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field(() => AlertChannelKindEnum) kind!: ChannelKind;
  @Field(() => String) language!: AlertLanguage;
  @Field() enabled!: boolean;
  @Field(() => [String]) to!: string[];
  @Field(() => [String]) atMobiles!: string[];
  @Field({ description: 'Whether a URL is stored (it is never returned).' }) hasUrl!: boolean;
  @Field({ description: 'Whether a signing secret is stored (it is never returned).' }) signed!: boolean;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
}

@ObjectType('AlertEvent', { description: 'An event that joined an alert.' })
export class AlertEventModel {
  @Field(() => ID) id!: string;
  @Field(() => AlertEventKindEnum) kind!: AlertEventKind;
  @Field({ description: 'What it is about: device:<id>, task:<id>, node:<id>, step:<run>:<step>.' })
  subject!: string;
  @Field() ts!: Date;
  @Field(() => GraphQLJSON) data!: Record<string, unknown>;
  @Field(() => Date, { nullable: true, description: 'When its condition cleared (the device is UP again).' })
  clearedAt!: Date | null;
}

@ObjectType('AlertDeliveryAttempt')
export class AlertDeliveryAttemptModel {
  @Field(() => Int) attempt!: number;
  @Field() startedAt!: Date;
  @Field(() => Int) durationMs!: number;
  @Field() ok!: boolean;
  @Field(() => Int, { nullable: true }) statusCode!: number | null;
  @Field(() => String, { nullable: true, description: "The provider's answer (truncated)." }) response!:
    string | null;
  @Field(() => String, { nullable: true }) error!: string | null;
}

@ObjectType('AlertDelivery', { description: 'One message to one recipient in one notification round.' })
export class AlertDeliveryModel {
  @Field(() => ID) id!: string;
  @Field(() => Int) round!: number;
  @Field(() => Int, { description: "0: the rule's recipients; n: escalation n." }) level!: number;
  @Field({ description: 'channel:<id> or user:<id>.' }) recipient!: string;
  @Field(() => String, { nullable: true }) channelId!: string | null;
  @Field(() => String, { nullable: true }) userId!: string | null;
  @Field(() => AlertChannelKindEnum) kind!: ChannelKind;
  @Field(() => String) language!: AlertLanguage;
  @Field() subject!: string;
  @Field({ description: 'PENDING, SENT or FAILED.' }) status!: string;
  @Field(() => Int) attemptCount!: number;
  @Field(() => String, { nullable: true }) error!: string | null;
  @Field() createdAt!: Date;
  @Field(() => Date, { nullable: true }) sentAt!: Date | null;
}

@ObjectType('Alert', {
  description: "The open group of a rule's events with one grouping key, and its lifecycle.",
})
export class AlertModel {
  @Field(() => ID) id!: string;
  @Field() ruleId!: string;
  @Field() ruleName!: string;
  @Field() groupKey!: string;
  @Field(() => GraphQLJSON) labels!: Record<string, unknown>;
  @Field(() => AlertStatusEnum) status!: AlertStatus;
  @Field(() => AlertSeverityEnum) severity!: AlertSeverity;
  @Field(() => Int, { description: 'Escalation level reached.' }) level!: number;
  @Field(() => Int) eventCount!: number;
  @Field() firstAt!: Date;
  @Field() lastAt!: Date;
  @Field(() => Date, { nullable: true }) notifiedAt!: Date | null;
  @Field(() => Date, { nullable: true }) acknowledgedAt!: Date | null;
  @Field(() => String, { nullable: true }) acknowledgedBy!: string | null;
  @Field(() => String, { nullable: true, description: 'api or link.' }) acknowledgedVia!: string | null;
  @Field(() => Date, { nullable: true }) silencedUntil!: Date | null;
  @Field(() => String, { nullable: true }) silenceReason!: string | null;
  @Field(() => Date, { nullable: true }) resolvedAt!: Date | null;
  @Field(() => String, { nullable: true, description: 'Null when resolved automatically.' }) resolvedBy!:
    string | null;
  @Field(() => String, { nullable: true }) resolveReason!: string | null;
}

@ObjectType()
export class AlertConnection extends Connection(AlertModel, 'Alert') {}

@ObjectType('AlertMessagePreview')
export class AlertMessagePreview {
  @Field() subject!: string;
  @Field() body!: string;
}
