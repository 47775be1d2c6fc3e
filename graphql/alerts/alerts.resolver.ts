import { Args, Context, ID, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ALERT_LANGUAGES, type AlertLanguage, type ChannelKind } from '../../core/alerts/alert-rules';
import {
  alertDeliveries,
  alertsCsv,
  EXPORT_LIMIT,
  alertEvents,
  createAlertChannel,
  createAlertRule,
  deleteAlertChannel,
  deleteAlertRule,
  deliveryAttempts,
  getAlert,
  getAlertChannel,
  getAlertRule,
  listAlertChannels,
  listAlertRules,
  listAlerts,
  updateAlertChannel,
  updateAlertRule,
} from '../../core/alerts/alerts';
import { SwitchboardError } from '../../libs/common/src/errors';
import { SecretBox } from '../../libs/crypto/src/secret-box';
import { principalOf, Requires, type AuthContext } from '../common/auth.guard';
import { AlertsService } from './alerts.service';
import { CreateAlertChannelInput, UpdateAlertChannelInput } from './dto/alert-channel.input';
import { AlertRuleInput } from './dto/alert-rule.input';
import { AlertFilterArgs, AlertsArgs, SilenceAlertArgs } from './dto/alerts.args';
import { AlertChannelKindEnum } from './models/alert-enums';
import {
  AlertChannelModel,
  AlertConnection,
  AlertDeliveryAttemptModel,
  AlertDeliveryModel,
  AlertEventModel,
  AlertMessagePreview,
  AlertModel,
  AlertRuleModel,
} from './models/alert.models';

@Resolver(() => AlertRuleModel)
export class AlertRulesResolver {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly service: AlertsService,
  ) {}

  @Requires('alerts:read')
  @Query(() => [AlertRuleModel], { description: 'Alert rules by name.' })
  alertRules(): Promise<AlertRuleModel[]> {
    return listAlertRules(this.dataSource);
  }

  @Requires('alerts:read')
  @Query(() => AlertRuleModel, { description: 'NOT_FOUND when there is no rule with this id.' })
  alertRule(@Args('id', { type: () => ID }) id: string): Promise<AlertRuleModel> {
    return getAlertRule(this.dataSource, id);
  }

  @Requires('alerts:write')
  @Mutation(() => AlertRuleModel, {
    description:
      'BAD_USER_INPUT naming the field: a filter of another event kind, an unknown label, user, role or channel, a template that does not render.',
  })
  async createAlertRule(
    @Context() ctx: AuthContext,
    @Args('input') input: AlertRuleInput,
  ): Promise<AlertRuleModel> {
    const rule = await createAlertRule(this.dataSource, input, principalOf(ctx).userId);
    await this.service.evaluatorNeeded();
    return rule;
  }

  @Requires('alerts:write')
  @Mutation(() => AlertRuleModel, {
    description: "Replaces the rule's definition; its open alerts go on under it.",
  })
  async updateAlertRule(
    @Args('id', { type: () => ID }) id: string,
    @Args('input') input: AlertRuleInput,
  ): Promise<AlertRuleModel> {
    const rule = await updateAlertRule(this.dataSource, id, input);
    await this.service.evaluatorNeeded();
    return rule;
  }

  @Requires('alerts:write')
  @Mutation(() => Boolean, { description: 'Deletes the rule with its alerts and their history.' })
  deleteAlertRule(@Args('id', { type: () => ID }) id: string): Promise<boolean> {
    return deleteAlertRule(this.dataSource, id);
  }

  @Requires('alerts:read')
  @Mutation(() => AlertMessagePreview, {
    description:
      'The message a rule (saved or not) sends on a channel kind in a language, for a sample event of its kind.',
  })
  previewAlertMessage(
    @Args('rule') rule: AlertRuleInput,
    @Args('channelKind', { type: () => AlertChannelKindEnum }) channelKind: ChannelKind,
    @Args('language', { defaultValue: 'en', description: 'en or zh-CN.' }) language: string,
  ): AlertMessagePreview {
    if (!(ALERT_LANGUAGES as readonly string[]).includes(language)) {
      throw SwitchboardError.badInput('language', `must be one of ${ALERT_LANGUAGES.join(', ')}`);
    }
    return this.service.preview(rule, channelKind, language as AlertLanguage);
  }
}

