import type { ConfigItem } from '../config';
import {
  comwareDisplayVersion,
  huaweiDisplayVersion,
  vrpBanner,
  vrpDisplayInterface,
  vrpInterfaceBrief,
} from '../outputs/vrp';
import { isoTime } from '../profile';
import { applyPipe, expandKeyword, matchCommand, result, Shell, splitPipe, tokenize } from './base';
import type { CommandResult, CommandSpec, PagerStyle } from './base';

type ViewId =
  | 'super'
  | 'quit'
  | 'screen-length'
  | 'display-version'
  | 'display-cur'
  | 'display-saved'
  | 'display-int-brief'
  | 'display-int'
  | 'display-esn'
  | 'display-manuinfo'
  | 'display-clock'
  | 'display-vlan'
  | 'system-view'
  | 'save'
  | 'return';

const HUAWEI_VIEW: CommandSpec<ViewId>[] = [
  { words: ['super'], id: 'super', args: 'any' },
  { words: ['quit'], id: 'quit' },
  { words: ['return'], id: 'return' },
  { words: ['screen-length'], id: 'screen-length', args: 'required' },
  { words: ['display', 'version'], id: 'display-version' },
  { words: ['display', 'current-configuration'], id: 'display-cur', args: 'any' },
  { words: ['display', 'saved-configuration'], id: 'display-saved' },
  { words: ['display', 'interface', 'brief'], id: 'display-int-brief' },
  { words: ['display', 'interface'], id: 'display-int', args: 'any' },
  { words: ['display', 'esn'], id: 'display-esn' },
  { words: ['display', 'device', 'manuinfo'], id: 'display-manuinfo' },
  { words: ['display', 'clock'], id: 'display-clock' },
  { words: ['display', 'vlan'], id: 'display-vlan', args: 'any' },
  { words: ['system-view'], id: 'system-view' },
  { words: ['save'], id: 'save', args: 'any' },
];

const GLOBAL_KEYWORDS = [
  'aaa',
  'acl',
  'authentication-profile',
  'clock',
  'dhcp',
  'display',
  'dns',
  'domain',
  'ftp',
  'header',
  'http',
  'hwtacacs-scheme',
  'info-center',
  'interface',
  'ip',
  'irf',
  'line',
  'lldp',
  'local-user',
  'ntp-service',
  'password-recovery',
  'port-group',
  'quit',
  'radius-scheme',
  'return',
  'role',
  'sftp',
  'snmp-agent',
  'ssh',
  'stelnet',
  'stp',
  'super',
  'sysname',
  'telnet',
  'undo',
  'user-interface',
  'vlan',
];
const IF_KEYWORDS = [
  'arp',
  'broadcast-suppression',
  'description',
  'display',
  'dot1x',
  'duplex',
  'eth-trunk',
  'ip',
  'jumboframe',
  'lldp',
  'loopback-detect',
  'mac-address',
  'mtu',
  'port',
  'port-isolate',
  'port-security',
  'portswitch',
  'qos',
  'quit',
  'return',
  'shutdown',
  'speed',
  'stp',
  'traffic-policy',
  'undo',
  'voice-vlan',
];
const VLAN_KEYWORDS = ['description', 'display', 'name', 'quit', 'return', 'undo'];

const HUAWEI_IF = ['GigabitEthernet', 'XGigabitEthernet', 'Vlanif', 'LoopBack', 'Eth-Trunk', 'MEth', 'NULL'];
const COMWARE_IF = [
  'GigabitEthernet',
  'Ten-GigabitEthernet',
  'Vlan-interface',
  'LoopBack',
  'Bridge-Aggregation',
  'M-GigabitEthernet',
  'NULL',
];
const VIRTUAL = /^(Vlanif|LoopBack|Eth-Trunk|Vlan-interface|Bridge-Aggregation)/;

type Mode =
  | { kind: 'user' }
  | { kind: 'system' }
  | { kind: 'block'; item: ConfigItem; label: string; keywords: readonly string[] | null };

/** Huawei VRP and H3C/HP Comware. */
export class VrpShell extends Shell {
  readonly comware = this.device.platform === 'hp_comware';
  readonly pager: PagerStyle = this.comware
    ? { prompt: '---- More ----', erase: '\r' + ' '.repeat(14) + '\r' }
    : { prompt: '  ---- More ----', erase: '\r' + ' '.repeat(16) + '\r' };
  level = 1;
  mode: Mode = { kind: 'user' };

  banner(): string {
    return vrpBanner(this.device.profile, this.comware, new Date());
  }

  prompt(): string {
    const h = this.hostname;
    if (this.mode.kind === 'user') return `<${h}>`;
    if (this.mode.kind === 'system') return `[${h}]`;
    return `[${h}-${this.mode.label}]`;
  }

