import { DeviceLab, type LabDeviceInfo } from '../apps/device-lab/src';
import type { LabFaults } from '../apps/device-lab/src/types';
import { PLATFORMS, type Platform } from '../libs/common/src/platforms';
import { SshSession } from '../libs/ssh/src';
import { THREE_COMMANDS } from './factories/commands';

/**
 * What real sessions do that simulators tend not to, recorded as lab faults: banners with prompt-like
 * lines, `Press any key to continue`, a shell silent until RETURN, an expired password. The driver logs
 * in and the first command's output is exactly what the device prints, on every platform.
 */
describe('SshSession against real-session quirks', () => {
  let lab: DeviceLab;
  beforeAll(async () => {
    lab = await DeviceLab.start({
      devices: PLATFORMS.length,
      mix: Object.fromEntries(PLATFORMS.map((p) => [p, 1])),
    });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  const open = (d: LabDeviceInfo) =>
    SshSession.open(
      { ...d, platform: d.platform as Platform },
      { connectTimeoutMs: 5000, promptTimeoutMs: 5000, commandTimeoutMs: 5000 },
    );

  const QUIRKS: Array<[string, LabFaults]> = [
    ['a MOTD of prompt-like lines', { promptLikeMotd: true }],
    ['Press any key to continue', { pressAnyKey: true }],
    ['nothing until RETURN', { silentUntilReturn: true }],
  ];

  it.each(QUIRKS)(
    '%s: every platform logs in and runs a command',
    async (_name, faults) => {
      for (const device of lab.devices()) {
        lab.setFaults(device.name, faults);
        const command = THREE_COMMANDS[device.platform][0]!;
        const session = await open(device);
        try {
          const result = await session.run(command);
          expect({ device: device.name, error: result.error }).toEqual({ device: device.name, error: null });
          expect({ device: device.name, output: result.output.trim() }).toEqual({
            device: device.name,
            output: lab.expectedOutput(device.name, command).trim(),
          });
        } finally {
          await session.close();
          lab.clearFaults(device.name);
        }
      }
    },
    60_000,
  );

  it('an expired password is reported as such and no command is sent', async () => {
    const device = lab.devices().find((d) => d.platform === 'cisco_ios')!;
    lab.setFaults(device.name, { passwordChange: true });
    const sent = lab.commandLog(device.name).length;
    try {
      await expect(open(device)).rejects.toMatchObject({
        kind: 'AUTH_FAILED',
        message: expect.stringMatching(/requires a password change/),
      });
      expect(lab.commandLog(device.name).slice(sent)).toEqual([]);
    } finally {
      lab.clearFaults(device.name);
    }
  });
});