@Resolver(() => AlertChannelModel)
export class AlertChannelsResolver {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly secretBox: SecretBox,
  ) {}

  @Requires('alerts:read')
  @Query(() => [AlertChannelModel], {
    description: 'Notification channels by name (never their URL or secret).',
  })
  alertChannels(): Promise<AlertChannelModel[]> {
    return listAlertChannels(this.dataSource);
  }

  @Requires('alerts:read')
  @Query(() => AlertChannelModel)
  alertChannel(@Args('id', { type: () => ID }) id: string): Promise<AlertChannelModel> {
    return getAlertChannel(this.dataSource, id);
  }

  @Requires('alerts:write')
  @Mutation(() => AlertChannelModel, {
    description: 'The URL and secret are encrypted at rest and never returned.',
  })
  createAlertChannel(
    @Context() ctx: AuthContext,
    @Args('input') input: CreateAlertChannelInput,
  ): Promise<AlertChannelModel> {
    return createAlertChannel(this.dataSource, this.secretBox, input, principalOf(ctx).userId);
  }

  @Requires('alerts:write')
  @Mutation(() => AlertChannelModel)
  updateAlertChannel(
    @Args('id', { type: () => ID }) id: string,
    @Args('input') input: UpdateAlertChannelInput,
  ): Promise<AlertChannelModel> {
    return updateAlertChannel(this.dataSource, this.secretBox, id, input);
  }

  @Requires('alerts:write')
  @Mutation(() => Boolean, { description: 'CONFLICT while a rule sends to it.' })
  deleteAlertChannel(@Args('id', { type: () => ID }) id: string): Promise<boolean> {
    return deleteAlertChannel(this.dataSource, id);
  }
}

@Resolver(() => AlertModel)
export class AlertsResolver {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly service: AlertsService,
  ) {}

  @Requires('alerts:read')
  @Query(() => AlertConnection, { description: 'Alert history, newest first.' })
  alerts(@Context() ctx: AuthContext, @Args() args: AlertsArgs): Promise<AlertConnection> {
    return listAlerts(this.dataSource, args, principalOf(ctx));
  }

  @Requires('alerts:read')
  @Query(() => String, {
    description: `Alert history as CSV (RFC 4180), newest first, at most ${EXPORT_LIMIT} alerts, with their deliveries counted.`,
  })
  exportAlerts(@Context() ctx: AuthContext, @Args() args: AlertFilterArgs): Promise<string> {
    return alertsCsv(this.dataSource, args, principalOf(ctx));
  }

  @Requires('alerts:read')
  @Query(() => AlertModel, { description: 'NOT_FOUND when there is no alert with this id.' })
  alert(@Context() ctx: AuthContext, @Args('id', { type: () => ID }) id: string): Promise<AlertModel> {
    return getAlert(this.dataSource, id, principalOf(ctx));
  }

  @ResolveField(() => [AlertEventModel], { description: 'Its events, oldest first (the last `last`).' })
  events(
    @Parent() alert: AlertModel,
    @Args('last', { type: () => Int, defaultValue: 200 }) last: number,
  ): Promise<AlertEventModel[]> {
    return alertEvents(this.dataSource, alert.id, Math.min(Math.max(last, 1), 1000));
  }

  @ResolveField(() => [AlertDeliveryModel], { description: 'Every delivery, by round and recipient.' })
  deliveries(@Parent() alert: AlertModel): Promise<AlertDeliveryModel[]> {
    return alertDeliveries(this.dataSource, alert.id);
  }

  @Requires('alerts:acknowledge')
  @Mutation(() => AlertModel, {
    description: 'Repeats and escalation stop. CONFLICT when the alert is resolved.',
  })
  acknowledgeAlert(
    @Context() ctx: AuthContext,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<AlertModel> {
    return this.service.acknowledge(id, principalOf(ctx), 'api');
  }

  @Requires('alerts:acknowledge')
  @Mutation(() => AlertModel, {
    description: 'Quiet until `until`; then it fires again unless acknowledged or resolved.',
  })
  silenceAlert(@Context() ctx: AuthContext, @Args() args: SilenceAlertArgs): Promise<AlertModel> {
    return this.service.silence(args.id, args.until, args.reason, principalOf(ctx));
  }

  @Requires('alerts:acknowledge')
  @Mutation(() => AlertModel, { description: 'Resolves the alert by hand.' })
  resolveAlert(
    @Context() ctx: AuthContext,
    @Args('id', { type: () => ID }) id: string,
    @Args('reason', { type: () => String, nullable: true }) reason?: string,
  ): Promise<AlertModel> {
    return this.service.resolve(id, reason ?? null, principalOf(ctx));
  }
}

@Resolver(() => AlertDeliveryModel)
export class AlertDeliveriesResolver {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  @ResolveField(() => [AlertDeliveryAttemptModel], {
    description: 'Every attempt, with the answer and timing.',
  })
  attempts(@Parent() delivery: AlertDeliveryModel): Promise<AlertDeliveryAttemptModel[]> {
    return deliveryAttempts(this.dataSource, delivery.id);
  }
}
