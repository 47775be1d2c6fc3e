import { ArgsType, Field, ID } from '@nestjs/graphql';
import { ArrayMaxSize, IsArray, IsString } from 'class-validator';

export const DELETE_DEVICES_MAX = 10_000;

@ArgsType()
export class DeleteDevicesArgs {
  @Field(() => [ID], { description: `Up to ${DELETE_DEVICES_MAX} ids; unknown ids are skipped.` })
  @IsArray()
  @ArrayMaxSize(DELETE_DEVICES_MAX)
  @IsString({ each: true })
  ids!: string[];
}
