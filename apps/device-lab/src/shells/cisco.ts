import type { ConfigItem } from '../config';
import {
  ciscoBanner,
  ciscoShowInterfaces,
  eosShowIpIntBrief,
  eosShowVersion,
  iosShowIpIntBrief,
  iosShowVersion,
} from '../outputs/cisco';
import { iosTime } from '../profile';
import { applyPipe, expandKeyword, matchCommand, result, Shell, splitPipe, tokenize } from './base';
import type { CommandResult, CommandSpec, PagerStyle } from './base';

type ExecId =
  | 'enable'
  | 'disable'
  | 'exit'
  | 'terminal-length'
  | 'terminal-width'
  | 'show-version'
  | 'show-run'
  | 'show-start'
  | 'show-ip-int-brief'
  | 'show-interfaces'
  | 'show-clock'
  | 'show-vlan'
  | 'show-inventory'
  | 'configure'
  | 'write'
  | 'copy';

const EXEC: CommandSpec<ExecId>[] = [
  { words: ['enable'], id: 'enable' },
  { words: ['disable'], id: 'disable' },
  { words: ['exit'], id: 'exit' },
  { words: ['logout'], id: 'exit' },
  { words: ['terminal', 'length'], id: 'terminal-length', args: 'required' },
  { words: ['terminal', 'width'], id: 'terminal-width', args: 'required' },
  { words: ['show', 'version'], id: 'show-version' },
  { words: ['show', 'running-config'], id: 'show-run' },
  { words: ['show', 'startup-config'], id: 'show-start' },
  { words: ['show', 'ip', 'interface', 'brief'], id: 'show-ip-int-brief' },
  { words: ['show', 'interfaces'], id: 'show-interfaces', args: 'any' },
  { words: ['show', 'clock'], id: 'show-clock' },
  { words: ['show', 'vlan'], id: 'show-vlan', args: 'any' },
  { words: ['show', 'inventory'], id: 'show-inventory' },
  { words: ['configure'], id: 'configure', args: 'any' },
  { words: ['write'], id: 'write', args: 'any' },
  { words: ['copy'], id: 'copy', args: 'any' },
];
const PRIVILEGED = new Set<ExecId>(['show-run', 'show-start', 'configure', 'write', 'copy', 'disable']);

const GLOBAL_KEYWORDS = [
  'aaa',
  'access-list',
  'alias',
  'archive',
  'banner',
  'boot',
  'cdp',
  'class-map',
  'clock',
  'crypto',
  'default',
  'dns',
  'do',
  'dot1x',
  'enable',
  'end',
  'errdisable',
  'exit',
  'hostname',
  'interface',
  'ip',
  'ipv6',
  'license',
  'line',
  'lldp',
  'logging',
  'mac',
  'management',
  'monitor',
  'no',
  'ntp',
  'policy-map',
  'port-channel',
  'radius-server',
  'route-map',
  'router',
  'service',
  'snmp-server',
  'spanning-tree',
  'system',
  'tacacs-server',
  'track',
  'transceiver',
  'udld',
  'username',
  'vlan',
  'vrf',
  'vtp',
];
const IF_KEYWORDS = [
  'bandwidth',
  'cdp',
  'channel-group',
  'default',
  'description',
  'do',
  'duplex',
  'end',
  'exit',
  'ip',
  'ipv6',
  'lldp',
  'load-interval',
  'logging',
  'mtu',
  'no',
  'power',
  'service-policy',
  'shutdown',
  'spanning-tree',
  'speed',
  'standby',
  'storm-control',
  'switchport',
  'vrf',
];
const VLAN_KEYWORDS = ['do', 'end', 'exit', 'name', 'no', 'state'];
/** Sub-modes entered from global configuration: keyword → prompt suffix. */
const IOS_SUBMODES: Array<[RegExp, string]> = [
  [/^line /, 'config-line'],
  [/^router /, 'config-router'],
  [/^ip access-list extended /, 'config-ext-nacl'],
  [/^ip access-list standard /, 'config-std-nacl'],
  [/^management api /, 'config-mgmt-api-http-cmds'],
  [/^ip access-list /, 'config-acl'],
  [/^(class-map|policy-map|route-map|vrf|track|archive|crypto) /, 'config-$1'],
];

const IOS_IF_TYPES = [
  'GigabitEthernet',
  'TenGigabitEthernet',
  'FastEthernet',
  'Loopback',
  'Vlan',
  'Port-channel',
  'Tunnel',
];
const EOS_IF_TYPES = ['Ethernet', 'Loopback', 'Vlan', 'Port-Channel', 'Management'];
const VIRTUAL = /^(Loopback|Vlan|Port-channel|Port-Channel|Tunnel)/;

type Mode =
  | { kind: 'exec' }
  | { kind: 'config' }
  | { kind: 'block'; item: ConfigItem; suffix: string; keywords: readonly string[] | null };

