import type { SimDevice } from './device';
import { interfaceStates, PORT_LINK } from './outputs/common';
import { junosInterfaceStates } from './outputs/junos';

/**
 * A device's interfaces as one platform-neutral list, built from the same sources its CLI renders
 * them from (`show interfaces` / `display interface` on the block-config platforms, `show interfaces
 * terse` on Junos, `ip -brief address` on Linux), so a view that is not CLI text (RESTCONF) can never
 * disagree with what the device prints.
 */
export interface InterfaceView {
  name: string;
  description: string | null;
  /** Not administratively shut down / disabled. */
  enabled: boolean;
  /** Operational (link and protocol) state. */
  up: boolean;
  mtu: number;
  speedMbps: number;
  ipv4: Array<{ ip: string; prefix: number }>;
}

export function interfaceViews(device: SimDevice): InterfaceView[] {
  const p = device.profile;
  const { mtu, speedMbps } = PORT_LINK[device.platform];
  switch (device.platform) {
    case 'juniper_junos':
      return junosInterfaceStates(device.junos, p).map((i) => ({
        name: i.name,
        description: i.description,
        enabled: !i.disabled,
        up: i.up,
        mtu,
        speedMbps,
        ipv4: i.units.flatMap((u) =>
          u.inet.map((cidr) => {
            const [ip, prefix] = cidr.split('/');
            return { ip: ip!, prefix: Number(prefix ?? 32) };
          }),
        ),
      }));
    case 'linux':
      // `ip -brief address` also prints `lo`, which is not part of the profile's ethernet model, and
      // no descriptions (a host has none to show).
      return p.interfaces.map((i) => ({
        name: i.name,
        description: null,
        enabled: !i.shutdown,
        up: i.linkUp,
        mtu,
        speedMbps,
        ipv4: i.ipv4 ? [{ ip: i.ipv4, prefix: i.prefix }] : [],
      }));
    default:
      return interfaceStates(device.config, p).map((i) => ({
        name: i.name,
        description: i.description,
        enabled: !i.adminDown,
        up: i.up,
        mtu,
        speedMbps,
        ipv4: i.ip ? [{ ip: i.ip, prefix: i.prefix }] : [],
      }));
  }
}
