import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import { Connection } from '../../common/pagination';

@ObjectType('ConfigSnapshot', { description: "One version of a device's running config." })
export class ConfigSnapshotModel {
  @Field(() => ID) id!: string;
  @Field(() => ID) deviceId!: string;
  @Field(() => Int, { description: 'Per device, from 1; a new version only when the config changed.' })
  version!: number;
  @Field({
    description: 'sha256 of the config with volatile lines (timestamps, NTP clock period, ...) removed.',
  })
  hash!: string;
  @Field({ description: 'backup or import' }) source!: string;
  @Field(() => String, { nullable: true }) reason!: string | null;
  @Field(() => ID, { nullable: true, description: 'The run that saved it.' }) runId!: string | null;
  @Field() createdAt!: Date;
  @Field({ description: 'Last time a backup found the device with this same config.' }) lastSeenAt!: Date;
}

@ObjectType()
export class ConfigSnapshotConnection extends Connection(ConfigSnapshotModel, 'ConfigSnapshot') {}

@ObjectType()
export class ConfigChange {
  @Field(() => [String], { description: 'Parent lines of the block, outermost first (empty at top level).' })
  path!: string[];
  @Field(() => [String]) added!: string[];
  @Field(() => [String]) removed!: string[];
}

@ObjectType()
export class ConfigDiff {
  @Field(() => ConfigSnapshotModel) from!: ConfigSnapshotModel;
  @Field(() => ConfigSnapshotModel) to!: ConfigSnapshotModel;
  @Field({ description: 'Unified diff of the two configs, volatile lines ignored.' }) unified!: string;
  @Field(() => [ConfigChange], { description: 'Changes grouped by the config block they are in.' })
  changes!: ConfigChange[];
}

@ObjectType()
export class ComplianceLine {
  @Field(() => [String], { description: 'Parent lines of the block, outermost first.' }) path!: string[];
  @Field() line!: string;
}

@ObjectType({ description: 'Intended (rendered) config against the latest snapshot of a device.' })
export class ConfigCompliance {
  @Field(() => ConfigSnapshotModel, { description: 'The snapshot compared (the latest backup).' })
  snapshot!: ConfigSnapshotModel;
  @Field() compliant!: boolean;
  @Field(() => [ComplianceLine], { description: 'Intended lines the device does not have.' })
  missing!: ComplianceLine[];
  @Field(() => [ComplianceLine], {
    description:
      'Lines the device has inside the blocks the intended config defines (top level too when strict).',
  })
  extra!: ComplianceLine[];
}

@ObjectType({ description: 'An import entry that was not stored.' })
export class ConfigImportError {
  @Field({ description: 'The device name (FILES) or the path inside the archive.' }) entry!: string;
  @Field({ description: 'deviceName, content or entry.' }) field!: string;
  @Field() message!: string;
}

@ObjectType()
export class ConfigImportResult {
  @Field(() => Int, { description: 'Entries stored as a new version.' }) imported!: number;
  @Field(() => Int, { description: "Entries equal to the device's latest version (volatile lines aside)." })
  unchanged!: number;
  @Field(() => Int) failed!: number;
  @Field(() => [ConfigImportError]) errors!: ConfigImportError[];
  @Field(() => [ConfigSnapshotModel], { description: 'The snapshot of every entry stored or unchanged.' })
  snapshots!: ConfigSnapshotModel[];
}

@ObjectType()
export class ConfigSnapshotExport {
  @Field() fileName!: string;
  @Field() contentBase64!: string;
  @Field(() => Int, { description: 'Files in the archive.' }) files!: number;
  @Field(() => [String], { description: 'Names of the selected devices without any snapshot.' })
  missing!: string[];
}