  private error(reason: 'invalid' | 'incomplete' | 'ambiguous', column: number): CommandResult {
    const word = reason === 'invalid' ? 'Unrecognized' : reason === 'incomplete' ? 'Incomplete' : 'Ambiguous';
    const prefix = this.comware ? '% ' : reason === 'invalid' ? 'Error: ' : 'Error:';
    return result('error', `${this.caret(column)}\n${prefix}${word} command found at '^' position.`);
  }

  execute(raw: string): CommandResult {
    const line = raw.trim();
    if (!line) return result('empty');
    const offset = raw.indexOf(line);
    if (line === '\x1a') {
      this.mode = { kind: 'user' };
      return result('mode');
    }
    const first = line.split(/\s+/)[0]!.toLowerCase();
    // display/screen-length/return/save work in every view.
    const viewWord =
      first.length >= 3 ? expandKeyword(first, ['display', 'screen-length', 'return', 'save']) : null;
    if (this.mode.kind === 'user' || (viewWord && viewWord !== 'ambiguous')) return this.view(line, offset);
    return this.configure(line, offset);
  }

  private view(full: string, offset: number): CommandResult {
    const [line, pipe] = splitPipe(full);
    const m = matchCommand(line, HUAWEI_VIEW);
    if (!m.ok) return this.error(m.reason, m.column + offset);
    const d = this.device;
    const p = d.profile;
    const out = (text: string): CommandResult => result('output', applyPipe(text, pipe));
    switch (m.id) {
      case 'super':
        if (m.args.length && !/^\d+$/.test(m.args[0]!) && !(this.comware && m.args[0] === 'network-admin'))
          return this.error('invalid', full.indexOf(m.args[0]!) + offset);
        return {
          kind: 'mode',
          output: '',
          password: {
            prompt: 'Password:',
            check: (pw) => {
              if (pw !== d.info.enableSecret)
                return result('mode', this.comware ? 'Invalid password.' : 'Error: Password is wrong.');
              this.level = 3;
              return result(
                'mode',
                this.comware
                  ? 'User privilege role is network-admin, and only those commands that authorized to the role can be used.'
                  : 'Now user privilege is 3 level, and only those commands whose level is equal to or less than this level can be used.\nPrivilege note: 0-VISIT, 1-MONITOR, 2-SYSTEM, 3-MANAGE',
              );
            },
          },
        };
      case 'quit':
        if (this.mode.kind !== 'user') return this.error('invalid', offset);
        return { kind: 'mode', output: '', close: true };
      case 'return':
        this.mode = { kind: 'user' };
        return result('mode');
      case 'screen-length': {
        const a = m.args.join(' ').toLowerCase();
        if (this.comware ? a === 'disable' : /^0 temporary(-display)?$/.test(a)) {
          this.pagingOff = true;
          return result(
            'paging',
            this.comware
              ? ''
              : 'Info: The configuration takes effect on the current user terminal interface only.',
          );
        }
        if (!this.comware && /^\d+ temporary(-display)?$/.test(a)) {
          this.pagingOff = false;
          return result(
            'paging',
            'Info: The configuration takes effect on the current user terminal interface only.',
          );
        }
        return this.error('invalid', full.indexOf(m.args[0]!) + offset);
      }
      case 'display-version':
        return out(
          d.cached('display version', () =>
            this.comware ? comwareDisplayVersion(p) : huaweiDisplayVersion(p),
          ),
        );
      case 'display-cur':
      case 'display-saved':
        return out(d.runningConfig());
      case 'display-int-brief':
        return out(d.cached('display interface brief', () => vrpInterfaceBrief(d.config, p, this.comware)));
      case 'display-int': {
        const all = d.cached('display interface', () => vrpDisplayInterface(d.config, p, this.comware));
        if (!m.args.length) return out(all);
        const name = this.interfaceName(m.args.join(''));
        const found = name
          ? all
              .split(/\n(?=\S+ current state|\S+\nCurrent state)/)
              .find((b) => b.startsWith(name + ' ') || b.startsWith(name + '\n'))
          : undefined;
        if (!found) return this.error('invalid', full.indexOf(m.args[0]!) + offset);
        return out(found.replace(/\n+$/, ''));
      }
      case 'display-esn':
        if (this.comware) return this.error('invalid', full.indexOf('esn') + offset);
        return out(`ESN of slot 0: ${p.serial}`);
      case 'display-manuinfo':
        return out(
          `Slot 1 CPU 0:\nDEVICE_NAME          : ${p.version.model}\nDEVICE_SERIAL_NUMBER : ${p.serial}\nMAC_ADDRESS          : ${p.baseMac.match(/..../g)!.join('-').toUpperCase()}\nMANUFACTURING_DATE   : 2021-04-12\nVENDOR_NAME          : ${this.comware ? 'H3C' : 'HUAWEI'}`,
        );
      case 'display-clock':
        return out(
          `${isoTime(new Date())}+00:00\n${['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'][new Date().getUTCDay()]}\nTime Zone(UTC) : UTC`,
        );
      case 'display-vlan': {
        const ids = d.config.items
          .filter((i) => i.children && /^vlan \d+$/.test(i.head))
          .map((i) => i.head.slice(5));
        return out(
          [
            'The total number of vlans is : ' + (ids.length + (this.comware ? 0 : 1)),
            '',
            'VID  Status  Property      MAC-LRN Statistics Description',
            '-'.repeat(60),
            ...(this.comware ? [] : ['1    enable  default       enable  disable    VLAN 0001']),
            ...ids.map(
              (id) => `${id.padEnd(5)}enable  default       enable  disable    VLAN ${id.padStart(4, '0')}`,
            ),
          ].join('\n'),
        );
      }
      case 'system-view':
        if (this.mode.kind !== 'user') return this.error('invalid', offset);
        this.mode = { kind: 'system' };
        return result(
          'mode',
          this.comware
            ? 'System View: return to User View with Ctrl+Z.'
            : 'Enter system view, return user view with Ctrl+Z.',
        );
      case 'save':
        d.meta.savedAt = new Date();
        return result(
          'output',
          this.comware
            ? 'The current configuration is saved to flash:/startup.cfg.'
            : 'Info: The current configuration was saved to the device successfully.',
        );
    }
  }