/** Cisco IOS and Arista EOS. */
export class CiscoShell extends Shell {
  readonly pager: PagerStyle = {
    prompt: ' --More-- ',
    erase: '\b'.repeat(10) + ' '.repeat(10) + '\b'.repeat(10),
  };
  privileged = false;
  mode: Mode = { kind: 'exec' };
  private readonly eos = this.device.platform === 'arista_eos';

  banner(): string {
    return ciscoBanner(this.eos, this.device.profile);
  }

  prompt(): string {
    const h = this.hostname;
    switch (this.mode.kind) {
      case 'exec':
        return h + (this.privileged ? '#' : '>');
      case 'config':
        return `${h}(config)#`;
      case 'block':
        return `${h}(${this.mode.suffix})#`;
    }
  }

  private error(reason: 'invalid' | 'incomplete' | 'ambiguous', column: number, line: string): CommandResult {
    const tail = this.eos ? [] : [''];
    if (reason === 'incomplete')
      return result(
        'error',
        [this.eos ? '% Incomplete command' : '% Incomplete command.', ...tail].join('\n'),
      );
    if (reason === 'ambiguous')
      return result(
        'error',
        [this.eos ? '% Ambiguous command' : `% Ambiguous command:  "${line}"`, ...tail].join('\n'),
      );
    return result(
      'error',
      [this.caret(column), "% Invalid input detected at '^' marker.", ...tail].join('\n'),
    );
  }

  execute(raw: string): CommandResult {
    const line = raw.trim();
    if (!line) return result('empty');
    const offset = raw.indexOf(line);
    if (this.mode.kind === 'exec') return this.exec(line, offset);
    return this.configure(line, offset);
  }

  private exec(full: string, offset: number): CommandResult {
    const [line, pipe] = splitPipe(full);
    const m = matchCommand(line, EXEC);
    if (!m.ok) return this.error(m.reason, m.column + offset, full);
    if (PRIVILEGED.has(m.id) && !this.privileged) {
      const tok = tokenize(line)[m.id.startsWith('show') ? 1 : 0]!;
      return this.error('invalid', tok.column + offset, full);
    }
    const d = this.device;
    const p = d.profile;
    const out = (text: string): CommandResult => result('output', applyPipe(text, pipe));
    switch (m.id) {
      case 'enable':
        if (this.privileged) return result('mode');
        return {
          kind: 'mode',
          output: '',
          password: {
            prompt: 'Password: ',
            check: (pw) => {
              if (pw === d.info.enableSecret) {
                this.privileged = true;
                return result('mode');
              }
              return result('mode', '% Access denied' + (this.eos ? '' : '\n'));
            },
          },
        };
      case 'disable':
        this.privileged = false;
        return result('mode');
      case 'exit':
        return { kind: 'mode', output: '', close: true };
      case 'terminal-length': {
        const n = Number(m.args[0]);
        if (!Number.isInteger(n) || n < 0 || n > 512)
          return this.error('invalid', full.indexOf(m.args[0]!) + offset, full);
        this.pagingOff = n === 0;
        return result(
          'paging',
          this.eos ? (n === 0 ? 'Pagination disabled.' : `Pagination set to ${n} lines.`) : '',
        );
      }
      case 'terminal-width':
        return result('paging', this.eos ? `Width set to ${m.args[0]} columns.` : '');
      case 'show-version':
        return out(
          d.cached('show version', () => (this.eos ? eosShowVersion(p) : iosShowVersion(p, this.hostname))),
        );
      case 'show-run':
        return out(d.runningConfig());
      case 'show-start':
        return out(
          d.cached('show startup', () =>
            d
              .runningConfig()
              .replace(
                /^Building configuration...\n\nCurrent configuration/,
                'Using 4242 out of 524288 bytes',
              ),
          ),
        );
      case 'show-ip-int-brief':
        return out(
          d.cached('show ip int brief', () =>
            this.eos ? eosShowIpIntBrief(d.config, p) : iosShowIpIntBrief(d.config, p),
          ),
        );
      case 'show-interfaces': {
        const all = d.cached('show interfaces', () => ciscoShowInterfaces(d.config, p, this.eos));
        if (m.args.length === 0) return out(all);
        const name = this.interfaceName(m.args.join(''));
        const blocks = all.split(/\n(?=\S)/);
        const found = name ? blocks.find((b) => b.startsWith(name + ' ')) : undefined;
        if (!found) return this.error('invalid', full.indexOf(m.args[0]!) + offset, full);
        return out(found);
      }
      case 'show-clock':
        return out(`*${iosTime(new Date()).replace(/ (\w+ \w+ \d+ \d+)$/, '.000 $1')}`);
      case 'show-vlan': {
        const rows = d.config.items.filter((i) => i.children && /^vlan \d+$/.test(i.head));
        const lines = [
          'VLAN Name                             Status    Ports',
          '---- -------------------------------- --------- -------------------------------',
        ];
        lines.push('1    default                          active    ');
        for (const v of rows) {
          const name =
            v.children!.find((c) => c.startsWith('name '))?.slice(5) ??
            `VLAN${v.head.slice(5).padStart(4, '0')}`;
          lines.push(`${v.head.slice(5).padEnd(5)}${name.padEnd(33)}active    `);
        }
        return out(lines.join('\n'));
      }
      case 'show-inventory':
        return out(
          this.eos
            ? `System information\n  Model                    Description\n  ------------------------ ----------------------------------------------------\n  ${p.version.model.padEnd(25)}Arista switch\n\n  HW Version  Serial Number  Mfg Date\n  ----------- -------------- ----------\n  11.01       ${p.serial.padEnd(15)}2021-04-12`
            : `NAME: "1", DESCR: "${p.version.model}"\nPID: ${p.version.model}, VID: V05  , SN: ${p.serial}`,
        );
      case 'configure':
        if (
          m.args.length &&
          !'terminal'.startsWith(m.args[0]!.toLowerCase()) &&
          !(this.eos && 'session'.startsWith(m.args[0]!.toLowerCase()))
        )
          return this.error('invalid', full.indexOf(m.args[0]!) + offset, full);
        this.mode = { kind: 'config' };
        return result(
          'mode',
          this.eos ? '' : 'Enter configuration commands, one per line.  End with CNTL/Z.',
        );
      case 'write':
      case 'copy':
        d.meta.savedAt = new Date();
        return result(
          'output',
          this.eos ? 'Copy completed successfully.' : 'Building configuration...\n[OK]',
        );
    }
  }

