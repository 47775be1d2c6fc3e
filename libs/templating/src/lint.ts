/**
 * Lint for rendered configs, before they go near a device. Pure and heuristic: it reads the text
 * the way the platform's CLI would take it line by line, and flags what is almost always a mistake.
 *
 * Rules:
 * - `empty-output`: nothing but blanks and comments.
 * - `forbidden-command`: a line matching a forbidden pattern (per-platform defaults in
 *   `DEFAULT_FORBIDDEN_COMMANDS`, plus `forbiddenCommands`). Matched against the trimmed line, after
 *   IOS/EOS's `do ` prefix; comment lines are skipped.
 * - `line-too-long`: longer than `maxLineLength` (default 512) characters.
 * - `template-residue`: `{{`, `{%`, `}}` or `%}` left in the output.
 * - `unbalanced-braces` (Junos): a `}` with no open block, or a `{` never closed; braces inside
 *   quotes and comments do not count. `unbalanced-brackets`: `[` and `]` on one line.
 * - `junos-mixed-style`: set-style commands and braces in one text.
 * - `dangling-exit` (IOS, EOS: `exit`, `exit-address-family`…; VRP, Comware: `quit`): an exit with no
 *   open block, which would leave configuration mode (system view) and send the rest elsewhere.
 * - `end-not-last` (IOS, EOS: `end`; VRP, Comware: `return`): more commands after it.
 * - `indent-outside-block`: an indented command with no open block to belong to (after an exit,
 *   or, on VRP/Comware, right after a top-level `#` separator).
 *
 * A block opens on a line that starts a sub-mode (`interface`, `router`, `vlan 10`, `acl number`…)
 * or that the next command is indented under, and closes on an exit or when the indentation
 * returns to its level.
 */
import { SwitchboardError } from '../../common/src/errors';
import type { Platform } from '../../common/src/platforms';

export type LintRule =
  | 'empty-output'
  | 'forbidden-command'
  | 'line-too-long'
  | 'template-residue'
  | 'unbalanced-braces'
  | 'unbalanced-brackets'
  | 'junos-mixed-style'
  | 'dangling-exit'
  | 'end-not-last'
  | 'indent-outside-block';

export interface LintIssue {
  /** 1-based; 0 for issues about the whole text. */
  line: number;
  message: string;
  rule: LintRule;
  severity: 'error' | 'warning';
}

export interface LintOptions {
  /** Extra forbidden patterns (regular expression sources, matched case-insensitively). */
  forbiddenCommands?: string[];
  /** Whether the platform's default forbidden patterns apply too (default true). */
  defaultForbidden?: boolean;
  /** Default 512. */
  maxLineLength?: number;
}

const RM_RF_ROOT = String.raw`\brm\s+(-[a-zA-Z]*[rR][a-zA-Z]*\s+)*-?[a-zA-Z]*\s*\/(\*|\s|$)`;

