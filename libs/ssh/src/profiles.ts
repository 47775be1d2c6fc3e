/**
 * Per-platform CLI behaviour (pure data and regular expressions), following docs/vendor-cli.md and
 * the real vendors' behaviour (modelled on netmiko's drivers).
 *
 * All prompt regexes apply to ONE line that has already been cleaned of escape sequences and
 * carriage returns (see clean.ts), and are anchored at both ends.
 */
import { Platform } from '../../common/src/platforms';

export type PromptMode = 'user' | 'privileged' | 'config';

export interface PrivilegedModeProfile {
  /** Command that raises privileges (`enable`, `super`, `sudo -s`). */
  command: string;
  /** The password prompt printed after `command` (matched against the last line). */
  passwordPrompt: RegExp;
  /**
   * How to tell from the prompt line that privileges were obtained, when the prompt shows it
   * (`R1#`); null when the prompt stays the same (Huawei/H3C `super`).
   */
  privilegedPrompt: RegExp | null;
  /** Text in the reply that means the attempt failed (checked on the cleaned reply). */
  failure: RegExp;
}

export interface PlatformProfile {
  platform: Platform;
  /**
   * A prompt of this platform in any mode, for when the base prompt is not yet known (login).
   * Group 1 is the base prompt (netmiko `base_prompt`, e.g. `R1`, `HW1`, `admin@mx1`).
   */
  anyPrompt: RegExp;
  /** Example prompts per mode (documentation, and used by tests). */
  promptExamples: Partial<Record<PromptMode, string>>;
  /** Builds the regex matching this device's prompt in any mode, from its base prompt. */
  promptFor(basePrompt: string): RegExp;
  /** null when the platform has no privileged mode (Junos: the login class decides). */
  privileged: PrivilegedModeProfile | null;
  /** Command that turns paging off for this session; null when not needed. */
  pagingOff: string | null;
  /** A pager prompt, alone on the last line (after cleaning). */
  pagerPrompts: RegExp[];
  /** The same pager prompts where they leaked into output, at the start of a line. */
  pagerLeaks: RegExp[];
  /**
   * Configuration mode commands. Commit-based platforms (Junos, IOS XR) also name `commit`, the
   * command that discards the uncommitted candidate while staying in configuration mode
   * (`discard`), and how to ask for a commit that rolls itself back unless confirmed.
   */
  config: {
    enter: string;
    exit: string;
    up: string;
    commit?: string;
    discard?: string;
    commitConfirmed?: (seconds: number) => string;
  };
  /** Lines (cleaned, whole line) that mean the device rejected the command. */
  errorPatterns: RegExp[];
  /** Context lines printed just before the prompt that are not output (Junos `[edit]`). */
  contextLines: RegExp[];
}

/** Escapes a string for use inside a RegExp. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

const CISCO_PAGER = /^\s*--More--\s*$/;
const CISCO_PAGER_LEAK = /^ ?--More-- ?/;
const VRP_PAGER = /^\s*---- More ----\s*$/;
const VRP_PAGER_LEAK = /^\s*---- More ----/;
const JUNOS_PAGER = /^\s*---\(more(?: \d{1,3}%)?\)---\s*$/;
const JUNOS_PAGER_LEAK = /^\s*---\(more(?: \d{1,3}%)?\)---/;

/** Cisco IOS and Arista EOS share the CLI style. */
const CISCO_ERRORS: RegExp[] = [
  /^% ?Invalid input detected at '\^' marker\.?$/,
  /^% ?Invalid input\b.*$/,
  /^% ?Incomplete command\.?.*$/,
  /^% ?Ambiguous command.*$/,
  /^% ?Unrecognized command.*$/,
  /^% ?Unknown command.*$/,
  /^% ?Invalid command at '\^' marker\.?$/,
  /^% ?Unavailable command.*$/,
];

