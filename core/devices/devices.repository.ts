import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { isUUID } from 'class-validator';
import { DataSource, In, QueryFailedError, Repository, type SelectQueryBuilder } from 'typeorm';
import { SwitchboardError, type FieldError } from '../../libs/common/src/errors';
import { SecretBox } from '../../libs/crypto/src/secret-box';
import { CredentialsRepository } from './credentials.repository';
import { DeviceEntity } from './device.entity';
import { resolveDeviceSelection, type DeviceSelector } from './device-selection';

export type { DeviceSelector };
import {
  checkHost,
  checkName,
  checkPlatform,
  checkPort,
  checkSite,
  checkTags,
  parseImportDocument,
  planImport,
  referencedNames,
  type Check,
  type ImportRowError,
  type PlannedDevice,
} from './device-import';
import type { DeviceFilter, DeviceImport, DeviceInput, DevicePatch, DeviceQuery } from './device-inputs';
import {
  decodeCursor,
  encodeCursor,
  toConnection,
  type ConnectionShape,
} from '../../libs/common/src/pagination';
import { retryOnConflict } from '../database/db-errors';
import { deviceInScope, type Scope } from '../accounts/permissions';
import type { Principal } from '../accounts/principal';
import { assertDevicesInScope, scopeOfRequest, scopeWhere } from '../accounts/device-scope';

/** The AAD that binds an enable secret to its device row (see SecretBox). */
export const enableSecretContext = (id: string) => `device:${id}:enable`;

export interface ImportOutcome {
  created: number;
  updated: number;
  failed: number;
  errors: ImportRowError[];
  devices: DeviceEntity[];
}

const INSERT_CHUNK = 1000;
const DELETE_BATCH = 500;

/** One row of device_checks as the API shows it. */
export interface DeviceCheckRow {
  id: string;
  checkedAt: Date;
  status: 'UP' | 'DOWN';
  connectMs: number | null;
  bannerMs: number | null;
  banner: string | null;
  errorKind: string | null;
  errorMessage: string | null;
  nodeId: string | null;
  runId: string | null;
}

function pgError(error: unknown): { code?: string; constraint?: string } {
  return error instanceof QueryFailedError
    ? ((error.driverError ?? {}) as { code?: string; constraint?: string })
    : {};
}

const present = (value: string | null | undefined): value is string =>
  typeof value === 'string' && value !== '';

@Injectable()
export class DevicesRepository {
  private readonly logger = new Logger(DevicesRepository.name);

  constructor(
    @InjectRepository(DeviceEntity) private readonly devices: Repository<DeviceEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly credentials: CredentialsRepository,
    private readonly secretBox: SecretBox,
  ) {}

  /** The device, or null; also null when it lies outside `scope` (the caller's devices:read). */
  async findById(id: string, scope?: Scope): Promise<DeviceEntity | null> {
    const device = isUUID(id, 'all') ? await this.devices.findOneBy({ id }) : null;
    return device && (!scope || deviceInScope(scope, device)) ? device : null;
  }

  /** NOT_FOUND when there is no such device (including ids that are not UUIDs) or it lies outside `scope`. */
  async getById(id: string, scope?: Scope): Promise<DeviceEntity> {
    const device = await this.findById(id, scope);
    if (!device) throw SwitchboardError.notFound('Device', id);
    return device;
  }