/** Patterns never pushed as part of a config, by platform. */
export const DEFAULT_FORBIDDEN_COMMANDS: Record<Platform, string[]> = {
  cisco_ios: [
    String.raw`^reload\b`,
    String.raw`^write\s+erase\b`,
    String.raw`^erase\s+(startup-config|nvram:|flash:|bootflash:|/all)`,
    String.raw`^format\b`,
    String.raw`^delete\s+(\/\S+\s+)*(flash|bootflash|nvram|disk\d*|slot\d*):`,
    String.raw`^crypto\s+key\s+zeroize\b`,
    RM_RF_ROOT,
  ],
  arista_eos: [
    String.raw`^reload\b`,
    String.raw`^write\s+erase\b`,
    String.raw`^erase\s+(startup-config|flash:)`,
    String.raw`^format\b`,
    String.raw`^delete\s+(\/\S+\s+)*(flash|drive|file):`,
    RM_RF_ROOT,
  ],
  huawei: [
    String.raw`^reboot\b`,
    String.raw`^reset\s+saved-configuration\b`,
    String.raw`^reset\s+factory-configuration\b`,
    String.raw`^format\b`,
    String.raw`^delete\s+(\/\S+\s+)*(flash|cfcard|sdcard):`,
    RM_RF_ROOT,
  ],
  hp_comware: [
    String.raw`^reboot\b`,
    String.raw`^reset\s+saved-configuration\b`,
    String.raw`^restore\s+factory-default\b`,
    String.raw`^format\b`,
    String.raw`^delete\s+(\/\S+\s+)*(flash|cfa\d*|sda\d*):`,
    RM_RF_ROOT,
  ],
  juniper_junos: [
    String.raw`^request\s+system\s+(zeroize|reboot|halt|power-off)\b`,
    String.raw`^delete\s*$`,
    String.raw`^load\s+(override|factory-default)\b`,
    String.raw`^file\s+delete\b`,
    RM_RF_ROOT,
  ],
  cisco_nxos: [
    String.raw`^reload\b`,
    String.raw`^write\s+erase\b`,
    String.raw`^format\b`,
    String.raw`^delete\s+(\/\S+\s+)*(bootflash|volatile|logflash|usb\d*):`,
    String.raw`^install\s+(all|deactivate)\b`,
    RM_RF_ROOT,
  ],
  dell_os10: [
    String.raw`^reload\b`,
    String.raw`^delete\s+(startup-configuration|config:|home:|image:)`,
    String.raw`^image\s+(install|boot)\b`,
    RM_RF_ROOT,
  ],
  ruijie_os: [
    String.raw`^reload\b`,
    String.raw`^(write\s+erase|erase\s+startup-config)\b`,
    String.raw`^delete\s+(flash:)?\/?config\.text\b`,
    String.raw`^(upgrade|format)\b`,
    RM_RF_ROOT,
  ],
  aruba_aoscx: [
    String.raw`^(boot\s+system|reload)\b`,
    String.raw`^erase\s+(all|startup-config)\b`,
    String.raw`^checkpoint\s+rollback\b`,
    RM_RF_ROOT,
  ],
  cisco_asa: [
    String.raw`^reload\b`,
    String.raw`^write\s+erase\b`,
    String.raw`^clear\s+configure\s+all\b`,
    String.raw`^format\b`,
    String.raw`^delete\s+(\/\S+\s+)*(disk\d*|flash):`,
    String.raw`^crypto\s+key\s+zeroize\b`,
    RM_RF_ROOT,
  ],
  cisco_xr: [
    String.raw`^reload\b`,
    String.raw`^commit\s+replace\b`,
    String.raw`^configure\s+exclusive\b.*\bload\b`,
    String.raw`^format\b`,
    String.raw`^delete\s+(\/\S+\s+)*(disk\d*|harddisk|bootflash):`,
    String.raw`^admin\s+(reload|hw-module)\b`,
    RM_RF_ROOT,
  ],
  linux: [
    RM_RF_ROOT,
    String.raw`^(sudo\s+)?(reboot|shutdown|halt|poweroff)\b`,
    String.raw`\bmkfs(\.\w+)?\s`,
    String.raw`\bdd\s+.*\bof=\/dev\/(sd|hd|vd|xvd|nvme|mmcblk)`,
    String.raw`:\(\)\s*\{\s*:\s*\|\s*:\s*&\s*\}\s*;\s*:`,
  ],
};

interface BlockSyntax {
  comment: RegExp;
  exit: RegExp;
  end: RegExp;
  /** Commands that enter a sub-mode. */
  opener: RegExp;
  /** Sub-modes only entered from another sub-mode (`address-family` under `router bgp`). */
  nested: RegExp;
  /** VRP/Comware: a top-level `#` ends a section by convention. */
  separator?: RegExp;
}

const IOS_LIKE: BlockSyntax = {
  comment: /^\s*!/,
  exit: /^(exit|exit-address-family|exit-af-interface|exit-af-topology|exit-vrf|exit-peer-policy|exit-peer-session)$/i,
  end: /^end$/i,
  opener:
    /^(interface|router|line|vlan\s+\d+$|ip\s+(access-list|vrf|dhcp\s+pool|sla\s+\d)|ipv6\s+(access-list|dhcp\s+pool)|mac\s+access-list|class-map|policy-map|route-map|vrf\s+(definition|instance)|key\s+chain|crypto\s+(isakmp\s+policy|ipsec\s+profile|pki|map|keyring)|control-plane|aaa\s+group\s+server|track\s+\d|object-group|management\s+(api|ssh|console|telnet)|spanning-tree\s+mst\s+configuration|redundancy|archive|daemon|event\s+manager\s+applet|event-handler)\b/i,
  nested: /^(address-family|class\s|key\s+\d|vrf\s+\S+$)/i,
};

const VRP_LIKE: BlockSyntax = {
  comment: /^\s*#/,
  exit: /^quit$/i,
  end: /^return$/i,
  opener:
    /^(interface|vlan\s+\d+$|acl\s+(number|name|advance|basic|\d)|aaa$|user-interface|line\s+(vty|con|aux|class)|ospf|ospfv3|bgp|isis|rip|ip\s+vpn-instance|stp\s+region-configuration|local-user\s+\S+(\s+class\s+\S+)?$|radius-scheme|hwtacacs\s+scheme|radius-server\s+template|hwtacacs-server\s+template|traffic\s+(classifier|behavior|policy)|route-policy|ip\s+pool|dhcp\s+server\s+ip-pool|domain|user-group|irf-port)\b/i,
  nested: /^(ipv4-family|ipv6-family|area\s|authentication-scheme|authorization-scheme|accounting-scheme)/i,
  separator: /^#/,
};

