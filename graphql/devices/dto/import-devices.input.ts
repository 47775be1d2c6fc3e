import { Field, InputType, registerEnumType } from '@nestjs/graphql';
import { IsBoolean, IsEnum, IsString, MaxLength } from 'class-validator';
import type { DeviceImport } from '../../../core/devices/device-inputs';

export enum ImportFormat {
  JSON = 'JSON',
  CSV = 'CSV',
}

registerEnumType(ImportFormat, { name: 'ImportFormat' });

export const IMPORT_MAX_CHARS = 10_000_000;

@InputType()
export class ImportDevicesInput implements DeviceImport {
  @Field(() => ImportFormat)
  @IsEnum(ImportFormat)
  format!: ImportFormat;

  @Field({
    description:
      'CSV with a header row (name,host,port,platform,site,tags,credential,enable_secret; tags separated by ";" or "|"; ' +
      'credential is a credential name), or a JSON array of objects with the same keys (tags may be an array; ' +
      'credentialId may replace credential).',
  })
  @IsString()
  @MaxLength(IMPORT_MAX_CHARS)
  data!: string;

  @Field({
    defaultValue: false,
    description: 'Update devices whose name already exists instead of reporting them.',
  })
  @IsBoolean()
  upsert: boolean = false;
}
