import { Injectable } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { SwitchboardError } from '../../libs/common/src/errors';
import type { Platform } from '../../libs/common/src/platforms';
import { compliance } from '../../libs/configs/src/compliance';
import { hierarchicalDiff, unifiedDiff } from '../../libs/configs/src/diff';
import { normaliseConfig } from '../../libs/configs/src/volatile';
import { exportConfigs } from '../../libs/templating/src/archive';
import { DevicesRepository } from '../../core/devices/devices.repository';
import { deviceVisible, scopeOfRequest, scopeWhere } from '../../core/accounts/device-scope';
import type { Principal } from '../../core/accounts/principal';
import { ConfigArchiveFormat } from '../templates/dto/render.input';
import { ConfigSnapshotEntity } from '../../core/configs/config-snapshot.entity';
import {
  ConfigImportFormat,
  type ExportConfigSnapshotsInput,
  type ImportConfigSnapshotsInput,
} from './dto/snapshot-import-export.input';
import type {
  ConfigCompliance,
  ConfigDiff,
  ConfigImportError,
  ConfigImportResult,
  ConfigSnapshotExport,
} from './models/config-snapshot.model';
import {
  decodeArchive,
  IMPORT_MAX_ENTRIES,
  readSnapshotArchive,
  type ArchiveEntry,
} from './snapshot-archive';
import { storeSnapshot } from '../../core/configs/snapshot-store';
import {
  decodeCursor,
  encodeCursor,
  toConnection,
  type ConnectionShape,
} from '../../libs/common/src/pagination';