function block(platform: Platform): BlockSyntax | undefined {
  if (
    [
      'cisco_ios',
      'arista_eos',
      'cisco_nxos',
      'cisco_xr',
      'cisco_asa',
      'aruba_aoscx',
      'dell_os10',
      'ruijie_os',
    ].includes(platform)
  )
    return IOS_LIKE;
  if (platform === 'huawei' || platform === 'hp_comware') return VRP_LIKE;
  return undefined;
}

function commentOf(platform: Platform): RegExp {
  switch (platform) {
    case 'cisco_ios':
    case 'arista_eos':
    case 'cisco_nxos':
    case 'cisco_xr':
    case 'cisco_asa':
    case 'aruba_aoscx':
    case 'dell_os10':
    case 'ruijie_os':
      return IOS_LIKE.comment;
    case 'huawei':
    case 'hp_comware':
      return VRP_LIKE.comment;
    default:
      return /^\s*#/;
  }
}

function compileForbidden(platform: Platform, options: LintOptions): RegExp[] {
  const defaults = options.defaultForbidden === false ? [] : DEFAULT_FORBIDDEN_COMMANDS[platform];
  const custom = (options.forbiddenCommands ?? []).map((source, i) => {
    try {
      return new RegExp(source, 'i');
    } catch (error) {
      throw SwitchboardError.badInput(`forbiddenCommands[${i}]`, (error as Error).message);
    }
  });
  return [...defaults.map((source) => new RegExp(source, 'i')), ...custom];
}

const indentOf = (line: string) => /^\s*/.exec(line)![0].replace(/\t/g, '    ').length;

/** Cisco banners: `banner motd ^C` … `^C`; the text in between is not commands. */
function bannerLines(lines: string[]): Set<number> {
  const inside = new Set<number>();
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*banner\s+\S+\s+(\^C|\S)(.*)$/i.exec(lines[i]);
    if (!m) continue;
    const delimiter = m[1];
    if (m[2].includes(delimiter)) continue;
    let j = i + 1;
    while (j < lines.length && !lines[j].includes(delimiter)) inside.add(j++);
    if (j < lines.length) inside.add(j);
    i = j;
  }
  return inside;
}

function lintBlocks(syntax: BlockSyntax, lines: string[], skip: Set<number>, issues: LintIssue[]): void {
  const commands: { index: number; text: string; indent: number }[] = [];
  lines.forEach((raw, index) => {
    if (skip.has(index) || raw.trim() === '') return;
    if (syntax.comment.test(raw)) {
      if (syntax.separator && indentOf(raw) === 0) commands.push({ index, text: '#', indent: -1 });
      return;
    }
    commands.push({ index, text: raw.trim(), indent: indentOf(raw) });
  });

  // A block is "indented" once a deeper command follows it: then a return to its indentation
  // closes it. A flat block (children not indented) closes on an exit or a sibling opener.
  const open: { indent: number; indented: boolean }[] = [];
  let afterSeparator = false;
  // Blocks a top-level `#` closed by convention: still open on the device, so a `quit` may follow.
  let closedBySeparator = 0;
  let ended: string | undefined;
  commands.forEach((command, k) => {
    const line = command.index + 1;
    if (command.indent === -1) {
      afterSeparator = true;
      while (open.length > 0 && open[open.length - 1].indented) {
        open.pop();
        closedBySeparator++;
      }
      return;
    }
    const separated = afterSeparator;
    afterSeparator = false;
    if (ended !== undefined) {
      issues.push({
        line,
        rule: 'end-not-last',
        severity: 'error',
        message: `command after "${ended}" would run outside configuration mode`,
      });
      ended = undefined; // one report per early end
    }

    if (syntax.exit.test(command.text)) {
      if (open.length === 0 && closedBySeparator > 0) {
        closedBySeparator--;
      } else if (open.length === 0) {
        issues.push({
          line,
          rule: 'dangling-exit',
          severity: 'error',
          message: `"${command.text}" with no open block would leave configuration mode`,
        });
      } else {
        open.pop();
      }
      return;
    }
    if (syntax.end.test(command.text)) {
      open.length = 0;
      closedBySeparator = 0;
      ended = command.text;
      return;
    }

    const next = commands.slice(k + 1).find((c) => c.indent !== -1);
    const nested = syntax.nested.test(command.text);
    const opens =
      syntax.opener.test(command.text) ||
      nested ||
      (next !== undefined && next.indent > command.indent && !syntax.exit.test(next.text));
    while (open.length > 0) {
      const top = open[open.length - 1];
      const closes = top.indented
        ? command.indent <= top.indent
        : command.indent < top.indent || (command.indent === top.indent && opens && !nested);
      if (!closes) break;
      open.pop();
    }
    if (open.length > 0 && command.indent > open[open.length - 1].indent)
      open[open.length - 1].indented = true;
    if (command.indent > 0 && open.length === 0) {
      issues.push({
        line,
        rule: 'indent-outside-block',
        severity: 'error',
        message: separated
          ? `indented command "${command.text}" follows a "#" section separator with no block to belong to`
          : `indented command "${command.text}" has no open block to belong to (exited too early?)`,
      });
    }
    if (opens) {
      if (command.indent === 0) closedBySeparator = 0;
      open.push({ indent: command.indent, indented: false });
    }
  });
}