const ciscoStyle = (
  platform:
    | 'cisco_ios'
    | 'arista_eos'
    | 'cisco_nxos'
    | 'cisco_xr'
    | 'cisco_asa'
    | 'aruba_aoscx'
    | 'dell_os10'
    | 'ruijie_os',
  examples: PlatformProfile['promptExamples'],
  overrides: Partial<PlatformProfile> = {},
) =>
  ({
    platform,
    // Hostnames: letters, digits, `-`, `_`, `.`, `/`, `:`; then an optional mode in parentheses.
    anyPrompt: /^([\w.\-/:]{1,80})(?:\([\w.\-/: ]{0,80}\))?[>#]\s*$/,
    promptExamples: examples,
    promptFor: (base: string) => new RegExp(`^${escapeRegExp(base)}(?:\\([\\w.\\-/: ]{0,80}\\))?[>#]\\s*$`),
    privileged: {
      command: 'enable',
      passwordPrompt: /^\s*Password:\s*$/i,
      privilegedPrompt: /#\s*$/,
      failure: /% ?(?:Access denied|Bad (?:secrets?|passwords?)|No password set|Authentication failed)/i,
    },
    pagingOff: 'terminal length 0',
    pagerPrompts: [CISCO_PAGER],
    pagerLeaks: [CISCO_PAGER_LEAK],
    config: { enter: 'configure terminal', exit: 'end', up: 'exit' },
    errorPatterns: CISCO_ERRORS,
    contextLines: [],
    ...overrides,
  }) satisfies PlatformProfile;

/**
 * NX-OS: the role decides what a user may do (network-admin lands at `N9K1#`, there is no user
 * EXEC mode); every error ends with `at '^' marker.`; configuration errors from features start
 * with `ERROR:`.
 */
const NXOS_ERRORS: RegExp[] = [
  /^% ?(?:Invalid|Incomplete|Ambiguous) (?:command|input|number|ip address|value|interface).* at '\^' marker\.?$/,
  /^% ?Invalid (?:command|input)\b.*$/,
  /^% ?Permission denied.*$/,
  /^ERROR: .*$/,
  /^Syntax error while parsing .*$/,
];

/** ASA: every error line starts with `ERROR:` (parser errors too: `ERROR: % Invalid input ...`). */
const ASA_ERRORS: RegExp[] = [/^ERROR: .*$/, /^% ?Invalid input detected at '\^' marker\.?$/];
const ASA_PAGER = /^\s*<--- More --->\s*$/;
const ASA_PAGER_LEAK = /^\s*<--- More --->/;

/** AOS-CX: `Invalid input: <token>` (no caret), `Command incomplete.`, `Ambiguous input: <token>`. */
const AOSCX_ERRORS: RegExp[] = [
  /^Invalid input: .*$/,
  /^Command incomplete\.?$/,
  /^Ambiguous (?:input|command)\b.*$/,
  /^% ?(?:Invalid|Incomplete|Ambiguous)\b.*$/,
];
const AOSCX_PAGER = /^\s*-- MORE --, next page: Space, next line: Enter, quit: Control-C\s*$/;
const AOSCX_PAGER_LEAK = /^\s*-- MORE --, next page: Space, next line: Enter, quit: Control-C/;

/** IOS XR: IOS-style parser errors, plus the commit failure of a pseudo-atomic commit. */
const XR_ERRORS: RegExp[] = [
  ...CISCO_ERRORS,
  /^% ?Failed to commit .*$/,
  /^% ?Commit failed.*$/,
  /^% ?This command is not authorized.*$/,
];

/** Huawei VRP and H3C Comware share the `<host>` / `[host-view]` style. */
const vrpPromptFor = (base: string) =>
  new RegExp(
    `^(?:HRP_[MS]|RBM_[PS])?(?:<[~*]?${escapeRegExp(base)}>|\\[[~*]?${escapeRegExp(base)}(?:-[^\\]]{0,120})?\\])\\s*$`,
  );
const VRP_ANY_PROMPT =
  /^(?:HRP_[MS]|RBM_[PS])?(?:<[~*]?([^\s<>[\]]{1,120})>|\[[~*]?([^\s<>[\]]{1,120})\])\s*$/;

const PROFILES: Record<Platform, PlatformProfile> = {
  cisco_ios: ciscoStyle('cisco_ios', {
    user: 'R1>',
    privileged: 'R1#',
    config: 'R1(config-if)#',
  }),
  arista_eos: ciscoStyle('arista_eos', {
    user: 'sw1>',
    privileged: 'sw1#',
    config: 'sw1(config-if-Et1)#',
  }),
  cisco_nxos: ciscoStyle(
    'cisco_nxos',
    { privileged: 'N9K1#', config: 'N9K1(config-if)#' },
    {
      privileged: null,
      errorPatterns: NXOS_ERRORS,
    },
  ),
  cisco_xr: ciscoStyle(
    'cisco_xr',
    // The base prompt includes the node the session runs on: `RP/0/RP0/CPU0:R1`.
    { privileged: 'RP/0/RP0/CPU0:xr1#', config: 'RP/0/RP0/CPU0:xr1(config-if)#' },
    {
      privileged: null,
      errorPatterns: XR_ERRORS,
      config: {
        enter: 'configure terminal',
        exit: 'end',
        up: 'exit',
        commit: 'commit',
        discard: 'clear',
        commitConfirmed: (seconds) => `commit confirmed ${seconds}`,
      },
    },
  ),
  cisco_asa: ciscoStyle(
    'cisco_asa',
    // Multiple-context mode puts the context in the base prompt: `asa1/admin#`, `asa1/ctx1(config)#`.
    { user: 'asa1>', privileged: 'asa1#', config: 'asa1(config-if)#' },
    {
      privileged: {
        command: 'enable',
        passwordPrompt: /^\s*Password:\s*$/i,
        privilegedPrompt: /#\s*$/,
        failure: /Invalid password|Access denied/i,
      },
      pagingOff: 'terminal pager 0',
      pagerPrompts: [ASA_PAGER],
      pagerLeaks: [ASA_PAGER_LEAK],
      errorPatterns: ASA_ERRORS,
    },
  ),
  aruba_aoscx: ciscoStyle(
    'aruba_aoscx',
    { privileged: 'sw1#', config: 'sw1(config-if)#' },
    {
      // Administrators land in `sw1#`; `enable` exists only for operator roles with a secret.
      privileged: null,
      pagingOff: 'no page',
      pagerPrompts: [AOSCX_PAGER],
      pagerLeaks: [AOSCX_PAGER_LEAK],
      errorPatterns: AOSCX_ERRORS,
    },
  ),
  dell_os10: ciscoStyle(
    'dell_os10',
    { privileged: 'OS10#', config: 'OS10(conf-if-eth1/1/1)#' },
    {
      // sysadmin users land in `OS10#`.
      privileged: null,
      pagerPrompts: [/^\s*--more--\s*$/],
      pagerLeaks: [/^\s*--more--/],
      errorPatterns: [/^% ?Error: .*$/, /^% ?(?:Invalid|Incomplete|Ambiguous)\b.*$/],
    },
  ),
  // RGOS is IOS-like (netmiko `ruijie_os`: `terminal length 0`, `enable`, `configure terminal`); interface
  // names carry a space, so a mode can read `Ruijie(config-if-GigabitEthernet 0/1)#`.
  ruijie_os: ciscoStyle(
    'ruijie_os',
    { user: 'Ruijie>', privileged: 'Ruijie#', config: 'Ruijie(config-if-GigabitEthernet 0/1)#' },
    {
      privileged: {
        command: 'enable',
        passwordPrompt: /^\s*Password:\s*$/i,
        privilegedPrompt: /#\s*$/,
        // RGOS: `% Password: timeout expired!`, `% Access denied.`, `% No password set`.
        failure:
          /% ?(?:Access denied|Bad (?:secrets?|passwords?)|No password set|Password: timeout expired)/i,
      },
    },
  ),
  huawei: {
    platform: 'huawei',
    anyPrompt: VRP_ANY_PROMPT,
    promptExamples: { user: '<HW1>', config: '[HW1-GigabitEthernet0/0/1]' },
    promptFor: vrpPromptFor,
    privileged: {
      command: 'super',
      passwordPrompt: /^\s*Password:\s*$/i,
      privilegedPrompt: null,
      failure: /^\s*Error:|fail|denied|incorrect|wrong password|password is wrong/im,
    },
    pagingOff: 'screen-length 0 temporary-display',
    pagerPrompts: [VRP_PAGER],
    pagerLeaks: [VRP_PAGER_LEAK],
    config: { enter: 'system-view', exit: 'return', up: 'quit' },
    errorPatterns: [/^Error:.*$/],
    contextLines: [],
  },
  hp_comware: {
    platform: 'hp_comware',
    anyPrompt: VRP_ANY_PROMPT,
    promptExamples: { user: '<H3C1>', config: '[H3C1-GigabitEthernet1/0/1]' },
    promptFor: vrpPromptFor,
    privileged: {
      command: 'super',
      passwordPrompt: /^\s*Password:\s*$/i,
      privilegedPrompt: null,
      failure: /^\s*(?:%|Error:)|fail|denied|incorrect|invalid password|wrong password/im,
    },
    pagingOff: 'screen-length disable',
    pagerPrompts: [VRP_PAGER],
    pagerLeaks: [VRP_PAGER_LEAK],
    config: { enter: 'system-view', exit: 'return', up: 'quit' },
    errorPatterns: [
      /^% ?(?:Unrecognized|Incomplete|Ambiguous|Wrong parameter|Too many parameters)\b.*$/,
      /^% ?.* found at '\^' position\.?$/,
    ],
    contextLines: [],
  },
  juniper_junos: {
    platform: 'juniper_junos',
    anyPrompt: /^((?:[\w.-]{1,64}@)?[\w.-]{1,80})(?::[\w.-]{1,20})?[>#%]\s*$/,
    promptExamples: { user: 'admin@mx1> ', config: 'admin@mx1# ' },
    promptFor: (base: string) => new RegExp(`^${escapeRegExp(base)}(?::[\\w.\\-]{1,20})?[>#%]\\s*$`),
    privileged: null,
    pagingOff: 'set cli screen-length 0',
    pagerPrompts: [JUNOS_PAGER],
    pagerLeaks: [JUNOS_PAGER_LEAK],
    config: {
      enter: 'configure',
      exit: 'exit configuration-mode',
      up: 'up',
      commit: 'commit',
      discard: 'rollback',
      commitConfirmed: (seconds) => `commit confirmed ${Math.max(1, Math.ceil(seconds / 60))}`,
    },
    errorPatterns: [
      /^\s*unknown command\.?\s*$/,
      /^\s*syntax error(?:, expecting .*|\.)?\s*$/,
      /^error: .*$/,
    ],
    contextLines: [
      /^\s*\[edit(?: [^\]]*)?\]\s*$/,
      /^\s*\{(?:master|backup|primary|secondary|linecard)[^}]*\}\s*$/,
    ],
  },
  linux: {
    platform: 'linux',
    // `user@host:~$`, `[user@host ~]$`, `root@host:/home/admin#`, `bash-5.1$`.
    anyPrompt: /^\[?([\w.-]{1,64}@[\w.-]{1,80}|[\w.-]{1,80})(?:[: ][^\n]{0,200}?)?\]?[$#%>]\s*$/,
    promptExamples: { user: 'admin@srv1:~$ ', privileged: 'root@srv1:/home/admin# ' },
    // The working directory is part of the prompt and changes with `cd`: match on user@host only.
    promptFor: (base: string) =>
      new RegExp(`^\\[?${escapeRegExp(base)}(?:[: ][^\\n]{0,200}?)?\\]?[$#%>]\\s*$`),
    privileged: {
      command: 'sudo -s',
      passwordPrompt: /(?:^\[sudo\] password for [^:]*:|^Password:)\s*$/i,
      privilegedPrompt: /#\s*$/,
      failure:
        /Sorry, try again|incorrect password|not in the sudoers|is not allowed to|authentication failure/i,
    },
    pagingOff: null,
    pagerPrompts: [],
    pagerLeaks: [],
    config: { enter: '', exit: '', up: '' },
    errorPatterns: [
      /^-?(?:ba|k|da)?sh: (?:line \d+: )?\S.*: command not found$/,
      /^[^\s:]+: command not found$/,
      /^-?sh: \d+: \S.*: not found$/,
      /^zsh: command not found: .*$/,
      /^Command '.*' not found\b.*$/,
    ],
    contextLines: [],
  },
};

export function getProfile(platform: Platform): PlatformProfile {
  const profile = (PROFILES as Partial<Record<string, PlatformProfile>>)[platform];
  if (!profile) throw new Error(`No CLI profile for platform ${JSON.stringify(platform)}`);
  return profile;
}

export function hasPrivilegedMode(platform: Platform): boolean {
  return getProfile(platform).privileged !== null;
}
