import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { isUUID } from 'class-validator';
import { In, QueryFailedError, Repository } from 'typeorm';
import { SwitchboardError } from '../../libs/common/src/errors';
import { SecretBox } from '../../libs/crypto/src/secret-box';
import { DeviceEntity } from './device.entity';
import { CredentialEntity } from './credential.entity';
import type { CredentialInput, CredentialPatch, PageQuery } from './device-inputs';
import {
  decodeCursor,
  encodeCursor,
  toConnection,
  type ConnectionShape,
} from '../../libs/common/src/pagination';
import { currentActorId } from '../accounts/actor';
import { credentialVisibleCondition, scopeOfRequest } from '../accounts/device-scope';
import type { Permission } from '../accounts/permissions';
import type { Principal } from '../accounts/principal';

/** The AAD that binds each ciphertext to its row and field (see SecretBox). */
export const secretContext = (id: string) => `credential:${id}:secret`;
export const passphraseContext = (id: string) => `credential:${id}:passphrase`;

function pgCode(error: unknown): string | undefined {
  return error instanceof QueryFailedError ? (error.driverError as { code?: string })?.code : undefined;
}

/** Credentials with write-only secrets: the service encrypts them and never returns or logs them. */
@Injectable()
export class CredentialsRepository {
  constructor(
    @InjectRepository(CredentialEntity) private readonly credentials: Repository<CredentialEntity>,
    @InjectRepository(DeviceEntity) private readonly devices: Repository<DeviceEntity>,
    private readonly secretBox: SecretBox,
  ) {}

  async findById(id: string): Promise<CredentialEntity | null> {
    return isUUID(id, 'all') ? this.credentials.findOneBy({ id }) : null;
  }

  async getById(id: string): Promise<CredentialEntity> {
    const credential = await this.findById(id);
    if (!credential) throw SwitchboardError.notFound('Credential', id);
    return credential;
  }

  /**
   * Whether a principal sees the credential with `permission` (credentials:read, credentials:write):
   * always without a principal or with an unscoped one; see credentialVisibleCondition.
   */
  async visible(
    id: string,
    principal: Principal | null | undefined,
    permission: Permission,
  ): Promise<boolean> {
    if (!isUUID(id, 'all')) return false;
    const scope = scopeOfRequest(principal, permission);
    if (scope.all) return true;
    const where = credentialVisibleCondition(scope, principal!.userId, 'c');
    return this.credentials
      .createQueryBuilder('c')
      .where('c.id = :id', { id })
      .andWhere(where.sql, where.params)
      .getExists();
  }

  /** NOT_FOUND for an unknown credential and for one the principal may not see with `permission`. */
  async getVisible(
    id: string,
    principal: Principal | null | undefined,
    permission: Permission = 'credentials:read',
  ): Promise<CredentialEntity> {
    if (!(await this.visible(id, principal, permission))) throw SwitchboardError.notFound('Credential', id);
    return this.getById(id);
  }

  /** Existing credentials among `ids` (ids that are not UUIDs are simply absent). */
  async findByIds(ids: string[]): Promise<CredentialEntity[]> {
    const valid = [...new Set(ids.filter((id) => isUUID(id, 'all')))];
    return valid.length ? this.credentials.findBy({ id: In(valid) }) : [];
  }

  async findByNames(names: string[]): Promise<CredentialEntity[]> {
    return names.length ? this.credentials.findBy({ name: In([...new Set(names)]) }) : [];
  }

  /** Credentials sorted by name; with a scoped principal, those it sees (credentialVisibleCondition). */
  async list(args: PageQuery, principal?: Principal | null): Promise<ConnectionShape<CredentialEntity>> {
    const query = this.credentials.createQueryBuilder('c');
    const scope = scopeOfRequest(principal, 'credentials:read');
    if (!scope.all) {
      const where = credentialVisibleCondition(scope, principal!.userId, 'c');
      query.andWhere(where.sql, where.params);
    }
    const totalCount = await query.clone().getCount();
    if (args.after) {
      const [name] = decodeCursor(args.after, 1);
      if (typeof name !== 'string')
        throw SwitchboardError.badInput('after', 'is not a cursor returned by this API');
      query.andWhere('c.name > :after', { after: name });
    }
    const rows = await query
      .orderBy('c.name', 'ASC')
      .limit(args.first + 1)
      .getMany();
    return toConnection(rows, args.first, totalCount, (node) => encodeCursor([node.name]));
  }

