import { isUUID } from 'class-validator';
import { In, type Repository } from 'typeorm';
import { SwitchboardError } from '../../libs/common/src/errors';
import { checkPlatform } from './device-import';
import type { DeviceEntity } from './device.entity';

/** Which devices a run or a step targets: explicit ids or names, or a selector (site / tags / platform). */
export interface DeviceSelector {
  deviceIds?: string[] | null;
  names?: string[] | null;
  site?: string | null;
  tags?: string[] | null;
  platform?: string | null;
}

const present = (value: string | null | undefined): value is string =>
  value !== undefined && value !== null && value !== '';

/**
 * The devices a selector names, with their credentials, ordered by name (explicit ids and names
 * keep the order given). Used by the API when a run is created and by task steps at run time, so
 * both read a selector the same way. Unknown ids or names are an error naming them.
 */
export async function resolveDeviceSelection(
  devices: Repository<DeviceEntity>,
  selector: DeviceSelector,
): Promise<DeviceEntity[]> {
  const ids = selector.deviceIds?.length ? selector.deviceIds : undefined;
  const names = selector.names?.length ? selector.names : undefined;
  const tags = selector.tags?.length ? selector.tags : undefined;
  const bySelector = present(selector.site) || present(selector.platform) || tags !== undefined;
  if ((ids ? 1 : 0) + (names ? 1 : 0) + (bySelector ? 1 : 0) > 1) {
    throw SwitchboardError.badInput(
      'selector',
      'give one of deviceIds, names or a selector (site, tags, platform), not several',
    );
  }
  if (!ids && !names && !bySelector) {
    throw SwitchboardError.badInput('selector', 'give deviceIds or at least one of site, tags, platform');
  }
  if (ids || names) {
    const field = ids ? 'deviceIds' : 'names';
    const unique = [...new Set(ids ?? names)];
    const found = ids
      ? await devices.find({
          where: { id: In(unique.filter((id) => isUUID(id, 'all'))) },
          relations: { credential: true },
        })
      : await devices.find({ where: { name: In(unique) }, relations: { credential: true } });
    const byKey = new Map(found.map((d) => [ids ? d.id : d.name, d]));
    const unknown = unique.filter((key) => !byKey.has(key));
    if (unknown.length) {
      throw SwitchboardError.badInput(
        field,
        `unknown device ${ids ? 'id' : 'name'}(s): ${unknown.join(', ')}`,
      );
    }
    return unique.map((key) => byKey.get(key)!);
  }
  if (present(selector.platform)) {
    const platform = checkPlatform(selector.platform);
    if (!platform.ok) throw SwitchboardError.badInput('platform', platform.message);
  }
  const query = devices.createQueryBuilder('d').leftJoinAndSelect('d.credential', 'credential');
  if (present(selector.site)) query.andWhere('d.site = :site', { site: selector.site });
  if (present(selector.platform)) query.andWhere('d.platform = :platform', { platform: selector.platform });
  if (tags) query.andWhere('d.tags @> :tags::text[]', { tags });
  return query.orderBy('d.name', 'ASC').getMany();
}