/** Strips quoted strings and comments from a Junos line, keeping `/* … *\/` state across lines. */
function junosCode(line: string, state: { inComment: boolean }): string {
  let out = '';
  let quote = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (state.inComment) {
      if (c === '*' && line[i + 1] === '/') {
        state.inComment = false;
        i++;
      }
      continue;
    }
    if (quote) {
      if (c === '\\') i++;
      else if (c === '"') quote = false;
      continue;
    }
    if (c === '"') quote = true;
    else if (c === '/' && line[i + 1] === '*') {
      state.inComment = true;
      i++;
    } else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) break;
    else out += c;
  }
  return out;
}

const JUNOS_SET_VERB =
  /^(set|delete|deactivate|activate|insert|rename|annotate|protect|unprotect|copy|replace)\s/;

function lintJunos(lines: string[], issues: LintIssue[]): void {
  const state = { inComment: false };
  const opened: number[] = [];
  let setStyle = 0;
  let braces = 0;
  lines.forEach((raw, index) => {
    const line = index + 1;
    const code = junosCode(raw, state);
    if (JUNOS_SET_VERB.test(code.trim() + ' ')) setStyle++;
    let square = 0;
    for (const c of code) {
      if (c === '{') {
        opened.push(line);
        braces++;
      } else if (c === '}') {
        braces++;
        if (opened.pop() === undefined) {
          issues.push({
            line,
            rule: 'unbalanced-braces',
            severity: 'error',
            message: '"}" with no open block',
          });
        }
      } else if (c === '[') square++;
      else if (c === ']' && --square < 0) {
        issues.push({ line, rule: 'unbalanced-brackets', severity: 'error', message: '"]" with no "["' });
        square = 0;
      }
    }
    if (square > 0) {
      issues.push({
        line,
        rule: 'unbalanced-brackets',
        severity: 'error',
        message: '"[" not closed on its line',
      });
    }
  });
  for (const line of opened) {
    issues.push({ line, rule: 'unbalanced-braces', severity: 'error', message: '"{" never closed' });
  }
  if (setStyle > 0 && braces > 0) {
    issues.push({
      line: 0,
      rule: 'junos-mixed-style',
      severity: 'warning',
      message: 'set-style commands and curly-brace hierarchy mixed in one config',
    });
  }
}

/** Lints a rendered config. Issues are sorted by line. */
export function lintConfig(platform: Platform, text: string, options: LintOptions = {}): LintIssue[] {
  const forbidden = compileForbidden(platform, options);
  const maxLineLength = options.maxLineLength ?? 512;
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const comment = commentOf(platform);
  const issues: LintIssue[] = [];

  if (lines.every((l) => l.trim() === '' || comment.test(l))) {
    return [{ line: 0, rule: 'empty-output', severity: 'error', message: 'the rendered config is empty' }];
  }

  const banners =
    platform === 'cisco_ios' || platform === 'arista_eos' ? bannerLines(lines) : new Set<number>();
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.length > maxLineLength) {
      issues.push({
        line,
        rule: 'line-too-long',
        severity: 'warning',
        message: `line is ${raw.length} characters long (limit ${maxLineLength})`,
      });
    }
    if (/\{\{|\{%|%\}|\}\}/.test(raw)) {
      issues.push({
        line,
        rule: 'template-residue',
        severity: 'warning',
        message: 'template markup left in the output',
      });
    }
    if (banners.has(index) || comment.test(raw)) return;
    let command = raw.trim();
    if (platform === 'cisco_ios' || platform === 'arista_eos') command = command.replace(/^do\s+/i, '');
    const hit = forbidden.find((re) => re.test(command));
    if (hit) {
      issues.push({
        line,
        rule: 'forbidden-command',
        severity: 'error',
        message: `forbidden command "${raw.trim()}" (matches /${hit.source}/)`,
      });
    }
  });

  const syntax = block(platform);
  if (syntax) lintBlocks(syntax, lines, banners, issues);
  if (platform === 'juniper_junos') lintJunos(lines, issues);
  return issues.sort((a, b) => a.line - b.line);
}
