import type { BlockConfig, ConfigItem } from '../config';
import {
  ciscoBanner,
  ciscoShowInterfaces,
  eosShowIpIntBrief,
  eosShowVersion,
  iosShowIpIntBrief,
  iosShowVersion,
} from '../outputs/cisco';
import { nxosBanner, nxosShowInterfaceBrief, nxosShowInventory, nxosShowVersion } from '../outputs/nxos';
import { xrCommitList, xrShowInventory, xrShowIpIntBrief, xrShowVersion, xrTimestamp } from '../outputs/xr';
import { aoscxBanner, aoscxShowIpIntBrief, aoscxShowSystem } from '../outputs/aoscx';
import { asaShowInterfaceIpBrief, asaShowVersion } from '../outputs/asa';
import { os10Banner, os10ShowInventory, os10ShowIpIntBrief, os10ShowVersion } from '../outputs/os10';
import {
  rgosShowInterfaces,
  rgosShowInterfacesStatus,
  rgosShowIpIntBrief,
  rgosShowVersion,
} from '../outputs/rgos';
import { maskToPrefix } from '../outputs/common';
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
  | 'copy'
  | 'show-int-brief'
  | 'show-commit-list'
  | 'rollback'
  | 'terminal-pager'
  | 'show-int-ip-brief'
  | 'no-page'
  | 'show-system'
  | 'show-int-status';

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
/** NX-OS and IOS XR answer only some of the IOS commands, and a few of their own. */
const NXOS_EXEC: CommandSpec<ExecId>[] = [
  ...EXEC.filter((c) => !['disable', 'write', 'show-interfaces', 'show-start'].includes(c.id)),
  { words: ['show', 'interface', 'brief'], id: 'show-int-brief' },
  { words: ['show', 'startup-config'], id: 'show-start' },
];
const XR_EXEC: CommandSpec<ExecId>[] = [
  ...EXEC.filter(
    (c) =>
      !['enable', 'disable', 'write', 'copy', 'show-interfaces', 'show-start', 'show-vlan'].includes(c.id),
  ),
  { words: ['show', 'configuration', 'commit', 'list'], id: 'show-commit-list' },
  { words: ['rollback', 'configuration', 'last'], id: 'rollback', args: 'required' },
];
const ASA_EXEC: CommandSpec<ExecId>[] = [
  ...EXEC.filter(
    (c) =>
      ![
        'terminal-length',
        'terminal-width',
        'show-ip-int-brief',
        'show-interfaces',
        'show-vlan',
        'show-start',
      ].includes(c.id),
  ),
  { words: ['terminal', 'pager'], id: 'terminal-pager', args: 'required' },
  { words: ['show', 'interface', 'ip', 'brief'], id: 'show-int-ip-brief' },
  { words: ['show', 'startup-config'], id: 'show-start' },
];
const AOSCX_EXEC: CommandSpec<ExecId>[] = [
  ...EXEC.filter(
    (c) =>
      ![
        'enable',
        'disable',
        'terminal-length',
        'terminal-width',
        'show-interfaces',
        'show-start',
        'show-inventory',
      ].includes(c.id),
  ),
  { words: ['no', 'page'], id: 'no-page' },
  { words: ['show', 'system'], id: 'show-system' },
];
const OS10_EXEC: CommandSpec<ExecId>[] = [
  ...EXEC.filter(
    (c) =>
      !['enable', 'disable', 'show-run', 'show-start', 'show-interfaces', 'show-vlan', 'copy'].includes(c.id),
  ),
  { words: ['show', 'running-configuration'], id: 'show-run' },
  { words: ['show', 'startup-configuration'], id: 'show-start' },
  { words: ['copy'], id: 'copy', args: 'any' },
];
/** RGOS has no `show inventory` (it has `show manuinfo`); its `show interfaces`/`show vlan` tables are its own. */
const RGOS_EXEC: CommandSpec<ExecId>[] = [
  ...EXEC.filter((c) => !['show-inventory', 'show-interfaces', 'show-vlan'].includes(c.id)),
  { words: ['show', 'interfaces', 'status'], id: 'show-int-status' },
  { words: ['show', 'interfaces'], id: 'show-interfaces' },
];
const ASA_GLOBAL_KEYWORDS = [
  'aaa',
  'access-group',
  'access-list',
  'asdm',
  'class-map',
  'clock',
  'crypto',
  'dhcpd',
  'dns',
  'do',
  'domain-name',
  'enable',
  'end',
  'exit',
  'failover',
  'ftp',
  'hostname',
  'http',
  'icmp',
  'interface',
  'ip',
  'logging',
  'mtu',
  'names',
  'nat',
  'no',
  'ntp',
  'object',
  'object-group',
  'pager',
  'policy-map',
  'route',
  'service-module',
  'service-policy',
  'snmp-server',
  'ssh',
  'telnet',
  'threat-detection',
  'timeout',
  'username',
];
const ASA_IF_KEYWORDS = [
  'channel-group',
  'description',
  'do',
  'duplex',
  'end',
  'exit',
  'ip',
  'ipv6',
  'management-only',
  'mtu',
  'nameif',
  'no',
  'security-level',
  'shutdown',
  'speed',
  'vlan',
];
const AOSCX_IF_KEYWORDS = [
  'default-gateway',
  'description',
  'do',
  'end',
  'exit',
  'ip',
  'ipv6',
  'lag',
  'mtu',
  'no',
  'routing',
  'shutdown',
  'speed',
  'vlan',
];
const AOSCX_PAGER = '-- MORE --, next page: Space, next line: Enter, quit: Control-C';