  interfaceName(text: string): string | null {
    const m = /^([A-Za-z-]+)\s*(\d[\d/.:]*)$/.exec(text.trim());
    if (!m) return null;
    const t = m[1]!.toLowerCase();
    if (t === 'ge') return `GigabitEthernet${m[2]}`;
    if (t === 'xge') return `${this.comware ? 'Ten-GigabitEthernet' : 'XGigabitEthernet'}${m[2]}`;
    const types = this.comware ? COMWARE_IF : HUAWEI_IF;
    const type = types.find((x) => x.toLowerCase() === t) ?? types.find((x) => x.toLowerCase().startsWith(t));
    return type ? type + m[2] : null;
  }

  private changed(): void {
    this.device.changed(this.username);
  }

  private configure(line: string, offset: number): CommandResult {
    const words = tokenize(line).map((t) => t.text);
    const first = words[0]!;
    const args = words.slice(1);
    const mode = this.mode;
    if (mode.kind === 'block') {
      const kw = mode.keywords
        ? expandKeyword(first, mode.keywords)
        : /^[a-z][\w-]*$/i.test(first)
          ? first.toLowerCase()
          : null;
      const global = expandKeyword(first, GLOBAL_KEYWORDS);
      // VRP, like IOS, runs system-view commands typed in a sub-view (and switches to that view).
      if (
        (!kw ||
          (!mode.keywords &&
            global &&
            ['interface', 'vlan', 'sysname', 'aaa', 'user-interface', 'line'].includes(global))) &&
        global &&
        global !== 'ambiguous' &&
        global !== 'undo'
      ) {
        this.mode = { kind: 'system' };
        return this.systemCommand(global, line, args, offset);
      }
      if (!kw || kw === 'ambiguous') return this.error(kw ? 'ambiguous' : 'invalid', offset);
      return this.blockCommand(mode.item, kw, line, args, offset);
    }
    const kw = expandKeyword(first, GLOBAL_KEYWORDS);
    if (!kw || kw === 'ambiguous') return this.error(kw ? 'ambiguous' : 'invalid', offset);
    return this.systemCommand(kw, line, args, offset);
  }

