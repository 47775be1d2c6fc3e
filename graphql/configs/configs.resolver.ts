import { DEFAULT_VOLATILE_RULES, configuredVolatileRules } from '../../libs/configs/src/volatile';
import { PLATFORMS, isPlatform } from '../../libs/common/src/platforms';
import { SwitchboardError } from '../../libs/common/src/errors';
import { VolatileRuleModel } from './models/volatile-rule.model';
import {
  Args,
  ArgsType,
  Context,
  Field,
  ID,
  Int,
  Mutation,
  Parent,
  Query,
  ResolveField,
  Resolver,
} from '@nestjs/graphql';
import { IsUUID } from 'class-validator';
import { PageArgs } from '../common/pagination';
import { ConfigSnapshotEntity } from '../../core/configs/config-snapshot.entity';
import { ConfigsService } from './configs.service';
import { ExportConfigSnapshotsInput, ImportConfigSnapshotsInput } from './dto/snapshot-import-export.input';
import {
  ConfigCompliance,
  ConfigDiff,
  ConfigImportResult,
  ConfigSnapshotExport,
  ConfigSnapshotConnection,
  ConfigSnapshotModel,
} from './models/config-snapshot.model';
import { principalOf, Requires, type AuthContext } from '../common/auth.guard';

@ArgsType()
class ConfigSnapshotsArgs extends PageArgs {
  @Field(() => ID)
  @IsUUID('all', { message: 'deviceId must be a device id' })
  deviceId!: string;
}

@Resolver(() => ConfigSnapshotModel)
export class ConfigsResolver {
  constructor(private readonly configs: ConfigsService) {}

  @Requires('configs:read')
  @Query(() => [VolatileRuleModel], {
    description:
      'The volatile-line rules configs are compared with on a platform: built-in first, then those of VOLATILE_RULES_FILE.',
  })
  volatileRules(@Args('platform') platform: string): VolatileRuleModel[] {
    if (!isPlatform(platform)) {
      throw SwitchboardError.badInput(
        'platform',
        `unknown platform "${platform}"; expected one of ${PLATFORMS.join(', ')}`,
      );
    }
    return [
      ...DEFAULT_VOLATILE_RULES[platform].map((r) => ({
        pattern: r.source,
        flags: r.flags,
        source: 'builtin',
      })),
      ...configuredVolatileRules()
        .filter((r) => r.platform === undefined || r.platform === platform)
        .map((r) => ({ pattern: r.pattern, flags: r.flags ?? '', source: 'VOLATILE_RULES_FILE' })),
    ];
  }

  @Requires('configs:read')
  @Query(() => ConfigSnapshotConnection, { description: "A device's config versions, newest first." })
  configSnapshots(@Context() ctx: AuthContext, @Args() args: ConfigSnapshotsArgs) {
    return this.configs.list(args.deviceId, args, principalOf(ctx));
  }

  @Requires('configs:read')
  @Query(() => ConfigSnapshotModel)
  configSnapshot(
    @Context() ctx: AuthContext,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<ConfigSnapshotEntity> {
    return this.configs.get(id, principalOf(ctx));
  }

  @Requires('configs:read')
  @Query(() => ConfigDiff, {
    description: 'Unified and block-aware diff between two versions of one device.',
  })
  configDiff(
    @Context() ctx: AuthContext,
    @Args('fromId', { type: () => ID }) fromId: string,
    @Args('toId', { type: () => ID }) toId: string,
  ): Promise<ConfigDiff> {
    return this.configs.diff(fromId, toId, principalOf(ctx));
  }

  @Requires('configs:read')
  @Query(() => ConfigCompliance, { description: "Intended config against the device's latest snapshot." })
  configCompliance(
    @Context() ctx: AuthContext,
    @Args('deviceId', { type: () => ID }) deviceId: string,
    @Args('intended', { description: 'The intended (rendered) config snippet.' }) intended: string,
    @Args('strict', { defaultValue: false, description: 'Also report extra top-level lines.' })
    strict: boolean,
  ): Promise<ConfigCompliance> {
    return this.configs.compliance(deviceId, intended, strict, principalOf(ctx));
  }

  @Requires('configs:write')
  @Mutation(() => ConfigImportResult, {
    description:
      'Store configs from files or a zip / tar.gz archive as snapshots, matched to devices by name.',
  })
  importConfigSnapshots(
    @Context() ctx: AuthContext,
    @Args('input') input: ImportConfigSnapshotsInput,
  ): Promise<ConfigImportResult> {
    return this.configs.importSnapshots(input, principalOf(ctx));
  }

  @Requires('configs:read')
  @Mutation(() => ConfigSnapshotExport, {
    description: "Each selected device's latest snapshot as `<deviceName>.cfg` in a zip or tar.gz archive.",
  })
  exportConfigSnapshots(
    @Context() ctx: AuthContext,
    @Args('input') input: ExportConfigSnapshotsInput,
  ): Promise<ConfigSnapshotExport> {
    return this.configs.exportSnapshots(input, principalOf(ctx));
  }

  @ResolveField(() => String, { description: 'The config as collected.' })
  content(@Parent() snapshot: ConfigSnapshotEntity): Promise<string> {
    return this.configs.content(snapshot);
  }

  @ResolveField(() => Int)
  async sizeBytes(@Parent() snapshot: ConfigSnapshotEntity): Promise<number> {
    return Buffer.byteLength(await this.configs.content(snapshot));
  }
}
