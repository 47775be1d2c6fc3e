import { Field, ID, InputType, registerEnumType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsEnum,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { DeviceSelectorInput } from '../../runs/dto/start-collection.input';
import { ConfigArchiveFormat } from '../../templates/dto/render.input';
import { IMPORT_MAX_ENTRIES } from '../snapshot-archive';

export enum ConfigImportFormat {
  FILES = 'FILES',
  ZIP = 'ZIP',
  TAR_GZ = 'TAR_GZ',
}
registerEnumType(ConfigImportFormat, {
  name: 'ConfigImportFormat',
  description: 'FILES: configs inline in `files`; ZIP / TAR_GZ: an archive in `archiveBase64`.',
});

@InputType({ description: 'One config to import, for the device with this name.' })
export class ConfigFileInput {
  @Field() @IsString() @MaxLength(255) deviceName!: string;

  @Field({ description: 'The running config, as text.' }) @IsString() content!: string;
}

@InputType({ description: 'Store configs from outside (files or an archive) as config snapshots.' })
export class ImportConfigSnapshotsInput {
  @Field(() => ConfigImportFormat)
  @IsEnum(ConfigImportFormat, { message: 'format must be FILES, ZIP or TAR_GZ' })
  format!: ConfigImportFormat;

  @Field(() => [ConfigFileInput], { nullable: true, description: 'For FILES.' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(IMPORT_MAX_ENTRIES, {
    message: `files must not contain more than ${IMPORT_MAX_ENTRIES} files`,
  })
  @ValidateNested({ each: true })
  @Type(() => ConfigFileInput)
  files?: ConfigFileInput[] | null;

  @Field(() => String, {
    nullable: true,
    description:
      'For ZIP / TAR_GZ (at most 50 MB decoded): each file `<deviceName>.cfg` or `<deviceName>.txt`; folders are ignored.',
  })
  @IsOptional()
  @IsString()
  archiveBase64?: string | null;

  @Field({ description: 'Why: kept with every snapshot this import stores.' })
  @IsString()
  @IsNotEmpty({ message: 'reason must not be empty' })
  @MaxLength(500)
  reason!: string;
}

@InputType({
  description: "Download each device's latest config snapshot as `<deviceName>.cfg` in an archive.",
})
export class ExportConfigSnapshotsInput {
  @Field(() => [ID], { nullable: true, description: 'Devices by id; or use selector.' })
  @IsOptional()
  @IsArray()
  @ArrayNotEmpty({ message: 'deviceIds must not be empty when given' })
  @ArrayMaxSize(20000)
  @IsUUID('all', { each: true, message: 'deviceIds must contain only device ids (UUIDs)' })
  deviceIds?: string[] | null;

  @Field(() => DeviceSelectorInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => DeviceSelectorInput)
  selector?: DeviceSelectorInput | null;

  @Field(() => ConfigArchiveFormat)
  @IsEnum(ConfigArchiveFormat, { message: 'format must be ZIP or TAR_GZ' })
  format!: ConfigArchiveFormat;
}