  async create(input: CredentialInput): Promise<CredentialEntity> {
    const hasPassword = input.password !== undefined && input.password !== null;
    const hasKey = input.privateKey !== undefined && input.privateKey !== null;
    if (hasPassword === hasKey) {
      const message = hasPassword
        ? 'give either password or privateKey, not both'
        : 'give password or privateKey';
      throw SwitchboardError.invalidFields([
        { field: 'password', message },
        { field: 'privateKey', message },
      ]);
    }
    if (hasPassword && input.passphrase) {
      throw SwitchboardError.badInput('passphrase', 'only applies to a private key');
    }
    await this.assertNameFree(input.name);
    const id = randomUUID();
    const entity = this.credentials.create({
      id,
      name: input.name,
      username: input.username,
      kind: hasKey ? 'private_key' : 'password',
      secretEnc: this.secretBox.encrypt(hasKey ? input.privateKey! : input.password!, secretContext(id)),
      passphraseEnc:
        hasKey && input.passphrase ? this.secretBox.encrypt(input.passphrase, passphraseContext(id)) : null,
      createdBy: currentActorId(),
    });
    await this.write(() => this.credentials.insert(entity));
    return this.getById(id);
  }

  async update(id: string, input: CredentialPatch, principal?: Principal | null): Promise<CredentialEntity> {
    const credential = await this.getVisible(id, principal, 'credentials:write');
    const { name, username, password, privateKey, passphrase } = input;
    if (password != null && privateKey != null) {
      const message = 'give either password or privateKey, not both';
      throw SwitchboardError.invalidFields([
        { field: 'password', message },
        { field: 'privateKey', message },
      ]);
    }
    if (name != null && name !== credential.name) {
      await this.assertNameFree(name);
      credential.name = name;
    }
    if (username != null) credential.username = username;
    if (password != null) {
      if (passphrase) throw SwitchboardError.badInput('passphrase', 'only applies to a private key');
      credential.kind = 'password';
      credential.secretEnc = this.secretBox.encrypt(password, secretContext(id));
      credential.passphraseEnc = null;
    } else if (privateKey != null) {
      credential.kind = 'private_key';
      credential.secretEnc = this.secretBox.encrypt(privateKey, secretContext(id));
      credential.passphraseEnc = passphrase
        ? this.secretBox.encrypt(passphrase, passphraseContext(id))
        : null;
    } else if (passphrase != null) {
      if (credential.kind !== 'private_key') {
        throw SwitchboardError.badInput(
          'passphrase',
          'only applies to a private key; this credential has a password',
        );
      }
      credential.passphraseEnc = passphrase
        ? this.secretBox.encrypt(passphrase, passphraseContext(id))
        : null;
    }
    await this.write(() => this.credentials.save(credential));
    return this.getById(id);
  }

  /** Refuses while devices still use the credential (the foreign key is ON DELETE RESTRICT). */
  async delete(id: string, principal?: Principal | null): Promise<boolean> {
    const credential = await this.getVisible(id, principal, 'credentials:write');
    const inUse = await this.devices.countBy({ credentialId: id });
    if (inUse > 0) throw this.inUse(credential.name, inUse);
    try {
      await this.credentials.delete({ id });
    } catch (error) {
      if (pgCode(error) !== '23503') throw error;
      // A device took the credential between the count and the delete.
      throw this.inUse(credential.name, await this.devices.countBy({ credentialId: id }));
    }
    return true;
  }

  private inUse(name: string, count: number): SwitchboardError {
    return SwitchboardError.conflict(
      `credential "${name}" is still used by ${count} device${count === 1 ? '' : 's'}; move or delete them first`,
      'id',
    );
  }

  private async assertNameFree(name: string): Promise<void> {
    if (await this.credentials.existsBy({ name })) throw this.nameTaken(name);
  }

  private nameTaken(name: string): SwitchboardError {
    return SwitchboardError.conflict(`a credential named "${name}" already exists`, 'name');
  }

  /** Runs a write, turning a lost race on the unique name into the same CONFLICT as the pre-check. */
  private async write(run: () => Promise<unknown>): Promise<void> {
    try {
      await run();
    } catch (error) {
      const constraint = (error as QueryFailedError & { driverError: { constraint?: string } }).driverError
        ?.constraint;
      if (pgCode(error) === '23505' && constraint === 'credentials_name_key') {
        throw SwitchboardError.conflict('a credential with this name already exists', 'name');
      }
      throw error;
    }
  }
}