  /** Devices sorted by name; with `scope`, only those inside it. */
  async list(args: DeviceQuery, scope?: Scope): Promise<ConnectionShape<DeviceEntity>> {
    const query = this.devices.createQueryBuilder('d');
    if (scope && !scope.all) {
      const where = scopeWhere(scope, 'd');
      query.andWhere(where.sql, where.params);
    }
    const filter = args.filter ?? {};
    this.applyFilter(query, { site: filter.site, platform: filter.platform, tags: filter.tags });
    if (filter.reachability) query.andWhere('d.reach_status = :reach', { reach: filter.reachability });
    const search = filter.search?.trim();
    if (search) {
      const pattern = `%${search.replace(/[\\%_]/g, '\\$&')}%`;
      query.andWhere('(d.name ILIKE :search OR d.host ILIKE :search)', { search: pattern });
    }
    const totalCount = await query.clone().getCount();
    if (args.after) {
      const [name] = decodeCursor(args.after, 1);
      if (typeof name !== 'string')
        throw SwitchboardError.badInput('after', 'is not a cursor returned by this API');
      query.andWhere('d.name > :after', { after: name });
    }
    const rows = await query
      .orderBy('d.name', 'ASC')
      .limit(args.first + 1)
      .getMany();
    return toConnection(rows, args.first, totalCount, (node) => encodeCursor([node.name]));
  }

  /** A device's reachability checks, newest first; NOT_FOUND for an unknown device. */
  async checks(
    args: { deviceId: string; first: number; since?: Date | null },
    scope?: Scope,
  ): Promise<DeviceCheckRow[]> {
    const device = await this.getById(args.deviceId, scope);
    const rows: DeviceCheckRow[] = await this.dataSource.query(
      `SELECT id::text AS id, checked_at AS "checkedAt", status, connect_ms AS "connectMs", banner_ms AS "bannerMs",
              banner, error_kind AS "errorKind", error_message AS "errorMessage", node_id AS "nodeId", run_id AS "runId"
         FROM device_checks WHERE device_id = $1 AND ($2::timestamptz IS NULL OR checked_at >= $2)
        ORDER BY checked_at DESC, id DESC LIMIT $3`,
      [device.id, args.since ?? null, args.first],
    );
    return rows;
  }

  /** With a principal: FORBIDDEN when the new device would lie outside its devices:write scope. */
  async create(input: DeviceInput, principal?: Principal | null): Promise<DeviceEntity> {
    const fields = this.checkFields(input, true);
    const name = fields.name!;
    assertDevicesInScope(principal, 'devices:write', [
      { name, site: fields.site ?? null, tags: fields.tags ?? [] },
    ]);
    await this.assertCredential(input.credentialId, principal);
    await this.assertNameFree(name, principal);
    const id = randomUUID();
    const entity = this.devices.create({
      id,
      name,
      host: fields.host!,
      port: fields.port ?? 22,
      platform: fields.platform!,
      site: fields.site ?? null,
      tags: fields.tags ?? [],
      credentialId: input.credentialId,
      enableSecretEnc: present(input.enableSecret)
        ? this.secretBox.encrypt(input.enableSecret, enableSecretContext(id))
        : null,
    });
    await this.write(() => this.devices.insert(entity));
    return this.getById(id);
  }

  /**
   * With a principal: NOT_FOUND for a device outside its devices:read scope, FORBIDDEN when the
   * device, before or after the update, lies outside its devices:write scope.
   */
  async update(id: string, input: DevicePatch, principal?: Principal | null): Promise<DeviceEntity> {
    const device = await this.getById(id, principal ? scopeOfRequest(principal, 'devices:read') : undefined);
    const fields = this.checkFields(input, false);
    assertDevicesInScope(principal, 'devices:write', [
      device,
      {
        name: fields.name ?? device.name,
        site: input.site !== undefined ? (fields.site ?? null) : device.site,
        tags: fields.tags ?? device.tags,
      },
    ]);
    const patch: Partial<DeviceEntity> = {};
    if (input.credentialId != null && input.credentialId !== device.credentialId) {
      await this.assertCredential(input.credentialId, principal);
      patch.credentialId = input.credentialId;
    }
    if (fields.name !== undefined && fields.name !== device.name) {
      await this.assertNameFree(fields.name, principal);
      patch.name = fields.name;
    }
    if (fields.host !== undefined) patch.host = fields.host;
    if (fields.port !== undefined) patch.port = fields.port;
    if (fields.platform !== undefined) patch.platform = fields.platform;
    if (input.site !== undefined) patch.site = fields.site ?? null;
    if (fields.tags !== undefined) patch.tags = fields.tags;
    if (input.enableSecret != null) {
      patch.enableSecretEnc =
        input.enableSecret === ''
          ? null
          : this.secretBox.encrypt(input.enableSecret, enableSecretContext(id));
    }
    // TypeORM sets updated_at on every UPDATE; an empty patch changes nothing.
    if (Object.keys(patch).length > 0) await this.write(() => this.devices.update({ id }, patch));
    return this.getById(id);
  }

