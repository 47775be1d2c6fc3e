import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { GraphQLJSON } from 'graphql-type-json';
import type { ProfileVersionRow, StoredProfile } from '../../../core/accounts/profiles';

@ObjectType('ProfileContact', { description: 'Where to reach the user (each null when not given).' })
export class ProfileContactModel {
  @Field(() => String, { nullable: true }) email!: string | null;
  @Field(() => String, { nullable: true, description: 'Digits, optionally after +.' }) mobile!: string | null;
  @Field(() => String, { nullable: true, description: 'DingTalk user id.' }) dingTalkId!: string | null;
  @Field(() => String, { nullable: true, description: 'WeCom (企业微信) user id.' }) weComId!: string | null;
  @Field(() => String, { nullable: true, description: 'Feishu (Lark) user id.' }) feishuId!: string | null;
}

@ObjectType('NotificationChannels', {
  description: 'Whether to be told through each channel (one that is on needs its contact).',
})
export class NotificationChannelsModel {
  @Field() email!: boolean;
  @Field({ description: 'Text message to contact.mobile.' }) sms!: boolean;
  @Field() dingTalk!: boolean;
  @Field() weCom!: boolean;
  @Field() feishu!: boolean;
}

@ObjectType('QuietHours', {
  description:
    "Wall-clock times (HH:MM) in the profile's time zone; end before start spans midnight. Alert e-mails wait until the end (CRITICAL alerts do not).",
})
export class QuietHoursModel {
  @Field() start!: string;
  @Field() end!: string;
}

@ObjectType('NotificationPreferences', { description: 'Per event, the channels to be told through.' })
export class NotificationPreferencesModel {
  @Field(() => QuietHoursModel, { nullable: true, description: 'Null: none.' })
  quietHours!: QuietHoursModel | null;
  @Field(() => NotificationChannelsModel) runFailed!: NotificationChannelsModel;
  @Field(() => NotificationChannelsModel) runSucceeded!: NotificationChannelsModel;
  @Field(() => NotificationChannelsModel) approvalRequested!: NotificationChannelsModel;
  @Field(() => NotificationChannelsModel) approvalDecided!: NotificationChannelsModel;
  @Field(() => NotificationChannelsModel) scheduleFailed!: NotificationChannelsModel;
}

@ObjectType('SavedItem', {
  description: 'A saved filter or view: a name, the page it is for, a JSON object.',
})
export class SavedItemModel {
  @Field() name!: string;
  @Field(() => String, { nullable: true, description: 'The page it applies to, e.g. devices or runs.' })
  page!: string | null;
  @Field(() => GraphQLJSON) value!: Record<string, unknown>;
}

@ObjectType('Profile', { description: "A user's profile, the same in every session of theirs." })
export class ProfileModel {
  @Field(() => ID) userId!: string;
  @Field(() => Int, {
    description: '0 until the profile is first saved (the defaults); each change adds one.',
  })
  version!: number;
  @Field(() => Date, { nullable: true }) updatedAt!: Date | null;
  @Field() displayName!: string;
  @Field(() => ProfileContactModel) contact!: ProfileContactModel;
  @Field({ description: 'zh-CN (the default) or en.' }) language!: string;
  @Field({ description: 'An IANA time zone; Asia/Shanghai by default.' }) timeZone!: string;
  @Field(() => String, { nullable: true }) defaultSite!: string | null;
  @Field(() => [SavedItemModel]) savedFilters!: SavedItemModel[];
  @Field(() => [SavedItemModel]) savedViews!: SavedItemModel[];
  @Field(() => NotificationPreferencesModel) notifications!: NotificationPreferencesModel;
}

@ObjectType('ProfileVersion', { description: 'One version of a profile: every change is kept.' })
export class ProfileVersionModel {
  @Field(() => Int) version!: number;
  @Field() createdAt!: Date;
  @Field(() => String, { nullable: true, description: 'Who made it (username).' }) createdBy!: string | null;
  @Field({ description: 'update, restore or import.' }) action!: string;
  @Field(() => Int, { nullable: true, description: 'For a restore: the version it copied.' })
  restoredFrom!: number | null;
  @Field(() => ProfileModel) profile!: ProfileModel;
}

export const toProfileModel = (p: StoredProfile): ProfileModel => ({
  userId: p.userId,
  version: p.version,
  updatedAt: p.updatedAt,
  ...p.data,
});

export const toProfileVersionModel = (v: ProfileVersionRow): ProfileVersionModel => ({
  version: v.version,
  createdAt: v.createdAt,
  createdBy: v.createdByName,
  action: v.action,
  restoredFrom: v.restoredFrom,
  profile: toProfileModel({ userId: v.userId, version: v.version, data: v.data, updatedAt: v.createdAt }),
});
