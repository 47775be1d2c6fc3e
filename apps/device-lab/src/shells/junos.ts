import { junosTokens } from '../config';
import type { JunosConfig } from '../config';
import { PORT_LINK } from '../outputs/common';
import {
  junosBanner,
  junosShowInterfacesTerse,
  junosShowSystemUptime,
  junosShowVersion,
} from '../outputs/junos';
import { isoTime } from '../profile';
import { applyPipe, matchCommand, result, Shell, splitPipe, tokenize } from './base';
import type { CommandResult, CommandSpec, PagerStyle } from './base';

type OpId =
  | 'show-version'
  | 'show-config'
  | 'show-int-terse'
  | 'show-int'
  | 'show-uptime'
  | 'show-hardware'
  | 'cli-screen-length'
  | 'cli-screen-width'
  | 'configure'
  | 'exit';

const OP: CommandSpec<OpId>[] = [
  { words: ['show', 'version'], id: 'show-version' },
  { words: ['show', 'configuration'], id: 'show-config', args: 'any' },
  { words: ['show', 'interfaces', 'terse'], id: 'show-int-terse' },
  { words: ['show', 'interfaces'], id: 'show-int', args: 'any' },
  { words: ['show', 'system', 'uptime'], id: 'show-uptime' },
  { words: ['show', 'chassis', 'hardware'], id: 'show-hardware' },
  { words: ['set', 'cli', 'screen-length'], id: 'cli-screen-length', args: 'required' },
  { words: ['set', 'cli', 'screen-width'], id: 'cli-screen-width', args: 'required' },
  { words: ['configure'], id: 'configure', args: 'any' },
  { words: ['exit'], id: 'exit' },
  { words: ['quit'], id: 'exit' },
];

const TOP_LEVEL = [
  'access',
  'applications',
  'apply-groups',
  'chassis',
  'class-of-service',
  'event-options',
  'firewall',
  'forwarding-options',
  'groups',
  'interfaces',
  'poe',
  'policy-options',
  'protocols',
  'routing-instances',
  'routing-options',
  'security',
  'services',
  'snmp',
  'switch-options',
  'system',
  'version',
  'virtual-chassis',
  'vlans',
];
type CfgId =
  'set' | 'delete' | 'commit' | 'show' | 'exit' | 'top' | 'up' | 'edit' | 'run' | 'rollback' | 'status';
const CFG: CommandSpec<CfgId>[] = [
  { words: ['set'], id: 'set', args: 'required' },
  { words: ['delete'], id: 'delete', args: 'required' },
  { words: ['commit'], id: 'commit', args: 'any' },
  { words: ['show'], id: 'show', args: 'any' },
  { words: ['exit'], id: 'exit', args: 'any' },
  { words: ['quit'], id: 'exit', args: 'any' },
  { words: ['top'], id: 'top' },
  { words: ['up'], id: 'up' },
  { words: ['edit'], id: 'edit', args: 'required' },
  { words: ['run'], id: 'run', args: 'required' },
  { words: ['rollback'], id: 'rollback', args: 'any' },
  { words: ['status'], id: 'status' },
];

export class JunosShell extends Shell {
  readonly pager: PagerStyle = { prompt: '---(more)---', erase: '\r' + ' '.repeat(40) + '\r' };
  candidate: JunosConfig | null = null;
  editPath: string[] = [];

  banner(): string {
    return junosBanner(this.device.profile);
  }

  prompt(): string {
    return `${this.username}@${this.hostname}${this.candidate ? '#' : '>'} `;
  }

  override trailer(r: CommandResult): string {
    if (!this.candidate) return (r.output ? '\n' : '') + this.prompt();
    if (r.kind === 'empty') return this.prompt();
    return `\n[edit${this.editPath.length ? ' ' + this.editPath.join(' ') : ''}]\n${this.prompt()}`;
  }

  execute(raw: string): CommandResult {
    const line = raw.trim();
    if (!line) return result('empty');
    const offset = raw.indexOf(line);
    return this.candidate ? this.config(line, offset) : this.op(line, offset);
  }

