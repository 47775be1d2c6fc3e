import { Field, ID, ObjectType, registerEnumType } from '@nestjs/graphql';
import { Connection } from '../../common/pagination';
import type { CredentialEntity } from '../../../core/devices/credential.entity';

/** GraphQL names PASSWORD / PRIVATE_KEY; the values are what the `credentials.kind` column stores. */
export enum CredentialKind {
  PASSWORD = 'password',
  PRIVATE_KEY = 'private_key',
}

registerEnumType(CredentialKind, {
  name: 'CredentialKind',
  description: 'How the credential authenticates over SSH.',
});

/** A login for devices. Secrets are write-only: no field here ever carries one. */
@ObjectType('Credential')
export class Credential {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field()
  username!: string;

  @Field(() => CredentialKind)
  kind!: CredentialKind;

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;
}

@ObjectType()
export class CredentialConnection extends Connection(Credential, 'Credential') {}

/** Copies the public fields only, so a secret can never leak through a new column. */
export function toCredentialModel(entity: CredentialEntity): Credential {
  return Object.assign(new Credential(), {
    id: entity.id,
    name: entity.name,
    username: entity.username,
    kind: entity.kind === 'private_key' ? CredentialKind.PRIVATE_KEY : CredentialKind.PASSWORD,
    createdAt: entity.createdAt,
    updatedAt: entity.updatedAt,
  });
}