  /** Expands `Gi1/0/1`, `gi 1/0/1`, `et1` to the full interface name. */
  interfaceName(text: string): string | null {
    const m = /^([A-Za-z-]+)\s*(\d[\d/.:]*)$/.exec(text.trim());
    if (!m) return null;
    const types = this.eos ? EOS_IF_TYPES : IOS_IF_TYPES;
    const t = m[1]!.toLowerCase();
    const type =
      types.find((x) => x.toLowerCase() === t) ?? types.filter((x) => x.toLowerCase().startsWith(t))[0];
    return type ? type + m[2] : null;
  }

  private configure(line: string, offset: number): CommandResult {
    const words = tokenize(line);
    const first = words[0]!.text;
    if (first === '\x1a') return this.end();
    const mode = this.mode;
    if (mode.kind === 'block') {
      const keywords = mode.keywords;
      const global0 = expandKeyword(first, GLOBAL_KEYWORDS);
      if (
        !keywords &&
        global0 &&
        [
          'hostname',
          'interface',
          'vlan',
          'line',
          'router',
          'ntp',
          'snmp-server',
          'logging',
          'username',
          'banner',
          'aaa',
          'service',
          'spanning-tree',
        ].includes(global0)
      ) {
        this.mode = { kind: 'config' };
        return this.globalCommand(
          global0,
          line,
          words.slice(1).map((w) => w.text),
          offset,
        );
      }
      const kw = keywords
        ? expandKeyword(first, keywords)
        : /^[a-z][\w-]*$/i.test(first)
          ? first.toLowerCase()
          : null;
      if (kw && kw !== 'ambiguous')
        return this.blockCommand(
          mode.item,
          kw,
          line,
          words.slice(1).map((w) => w.text),
          offset,
        );
      // IOS falls back to global configuration for global commands typed in a sub-mode.
      const global = expandKeyword(first, GLOBAL_KEYWORDS);
      if (global && global !== 'ambiguous' && global !== 'no') {
        this.mode = { kind: 'config' };
        return this.globalCommand(
          global,
          line,
          words.slice(1).map((w) => w.text),
          offset,
        );
      }
      return this.error(kw === 'ambiguous' ? 'ambiguous' : 'invalid', offset, line);
    }
    const kw = expandKeyword(first, GLOBAL_KEYWORDS);
    if (kw === 'ambiguous') return this.error('ambiguous', offset, line);
    if (!kw) return this.error('invalid', offset, line);
    return this.globalCommand(
      kw,
      line,
      words.slice(1).map((w) => w.text),
      offset,
    );
  }

  private end(): CommandResult {
    this.mode = { kind: 'exec' };
    return result('mode');
  }

  private changed(): void {
    this.device.changed(this.username);
  }