  /** NOT_FOUND when there is no such device. Runs keep their copy of the device (device_id becomes null). */
  async delete(id: string, principal?: Principal | null): Promise<boolean> {
    const device = await this.getById(id, principal ? scopeOfRequest(principal, 'devices:read') : undefined);
    assertDevicesInScope(principal, 'devices:write', [device]);
    await this.devices.delete({ id });
    return true;
  }

  /** Deletes the devices that exist among `ids` and returns how many were deleted. */
  async deleteMany(ids: string[], principal?: Principal | null): Promise<number> {
    let valid = [...new Set(ids.filter((id) => isUUID(id, 'all')))].sort();
    const readable = scopeOfRequest(principal, 'devices:read');
    if (principal && !(readable.all && scopeOfRequest(principal, 'devices:write').all)) {
      // Devices the caller cannot read count as absent; one it may read but not write refuses all.
      const found = valid.length ? await this.devices.findBy({ id: In(valid) }) : [];
      const visible = found.filter((d) => deviceInScope(readable, d));
      assertDevicesInScope(principal, 'devices:write', visible);
      valid = visible.map((d) => d.id).sort();
    }
    let deleted = 0;
    // In batches, each locking its devices in id order first (the order every other writer of
    // devices locks them in), and tried again when PostgreSQL picks it as a deadlock victim anyway
    // (a run ending at the same moment updates the same runs' device rows the delete nulls out).
    for (let i = 0; i < valid.length; i += DELETE_BATCH) {
      const batch = valid.slice(i, i + DELETE_BATCH);
      deleted += await retryOnConflict(() =>
        this.dataSource.transaction(async (m) => {
          await m.query(`SELECT id FROM devices WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [batch]);
          const [, affected]: [unknown, number] = await m.query(
            `DELETE FROM devices WHERE id = ANY($1::uuid[])`,
            [batch],
          );
          return affected;
        }),
      );
    }
    return deleted;
  }

  /**
   * Bulk import: every row is validated on its own, the valid ones are written in one transaction
   * and the invalid ones are reported. A malformed document is a BAD_USER_INPUT on `data`.
   */
  async import(input: DeviceImport, principal?: Principal | null): Promise<ImportOutcome> {
    const rows = parseImportDocument(input.format, input.data);
    const wanted = referencedNames(rows);
    const [byName, byId, existing] = await Promise.all([
      this.credentials.findByNames(wanted.credentialNames),
      this.credentials.findByIds(wanted.credentialIds),
      wanted.deviceNames.length
        ? this.devices.find({
            select: { id: true, name: true, site: true, tags: true },
            where: { name: In(wanted.deviceNames) },
          })
        : Promise.resolve([]),
    ]);
    // A scoped principal may only name credentials it sees: the others are unknown to it.
    const seen = async <T extends { id: string }>(list: T[]) =>
      principal
        ? (
            await Promise.all(
              list.map(async (c) =>
                (await this.credentials.visible(c.id, principal, 'credentials:read')) ? c : null,
              ),
            )
          ).filter((c): c is Awaited<T> => c !== null)
        : list;
    const plan = planImport(rows, {
      credentialIdsByName: new Map((await seen(byName)).map((c) => [c.name, c.id])),
      credentialIds: new Set((await seen(byId)).map((c) => c.id)),
      existingDeviceIdsByName: new Map(existing.map((d) => [d.name, d.id])),
      unavailableNames: principal
        ? new Set(
            existing
              .filter((d) => !deviceInScope(scopeOfRequest(principal, 'devices:read'), d))
              .map((d) => d.name),
          )
        : undefined,
      upsert: input.upsert,
    });
    // With a scoped principal: every device written, as it is and as it will be, inside its devices:write.
    const existingById = new Map(existing.map((d) => [d.id, d]));
    assertDevicesInScope(principal, 'devices:write', [
      ...plan.devices.map((d) => ({ name: d.name, site: d.site, tags: d.tags })),
      ...plan.devices.flatMap((d) => (d.existingId ? [existingById.get(d.existingId)!] : [])),
    ]);
    const created = plan.devices.filter((d) => !d.existingId);
    const updated = plan.devices.filter((d) => d.existingId);
    const ids = plan.devices.map((d) => d.existingId ?? randomUUID());
    if (plan.devices.length > 0) {
      await this.write(() =>
        this.dataSource.transaction(async (manager) => {
          const repository = manager.getRepository(DeviceEntity);
          const inserts = plan.devices.flatMap((d, i) => (d.existingId ? [] : [this.toColumns(d, ids[i])]));
          for (let start = 0; start < inserts.length; start += INSERT_CHUNK) {
            await repository.insert(inserts.slice(start, start + INSERT_CHUNK));
          }
          for (const [i, d] of plan.devices.entries()) {
            if (!d.existingId) continue;
            const { id: _id, enableSecretEnc, ...columns } = this.toColumns(d, ids[i]);
            // An empty enable_secret keeps the device's secret: exports never carry secrets.
            await repository.update(
              { id: d.existingId },
              { ...columns, ...(enableSecretEnc ? { enableSecretEnc } : {}) },
            );
          }
        }),
      );
    }
    const written = ids.length ? await this.devices.findBy({ id: In(ids) }) : [];
    const byWrittenId = new Map(written.map((d) => [d.id, d]));
    this.logger.log(
      `import (${input.format}): ${created.length} created, ${updated.length} updated, ${plan.failed} failed`,
    );
    return {
      created: created.length,
      updated: updated.length,
      failed: plan.failed,
      errors: plan.errors,
      devices: ids.map((id) => byWrittenId.get(id)).filter((d): d is DeviceEntity => d !== undefined),
    };
  }

  /**
   * The devices a run targets. With `deviceIds`, every id must exist; with a selector
   * (site, tags: all of, platform) the matching devices, possibly none. Exactly one of the two.
   * Devices come with their `credential` relation loaded.
   */
  async resolveSelection(selector: DeviceSelector): Promise<DeviceEntity[]> {
    return resolveDeviceSelection(this.devices, selector);
  }

  /**
   * The devices a selector names that a reader sees (`scope`: its devices:read or configs:read):
   * a selector matches only devices inside it, and an id or name outside it is unknown, as if the
   * device did not exist.
   */
  async resolveVisibleSelection(selector: DeviceSelector, scope: Scope): Promise<DeviceEntity[]> {
    if (scope.all) return this.resolveSelection(selector);
    const ids = selector.deviceIds?.length ? selector.deviceIds : undefined;
    const names = selector.names?.length ? selector.names : undefined;
    if (ids || names) {
      // Ids or names outside the scope are listed with the unknown ones, in the same message.
      const keys = [...new Set(ids ?? names)];
      const found = ids
        ? await this.devices.findBy({ id: In(keys.filter((id) => isUUID(id, 'all'))) })
        : await this.devices.findBy({ name: In(keys) });
      const visible = new Set(found.filter((d) => deviceInScope(scope, d)).map((d) => (ids ? d.id : d.name)));
      const unknown = keys.filter((key) => !visible.has(key));
      if (unknown.length) {
        throw SwitchboardError.badInput(
          ids ? 'deviceIds' : 'names',
          `unknown device ${ids ? 'id' : 'name'}(s): ${unknown.join(', ')}`,
        );
      }
      return this.resolveSelection(selector);
    }
    return (await this.resolveSelection(selector)).filter((d) => deviceInScope(scope, d));
  }

  private applyFilter(
    query: SelectQueryBuilder<DeviceEntity>,
    filter: Pick<DeviceFilter, 'site' | 'platform' | 'tags'>,
  ): void {
    if (present(filter.site)) query.andWhere('d.site = :site', { site: filter.site });
    if (present(filter.platform)) query.andWhere('d.platform = :platform', { platform: filter.platform });
    if (filter.tags?.length) query.andWhere('d.tags @> :tags::text[]', { tags: filter.tags });
  }

  /** Service-level checks, shared with the import, for fields given in a create or update input. */
  private checkFields(
    input: DevicePatch,
    creating: boolean,
  ): {
    name?: string;
    host?: string;
    port?: number;
    platform?: PlannedDevice['platform'];
    site?: string | null;
    tags?: string[];
  } {
    const errors: FieldError[] = [];
    const required = ['name', 'host', 'platform'];
    const take = <T>(field: string, value: unknown, check: (value: unknown) => Check<T>): T | undefined => {
      if ((value === undefined || value === null) && !(creating && required.includes(field)))
        return undefined;
      const result = check(value);
      if (result.ok) return result.value;
      errors.push({ field, message: result.message });
      return undefined;
    };
    const fields = {
      name: take('name', input.name, checkName),
      host: take('host', input.host, checkHost),
      port: take('port', input.port, checkPort),
      platform: take('platform', input.platform, checkPlatform),
      site: take('site', input.site, checkSite),
      tags: take('tags', input.tags, checkTags),
    };
    if (errors.length) throw SwitchboardError.invalidFields(errors);
    return fields;
  }

  private toColumns(device: PlannedDevice, id: string): Partial<DeviceEntity> & { id: string } {
    return {
      id,
      name: device.name,
      host: device.host,
      port: device.port,
      platform: device.platform,
      site: device.site,
      tags: device.tags,
      credentialId: device.credentialId,
      enableSecretEnc: device.enableSecret
        ? this.secretBox.encrypt(device.enableSecret, enableSecretContext(id))
        : null,
    };
  }

  /** The credential exists and, for a scoped principal, is one it sees (credentials:read). */
  private async assertCredential(credentialId: string, principal?: Principal | null): Promise<void> {
    if (
      !(await this.credentials.findById(credentialId)) ||
      !(await this.credentials.visible(credentialId, principal, 'credentials:read'))
    ) {
      throw SwitchboardError.badInput('credentialId', `no credential with id ${credentialId}`);
    }
  }

  /**
   * CONFLICT when the name is taken. Names are unique across all sites, so a taken name cannot be
   * hidden; but to a principal scoped away from the device that holds it, the answer says only that
   * the name is not available (not that a device, elsewhere, has it).
   */
  private async assertNameFree(name: string, principal?: Principal | null): Promise<void> {
    const holder = await this.devices.findOneBy({ name });
    if (!holder) return;
    if (principal && !deviceInScope(scopeOfRequest(principal, 'devices:read'), holder))
      throw SwitchboardError.conflict(
        `the name "${name}" is not available (device names are unique across all sites): choose another`,
        'name',
      );
    throw SwitchboardError.conflict(`a device named "${name}" already exists`, 'name');
  }

  /** Turns a lost race on a unique name (or a credential deleted meanwhile) into a coded error. */
  private async write(run: () => Promise<unknown>): Promise<void> {
    try {
      await run();
    } catch (error) {
      const { code, constraint } = pgError(error);
      if (code === '23505' && constraint === 'devices_name_key') {
        throw SwitchboardError.conflict(
          'a device with the same name was created meanwhile; try again',
          'name',
        );
      }
      if (code === '23503' && constraint === 'devices_credential_fk') {
        throw SwitchboardError.badInput('credentialId', 'the credential was deleted meanwhile');
      }
      throw error;
    }
  }
}
