import type { Platform } from '../../../libs/common/src/platforms';
import { PLATFORMS } from '../../../libs/common/src/platforms';
import { CONFIG_COMMAND } from './device';
import { DeviceLab, platformSequence } from './lab';
import { LabShellClient, tryLogin, waitUntil } from './testing';
import type { LabDeviceInfo } from './types';

interface Case {
  banner: RegExp;
  prompt: (h: string) => string;
  /** A command printing more than one screen. */
  long: string;
  pager: string | null;
  pagingOff: string | null;
  enable: { command: string; passwordPrompt: string; wrong: string; prompt: (h: string) => string } | null;
  /** Configuration commands and what the running config contains afterwards. */
  change: { commands: string[]; expect: string[] } | null;
  invalid: { command: string; column: number; error: string };
  anyPrompt: RegExp;
}

const LOOPBACK_IOS = ['interface Loopback77', ' description lab-spec-change'];
const CASES: Record<Platform, Case> = {
  cisco_ios: {
    banner: /Authorized access only/,
    prompt: (h) => `${h}>`,
    long: 'show interfaces',
    pager: ' --More-- ',
    pagingOff: 'terminal length 0',
    enable: {
      command: 'enable',
      passwordPrompt: 'Password: ',
      wrong: '% Access denied',
      prompt: (h) => `${h}#`,
    },
    change: {
      commands: [
        'configure terminal',
        'interface Loopback77',
        'description lab-spec-change',
        'ip address 10.77.77.1 255.255.255.255',
        'exit',
        'ntp server 10.99.99.99',
        'hostname R77',
        'end',
      ],
      expect: [
        [...LOOPBACK_IOS, ' ip address 10.77.77.1 255.255.255.255'].join('\n'),
        'ntp server 10.99.99.99',
        'hostname R77',
      ],
    },
    invalid: { command: 'show bogus', column: 5, error: "% Invalid input detected at '^' marker." },
    anyPrompt: /[>#]$/,
  },
  arista_eos: {
    banner: /Last login:/,
    prompt: (h) => `${h}>`,
    long: 'show interfaces',
    pager: ' --More-- ',
    pagingOff: 'terminal length 0',
    enable: {
      command: 'enable',
      passwordPrompt: 'Password: ',
      wrong: '% Access denied',
      prompt: (h) => `${h}#`,
    },
    change: {
      commands: [
        'configure terminal',
        'interface Loopback77',
        'description lab-spec-change',
        'ip address 10.77.77.1/32',
        'exit',
        'logging host 10.99.99.99',
        'end',
      ],
      expect: [
        'interface Loopback77\n   description lab-spec-change\n   ip address 10.77.77.1/32',
        'logging host 10.99.99.99',
      ],
    },
    invalid: { command: 'show bogus', column: 5, error: "% Invalid input detected at '^' marker." },
    anyPrompt: /[>#]$/,
  },
  huawei: {
    banner: /Info: The max number of VTY users is 5/,
    prompt: (h) => `<${h}>`,
    long: 'display interface',
    pager: '  ---- More ----',
    pagingOff: 'screen-length 0 temporary-display',
    enable: {
      command: 'super',
      passwordPrompt: 'Password:',
      wrong: 'Error: Password is wrong.',
      prompt: (h) => `<${h}>`,
    },
    change: {
      commands: [
        'system-view',
        'sysname HW77',
        'interface LoopBack77',
        'description lab-spec-change',
        'quit',
        'ntp-service unicast-server 10.99.99.99',
        'return',
      ],
      expect: [
        'sysname HW77',
        'interface LoopBack77\n description lab-spec-change',
        'ntp-service unicast-server 10.99.99.99',
      ],
    },
    invalid: {
      command: 'display bogus',
      column: 8,
      error: "Error: Unrecognized command found at '^' position.",
    },
    anyPrompt: /[>\]]$/,
  },
  hp_comware: {
    banner: /New H3C Technologies Co., Ltd/,
    prompt: (h) => `<${h}>`,
    long: 'display interface',
    pager: '---- More ----',
    pagingOff: 'screen-length disable',
    enable: {
      command: 'super',
      passwordPrompt: 'Password:',
      wrong: 'Invalid password.',
      prompt: (h) => `<${h}>`,
    },
    change: {
      commands: [
        'system-view',
        'vlan 77',
        'name lab-spec-change',
        'quit',
        'interface GigabitEthernet1/0/2',
        'shutdown',
        'return',
      ],
      expect: ['vlan 77\n name lab-spec-change', ' shutdown\n#'],
    },
    invalid: { command: 'display bogus', column: 8, error: "% Unrecognized command found at '^' position." },
    anyPrompt: /[>\]]$/,
  },
  juniper_junos: {
    banner: /--- JUNOS \d+\.\d+R/,
    prompt: (h) => `admin@${h}> `,
    long: 'show configuration',
    pager: '---(more)---',
    pagingOff: 'set cli screen-length 0',
    enable: null,
    change: {
      commands: [
        'configure',
        'set system ntp server 10.99.99.99',
        'set interfaces ge-0/0/1 description lab-spec-change',
        'commit',
        'exit configuration-mode',
      ],
      expect: ['        server 10.99.99.99;', '    ge-0/0/1 {\n        description lab-spec-change;'],
    },
    invalid: { command: 'show bogus', column: 5, error: 'unknown command.' },
    anyPrompt: /[>#] $/,
  },
  linux: {
    banner: /Welcome to Ubuntu/,
    prompt: (h) => `admin@${h}:~$ `,
    long: 'cat /etc/os-release',
    pager: null,
    pagingOff: null,
    enable: {
      command: 'sudo -s',
      passwordPrompt: '[sudo] password for admin: ',
      wrong: 'Sorry, try again.',
      prompt: (h) => `root@${h}:/home/admin# `,
    },
    change: null,
    invalid: { command: 'bogus', column: 0, error: 'bash: bogus: command not found' },
    anyPrompt: /[$#] $/,
  },
  cisco_nxos: {
    banner: /Cisco Nexus Operating System \(NX-OS\) Software/,
    prompt: (h) => `${h}#`,
    long: 'show interface brief',
    pager: ' --More-- ',
    pagingOff: 'terminal length 0',
    enable: null,
    change: {
      commands: [
        'configure terminal',
        'interface loopback77',
        'description lab-spec-change',
        'ip address 10.77.77.1 255.255.255.255',
        'exit',
        'ntp server 10.99.99.99 use-vrf management',
        'hostname N77',
        'end',
      ],
      expect: [
        'interface loopback77\n  description lab-spec-change\n  ip address 10.77.77.1/32',
        'ntp server 10.99.99.99 use-vrf management',
        'hostname N77',
      ],
    },
    invalid: { command: 'show bogus', column: 5, error: "% Invalid command at '^' marker." },
    anyPrompt: /#$/,
  },
  cisco_asa: {
    banner: /Type help or '\?' for a list of available commands\./,
    prompt: (h) => `${h}>`,
    long: 'show version',
    pager: '<--- More --->',
    pagingOff: 'terminal pager 0',
    enable: {
      command: 'enable',
      passwordPrompt: 'Password: ',
      wrong: 'Invalid password',
      prompt: (h) => `${h}#`,
    },
    change: {
      commands: [
        'configure terminal',
        'object network LAB-SPEC',
        'host 10.77.77.1',
        'exit',
        'ntp server 10.99.99.99',
        'hostname ASA77',
        'end',
      ],
      expect: ['object network LAB-SPEC\n host 10.77.77.1', 'ntp server 10.99.99.99', 'hostname ASA77'],
    },
    invalid: { command: 'show bogus', column: 5, error: "ERROR: % Invalid input detected at '^' marker." },
    anyPrompt: /[>#]$/,
  },
  aruba_aoscx: {
    banner: /ArubaOS-CX/,
    prompt: (h) => `${h}#`,
    long: 'show running-config',
    pager: '-- MORE --, next page: Space, next line: Enter, quit: Control-C',
    pagingOff: 'no page',
    enable: null,
    change: {
      commands: [
        'configure terminal',
        'interface loopback77',
        'description lab-spec-change',
        'ip address 10.77.77.1/32',
        'exit',
        'ntp server 10.99.99.99',
        'hostname SW77',
        'end',
      ],
      expect: [
        'interface loopback77\n    description lab-spec-change\n    ip address 10.77.77.1/32',
        'ntp server 10.99.99.99',
        'hostname SW77',
      ],
    },
    // AOS-CX prints no caret line.
    invalid: { command: 'show bogus', column: 5, error: 'Invalid input: bogus' },
    anyPrompt: /#$/,
  },
  dell_os10: {
    banner: /Last login:/,
    prompt: (h) => `${h}#`,
    long: 'show running-configuration',
    pager: '--more--',
    pagingOff: 'terminal length 0',
    enable: null,
    change: {
      commands: [
        'configure terminal',
        'interface loopback77',
        'description lab-spec-change',
        'ip address 10.77.77.1/32',
        'exit',
        'ntp server 10.99.99.99',
        'hostname OS77',
        'end',
      ],
      expect: [
        'interface loopback77\n description lab-spec-change\n ip address 10.77.77.1/32',
        'ntp server 10.99.99.99',
        'hostname OS77',
      ],
    },
    // OS10 prints no caret line.
    invalid: { command: 'show bogus', column: 5, error: '% Error: Unrecognized command.' },
    anyPrompt: /#$/,
  },
  ruijie_os: {
    // RGOS prints no banner: the first thing is the prompt.
    banner: />$/,
    prompt: (h) => `${h}>`,
    long: 'show interfaces',
    pager: ' --More-- ',
    pagingOff: 'terminal length 0',
    enable: {
      command: 'enable',
      passwordPrompt: 'Password: ',
      wrong: '% Access denied',
      prompt: (h) => `${h}#`,
    },
    change: {
      commands: [
        'configure terminal',
        'interface Loopback 77',
        'description lab-spec-change',
        'ip address 10.77.77.1 255.255.255.255',
        'exit',
        // Abbreviated and lower case: RGOS expands it to `VLAN 77`.
        'interface vlan 77',
        'description lab-spec-svi',
        'exit',
        'ntp server 10.99.99.99',
        'hostname RG77',
        'end',
      ],
      expect: [
        'interface Loopback 77\n description lab-spec-change\n ip address 10.77.77.1 255.255.255.255',
        'interface VLAN 77\n description lab-spec-svi',
        'ntp server 10.99.99.99',
        'hostname RG77',
      ],
    },
    invalid: { command: 'show bogus', column: 5, error: "% Invalid input detected at '^' marker." },
    anyPrompt: /[>#]$/,
  },
  cisco_xr: {
    banner: /RP\/0\/RP0\/CPU0:/,
    prompt: (h) => `RP/0/RP0/CPU0:${h}#`,
    long: 'show running-config',
    pager: ' --More-- ',
    pagingOff: 'terminal length 0',
    enable: null,
    change: {
      commands: [
        'configure terminal',
        'interface Loopback77',
        'description lab-spec-change',
        'ipv4 address 10.77.77.1 255.255.255.255',
        'exit',
        'hostname XR77',
        'commit',
        'end',
      ],
      expect: [
        'interface Loopback77\n description lab-spec-change\n ipv4 address 10.77.77.1 255.255.255.255',
        'hostname XR77',
      ],
    },
    invalid: { command: 'show bogus', column: 5, error: "% Invalid input detected at '^' marker." },
    anyPrompt: /#$/,
  },
};

const crlf = (text: string): string => text.replace(/\r\n/g, '\n');

describe('DeviceLab over SSH', () => {
  let lab: DeviceLab;

  beforeAll(async () => {
    lab = await DeviceLab.start({
      devices: 2 * PLATFORMS.length,
      mix: Object.fromEntries(PLATFORMS.map((p) => [p, 1])),
    });
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('names devices per platform, round-robin, on distinct ephemeral ports', () => {
    const devices = lab.devices();
    expect(devices.map((d) => d.platform)).toEqual([...PLATFORMS, ...PLATFORMS]);
    expect(devices[0]).toMatchObject({
      name: 'lab-cisco-ios-001',
      host: '127.0.0.1',
      username: 'admin',
      password: 'admin123',
      enableSecret: 'enable123',
      hostname: 'lab-cisco-ios-001',
    });
    expect(new Set(devices.map((d) => d.port)).size).toBe(2 * PLATFORMS.length);
  });

  it('spreads devices over the first six platforms when no mix is given', () => {
    expect(platformSequence(12)).toEqual([
      ...['cisco_ios', 'huawei', 'hp_comware', 'juniper_junos', 'arista_eos', 'linux'],
      ...['cisco_ios', 'huawei', 'hp_comware', 'juniper_junos', 'arista_eos', 'linux'],
    ]);
  });

  describe.each(PLATFORMS.map((p) => [p]))('%s', (platform) => {
    const c = CASES[platform];
    const pick = (i: number) => lab.devices().filter((d) => d.platform === platform)[i]!;
    /** Logs in, escalates where the config command needs it (IOS/EOS), turns paging off; returns the prompt. */
    const prepare = async (s: LabShellClient, d: LabDeviceInfo): Promise<string> => {
      let prompt = c.prompt(d.hostname);
      await s.waitFor((b) => b.endsWith(prompt));
      if (c.enable && ['cisco_ios', 'arista_eos', 'cisco_asa', 'ruijie_os'].includes(platform)) {
        await s.command(c.enable.command, (b) => b.endsWith(c.enable!.passwordPrompt));
        prompt = c.enable.prompt(d.hostname);
        await s.command(d.enableSecret, (b) => b.endsWith(prompt));
      }
      if (c.pagingOff) await s.command(c.pagingOff, (b) => b.endsWith(prompt));
      return prompt;
    };

    it('logs in, pages, escalates, changes the config and reports invalid commands', async () => {
      const d = pick(0);
      const s = await LabShellClient.connect(d);
      try {
        let host = d.hostname;
        await s.waitFor((b) => b.endsWith(c.prompt(host)));
        expect(s.buffer).toMatch(c.banner);

        if (c.pager) {
          const first = await s.command(c.long, (b) => b.endsWith(c.pager!));
          expect(first.split('\r\n').length).toBeLessThanOrEqual(25);
          let mark = s.buffer.length;
          s.send(' ');
          await s.waitFor((b) => b.endsWith(c.pager!), 5000, mark);
          mark = s.buffer.length;
          s.send('q');
          await s.waitFor((b) => b.endsWith(c.prompt(host)), 5000, mark);
          await s.command(c.pagingOff!, (b) => b.endsWith(c.prompt(host)));
        }
        const full = crlf(await s.command(c.long, (b) => b.endsWith(c.prompt(host)), 10_000));
        expect(full).not.toContain(c.pager ?? '\u0000');
        expect(full).toContain(lab.expectedOutput(d.name, c.long));

        if (c.enable) {
          await s.command(c.enable.command, (b) => b.endsWith(c.enable!.passwordPrompt));
          const wrong = await s.command(
            'not-the-secret',
            (b) =>
              (b.includes(c.enable!.wrong) && c.anyPrompt.test(b)) || b.endsWith(c.enable!.passwordPrompt),
          );
          expect(wrong).toContain(c.enable.wrong);
          if (!wrong.endsWith(c.enable.passwordPrompt))
            await s.command(c.enable.command, (b) => b.endsWith(c.enable!.passwordPrompt));
          await s.command(d.enableSecret, (b) => b.endsWith(c.enable!.prompt(host)));
        }

        if (c.change) {
          for (const command of c.change.commands) await s.command(command, (b) => c.anyPrompt.test(b));
          host = lab.simDevice(d.name).hostname;
          const config = lab.runningConfig(d.name);
          for (const text of c.change.expect) expect(config).toContain(text);
          const printed = crlf(await s.command(CONFIG_COMMAND[platform], (b) => c.anyPrompt.test(b), 10_000));
          expect(printed).toContain(config);
        }

        const err = crlf(
          await s.command(c.invalid.command, (b) => b.includes(c.invalid.error) && c.anyPrompt.test(b)),
        );
        const lines = err.split('\n');
        const at = lines.indexOf(c.invalid.error);
        expect(at).toBeGreaterThan(0);
        if (platform !== 'linux' && platform !== 'aruba_aoscx' && platform !== 'dell_os10') {
          const promptLength = lines.at(-1)!.length;
          expect(lines[at - 1]).toBe(' '.repeat(promptLength + c.invalid.column) + '^');
        }
        expect(lab.commandLog(d.name)).toContain(c.invalid.command);
      } finally {
        s.end();
      }
      await waitUntil('sessions to close', () => lab.openSessions(d.name) === 0);
    }, 30_000);

    it('fails logins with wrongPassword and counts successful ones', async () => {
      const d = pick(1);
      const before = lab.totalLogins(d.name);
      lab.setFaults(d.name, { wrongPassword: true });
      expect(await tryLogin(d)).toMatch(/authentication/i);
      lab.clearFaults(d.name);
      expect(await tryLogin(d)).toBe('ok');
      expect(await tryLogin(d, 'nope')).toMatch(/authentication/i);
      expect(lab.totalLogins(d.name)).toBe(before + 1);
      await waitUntil('sessions to close', () => lab.openSessions(d.name) === 0);
    });

    it('drops the connection in the middle of a long output', async () => {
      const d = pick(1);
      lab.setFaults(d.name, { dropMidOutput: true, largeOutputBytes: 10_000 });
      const s = await LabShellClient.connect(d);
      try {
        await prepare(s, d);
        const mark = s.buffer.length;
        s.send(CONFIG_COMMAND[platform] + '\r');
        await s.waitClosed();
        const got = s.since(mark).length;
        expect(got).toBeGreaterThan(100);
        expect(got).toBeLessThan(lab.runningConfig(d.name).length);
      } finally {
        lab.clearFaults(d.name);
        s.end();
      }
      await waitUntil('sessions to close', () => lab.openSessions(d.name) === 0);
    });

    it('hangs after the first real command without printing a prompt', async () => {
      const d = pick(1);
      lab.setFaults(d.name, { hang: true });
      const s = await LabShellClient.connect(d);
      try {
        await prepare(s, d);
        const mark = s.buffer.length;
        s.send(`${CONFIG_COMMAND[platform]}\r`);
        await expect(s.waitFor((b) => c.anyPrompt.test(b), 400, mark)).rejects.toThrow(/timed out/);
        expect(lab.openSessions(d.name)).toBe(1);
      } finally {
        lab.clearFaults(d.name);
        s.end();
      }
      await waitUntil('sessions to close', () => lab.openSessions(d.name) === 0);
    });

    it('sends a 5 MB running config completely', async () => {
      const d = pick(1);
      lab.setFaults(d.name, { largeOutputBytes: 5_000_000 });
      const s = await LabShellClient.connect(d);
      try {
        const prompt = await prepare(s, d);
        const out = crlf(await s.command(CONFIG_COMMAND[platform], (b) => b.endsWith(prompt), 30_000));
        const config = lab.runningConfig(d.name);
        expect(config.length).toBeGreaterThanOrEqual(5_000_000);
        expect(out).toContain(config);
      } finally {
        lab.clearFaults(d.name);
        s.end();
      }
      await waitUntil('sessions to close', () => lab.openSessions(d.name) === 0);
    }, 60_000);
  });

  it('delays the banner and each command output', async () => {
    const d = lab.device('lab-huawei-002');
    lab.setFaults(d.name, { bannerDelayMs: 300, commandLatencyMs: 300 });
    const started = Date.now();
    const s = await LabShellClient.connect(d);
    try {
      await s.waitFor((b) => b.endsWith(`<${d.hostname}>`));
      expect(Date.now() - started).toBeGreaterThanOrEqual(280);
      const t0 = Date.now();
      await s.command('display version', (b) => b.endsWith(`<${d.hostname}>`));
      expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    } finally {
      lab.clearFaults(d.name);
      s.end();
    }
    await waitUntil('sessions to close', () => lab.openSessions() === 0);
  });
});
