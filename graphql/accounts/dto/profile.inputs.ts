import { Field, InputType } from '@nestjs/graphql';
import { ArrayMaxSize, IsOptional } from 'class-validator';
import { GraphQLJSON } from 'graphql-type-json';
import { PROFILE_LIMITS } from '../../../core/accounts/profile-rules';

// The rules of every field are core/accounts/profile-rules.ts's (one check for updates, imports and
// restores); these classes only give the shape. Nested inputs are passed on as given.

@InputType({ description: 'Each field given replaces the current one; null or "" clears it.' })
export class ProfileContactInput {
  @Field(() => String, { nullable: true }) email?: string | null;
  @Field(() => String, { nullable: true }) mobile?: string | null;
  @Field(() => String, { nullable: true }) dingTalkId?: string | null;
  @Field(() => String, { nullable: true }) weComId?: string | null;
  @Field(() => String, { nullable: true }) feishuId?: string | null;
}

@InputType({ description: 'Each channel given is switched on or off; the others stay as they are.' })
export class NotificationChannelsInput {
  @Field(() => Boolean, { nullable: true }) email?: boolean | null;
  @Field(() => Boolean, { nullable: true }) sms?: boolean | null;
  @Field(() => Boolean, { nullable: true }) dingTalk?: boolean | null;
  @Field(() => Boolean, { nullable: true }) weCom?: boolean | null;
  @Field(() => Boolean, { nullable: true }) feishu?: boolean | null;
}

@InputType({
  description: 'Quiet hours: "HH:MM" times in the profile time zone (end before start spans midnight).',
})
export class QuietHoursInput {
  @Field(() => String) start!: string;
  @Field(() => String) end!: string;
}

@InputType({ description: 'The events given change; the others stay as they are.' })
export class NotificationPreferencesInput {
  @Field(() => QuietHoursInput, { nullable: true, description: 'Null clears them.' })
  quietHours?: QuietHoursInput | null;
  @Field(() => NotificationChannelsInput, { nullable: true }) runFailed?: NotificationChannelsInput | null;
  @Field(() => NotificationChannelsInput, { nullable: true }) runSucceeded?: NotificationChannelsInput | null;
  @Field(() => NotificationChannelsInput, { nullable: true })
  approvalRequested?: NotificationChannelsInput | null;
  @Field(() => NotificationChannelsInput, { nullable: true })
  approvalDecided?: NotificationChannelsInput | null;
  @Field(() => NotificationChannelsInput, { nullable: true })
  scheduleFailed?: NotificationChannelsInput | null;
}

@InputType()
export class SavedItemInput {
  @Field({ description: `At most ${PROFILE_LIMITS.savedName} characters, unique in its list.` })
  name!: string;
  @Field(() => String, { nullable: true, description: 'The page it applies to, e.g. devices or runs.' })
  page?: string | null;
  @Field(() => GraphQLJSON, {
    description: `A JSON object of at most ${PROFILE_LIMITS.savedValueBytes} bytes.`,
  })
  value!: unknown;
}

@InputType({
  description:
    'Fields absent stay as they are. Null keeps displayName, resets language and timeZone to their defaults, and clears the others; the saved lists are replaced whole.',
})
export class UpdateProfileInput {
  @Field(() => String, { nullable: true }) @IsOptional() displayName?: string | null;
  @Field(() => ProfileContactInput, { nullable: true }) @IsOptional() contact?: ProfileContactInput | null;
  @Field(() => String, { nullable: true, description: 'zh-CN or en.' }) @IsOptional() language?:
    string | null;
  @Field(() => String, { nullable: true, description: 'An IANA time zone, e.g. Asia/Shanghai.' })
  @IsOptional()
  timeZone?: string | null;
  @Field(() => String, { nullable: true }) @IsOptional() defaultSite?: string | null;
  @Field(() => [SavedItemInput], {
    nullable: true,
    description: `At most ${PROFILE_LIMITS.savedItems}.`,
  })
  @IsOptional()
  @ArrayMaxSize(PROFILE_LIMITS.savedItems)
  savedFilters?: SavedItemInput[] | null;
  @Field(() => [SavedItemInput], {
    nullable: true,
    description: `At most ${PROFILE_LIMITS.savedItems}.`,
  })
  @IsOptional()
  @ArrayMaxSize(PROFILE_LIMITS.savedItems)
  savedViews?: SavedItemInput[] | null;
  @Field(() => NotificationPreferencesInput, { nullable: true })
  @IsOptional()
  notifications?: NotificationPreferencesInput | null;
}
