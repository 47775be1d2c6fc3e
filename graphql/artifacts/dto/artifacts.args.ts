import { ArgsType, Field } from '@nestjs/graphql';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { PageArgs } from '../../common/pagination';

/** `artifacts(name, first, after)`: newest first; `first` is bounded by PageArgs. */
@ArgsType()
export class ArtifactsArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: 'Only the versions of this artifact.' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  name?: string;
}
