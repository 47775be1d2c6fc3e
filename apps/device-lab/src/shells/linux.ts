import { linuxBanner, linuxIpBrief, linuxNetplan, linuxUname, linuxUptime } from '../outputs/linux';
import { result, Shell } from './base';
import type { CommandResult, PagerStyle } from './base';

export class LinuxShell extends Shell {
  readonly pager: PagerStyle | null = null;
  root = false;
  override pagingOff = true;

  banner(): string {
    return linuxBanner(this.device.profile);
  }

  prompt(): string {
    return this.root
      ? `root@${this.hostname}:/home/${this.username}# `
      : `${this.username}@${this.hostname}:~$ `;
  }

  private files(): Record<string, () => string> {
    const d = this.device;
    return {
      '/etc/os-release': () => d.runningConfig(),
      '/etc/hostname': () => this.hostname,
      '/etc/hosts': () =>
        `127.0.0.1 localhost\n127.0.1.1 ${this.hostname}\n\n# The following lines are desirable for IPv6 capable hosts\n::1     ip6-localhost ip6-loopback\nff02::1 ip6-allnodes\nff02::2 ip6-allrouters`,
      '/etc/netplan/50-cloud-init.yaml': () => d.cached('netplan', () => linuxNetplan(d.profile)),
      '/etc/resolv.conf': () => `nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch ${d.profile.domain}`,
    };
  }

  execute(raw: string, asRoot = false): CommandResult {
    const line = raw.trim();
    if (!line) return result('empty');
    const words = line.split(/\s+/);
    const cmd = words[0]!;
    const args = words.slice(1);
    const d = this.device;
    const root = this.root || asRoot;
    switch (cmd) {
      case 'uname':
        if (args.includes('-a'))
          return result(
            'output',
            d.cached('uname -a', () => linuxUname(d.profile, this.hostname)),
          );
        if (args.includes('-r')) return result('output', d.profile.version.version);
        if (args.includes('-n')) return result('output', this.hostname);
        return result('output', 'Linux');
      case 'hostname':
        return result('output', this.hostname);
      case 'hostnamectl':
        if (args[0] === 'set-hostname' && args[1]) {
          if (!root) return result('error', 'Could not set static hostname: Access denied');
          d.linuxHostname = args[1];
          d.changed(this.username);
          return result('config');
        }
        return result(
          'output',
          ` Static hostname: ${this.hostname}\n       Icon name: computer-vm\n         Chassis: vm\n  Virtualization: kvm\nOperating System: Ubuntu ${d.profile.version.image}\n          Kernel: Linux ${d.profile.version.version}\n    Architecture: x86-64`,
        );
      case 'cat': {
        if (!args.length) return result('error', '');
        const out: string[] = [];
        for (const f of args) {
          const file = this.files()[f];
          out.push(file ? file() : `cat: ${f}: No such file or directory`);
        }
        return result('output', out.join('\n'));
      }
      case 'ip':
        if (/^-br(ief)?$/.test(args[0] ?? '') && /^a(d(d(r(e(s(s)?)?)?)?)?)?$/.test(args[1] ?? ''))
          return result(
            'output',
            d.cached('ip -brief address', () => linuxIpBrief(d.profile)),
          );
        return result('error', 'Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }');
      case 'uptime':
        return result('output', linuxUptime(d.profile));
      case 'whoami':
        return result('output', root ? 'root' : this.username);
      case 'id':
        return result(
          'output',
          root
            ? 'uid=0(root) gid=0(root) groups=0(root)'
            : `uid=1000(${this.username}) gid=1000(${this.username}) groups=1000(${this.username}),4(adm),27(sudo)`,
        );
      case 'pwd':
        return result('output', `/home/${this.username}`);
      case 'echo':
        return result('output', args.join(' ').replace(/^["']|["']$/g, ''));
      case 'true':
      case 'export':
      case 'unset':
      case 'stty':
        return result('paging');
      case 'exit':
      case 'logout':
        if (this.root) {
          this.root = false;
          return result('mode', 'exit');
        }
        return { kind: 'mode', output: 'logout', close: true };
      case 'sudo': {
        if (root)
          return args[0] === '-s' || args[0] === '-i' ? result('mode') : this.execute(args.join(' '), true);
        let attempts = 0;
        const ask = (): CommandResult => ({
          kind: 'mode',
          output: '',
          password: {
            prompt: `[sudo] password for ${this.username}: `,
            check: (pw) => {
              if (pw === d.info.enableSecret) {
                if (args[0] === '-s' || args[0] === '-i' || (args[0] === 'su' && args.length === 1)) {
                  this.root = true;
                  return result('mode');
                }
                return this.execute(args.join(' '), true);
              }
              attempts++;
              if (attempts >= 3) return result('mode', 'sudo: 3 incorrect password attempts');
              const again = ask();
              return { ...again, output: 'Sorry, try again.' };
            },
          },
        });
        return ask();
      }
      default:
        return result(
          'error',
          `bash: ${cmd}: ${cmd.includes('/') ? 'No such file or directory' : 'command not found'}`,
        );
    }
  }
}
