import { Field, InputType } from '@nestjs/graphql';
import { ArrayMaxSize, IsBoolean, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import {
  ALERT_LANGUAGES,
  CHANNEL_KINDS,
  type AlertLanguage,
  type ChannelKind,
} from '../../../core/alerts/alert-rules';
import type { AlertChannelInput, AlertChannelPatch } from '../../../core/alerts/alerts';
import { IsName } from '../../common/names';
import { AlertChannelKindEnum } from '../models/alert-enums';
import { ALERT_NAME_MAX } from './alert-rule.input';

const MOBILE = /^\+?[0-9-]{5,20}$/;

@InputType()
export class UpdateAlertChannelInput implements AlertChannelPatch {
  @Field({ nullable: true })
  @IsOptional()
  @IsName({ max: ALERT_NAME_MAX })
  name?: string;

  @Field(() => String, { nullable: true, description: 'en or zh-CN: the language of its messages.' })
  @IsOptional()
  @IsIn(ALERT_LANGUAGES)
  language?: AlertLanguage;

  @Field({ nullable: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @Field({
    nullable: true,
    description:
      'Write-only. The endpoint: webhook URL, DingTalk robot URL (access_token), WeCom robot URL (key), Feishu bot URL.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  url?: string;

  @Field({
    nullable: true,
    description:
      'Write-only. Signing secret: webhook HMAC key, DingTalk 加签 secret (SEC...), Feishu signature secret. "" removes it.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  secret?: string;

  @Field(() => [String], { nullable: true, description: 'EMAIL: the addresses.' })
  @IsOptional()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @MaxLength(320, { each: true })
  to?: string[];

  @Field(() => [String], { nullable: true, description: 'DINGTALK: mobiles to @ in each message.' })
  @IsOptional()
  @ArrayMaxSize(50)
  @Matches(MOBILE, { each: true, message: '$property must be mobile numbers' })
  atMobiles?: string[];
}

@InputType()
export class CreateAlertChannelInput extends UpdateAlertChannelInput implements AlertChannelInput {
  @Field()
  @IsName({ max: ALERT_NAME_MAX })
  declare name: string;

  @Field(() => AlertChannelKindEnum)
  @IsIn(CHANNEL_KINDS)
  kind!: ChannelKind;
}
