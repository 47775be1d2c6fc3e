import { Field, ID, InputType, Int } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDate,
  IsInt,
  IsOptional,
  IsString,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';

@InputType()
export class CreateUserInput {
  @Field() @IsString() @MaxLength(64) username!: string;
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @MaxLength(200) displayName?:
    string | null;
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @MaxLength(320) email?: string | null;
  @Field(() => String, {
    nullable: true,
    description: 'Omit for users who sign in through a directory or an IdP.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  password?: string | null;
  @Field(() => [String], { nullable: true, description: 'Roles given everywhere.' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  roles?: string[] | null;
}

@InputType({ description: 'A role, everywhere or only for some sites and device tags.' })
export class RoleBindingInput {
  @Field() @IsString() @MaxLength(40) role!: string;
  @Field(() => [String], { nullable: true, description: 'Only for these sites (default: every site).' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  sites?: string[] | null;
  @Field(() => [String], { nullable: true, description: 'Only for devices carrying all these tags.' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  tags?: string[] | null;
}

@InputType()
export class BindRoleInput extends RoleBindingInput {
  @Field(() => ID) @IsString() userId!: string;
}

@InputType()
export class InviteUserInput {
  @Field() @IsString() @MaxLength(64) username!: string;
  @Field({ description: 'Where the invitation link is sent.' }) @IsString() @MaxLength(320) email!: string;
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @MaxLength(200) displayName?:
    string | null;
  @Field(() => [RoleBindingInput], { nullable: true, description: 'The roles the account gets.' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => RoleBindingInput)
  bindings?: RoleBindingInput[] | null;
}

@InputType()
export class CreateRoleInput {
  @Field() @IsString() @MaxLength(40) name!: string;
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @MaxLength(500) description?:
    string | null;
  @Field(() => [String]) @IsArray() @ArrayMaxSize(100) @IsString({ each: true }) permissions!: string[];
}

@InputType()
export class CreateApiTokenInput {
  @Field() @IsString() @MaxLength(100) name!: string;
  @Field(() => [String], {
    nullable: true,
    description: 'At most these permissions (default: all of yours).',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  permissions?: string[] | null;
  @Field(() => Date, { nullable: true }) @IsOptional() @Type(() => Date) @IsDate() expiresAt?: Date | null;
}

@InputType()
export class AuditFilter {
  @Field(() => Date, { nullable: true }) @IsOptional() @Type(() => Date) @IsDate() since?: Date | null;
  @Field(() => Date, { nullable: true }) @IsOptional() @Type(() => Date) @IsDate() until?: Date | null;
  @Field(() => String, { nullable: true, description: 'A username.' }) @IsOptional() @IsString() user?:
    string | null;
  @Field(() => String, { nullable: true, description: 'e.g. Mutation.startChange, or part of it.' })
  @IsOptional()
  @IsString()
  operation?: string | null;
  @Field(() => String, { nullable: true, description: 'OK, ERROR or DENIED.' })
  @IsOptional()
  @IsString()
  outcome?: string | null;
  @Field(() => Int, { nullable: true, defaultValue: 100, description: '1 to 1000.' })
  @IsOptional()
  @IsInt()
  @Min(1)
  first?: number | null;
  @Field(() => ID, { nullable: true, description: 'Entries older than this one (paging).' })
  @IsOptional()
  @IsString()
  before?: string | null;
}
