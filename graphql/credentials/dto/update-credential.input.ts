import { Field, InputType } from '@nestjs/graphql';
import { IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import {
  CREDENTIAL_NAME_MAX,
  PRIVATE_KEY_MAX,
  PRIVATE_KEY_MESSAGE,
  PRIVATE_KEY_PATTERN,
  SECRET_MAX,
  USERNAME_MAX,
} from './create-credential.input';
import type { CredentialPatch } from '../../../core/devices/device-inputs';
import { IsName } from '../../common/names';

/**
 * Every field optional. A new password or privateKey replaces the secret (and the kind); a new
 * private key drops the old passphrase unless one is given. `passphrase: ""` removes the passphrase.
 */
@InputType()
export class UpdateCredentialInput implements CredentialPatch {
  @Field({ nullable: true })
  @IsOptional()
  @IsName({ max: CREDENTIAL_NAME_MAX })
  name?: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsName({ max: USERNAME_MAX })
  username?: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(SECRET_MAX)
  password?: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(PRIVATE_KEY_MAX)
  @Matches(PRIVATE_KEY_PATTERN, { message: PRIVATE_KEY_MESSAGE })
  privateKey?: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(SECRET_MAX)
  passphrase?: string;
}