  private globalCommand(kw: string, line: string, args: string[], offset: number): CommandResult {
    const cfg = this.device.config;
    const rest = args.join(' ');
    switch (kw) {
      case 'end':
        return this.end();
      case 'exit':
        if (this.mode.kind === 'block') this.mode = { kind: 'config' };
        else this.mode = { kind: 'exec' };
        return result('mode');
      case 'do': {
        const saved = this.mode;
        this.mode = { kind: 'exec' };
        const r = this.exec(rest, 0);
        this.mode = saved;
        return r;
      }
      case 'interface': {
        const name = this.interfaceName(rest);
        if (!name)
          return args.length
            ? this.error('invalid', line.indexOf(args[0]!) + offset, line)
            : this.error('incomplete', 0, line);
        let item = cfg.block(`interface ${name}`);
        if (!item) {
          if (!VIRTUAL.test(name)) return this.error('invalid', line.indexOf(args[0]!) + offset, line);
          item = cfg.ensureBlock(`interface ${name}`);
          this.changed();
        }
        const suffix = this.eos
          ? `config-if-${name
              .replace(/^Ethernet/, 'Et')
              .replace(/^Management/, 'Ma')
              .replace(/^Loopback/, 'Lo')
              .replace(/^Port-Channel/, 'Po')}`
          : 'config-if';
        this.mode = { kind: 'block', item, suffix, keywords: IF_KEYWORDS };
        return result('mode');
      }
      case 'vlan': {
        const id = Number(args[0]);
        if (!args.length) return this.error('incomplete', 0, line);
        if (!Number.isInteger(id) || id < 1 || id > 4094)
          return this.error('invalid', line.indexOf(args[0]!) + offset, line);
        const existed = cfg.block(`vlan ${id}`);
        const item = cfg.ensureBlock(`vlan ${id}`);
        if (!existed) this.changed();
        this.mode = {
          kind: 'block',
          item,
          suffix: this.eos ? `config-vlan-${id}` : 'config-vlan',
          keywords: VLAN_KEYWORDS,
        };
        return result('mode');
      }
      case 'no': {
        if (!args.length) return this.error('incomplete', 0, line);
        const target = expandKeyword(args[0]!, GLOBAL_KEYWORDS);
        if (!target || target === 'ambiguous')
          return this.error('invalid', line.indexOf(args[0]!) + offset, line);
        let pattern = [target, ...args.slice(1)].join(' ');
        if (target === 'interface') {
          const name = this.interfaceName(args.slice(1).join(''));
          if (!name) return this.error('invalid', line.indexOf(args[1] ?? args[0]!) + offset, line);
          pattern = `interface ${name}`;
        }
        if (cfg.removeGlobal(pattern)) this.changed();
        return result('config');
      }
      default: {
        if (
          !args.length &&
          [
            'hostname',
            'ntp',
            'logging',
            'snmp-server',
            'username',
            'banner',
            'ip',
            'router',
            'line',
          ].includes(kw)
        )
          return this.error('incomplete', 0, line);
        if (kw === 'hostname' && !/^[A-Za-z][\w-]{0,62}$/.test(args[0]!))
          return this.error('invalid', line.indexOf(args[0]!) + offset, line);
        const normalized = [kw, ...args].join(' ');
        const sub = IOS_SUBMODES.find(([re]) => re.test(normalized));
        if (sub) {
          const existed = cfg.block(normalized);
          const item = cfg.ensureBlock(normalized);
          if (!existed) this.changed();
          this.mode = {
            kind: 'block',
            item,
            suffix: normalized.replace(sub[0], sub[1]).split(' ')[0]!,
            keywords: null,
          };
          return result('mode');
        }
        cfg.setGlobal(normalized, 'no');
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
      case 'end':
        return this.end();
      case 'exit':
        this.mode = { kind: 'config' };
        return result('mode');
      case 'do':
        return this.globalCommand('do', line, args, offset);
      case 'no': {
        if (!args.length) return this.error('incomplete', 0, line);
        cfg.removeChild(item, args.join(' '));
        this.changed();
        return result('config');
      }
      case 'shutdown':
        cfg.setChild(item, 'shutdown', 'no');
        this.changed();
        return result('config');
      default: {
        if (
          !args.length &&
          ['description', 'ip', 'name', 'switchport', 'speed', 'duplex', 'mtu'].includes(kw)
        )
          return this.error('incomplete', 0, line);
        if (kw === 'ip' && args[0] === 'address') {
          const ok = this.eos
            ? /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(args[1] ?? '')
            : /^\d+\.\d+\.\d+\.\d+$/.test(args[1] ?? '') && /^\d+\.\d+\.\d+\.\d+$/.test(args[2] ?? '');
          if (!ok) {
            const bad = args.slice(1).find((a) => !/^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(a));
            return bad
              ? this.error('invalid', line.lastIndexOf(bad) + offset, line)
              : this.error('incomplete', 0, line);
          }
        }
        cfg.setChild(item, [kw, ...args].join(' '), 'no');
        this.changed();
        return result('config');
      }
    }
  }
}
