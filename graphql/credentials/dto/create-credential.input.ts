import { Field, InputType } from '@nestjs/graphql';
import { IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { CREDENTIAL_NAME_MAX } from '../../../core/devices/device-import';
import type { CredentialInput } from '../../../core/devices/device-inputs';
import { IsName } from '../../common/names';

export { CREDENTIAL_NAME_MAX };
export const USERNAME_MAX = 256;
export const SECRET_MAX = 1024;
export const PRIVATE_KEY_MAX = 16384;

/** PEM (PKCS#1, PKCS#8, SEC1, encrypted PKCS#8) or OpenSSH private key armour. */
export const PRIVATE_KEY_PATTERN =
  /^\s*-----BEGIN ((?:RSA |DSA |EC |OPENSSH |ENCRYPTED )?PRIVATE KEY)-----\r?\n[\s\S]+?\r?\n-----END \1-----\s*$/;
export const PRIVATE_KEY_MESSAGE =
  '$property must be a PEM or OpenSSH private key (-----BEGIN ... PRIVATE KEY----- ... -----END ... PRIVATE KEY-----)';

@InputType()
export class CreateCredentialInput implements CredentialInput {
  @Field({ description: 'Unique name, used by device imports to refer to this credential.' })
  @IsName({ max: CREDENTIAL_NAME_MAX })
  name!: string;

  @Field()
  @IsName({ max: USERNAME_MAX })
  username!: string;

  @Field({ nullable: true, description: 'Give exactly one of password and privateKey. Write-only.' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(SECRET_MAX)
  password?: string;

  @Field({ nullable: true, description: 'PEM or OpenSSH private key. Write-only.' })
  @IsOptional()
  @IsString()
  @MaxLength(PRIVATE_KEY_MAX)
  @Matches(PRIVATE_KEY_PATTERN, { message: PRIVATE_KEY_MESSAGE })
  privateKey?: string;

  @Field({ nullable: true, description: 'Passphrase of an encrypted private key. Write-only.' })
  @IsOptional()
  @IsString()
  @MaxLength(SECRET_MAX)
  passphrase?: string;
}