  private op(full: string, offset: number): CommandResult {
    const [line, pipe] = splitPipe(full);
    const m = matchCommand(line, OP);
    if (!m.ok) {
      const msg =
        m.reason === 'incomplete'
          ? 'syntax error, expecting <command>.'
          : m.reason === 'ambiguous'
            ? `'${m.token}' is ambiguous.`
            : 'unknown command.';
      return result('error', `${this.caret(m.column + offset)}\n${msg}`);
    }
    const d = this.device;
    const p = d.profile;
    const out = (text: string): CommandResult => result('output', applyPipe(text, pipe));
    switch (m.id) {
      case 'show-version':
        return out(d.cached('show version', () => junosShowVersion(p, this.hostname)));
      case 'show-config': {
        const all = d.runningConfig();
        if (!m.args.length) return out(all);
        const prefix = m.args.join(' ');
        const sub = d.junos.clone();
        sub.statements = sub.statements
          .filter((s) => s === prefix || s.startsWith(prefix + ' '))
          .map((s) => s.slice(prefix.length + 1))
          .filter(Boolean);
        const lines: string[] = [];
        sub.render(lines);
        return out(lines.join('\n'));
      }
      case 'show-int-terse':
        return out(d.cached('show interfaces terse', () => junosShowInterfacesTerse(d.junos, p)));
      case 'show-int': {
        const terse = junosShowInterfacesTerse(d.junos, p).split('\n').slice(1);
        const rows = terse.filter(
          (r) => !r.split(' ')[0]!.includes('.') && (!m.args[0] || r.startsWith(m.args[0] + ' ')),
        );
        if (!rows.length) return result('error', `error: device ${m.args[0]} not found`);
        return out(
          rows
            .map((r) => {
              const [name, admin, link] = r.split(/\s+/);
              return `Physical interface: ${name}, ${admin === 'up' ? 'Enabled' : 'Administratively down'}, Physical link is ${link === 'up' ? 'Up' : 'Down'}\n  Interface index: ${150 + terse.indexOf(r)}, SNMP ifIndex: ${500 + terse.indexOf(r)}\n  Link-level type: Ethernet, MTU: ${PORT_LINK.juniper_junos.mtu}, Speed: ${PORT_LINK.juniper_junos.speedMbps}mbps, Duplex: Full-Duplex\n  Current address: ${p.baseMac.match(/../g)!.join(':')}, Hardware address: ${p.baseMac.match(/../g)!.join(':')}\n  Last flapped   : ${isoTime(p.bootTime)} UTC`;
            })
            .join('\n\n'),
        );
      }
      case 'show-uptime':
        return out(junosShowSystemUptime(p));
      case 'show-hardware':
        return out(
          `Hardware inventory:\nItem             Version  Part number  Serial number     Description\nChassis                                ${p.serial.padEnd(18)}${p.version.model.toUpperCase()}\nRouting Engine 0 REV 10   650-044931   ${p.serial.slice(0, 4)}0${p.serial.slice(5)}     RE-${p.version.model.toUpperCase()}`,
        );
      case 'cli-screen-length': {
        const n = Number(m.args[0]);
        if (!Number.isInteger(n) || n < 0 || n > 100000)
          return result('error', `${this.caret(full.indexOf(m.args[0]!) + offset)}\nsyntax error.`);
        this.pagingOff = n === 0;
        return result('paging', `Screen length set to ${n}`);
      }
      case 'cli-screen-width':
        return result('paging', `Screen width set to ${m.args[0]}`);
      case 'configure':
        this.candidate = d.junos.clone();
        this.editPath = [];
        return result(
          'mode',
          m.args[0] === 'private'
            ? 'warning: uncommitted changes will be discarded on exit\nEntering configuration mode'
            : 'Entering configuration mode',
        );
      case 'exit':
        return { kind: 'mode', output: '', close: true };
    }
  }

  private syntaxError(column: number): CommandResult {
    return result('error', `${this.caret(column)}\nsyntax error.`);
  }

  private config(full: string, offset: number): CommandResult {
    const [line, pipe] = splitPipe(full);
    const m = matchCommand(line, CFG);
    if (!m.ok) return this.syntaxError(m.column + offset);
    const cand = this.candidate!;
    const d = this.device;
    const path = [...this.editPath, ...m.args];
    switch (m.id) {
      case 'set': {
        const tokens = junosTokens(path.join(' '));
        if (!TOP_LEVEL.includes(tokens[0]!)) return this.syntaxError(tokenize(line)[1]!.column + offset);
        if (tokens.length < 2)
          return result(
            'error',
            `${this.caret(line.length + offset + 1)}\nsyntax error, expecting <statement> or <identifier>.`,
          );
        if (
          tokens[0] === 'system' &&
          tokens[1] === 'host-name' &&
          (tokens.length !== 3 || !/^[\w.-]+$/.test(tokens[2]!))
        )
          return this.syntaxError(tokenize(line)[Math.min(3, tokenize(line).length - 1)]!.column + offset);
        cand.set(tokens.join(' '));
        return result('config');
      }
      case 'delete':
        if (!cand.delete(path.join(' '))) return result('config', 'warning: statement not found');
        return result('config');
      case 'commit': {
        const andQuit = m.args[0] === 'and-quit';
        if (m.args[0] === 'check') return result('config', 'configuration check succeeds');
        d.commitJunos(cand, this.username);
        if (andQuit) {
          this.candidate = null;
          return result('mode', 'commit complete\nExiting configuration mode');
        }
        return result('config', 'commit complete');
      }
      case 'show': {
        const lines = [`## Last changed: ${isoTime(new Date())} UTC`];
        if (!path.length) cand.render(lines);
        else {
          const prefix = path.join(' ');
          const sub = cand.clone();
          sub.statements = sub.statements
            .filter((s) => s.startsWith(prefix + ' '))
            .map((s) => s.slice(prefix.length + 1));
          lines.length = 0;
          sub.render(lines);
        }
        return result('output', applyPipe(lines.join('\n'), pipe));
      }
      case 'exit':
        if (this.editPath.length && !m.args[0]?.startsWith('configuration-mode')) {
          this.editPath.pop();
          return result('mode');
        }
        {
          const dirty = cand.statements.join('\n') !== d.junos.statements.join('\n');
          this.candidate = null;
          return result(
            'mode',
            (dirty ? 'warning: uncommitted changes discarded\n' : '') + 'Exiting configuration mode',
          );
        }
      case 'top':
        this.editPath = [];
        return result('mode');
      case 'up':
        this.editPath.pop();
        return result('mode');
      case 'edit':
        if (!TOP_LEVEL.includes(path[0]!)) return this.syntaxError(tokenize(line)[1]!.column + offset);
        this.editPath = junosTokens(path.join(' '));
        return result('mode');
      case 'run': {
        const saved = this.candidate;
        this.candidate = null;
        const r = this.op(m.args.join(' ') + (pipe ? ` | ${pipe}` : ''), 0);
        this.candidate = saved;
        if (r.kind === 'error') return result('error', r.output.split('\n').pop()!);
        return r;
      }
      case 'rollback':
        this.candidate = d.junos.clone();
        return result('config', 'load complete');
      case 'status':
        return result(
          'output',
          `Users currently editing the configuration:\n  ${this.username} terminal p0 (pid 4242) on since ${isoTime(new Date())} UTC\n      [edit]`,
        );
    }
  }
}
