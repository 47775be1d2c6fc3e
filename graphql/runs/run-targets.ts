import { SwitchboardError } from '../../libs/common/src/errors';
import type { DevicesRepository } from '../../core/devices/devices.repository';
import type { RunSelector } from '../../core/runs/run.entity';
import { assertDevicesInScope } from '../../core/accounts/device-scope';
import type { Permission } from '../../core/accounts/permissions';
import type { Principal } from '../../core/accounts/principal';

/** The devices a new run targets, as its input gives them: ids, or a selector (not both). */
export function selectorOf(input: {
  deviceIds?: string[];
  selector?: { site?: string; tags?: string[]; platform?: string };
}): RunSelector {
  if (input.deviceIds && input.selector) {
    throw SwitchboardError.badInput('selector', 'give either deviceIds or selector, not both');
  }
  if (!input.deviceIds && !input.selector) {
    throw SwitchboardError.badInput('deviceIds', 'give deviceIds or a selector');
  }
  return input.deviceIds
    ? { deviceIds: input.deviceIds }
    : { site: input.selector?.site, tags: input.selector?.tags, platform: input.selector?.platform };
}

/**
 * The selected devices, at least one. With a principal: FORBIDDEN when any of them lies outside
 * its scope for `permission` (the one the mutation needs), naming up to five it may read.
 */
export async function resolveTargets(
  devices: DevicesRepository,
  selector: RunSelector,
  principal?: Principal | null,
  permission: Permission = 'runs:start',
) {
  const found = await devices.resolveSelection(selector);
  if (found.length === 0) throw SwitchboardError.badInput('selector', 'matches no devices');
  assertDevicesInScope(principal, permission, found);
  return found;
}