  private systemCommand(kw: string, line: string, args: string[], offset: number): CommandResult {
    const cfg = this.device.config;
    const argAt = (i: number): number => offset + line.indexOf(args[i] ?? '', line.indexOf(' '));
    switch (kw) {
      case 'quit':
        this.mode = this.mode.kind === 'block' ? { kind: 'system' } : { kind: 'user' };
        return result('mode');
      case 'return':
        this.mode = { kind: 'user' };
        return result('mode');
      case 'interface': {
        if (!args.length) return this.error('incomplete', offset + line.length);
        const name = this.interfaceName(args.join(''));
        if (!name) return this.error('invalid', argAt(0));
        let item = cfg.block(`interface ${name}`);
        if (!item) {
          if (!VIRTUAL.test(name)) return this.error('invalid', argAt(0));
          item = cfg.ensureBlock(`interface ${name}`);
          this.changed();
        }
        this.mode = { kind: 'block', item, label: name, keywords: IF_KEYWORDS };
        return result('mode');
      }
      case 'vlan': {
        if (!args.length) return this.error('incomplete', offset + line.length);
        if (args[0] === 'batch') {
          for (const a of args.slice(1)) if (/^\d+$/.test(a)) cfg.ensureBlock(`vlan ${a}`);
          this.changed();
          return result('config');
        }
        const id = Number(args[0]);
        if (!Number.isInteger(id) || id < 1 || id > 4094) return this.error('invalid', argAt(0));
        const existed = cfg.block(`vlan ${id}`);
        const item = cfg.ensureBlock(`vlan ${id}`);
        if (!existed) this.changed();
        this.mode = { kind: 'block', item, label: `vlan${id}`, keywords: VLAN_KEYWORDS };
        return result('mode');
      }
      case 'undo': {
        if (!args.length) return this.error('incomplete', offset + line.length);
        const target = expandKeyword(args[0]!, GLOBAL_KEYWORDS);
        if (!target || target === 'ambiguous') return this.error('invalid', argAt(0));
        if (target === 'sysname') cfg.setGlobal(`sysname ${this.comware ? 'H3C' : 'HUAWEI'}`);
        else if (target === 'interface') {
          const name = this.interfaceName(args.slice(1).join(''));
          if (!name) return this.error('invalid', argAt(1));
          cfg.removeGlobal(`interface ${name}`);
        } else cfg.removeGlobal([target, ...args.slice(1)].join(' '));
        this.changed();
        return result('config');
      }
      default: {
        if (!args.length && !['aaa', 'snmp-agent', 'stp', 'lldp'].includes(kw))
          return this.error('incomplete', offset + line.length);
        if (kw === 'sysname' && !/^[\w.-]{1,64}$/.test(args[0]!)) return this.error('invalid', argAt(0));
        const normalized = [kw, ...args].join(' ');
        if (
          /^(aaa|user-interface |line |acl |local-user |domain |role |radius-scheme |hwtacacs-scheme |port-group )/.test(
            normalized,
          ) &&
          !/^(aaa|domain) (\S+ )?enable/.test(normalized) &&
          normalized !== 'domain default enable system'
        ) {
          const existed = cfg.block(normalized);
          const item = cfg.ensureBlock(normalized);
          if (!existed) this.changed();
          const label = normalized
            .replace(
              /^user-interface (\w+) (\d+)(?: (\d+))?$/,
              (_m, t: string, a: string, b?: string) => `ui-${t}${a}${b ? '-' + b : ''}`,
            )
            .replace(
              /^line (\w+) (\d+)(?: (\d+))?$/,
              (_m, t: string, a: string, b?: string) => `line-${t}${a}${b ? '-' + b : ''}`,
            )
            .replace(/^acl (?:number |advanced |basic )?(\d+)$/, (_m, n: string) =>
              this.comware ? `acl-ipv4-adv-${n}` : `acl-adv-${n}`,
            )
            .replace(/^local-user (\S+)(?: class \w+)?$/, 'luser-manage-$1')
            .replace(/ /g, '-');
          this.mode = { kind: 'block', item, label, keywords: null };
          return result('mode');
        }
        cfg.setGlobal(normalized, 'undo');
        this.changed();
        return result('config');
      }
    }
  }

  private blockCommand(
    item: ConfigItem,
    kw: string,
    line: string,
    args: string[],
    offset: number,
  ): CommandResult {
    const cfg = this.device.config;
    switch (kw) {
      case 'quit':
        this.mode = { kind: 'system' };
        return result('mode');
      case 'return':
        this.mode = { kind: 'user' };
        return result('mode');
      case 'undo':
        if (!args.length) return this.error('incomplete', offset + line.length);
        cfg.removeChild(item, args.join(' '));
        this.changed();
        return result('config');
      case 'shutdown':
        cfg.setChild(item, 'shutdown', 'undo');
        this.changed();
        return result('config');
      default: {
        if (!args.length && ['description', 'ip', 'name', 'port', 'speed', 'duplex', 'mtu'].includes(kw))
          return this.error('incomplete', offset + line.length);
        if (
          kw === 'ip' &&
          args[0] === 'address' &&
          !(
            /^\d+\.\d+\.\d+\.\d+$/.test(args[1] ?? '') && /^(\d+\.\d+\.\d+\.\d+|\d{1,2})$/.test(args[2] ?? '')
          )
        )
          return args.length < 3
            ? this.error('incomplete', offset + line.length)
            : this.error('invalid', offset + line.lastIndexOf(args[2]!));
        cfg.setChild(item, [kw, ...args].join(' '), 'undo');
        this.changed();
        return result('config');
      }
    }
  }
}
