/**
 * Test helper: one simulated lab device driven through its CLI state machine, without sockets.
 * Every line goes through the same shell the SSH server uses; an error reply fails the test.
 */
import { SimDevice } from '../../../apps/device-lab/src/device';
import { createShell } from '../../../apps/device-lab/src/session';
import type { Platform } from '../../common/src/platforms';
import { enterConfig, exitConfig } from './plan';

export interface LabCli {
  device: SimDevice;
  /** Types one line; throws when the device answers with an error. Returns the output. */
  type(line: string): string;
  /** Types lines in configuration mode (enterConfig … exitConfig). */
  configure(lines: readonly string[]): void;
  running(): string;
}

export function labCli(platform: Platform, name: string, seed = 7): LabCli {
  const device = new SimDevice(
    {
      name,
      platform,
      host: '127.0.0.1',
      port: 0,
      username: 'admin',
      password: 'admin123',
      enableSecret: 'enable123',
      hostname: name,
    },
    seed,
  );
  const shell = createShell(device, 'admin');
  const type = (line: string): string => {
    let r = shell.execute(line);
    if (r.password) r = r.password.check(device.info.enableSecret);
    if (r.kind === 'error') throw new Error(`${platform} rejected ${JSON.stringify(line)}:\n${r.output}`);
    if (/warning: statement not found/.test(r.output))
      throw new Error(`${platform}: nothing to delete for ${JSON.stringify(line)}`);
    return r.output;
  };
  if (platform === 'cisco_ios' || platform === 'arista_eos' || platform === 'ruijie_os') type('enable');
  if (platform === 'huawei' || platform === 'hp_comware') type('super');
  return {
    device,
    type,
    configure(lines) {
      for (const l of [...enterConfig(platform), ...lines, ...exitConfig(platform)]) type(l);
    },
    running: () => device.runningConfig(),
  };
}
