import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SwitchboardError } from '../../libs/common/src/errors';
import type { Platform } from '../../libs/common/src/platforms';
import { compliance } from '../../libs/configs/src/compliance';
import { hierarchicalDiff, unifiedDiff } from '../../libs/configs/src/diff';
import { normaliseConfig } from '../../libs/configs/src/volatile';
import { decodeCursor, encodeCursor, type ConnectionShape } from '../common/pagination';
import { ConfigSnapshotEntity } from './config-snapshot.entity';
import type { ConfigCompliance, ConfigDiff } from './models/config-snapshot.model';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Injectable()
export class ConfigsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async list(
    deviceId: string,
    args: { first: number; after?: string },
  ): Promise<ConnectionShape<ConfigSnapshotEntity>> {
    if (!UUID.test(deviceId)) throw SwitchboardError.badInput('deviceId', 'is not a device id');
    const repo = this.dataSource.getRepository(ConfigSnapshotEntity);
    const totalCount = await repo.count({ where: { deviceId } });
    const qb = repo.createQueryBuilder('s').where('s.device_id = :deviceId', { deviceId });
    if (args.after) qb.andWhere('s.version < :version', { version: Number(decodeCursor(args.after, 1)[0]) });
    const rows = await qb
      .orderBy('s.version', 'DESC')
      .take(args.first + 1)
      .getMany();
    const nodes = rows.slice(0, args.first);
    const edges = nodes.map((node) => ({ node, cursor: encodeCursor([node.version]) }));
    return {
      edges,
      totalCount,
      pageInfo: { hasNextPage: rows.length > args.first, endCursor: edges.at(-1)?.cursor ?? null },
    };
  }

  async get(id: string): Promise<ConfigSnapshotEntity> {
    const snapshot = UUID.test(id)
      ? await this.dataSource.getRepository(ConfigSnapshotEntity).findOneBy({ id })
      : null;
    if (!snapshot) throw SwitchboardError.notFound('config snapshot', id);
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
  async compliance(deviceId: string, intended: string, strict: boolean): Promise<ConfigCompliance> {
    if (!UUID.test(deviceId)) throw SwitchboardError.badInput('deviceId', 'is not a device id');
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

  async diff(fromId: string, toId: string): Promise<ConfigDiff> {
    const [from, to] = await Promise.all([this.get(fromId), this.get(toId)]);
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
}