/** ASA sub-modes entered from global configuration. */
const ASA_SUBMODES: Array<[RegExp, string]> = [
  [/^object network /, 'config-network-object'],
  [/^object service /, 'config-service-object'],
  [/^object-group network /, 'config-network-object-group'],
  [/^class-map /, 'config-cmap'],
  [/^policy-map /, 'config-pmap'],
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
const OS10_IF_KEYWORDS = [...IF_KEYWORDS, 'flowcontrol'];
const XR_GLOBAL_KEYWORDS = [
  'aaa',
  'abort',
  'banner',
  'cdp',
  'class-map',
  'clear',
  'clock',
  'commit',
  'control-plane',
  'do',
  'domain',
  'end',
  'exit',
  'hostname',
  'interface',
  'ipv4',
  'ipv6',
  'l2vpn',
  'line',
  'lldp',
  'logging',
  'mpls',
  'netconf-yang',
  'no',
  'ntp',
  'policy-map',
  'prefix-set',
  'route-policy',
  'router',
  'snmp-server',
  'ssh',
  'tacacs-server',
  'telnet',
  'username',
  'vrf',
];
const XR_IF_KEYWORDS = [
  'abort',
  'bundle',
  'cdp',
  'commit',
  'description',
  'do',
  'encapsulation',
  'end',
  'exit',
  'ipv4',
  'ipv6',
  'l2transport',
  'lldp',
  'load-interval',
  'mtu',
  'negotiation',
  'no',
  'service-policy',
  'shutdown',
  'speed',
  'vrf',
];
const XR_SUB_COMMON = ['abort', 'commit', 'do', 'end', 'exit', 'no'];
/** Keywords of the IOS XR and ASA sub-modes the lab models closely (others accept any keyword). */
const XR_SUBMODE_KEYWORDS: Record<string, readonly string[]> = {
  'config-ntp': [
    ...XR_SUB_COMMON,
    'access-group',
    'authenticate',
    'authentication-key',
    'log-internal-sync',
    'master',
    'max-associations',
    'peer',
    'server',
    'source',
    'trusted-key',
    'update-calendar',
  ],
  'config-un': [...XR_SUB_COMMON, 'group', 'password', 'secret'],
  // ASA objects.
  'config-network-object': [
    'description',
    'do',
    'end',
    'exit',
    'fqdn',
    'host',
    'nat',
    'no',
    'range',
    'subnet',
  ],
  'config-service-object': ['description', 'do', 'end', 'exit', 'no', 'service'],
  'config-network-object-group': ['description', 'do', 'end', 'exit', 'group-object', 'network-object', 'no'],
};
/** IOS XR sub-modes entered from global configuration. */
const XR_SUBMODES: Array<[RegExp, string]> = [
  [/^ntp$/, 'config-ntp'],
  [/^username /, 'config-un'],
  [/^router static$/, 'config-static'],
  [/^router (ospf|bgp|isis) .*/, 'config-$1'],
  [/^ipv4 access-list /, 'config-ipv4-acl'],
  [/^(line) .*/, 'config-$1'],
  [/^(vrf|route-policy|class-map|policy-map|prefix-set) .*/, 'config-$1'],
];
/** NX-OS sub-modes entered from global configuration. */
const NXOS_SUBMODES: Array<[RegExp, string]> = [
  [/^vrf context /, 'config-vrf'],
  [/^vdc /, 'config-vdc'],
  [/^line console$/, 'config-console'],
  [/^line vty$/, 'config-line'],
  [/^ip access-list /, 'config-acl'],
  [/^(router|route-map|class-map|policy-map) .*/, 'config-$1'],
];
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
const NXOS_IF_TYPES = ['Ethernet', 'loopback', 'Vlan', 'port-channel', 'mgmt', 'Tunnel'];
const OS10_IF_TYPES = ['ethernet', 'mgmt', 'vlan', 'loopback', 'port-channel'];
const RGOS_IF_TYPES = [
  'GigabitEthernet',
  'TenGigabitEthernet',
  'FastEthernet',
  'VLAN',
  'Loopback',
  'AggregatePort',
  'Mgmt',
  'Tunnel',
];
const ASA_IF_TYPES = ['Ethernet', 'GigabitEthernet', 'Management', 'Port-channel', 'BVI', 'Redundant'];
const XR_IF_TYPES = [
  'GigabitEthernet',
  'TenGigE',
  'HundredGigE',
  'Loopback',
  'MgmtEth',
  'Bundle-Ether',
  'BVI',
];
const VIRTUAL =
  /^(Loopback|loopback|Vlan|vlan|VLAN|Port-channel|Port-Channel|port-channel|AggregatePort|Tunnel|Bundle-Ether|BVI)/;

export type CiscoVariant = 'ios' | 'eos' | 'nxos' | 'xr' | 'asa' | 'aoscx' | 'os10' | 'rgos';

const VARIANT: Record<string, CiscoVariant> = {
  cisco_ios: 'ios',
  arista_eos: 'eos',
  cisco_nxos: 'nxos',
  cisco_xr: 'xr',
  cisco_asa: 'asa',
  aruba_aoscx: 'aoscx',
  dell_os10: 'os10',
  ruijie_os: 'rgos',
};

/** IOS XR's question when configuration mode is left with an uncommitted candidate. */
export const XR_UNCOMMITTED_QUESTION =
  'Uncommitted changes found, commit them before exiting(yes/no/cancel)? [cancel]:';

type Mode =
  | { kind: 'exec' }
  | { kind: 'config' }
  | { kind: 'block'; item: ConfigItem; suffix: string; keywords: readonly string[] | null };

/**
 * Cisco IOS, Arista EOS, Cisco NX-OS and Cisco IOS XR. NX-OS and XR users land in privileged EXEC
 * (the role or task group decides). XR edits a candidate (`target configuration`) that `commit`
 * applies, `commit confirmed N` applies until confirmed, `clear` discards and `abort` discards and
 * leaves; leaving with uncommitted changes asks the vendor's yes/no/cancel question.
 */
export class CiscoShell extends Shell {
  readonly variant: CiscoVariant = VARIANT[this.device.platform] ?? 'ios';
  readonly pager: PagerStyle =
    this.variant === 'asa'
      ? { prompt: '<--- More --->', erase: '\r' + ' '.repeat(14) + '\r' }
      : this.variant === 'aoscx'
        ? { prompt: AOSCX_PAGER, erase: '\r' + ' '.repeat(AOSCX_PAGER.length) + '\r' }
        : this.variant === 'os10'
          ? { prompt: '--more--', erase: '\r' + ' '.repeat(8) + '\r' }
          : { prompt: ' --More-- ', erase: '\b'.repeat(10) + ' '.repeat(10) + '\b'.repeat(10) };
  privileged = ['nxos', 'xr', 'aoscx', 'os10'].includes(this.variant);
  mode: Mode = { kind: 'exec' };
  private readonly eos = this.variant === 'eos';
  private readonly xr = this.variant === 'xr';
  private readonly nxos = this.variant === 'nxos';
  private readonly asa = this.variant === 'asa';
  private readonly aoscx = this.variant === 'aoscx';
  private readonly os10 = this.variant === 'os10';
  /** Ruijie RGOS: IOS-like, interface names with a space (`GigabitEthernet 0/1`). */
  private readonly rgos = this.variant === 'rgos';
  /** IOS XR: the candidate configuration of this session while in configuration mode. */
  private candidate: BlockConfig | null = null;
  private dirty = false;

  private get execSpecs(): CommandSpec<ExecId>[] {
    if (this.os10) return OS10_EXEC;
    if (this.rgos) return RGOS_EXEC;
    return this.xr ? XR_EXEC : this.nxos ? NXOS_EXEC : this.asa ? ASA_EXEC : this.aoscx ? AOSCX_EXEC : EXEC;
  }

  private get globalKeywords(): readonly string[] {
    return this.xr ? XR_GLOBAL_KEYWORDS : this.asa ? ASA_GLOBAL_KEYWORDS : GLOBAL_KEYWORDS;
  }

  /** The configuration commands change: XR's candidate, the running config elsewhere. */
  private get cfg(): BlockConfig {
    return this.candidate ?? this.device.config;
  }

  banner(): string {
    if (this.nxos) return nxosBanner(this.device.profile);
    if (this.xr) return '';
    if (this.asa) return "Type help or '?' for a list of available commands.";
    if (this.aoscx) return aoscxBanner(this.device.profile);
    if (this.os10) return os10Banner();
    if (this.rgos) return '';
    return ciscoBanner(this.eos, this.device.profile);
  }

  prompt(): string {
    const h = (this.xr ? 'RP/0/RP0/CPU0:' : '') + this.hostname;
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
    if (this.nxos) {
      const word = { invalid: 'Invalid', incomplete: 'Incomplete', ambiguous: 'Ambiguous' }[reason];
      return result('error', [this.caret(column), `% ${word} command at '^' marker.`].join('\n'));
    }
    if (this.os10) {
      const word = { invalid: 'Unrecognized', incomplete: 'Incomplete', ambiguous: 'Ambiguous' }[reason];
      return result('error', `% Error: ${word} command.`);
    }
    if (this.aoscx) {
      const token = line.slice(column).split(/\s+/)[0] ?? '';
      if (reason === 'incomplete') return result('error', 'Command incomplete.');
      if (reason === 'ambiguous') return result('error', `Ambiguous input: ${token}`);
      return result('error', `Invalid input: ${token}`);
    }
    if (this.asa) {
      if (reason === 'incomplete') return result('error', 'ERROR: % Incomplete command');
      if (reason === 'ambiguous') return result('error', `ERROR: % Ambiguous command:  "${line}"`);
      return result(
        'error',
        [this.caret(column), "ERROR: % Invalid input detected at '^' marker."].join('\n'),
      );
    }
    const tail = this.eos || this.xr ? [] : [''];
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
    const m = matchCommand(line, this.execSpecs);
    if (!m.ok) return this.error(m.reason, m.column + offset, full);
    const now = (): Date => this.device.clock();
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
        if (this.asa) return this.asaEnable(3);
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
          d.cached('show version', () =>
            this.eos
              ? eosShowVersion(p)
              : this.asa
                ? asaShowVersion(p, this.hostname, d.meta)
                : this.os10
                  ? os10ShowVersion(p)
                  : this.rgos
                    ? rgosShowVersion(p)
                    : this.nxos
                      ? nxosShowVersion(p, this.hostname)
                      : this.xr
                        ? xrShowVersion(p, now())
                        : iosShowVersion(p, this.hostname),
          ),
        );
      case 'terminal-pager': {
        const n = Number(m.args[m.args[0]?.toLowerCase() === 'lines' ? 1 : 0]);
        if (!Number.isInteger(n) || n < 0 || n > 2147483647)
          return this.error('invalid', full.indexOf(m.args.at(-1)!) + offset, full);
        this.pagingOff = n === 0;
        return result('paging');
      }
      case 'show-int-status':
        return out(d.cached('show interfaces status', () => rgosShowInterfacesStatus(d.config, p)));
      case 'no-page':
        this.pagingOff = true;
        return result('paging');
      case 'show-system':
        return out(d.cached('show system', () => aoscxShowSystem(p, this.hostname)));
      case 'show-int-ip-brief':
        return out(d.cached('show interface ip brief', () => asaShowInterfaceIpBrief(d.config, p)));
      case 'show-int-brief':
        return out(d.cached('show interface brief', () => nxosShowInterfaceBrief(d.config, p)));
      case 'show-commit-list':
        return out(xrCommitList(d.commits, now()));
      case 'rollback': {
        const n = Number(m.args[0]);
        if (!Number.isInteger(n) || n < 1 || m.args.length > 1)
          return this.error('invalid', full.indexOf(m.args[0]!) + offset, full);
        if (!d.rollbackBlock(n, this.username))
          return result('error', `% Failed to rollback: there are only ${d.commits.length} commits`);
        return result(
          'output',
          `${xrTimestamp(now())}\n\nLoading Rollback Changes.\nLoaded Rollback Changes in 1 sec\nCommitting.\n${n} items committed in 1 sec (${n})items/sec\nUpdating.\nUpdated Commit database in 1 sec\nConfiguration successfully rolled back ${n} commits.`,
        );
      }
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
            this.eos
              ? eosShowIpIntBrief(d.config, p)
              : this.os10
                ? os10ShowIpIntBrief(d.config, p)
                : this.rgos
                  ? rgosShowIpIntBrief(d.config, p)
                  : this.aoscx
                    ? aoscxShowIpIntBrief(d.config, p)
                    : this.xr
                      ? xrShowIpIntBrief(d.config, p, now())
                      : iosShowIpIntBrief(d.config, p),
          ),
        );
      case 'show-interfaces': {
        if (this.rgos) return out(d.cached('show interfaces', () => rgosShowInterfaces(d.config, p)));
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
        if (this.nxos) return out(nxosShowInventory(p));
        if (this.os10) return out(os10ShowInventory(p));
        if (this.xr) return out(xrShowInventory(p, now()));
        return out(
          this.eos
            ? `System information\n  Model                    Description\n  ------------------------ ----------------------------------------------------\n  ${p.version.model.padEnd(25)}Arista switch\n\n  HW Version  Serial Number  Mfg Date\n  ----------- -------------- ----------\n  11.01       ${p.serial.padEnd(15)}2021-04-12`
            : `NAME: "1", DESCR: "${p.version.model}"\nPID: ${p.version.model}, VID: V05  , SN: ${p.serial}`,
        );
      case 'configure':
        if (
          m.args.length &&
          !'terminal'.startsWith(m.args[0]!.toLowerCase()) &&
          !(this.eos && 'session'.startsWith(m.args[0]!.toLowerCase())) &&
          !(this.xr && 'exclusive'.startsWith(m.args[0]!.toLowerCase()))
        )
          return this.error('invalid', full.indexOf(m.args[0]!) + offset, full);
        this.mode = { kind: 'config' };
        if (this.xr) {
          this.candidate = d.config.clone();
          this.dirty = false;
        }
        return result(
          'mode',
          this.eos || this.xr || this.asa
            ? ''
            : 'Enter configuration commands, one per line.  End with CNTL/Z.',
        );
      case 'write':
      case 'copy':
        d.meta.savedAt = new Date();
        if (this.aoscx) return result('output', 'Copying configuration: [Success]');
        if (this.os10) return result('output', '');
        if (this.asa)
          return result(
            'output',
            `Building configuration...\nCryptochecksum: ${/^Cryptochecksum:(\S+)/m.exec(d.runningConfig())?.[1] ?? ''} \n\n${d.runningConfig().length} bytes copied in 0.80 secs\n[OK]`,
          );
        if (this.nxos)
          return result(
            'output',
            '[########################################] 100%\nCopy complete, now saving to disk (please wait)...\nCopy complete.',
          );
        return result(
          'output',
          this.eos ? 'Copy completed successfully.' : 'Building configuration...\n[OK]',
        );
    }
  }

  /** ASA `enable`: `Invalid password` and the prompt again, `Access denied.` after the third try. */
  private asaEnable(triesLeft: number): CommandResult {
    return {
      kind: 'mode',
      output: '',
      password: {
        prompt: 'Password: ',
        check: (pw) => {
          if (pw === this.device.info.enableSecret) {
            this.privileged = true;
            return result('mode');
          }
          if (triesLeft <= 1) return result('mode', 'Invalid password\nAccess denied.');
          return { ...this.asaEnable(triesLeft - 1), output: 'Invalid password' };
        },
      },
    };
  }

  /** Expands `Gi1/0/1`, `gi 1/0/1`, `et1` to the full interface name. */
  interfaceName(text: string): string | null {
    if (this.aoscx) {
      const t = text.trim().toLowerCase();
      if (/^\d+\/\d+\/\d+$/.test(t) || t === 'mgmt') return t;
      const v = /^(vlan|loopback|lag)\s*(\d+)$/.exec(t);
      return v ? `${v[1]}${v[2]}` : null;
    }
    const m = /^([A-Za-z-]+)\s*(\d[\w/.:]*)$/.exec(text.trim());
    if (!m) return null;
    const types = this.eos
      ? EOS_IF_TYPES
      : this.nxos
        ? NXOS_IF_TYPES
        : this.xr
          ? XR_IF_TYPES
          : this.asa
            ? ASA_IF_TYPES
            : this.os10
              ? OS10_IF_TYPES
              : this.rgos
                ? RGOS_IF_TYPES
                : IOS_IF_TYPES;
    const t = m[1]!.toLowerCase();
    const type =
      types.find((x) => x.toLowerCase() === t) ?? types.filter((x) => x.toLowerCase().startsWith(t))[0];
    if (!type) return null;
    return this.rgos ? `${type} ${m[2]}` : type + m[2];
  }

  private configure(line: string, offset: number): CommandResult {
    const words = tokenize(line);
    const first = words[0]!.text;
    if (first === '\x1a') return this.end();
    if (this.xr) {
      const handled = this.xrTransaction(line, offset);
      if (handled) return handled;
    }
    const mode = this.mode;
    if (mode.kind === 'block') {
      const keywords = mode.keywords;
      const global0 = expandKeyword(first, this.globalKeywords);
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
      const global = expandKeyword(first, this.globalKeywords);
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
    const kw = expandKeyword(first, this.globalKeywords);
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
    if (this.xr && this.dirty) return this.askToCommit();
    this.mode = { kind: 'exec' };
    this.candidate = null;
    return result('mode');
  }

  private changed(): void {
    if (this.xr) this.dirty = true;
    else this.device.changed(this.username);
  }

  /** IOS XR's yes/no/cancel question when leaving configuration mode with uncommitted changes. */
  private askToCommit(): CommandResult {
    return {
      kind: 'mode',
      output: '',
      password: {
        prompt: XR_UNCOMMITTED_QUESTION,
        check: (answer) => {
          const a = answer.trim().toLowerCase();
          if (a === 'yes' || a === 'y') {
            const r = this.xrCommit(undefined);
            if (r.kind === 'error') return r;
          } else if (a !== 'no' && a !== 'n') return result('mode');
          this.dirty = false;
          return this.end();
        },
      },
    };
  }

  /** IOS XR: a new candidate from the running config; the current block is found again in it. */
  private resetCandidate(): void {
    this.candidate = this.device.config.clone();
    this.dirty = false;
    if (this.mode.kind === 'block') {
      const head = this.mode.item.head;
      this.mode = { ...this.mode, item: this.candidate.ensureBlock(head) };
    }
  }

  /** IOS XR: semantic checks a commit runs (overlapping IPv4 addresses on two interfaces). */
  private xrCommitProblem(candidate: BlockConfig): string | null {
    const seen = new Map<string, string>();
    for (const item of candidate.items) {
      if (!item.children || !item.head.startsWith('interface ')) continue;
      const address = item.children.find((c) => c.startsWith('ipv4 address '))?.split(' ')[2];
      if (!address) continue;
      const other = seen.get(address);
      if (other) return `${item.head}: ${address} conflicts with ${other}`;
      seen.set(address, item.head);
    }
    return null;
  }

  private xrCommit(confirmSeconds: number | undefined): CommandResult {
    const d = this.device;
    if (!this.dirty) {
      if (d.commitPending && confirmSeconds === undefined) {
        d.confirmCommit();
        return result('config');
      }
      return result('config', '% No configuration changes to commit.');
    }
    if (this.xrCommitProblem(this.candidate!)) {
      return result(
        'error',
        [
          '',
          "% Failed to commit one or more configuration items during a pseudo-atomic operation. All changes made have been reverted. Please issue 'show configuration failed [inheritance]' from this session to view the errors",
        ].join('\n'),
      );
    }
    d.commitBlock(this.candidate!, this.username, confirmSeconds);
    this.resetCandidate();
    return result('config');
  }

  /** IOS XR transaction commands, valid in every configuration mode; null when `line` is not one. */
  private xrTransaction(line: string, offset: number): CommandResult | null {
    const words = tokenize(line).map((t) => t.text.toLowerCase());
    const is = (word: string, full: string): boolean => word.length >= 2 && full.startsWith(word);
    const first = words[0]!;
    if (is(first, 'commit') && !(words[1] && !is(words[1], 'confirmed') && !is(words[1], 'comment'))) {
      if (words[1] && is(words[1], 'confirmed')) {
        const seconds = words[2] === undefined ? 600 : Number(words[2]);
        if (!Number.isInteger(seconds) || seconds < 30 || seconds > 65535)
          return this.error('invalid', line.toLowerCase().indexOf(words[2]!) + offset, line);
        return this.xrCommit(seconds);
      }
      return this.xrCommit(undefined);
    }
    if (words.length === 1 && is(first, 'clear')) {
      this.resetCandidate();
      return result('config');
    }
    if (words.length === 1 && is(first, 'abort')) {
      this.dirty = false;
      return this.end();
    }
    if (words.length === 1 && (first === 'end' || (first === 'exit' && this.mode.kind === 'config')))
      return this.end();
    return null;
  }

  private globalCommand(kw: string, line: string, args: string[], offset: number): CommandResult {
    const cfg = this.cfg;
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
          : this.os10
            ? `conf-if-${name
                .replace(/^ethernet/, 'eth')
                .replace(/^vlan/, 'vl-')
                .replace(/^loopback/, 'lo-')
                .replace(/^mgmt/, 'ma-')
                .replace(/^port-channel/, 'po-')}`
            : this.rgos
              ? `config-if-${name}`
              : 'config-if';
        this.mode = {
          kind: 'block',
          item,
          suffix,
          keywords: this.xr
            ? XR_IF_KEYWORDS
            : this.asa
              ? ASA_IF_KEYWORDS
              : this.aoscx
                ? AOSCX_IF_KEYWORDS
                : this.os10
                  ? OS10_IF_KEYWORDS
                  : IF_KEYWORDS,
        };
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
          suffix: this.eos || this.aoscx ? `config-vlan-${id}` : 'config-vlan',
          keywords: VLAN_KEYWORDS,
        };
        return result('mode');
      }
      case 'no': {
        if (!args.length) return this.error('incomplete', 0, line);
        const target = expandKeyword(args[0]!, this.globalKeywords);
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
          ].includes(kw) &&
          !(this.xr && kw === 'ntp')
        )
          return this.error('incomplete', 0, line);
        if (kw === 'hostname' && !/^[A-Za-z][\w-]{0,62}$/.test(args[0]!))
          return this.error('invalid', line.indexOf(args[0]!) + offset, line);
        const normalized = [kw, ...args].join(' ');
        const sub = (
          this.xr ? XR_SUBMODES : this.nxos ? NXOS_SUBMODES : this.asa ? ASA_SUBMODES : IOS_SUBMODES
        ).find(([re]) => re.test(normalized));
        if (sub) {
          const existed = cfg.block(normalized);
          const item = cfg.ensureBlock(normalized);
          if (!existed) this.changed();
          const suffix = sub[1].replace('$1', sub[0].exec(normalized)![1] ?? '');
          this.mode = {
            kind: 'block',
            item,
            suffix,
            keywords: ((this.xr || this.asa) && XR_SUBMODE_KEYWORDS[suffix]) || null,
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
    const cfg = this.cfg;
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
        if (this.xr && kw === 'ipv4' && args[0] === 'address') {
          const bad = args.slice(1, 3).find((a) => !/^\d+\.\d+\.\d+\.\d+$/.test(a));
          if (bad) return this.error('invalid', line.lastIndexOf(bad) + offset, line);
          if (args.length < 3) return this.error('incomplete', 0, line);
        }
        if (this.nxos && kw === 'ip' && args[0] === 'address') {
          // NX-OS takes `A/P` or `A M` and always prints `A/P`.
          const cidr = /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(args[1] ?? '')
            ? args[1]!
            : /^\d+\.\d+\.\d+\.\d+$/.test(args[1] ?? '') && /^\d+\.\d+\.\d+\.\d+$/.test(args[2] ?? '')
              ? `${args[1]}/${maskToPrefix(args[2]!)}`
              : null;
          if (!cidr) {
            const bad = args.slice(1).find((a) => !/^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(a));
            return bad
              ? this.error('invalid', line.lastIndexOf(bad) + offset, line)
              : this.error('incomplete', 0, line);
          }
          cfg.setChild(item, `ip address ${cidr}`, 'no');
          this.changed();
          return result('config');
        }
        if (kw === 'ip' && args[0] === 'address') {
          const ok =
            this.eos || this.aoscx || this.os10
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