@Injectable()
export class ConfigsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly devices: DevicesRepository,
  ) {}

  /**
   * NOT_FOUND, for a principal scoped to some sites or tags, when the device does not exist or lies
   * outside its configs:read scope (both answer the same). Unscoped callers are not checked.
   */
  private async assertDeviceReadable(deviceId: string, principal?: Principal | null): Promise<void> {
    const scope = scopeOfRequest(principal, 'configs:read');
    if (scope.all) return;
    if (!(await deviceVisible(this.dataSource, scope, deviceId)))
      throw SwitchboardError.notFound('device', deviceId);
  }

  async list(
    deviceId: string,
    args: { first: number; after?: string },
    principal?: Principal | null,
  ): Promise<ConnectionShape<ConfigSnapshotEntity>> {
    if (!isUUID(deviceId)) throw SwitchboardError.badInput('deviceId', 'is not a device id');
    await this.assertDeviceReadable(deviceId, principal);
    const repo = this.dataSource.getRepository(ConfigSnapshotEntity);
    const totalCount = await repo.count({ where: { deviceId } });
    const qb = repo.createQueryBuilder('s').where('s.device_id = :deviceId', { deviceId });
    if (args.after) {
      const [version] = decodeCursor(args.after, 1);
      // Another list's cursor (a name, say) decodes too: only a version is this list's.
      if (typeof version !== 'number' || !Number.isSafeInteger(version)) {
        throw SwitchboardError.badInput('after', 'is not a cursor returned by this list');
      }
      qb.andWhere('s.version < :version', { version });
    }
    const rows = await qb
      .orderBy('s.version', 'DESC')
      .take(args.first + 1)
      .getMany();
    return toConnection(rows, args.first, totalCount, (node) => encodeCursor([node.version]));
  }

  /** NOT_FOUND also for a snapshot of a device outside the principal's configs:read scope. */
  async get(id: string, principal?: Principal | null): Promise<ConfigSnapshotEntity> {
    const snapshot = isUUID(id)
      ? await this.dataSource.getRepository(ConfigSnapshotEntity).findOneBy({ id })
      : null;
    const scope = scopeOfRequest(principal, 'configs:read');
    if (!snapshot || !(scope.all || (await deviceVisible(this.dataSource, scope, snapshot.deviceId))))
      throw SwitchboardError.notFound('config snapshot', id);
    return snapshot;
  }

  async content(snapshot: ConfigSnapshotEntity): Promise<string> {
    const [row]: { content: string }[] = await this.dataSource.query(
      `SELECT content FROM config_blobs WHERE hash = $1`,
      [snapshot.hash],
    );
    return row.content;
  }

  /** Intended versus actual: the intended snippet against the device's latest snapshot. */
  async compliance(
    deviceId: string,
    intended: string,
    strict: boolean,
    principal?: Principal | null,
  ): Promise<ConfigCompliance> {
    if (!isUUID(deviceId)) throw SwitchboardError.badInput('deviceId', 'is not a device id');
    await this.assertDeviceReadable(deviceId, principal);
    const [device]: { platform: Platform }[] = await this.dataSource.query(
      `SELECT platform FROM devices WHERE id = $1`,
      [deviceId],
    );
    if (!device) throw SwitchboardError.notFound('device', deviceId);
    const latest = await this.dataSource
      .getRepository(ConfigSnapshotEntity)
      .findOne({ where: { deviceId }, order: { version: 'DESC' } });
    if (!latest) {
      throw SwitchboardError.conflict(
        `device ${deviceId} has no config snapshot yet: run startBackup first`,
        'deviceId',
      );
    }
    const result = compliance(device.platform, intended, await this.content(latest), { strict });
    return { snapshot: latest, ...result };
  }

  async diff(fromId: string, toId: string, principal?: Principal | null): Promise<ConfigDiff> {
    const [from, to] = await Promise.all([this.get(fromId, principal), this.get(toId, principal)]);
    if (from.deviceId !== to.deviceId) {
      throw SwitchboardError.badInput('toId', 'both snapshots must belong to the same device');
    }
    const [{ platform }]: { platform: Platform }[] = await this.dataSource.query(
      `SELECT platform FROM devices WHERE id = $1`,
      [from.deviceId],
    );
    const [a, b] = await Promise.all([this.content(from), this.content(to)]);
    return {
      from,
      to,
      unified: unifiedDiff(normaliseConfig(platform, a), normaliseConfig(platform, b), {
        fromLabel: `version ${from.version}`,
        toLabel: `version ${to.version}`,
      }),
      changes: hierarchicalDiff(platform, a, b),
    };
  }

  /**
   * Stores configs from files or an archive as snapshots (source `import`), matched to devices by
   * name. Entry by entry, one transaction each: a bad entry is reported, never fails the rest.
   */
  async importSnapshots(
    input: ImportConfigSnapshotsInput,
    principal?: Principal | null,
  ): Promise<ConfigImportResult> {
    const { entries, errors } = await this.importEntries(input);
    const names = [...new Set(entries.map((e) => e.deviceName))];
    // A device outside the caller's configs:write scope is, for it, no device of that name.
    const writable = scopeOfRequest(principal, 'configs:write');
    const where = scopeWhere(writable, 'd');
    const devices: { id: string; name: string; platform: string }[] = names.length
      ? await this.dataSource
          .createQueryBuilder()
          .select(['d.id AS id', 'd.name AS name', 'd.platform AS platform'])
          .from('devices', 'd')
          .where('d.name = ANY(:names)', { names })
          .andWhere(where.sql, where.params)
          .getRawMany()
      : [];
    const byName = new Map(devices.map((d) => [d.name, d]));
    let imported = 0;
    let unchanged = 0;
    const snapshotIds: string[] = [];
    for (const entry of entries) {
      const device = byName.get(entry.deviceName);
      if (!device) {
        errors.push({
          entry: entry.entry,
          field: 'deviceName',
          message: `no device named ${entry.deviceName}`,
        });
        continue;
      }
      if (entry.content.trim() === '') {
        errors.push({ entry: entry.entry, field: 'content', message: 'config is empty' });
        continue;
      }
      const stored = await this.dataSource.transaction((manager) =>
        storeSnapshot(manager, {
          deviceId: device.id,
          platform: device.platform,
          content: entry.content,
          source: 'import',
          reason: input.reason,
          runId: null,
        }),
      );
      if (stored.changed) imported++;
      else unchanged++;
      snapshotIds.push(stored.id);
    }
    const rows = snapshotIds.length
      ? await this.dataSource.getRepository(ConfigSnapshotEntity).findBy({ id: In(snapshotIds) })
      : [];
    const byId = new Map(rows.map((r) => [r.id, r]));
    const snapshots = [...new Set(snapshotIds)].map((id) => byId.get(id)!).filter(Boolean);
    return { imported, unchanged, failed: errors.length, errors, snapshots };
  }

  private async importEntries(
    input: ImportConfigSnapshotsInput,
  ): Promise<{ entries: ArchiveEntry[]; errors: ConfigImportError[] }> {
    if (input.format === ConfigImportFormat.FILES) {
      if (input.archiveBase64 != null) {
        throw SwitchboardError.badInput('archiveBase64', 'only for format ZIP or TAR_GZ; use files');
      }
      if (!input.files?.length) throw SwitchboardError.badInput('files', 'required when format is FILES');
      if (input.files.length > IMPORT_MAX_ENTRIES) {
        throw SwitchboardError.badInput('files', `must not contain more than ${IMPORT_MAX_ENTRIES} files`);
      }
      const errors: ConfigImportError[] = [];
      const entries: ArchiveEntry[] = [];
      input.files.forEach((file, i) => {
        const deviceName = file.deviceName.trim();
        if (deviceName === '') {
          errors.push({ entry: `files[${i}]`, field: 'deviceName', message: 'must not be empty' });
        } else {
          entries.push({ entry: deviceName, deviceName, content: file.content });
        }
      });
      return { entries, errors };
    }
    if (input.files != null)
      throw SwitchboardError.badInput('files', 'only for format FILES; use archiveBase64');
    if (input.archiveBase64 == null) {
      throw SwitchboardError.badInput('archiveBase64', `required when format is ${input.format}`);
    }
    const buffer = decodeArchive(input.archiveBase64);
    return readSnapshotArchive(buffer, input.format === ConfigImportFormat.ZIP ? 'zip' : 'tar.gz');
  }

  /** Each selected device's latest snapshot as `<deviceName>.cfg`, in a zip or gzipped tar. */
  async exportSnapshots(
    input: ExportConfigSnapshotsInput,
    principal?: Principal | null,
  ): Promise<ConfigSnapshotExport> {
    // Only devices inside the caller's configs:read scope: a selector skips the others, an id of one is unknown.
    const devices = await this.devices.resolveVisibleSelection(
      { deviceIds: input.deviceIds, ...input.selector },
      scopeOfRequest(principal, 'configs:read'),
    );
    const ids = devices.map((d) => d.id);
    const latest: { device_id: string; content: string }[] = ids.length
      ? await this.dataSource.query(
          `SELECT DISTINCT ON (s.device_id) s.device_id, b.content
             FROM config_snapshots s JOIN config_blobs b ON b.hash = s.hash
            WHERE s.device_id = ANY($1::uuid[])
            ORDER BY s.device_id, s.version DESC`,
          [ids],
        )
      : [];
    const contentById = new Map(latest.map((r) => [r.device_id, r.content]));
    const sorted = [...devices].sort((a, b) => a.name.localeCompare(b.name));
    const files = sorted
      .filter((d) => contentById.has(d.id))
      .map((d) => ({ name: `${d.name}.cfg`, content: contentById.get(d.id)! }));
    const format = input.format === ConfigArchiveFormat.ZIP ? 'zip' : 'tar.gz';
    const archive = await exportConfigs(files, format);
    const stamp = new Date()
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
    return {
      fileName: `config-snapshots-${stamp}.${format}`,
      contentBase64: archive.toString('base64'),
      files: files.length,
      missing: sorted.filter((d) => !contentById.has(d.id)).map((d) => d.name),
    };
  }
}
