/**
 * Configuration plans: the CLI lines to type in configuration mode (between `enterConfig` and
 * `exitConfig`) to reach an intended state. Pure: text in, command lines out.
 *
 * Assumptions, and what negation cannot express:
 * - Block vendors (cisco_ios, arista_eos, cisco_nxos, cisco_xr, huawei, hp_comware): a line is
 *   removed with its vendor negation, `no <line>` (IOS/EOS/NX-OS/XR) or `undo <line>`
 *   (VRP/Comware), typed in the line's block. IOS XR edits a candidate: exitConfig commits it. A
 *   few commands are negated by their key only (`no description`, `no username X`,
 *   `no snmp-server community X`, `no banner motd`, `undo description`). A line that is itself a
 *   negation (`no ip http server`, `undo portswitch`) is removed by typing the positive form,
 *   which restores the vendor default; a device that prints the default (the lab does) will then
 *   show that positive line, so such lines cannot be restored exactly. Negating a line that is a
 *   prefix of others removes those too on some commands (`no switchport`).
 * - Removing a whole block is one negation of its line (`no interface Loopback9`, `undo vlan 77`).
 *   Blocks that cannot be deleted (physical interfaces, `line`/`user-interface`, Huawei `aaa`)
 *   are emptied line by line instead; `default interface` is not used.
 * - Single-valued lines (hostname/sysname, description, ip address without `secondary`, access
 *   VLAN, speed, …) are replaced by typing the new value, without negating the old one, so they
 *   keep their place.
 * - Huawei `vlan batch` lines are compared as sets of VLAN ids (`10 to 12` expanded): the plan
 *   adds `vlan batch <missing>` and `undo vlan batch <extra>`.
 * - Order (planRestore, `exactOrder`, default true): the device is assumed to append a new line
 *   after the last line of its family (top level: same first two words, or same first word for
 *   blocks) and at the end of a block. When the backup's order cannot be reached by appending,
 *   the out-of-place lines of that family are negated and typed again in the backup's order.
 *   This is what the lab and order-keeping sections of real devices do; devices that sort their
 *   configuration themselves do not need it, and on a live port it means a transient change
 *   (e.g. `no shutdown` then `shutdown`): pass `exactOrder: false` for the minimal plan. A family
 *   that disappeared entirely comes back where the device puts it, which may differ.
 * - Junos: configurations are compared as `set` statements. Removal is `delete <statement>`,
 *   additions are `set <statement>`; leaves the lab and Junos treat as single-valued (host-name,
 *   description, vlan-id, time-zone, domain-name, encrypted-password, class, uid) are replaced by
 *   `set`. Everything happens in one candidate and `commit` applies it atomically, so when the
 *   minimal plan would not reproduce the backup's order (a deleted and re-set container is
 *   appended after its siblings), the plan keeps the longest run of leading top-level sections
 *   that can be fixed in place and deletes and sets again every section after it, in the backup's
 *   order (safe: the commit only applies the net difference). The unit of rewrite is a whole
 *   top-level section (`system`, `interfaces`), so such plans are long. The order check
 *   simulates the device from the printed order; a device whose internal statement order differs
 *   from what it prints could still reorder. `inactive:`, annotations and `apply-groups`
 *   inheritance are not modelled.
 * - Linux has no configuration mode: plans throw BAD_USER_INPUT.
 * - Multi-line IOS banners are sent as their lines; banner text is not re-delimited.
 */
import { SwitchboardError } from '../../common/src/errors';
import type { Platform } from '../../common/src/platforms';
import { junosStatements, normaliseSetLine, parseConfig, parseJunosSnippet, statementText } from './tree';
import type { ConfigNode, JunosStatement } from './tree';
import { normaliseConfig } from './volatile';
import type { VolatileRule } from './volatile';

export interface PlanOptions {
  extraRules?: readonly VolatileRule[];
}

export interface RestoreOptions extends PlanOptions {
  /** Reproduce the backup's line order on append-ordering devices (default true). See header. */
  exactOrder?: boolean;
}

/** Commands that enter configuration mode from the privileged prompt. */
export function enterConfig(platform: Platform): string[] {
  switch (platform) {
    case 'cisco_ios':
    case 'arista_eos':
    case 'cisco_nxos':
    case 'cisco_xr':
    case 'cisco_asa':
    case 'aruba_aoscx':
    case 'dell_os10':
    case 'ruijie_os':
      return ['configure terminal'];
    case 'huawei':
    case 'hp_comware':
      return ['system-view'];
    case 'juniper_junos':
      return ['configure'];
    case 'linux':
      return [];
  }
}

/** Commands that apply (Junos, IOS XR) and leave configuration mode, back to the privileged prompt. */
export function exitConfig(platform: Platform): string[] {
  switch (platform) {
    case 'cisco_ios':
    case 'arista_eos':
    case 'cisco_nxos':
    case 'cisco_asa':
    case 'aruba_aoscx':
    case 'dell_os10':
    case 'ruijie_os':
      return ['end'];
    case 'cisco_xr':
      return ['commit', 'end'];
    case 'huawei':
    case 'hp_comware':
      return ['return'];
    case 'juniper_junos':
      return ['commit', 'exit'];
    case 'linux':
      return [];
  }
}

// ---------------------------------------------------------------------------------------------
// Block vendors

type BlockPlatform = Exclude<Platform, 'juniper_junos' | 'linux'>;

const isVrp = (p: BlockPlatform): boolean => p === 'huawei' || p === 'hp_comware';

const TOP_SINGLETONS = [
  'hostname',
  'sysname',
  'ip domain-name',
  'ip domain name',
  'dns domain',
  'clock timezone',
  'ip default-gateway',
  'enable secret',
  'vtp mode',
  'spanning-tree mode',
  'stp mode',
];
const CHILD_SINGLETONS = [
  'description',
  'ip address',
  'name',
  'switchport mode',
  'switchport access vlan',
  'port link-type',
  'port default vlan',
  'port access vlan',
  'port link-mode',
  'speed',
  'duplex',
  'mtu',
  'authentication-mode',
  'transport input',
  'ipv4 address',
  'vrf member',
  'vlan access',
];

function singletonKey(line: string, topLevel: boolean): string | null {
  if (/ (secondary|sub)$/.test(line)) return null;
  for (const key of topLevel ? TOP_SINGLETONS : CHILD_SINGLETONS)
    if (line === key || line.startsWith(key + ' ')) return key;
  return null;
}

const UNDELETABLE =
  /^(interface (ethernet|GigabitEthernet|FastEthernet|TenGigabitEthernet|TwentyFiveGigE|FortyGigabitEthernet|HundredGigE|TenGigE|Ethernet|XGigabitEthernet|Ten-GigabitEthernet|MEth|M-GigabitEthernet|Management|MgmtEth|Mgmt|mgmt|NULL) ?\S*$|interface (Vlan1|Vlanif1|Vlan-interface1|VLAN 1)$|line |user-interface |aaa$)/;

const IOS_SHORT_NEGATIONS: [RegExp, string][] = [
  [/^(username \S+) [\s\S]*$/, '$1'],
  [/^(snmp-server community \S+) [\s\S]*$/, '$1'],
  [/^(banner \S+) [\s\S]*$/, '$1'],
  [/^description [\s\S]*$/, 'description'],
  [/^enable secret [\s\S]*$/, 'enable secret'],
];
const VRP_SHORT_NEGATIONS: [RegExp, string][] = [[/^description [\s\S]*$/, 'description']];

function isNegation(platform: Platform, line: string): boolean {
  return line.startsWith(platform === 'huawei' || platform === 'hp_comware' ? 'undo ' : 'no ');
}

/** The vendor negation of one configuration line (see the header for its limits). */
export function negate(platform: Platform, line: string): string {
  if (platform === 'juniper_junos') return `delete ${line}`;
  const vrp = platform === 'huawei' || platform === 'hp_comware';
  const word = vrp ? 'undo' : 'no';
  if (line.startsWith(word + ' ')) return line.slice(word.length + 1);
  for (const [re, to] of vrp ? VRP_SHORT_NEGATIONS : IOS_SHORT_NEGATIONS)
    if (re.test(line)) return `${word} ${line.replace(re, to)}`;
  return `${word} ${line.split('\n')[0]}`;
}

/** Emits lines in block context: enters parents as needed and exits with the vendor's command. */
class Writer {
  readonly out: string[] = [];
  private ctx: string[] = [];

  constructor(private readonly exitCommand: string) {}

  private goto(path: readonly string[]): void {
    while (this.ctx.length > path.length || this.ctx.some((c, i) => c !== path[i])) {
      this.out.push(this.exitCommand);
      this.ctx.pop();
    }
    while (this.ctx.length < path.length) {
      const line = path[this.ctx.length]!;
      this.out.push(...line.split('\n'));
      this.ctx.push(line);
    }
  }

  line(path: readonly string[], text: string): void {
    this.goto(path);
    this.out.push(...text.split('\n'));
  }

  /** A line that opens a block: the device is inside it afterwards. */
  enter(path: readonly string[], text: string): void {
    this.line(path, text);
    this.ctx = [...path, text];
  }

  node(path: readonly string[], node: ConfigNode): void {
    if (!node.children.length) return this.line(path, node.line);
    this.enter(path, node.line);
    for (const c of node.children) this.node([...path, node.line], c);
  }

  finish(): string[] {
    this.goto([]);
    return this.out;
  }
}

function unmatchedNodes(from: readonly ConfigNode[], to: readonly ConfigNode[]): ConfigNode[] {
  const left = new Map<string, number>();
  for (const n of to) left.set(n.line, (left.get(n.line) ?? 0) + 1);
  return from.filter((n) => {
    const c = left.get(n.line) ?? 0;
    if (c > 0) left.set(n.line, c - 1);
    return c === 0;
  });
}

function family(node: ConfigNode, topLevel: boolean): string {
  if (!topLevel) return '';
  const words = node.line.split(/\s+/);
  return node.children.length || words.length < 2 ? words[0]! : `${words[0]} ${words[1]}`;
}

function vlanIds(line: string): number[] {
  const words = line.split(/\s+/).slice(2);
  const ids: number[] = [];
  for (let i = 0; i < words.length; i++) {
    const n = Number(words[i]);
    if (words[i + 1] === 'to' && Number.isInteger(Number(words[i + 2]))) {
      for (let v = n; v <= Number(words[i + 2]); v++) ids.push(v);
      i += 2;
    } else if (Number.isInteger(n)) ids.push(n);
  }
  return ids;
}

/** Splits Huawei `vlan batch` lines out of a top-level node list. */
function splitVlanBatch(platform: BlockPlatform, nodes: readonly ConfigNode[]): [ConfigNode[], Set<number>] {
  if (platform !== 'huawei') return [[...nodes], new Set()];
  const ids = new Set<number>();
  const rest = nodes.filter((n) => {
    if (!/^vlan batch /.test(n.line)) return true;
    for (const id of vlanIds(n.line)) ids.add(id);
    return false;
  });
  return [rest, ids];
}

/** Commands (in configuration mode) that turn `cur` into `bak` for one block level. */
function restoreLevel(
  platform: BlockPlatform,
  cur: readonly ConfigNode[],
  bak: readonly ConfigNode[],
  path: string[],
  exactOrder: boolean,
  w: Writer,
): void {
  const top = path.length === 0;
  const extras = unmatchedNodes(cur, bak);
  const missing = unmatchedNodes(bak, cur);
  // Single-valued lines: the new value replaces the old one in place.
  const replaced = new Map<ConfigNode, ConfigNode>(); // current → backup
  for (const m of missing) {
    const key = !m.children.length && singletonKey(m.line, top);
    if (!key) continue;
    const old = extras.find(
      (e) => !e.children.length && !replaced.has(e) && singletonKey(e.line, top) === key,
    );
    if (old) replaced.set(old, m);
  }
  const replacement = new Set(replaced.values());
  const removals = extras.filter((e) => !replaced.has(e));
  const additions = new Set(missing.filter((m) => !replacement.has(m)));

  // Survivors in current order, as the backup nodes they will be; unmatched current → backup node.
  const pool = new Map<string, ConfigNode[]>();
  for (const b of bak) if (!missing.includes(b)) pool.set(b.line, [...(pool.get(b.line) ?? []), b]);
  const survivors: { cur: ConfigNode; bak: ConfigNode }[] = [];
  for (const c of cur) {
    if (replaced.has(c)) survivors.push({ cur: c, bak: replaced.get(c)! });
    else if (!extras.includes(c)) survivors.push({ cur: c, bak: pool.get(c.line)!.shift()! });
  }

  const moved = new Set<ConfigNode>(); // backup nodes typed again after their current line is negated
  if (exactOrder) {
    const families = new Set(bak.map((b) => family(b, top)));
    for (const f of families) {
      const s = survivors.filter((x) => family(x.bak, top) === f);
      const b = bak.filter((x) => family(x, top) === f);
      let p = 0;
      let k = 0;
      const kept = new Set<ConfigNode>();
      for (; k < b.length; k++) {
        let at = p;
        while (at < s.length && s[at]!.bak !== b[k]) at++;
        if (at >= s.length) break;
        kept.add(b[k]!);
        p = at + 1;
      }
      const out = s.filter((x) => !kept.has(x.bak));
      // Lines that cannot be negated and typed again faithfully stay; the family keeps the device's order.
      if (out.some((x) => UNDELETABLE.test(x.cur.line) || isNegation(platform, x.cur.line))) continue;
      for (const x of out) moved.add(x.bak);
    }
  }

  // 1. Negations: extra lines, then lines that must move.
  for (const e of removals) {
    if (UNDELETABLE.test(e.line) && e.children.length)
      restoreLevel(platform, e.children, [], [...path, e.line], false, w);
    else w.line(path, negate(platform, e.line));
  }
  for (const x of survivors) if (moved.has(x.bak)) w.line(path, negate(platform, x.cur.line));

  // 2. Backup order: replacements in place, changes inside kept blocks, additions.
  const curOf = new Map(survivors.map((x) => [x.bak, x.cur]));
  for (const b of bak) {
    if (additions.has(b) || moved.has(b)) w.node(path, b);
    else if (replacement.has(b)) w.line(path, b.line);
    else if (b.children.length || curOf.get(b)?.children.length)
      restoreLevel(platform, curOf.get(b)!.children, b.children, [...path, b.line], exactOrder, w);
  }
}

function vlanBatchPlan(
  current: Set<number>,
  target: Set<number>,
  removedBlocks: readonly ConfigNode[],
): { add: string[]; remove: string[] } {
  const gone = new Set(removedBlocks.map((n) => /^vlan (\d+)$/.exec(n.line)?.[1]).map(Number));
  const add = [...target].filter((id) => !current.has(id));
  const remove = [...current].filter((id) => !target.has(id) && !gone.has(id));
  return {
    add: add.length ? [`vlan batch ${add.join(' ')}`] : [],
    remove: remove.length ? [`undo vlan batch ${remove.join(' ')}`] : [],
  };
}

function blockRestore(
  platform: BlockPlatform,
  current: string,
  backup: string,
  exactOrder: boolean,
): string[] {
  const [cur, curIds] = splitVlanBatch(platform, parseConfig(platform, current));
  const [bak, bakIds] = splitVlanBatch(platform, parseConfig(platform, backup));
  const batch = vlanBatchPlan(curIds, bakIds, unmatchedNodes(cur, bak));
  const w = new Writer(isVrp(platform) ? 'quit' : 'exit');
  restoreLevel(platform, cur, bak, [], exactOrder, w);
  const lines = w.finish();
  // VLANs exist before anything refers to them; stale ids go after the negations.
  return [...batch.add, ...lines, ...batch.remove];
}

function pushLevel(
  intended: readonly ConfigNode[],
  actual: readonly ConfigNode[],
  path: string[],
  w: Writer,
): void {
  const used = new Set<ConfigNode>();
  for (const i of intended) {
    const match = actual.find((a) => !used.has(a) && a.line === i.line);
    if (!match) {
      w.node(path, i);
      continue;
    }
    used.add(match);
    if (i.children.length) pushLevel(i.children, match.children, [...path, i.line], w);
  }
}

function blockPush(platform: BlockPlatform, intended: string, actual: string): string[] {
  const [want, wantIds] = splitVlanBatch(platform, parseConfig(platform, intended));
  const [have, haveIds] = splitVlanBatch(platform, parseConfig(platform, actual));
  const missingIds = [...wantIds].filter((id) => !haveIds.has(id));
  const w = new Writer(isVrp(platform) ? 'quit' : 'exit');
  pushLevel(want, have, [], w);
  return [...(missingIds.length ? [`vlan batch ${missingIds.join(' ')}`] : []), ...w.finish()];
}

// ---------------------------------------------------------------------------------------------
// Junos

const JUNOS_SINGLE = new Set([
  'host-name',
  'description',
  'vlan-id',
  'time-zone',
  'domain-name',
  'encrypted-password',
  'class',
  'uid',
]);

function singleKey(s: JunosStatement): string | null {
  const word = s.leaf.split(' ')[0] ?? '';
  return JUNOS_SINGLE.has(word) ? [...s.path, word].join(' ') : null;
}

/** Depth-first order Junos prints statements in: leaves of a container, then its sub-containers in creation order. */
function canonicalOrder(statements: readonly JunosStatement[]): string[] {
  interface N {
    leaves: string[];
    children: Map<string, N>;
  }
  const root: N = { leaves: [], children: new Map() };
  for (const s of statements) {
    let node = root;
    for (const seg of s.path) {
      let next = node.children.get(seg);
      if (!next) node.children.set(seg, (next = { leaves: [], children: new Map() }));
      node = next;
    }
    if (s.leaf) node.leaves.push(s.leaf);
  }
  const out: string[] = [];
  const walk = (node: N, path: string[]): void => {
    for (const l of node.leaves) out.push([...path, l].join(' '));
    for (const [seg, child] of node.children) {
      if (!child.leaves.length && !child.children.size) out.push([...path, seg].join(' '));
      else walk(child, [...path, seg]);
    }
  };
  walk(root, []);
  return out;
}

function sectionOf(s: JunosStatement): string {
  return s.path[0] ?? s.leaf.split(' ')[0]!;
}

type JunosOp = { kind: 'delete' | 'set'; text: string; statement: JunosStatement };

/** Applies ops the way the lab and Junos do: delete removes the statement and everything below it; set replaces a single-valued leaf in place, or appends. */
function simulate(start: readonly JunosStatement[], ops: readonly JunosOp[]): string[] {
  let sim = [...start];
  for (const op of ops) {
    if (op.kind === 'delete') {
      sim = sim.filter((s) => statementText(s) !== op.text && !statementText(s).startsWith(op.text + ' '));
      continue;
    }
    if (sim.some((s) => statementText(s) === op.text)) continue;
    const key = singleKey(op.statement);
    const at = key ? sim.findIndex((s) => singleKey(s) === key) : -1;
    if (at >= 0) sim[at] = op.statement;
    else sim.push(op.statement);
  }
  return canonicalOrder(sim);
}

/** Minimal ops between two statement lists: deletes of what is extra, then sets of what is missing. */
function junosDiffOps(cur: readonly JunosStatement[], bak: readonly JunosStatement[]): JunosOp[] {
  const bakTexts = new Set(bak.map(statementText));
  const curTexts = new Set(cur.map(statementText));
  const adds = bak.filter((b) => !curTexts.has(statementText(b)));
  const addKeys = new Set(adds.map(singleKey).filter((k): k is string => k !== null));
  const deletes = cur.filter((c) => !bakTexts.has(statementText(c)) && !addKeys.has(singleKey(c) ?? ''));
  // Delete the outermost container the backup does not have at all (Junos keeps an emptied
  // `family inet;` when only its last leaf is deleted), else the statement itself.
  const bakPaths = new Set<string>();
  for (const b of bak) for (let n = 1; n <= b.path.length; n++) bakPaths.add(b.path.slice(0, n).join(' '));
  const targets = new Set<string>();
  for (const d of deletes) {
    let target = statementText(d);
    for (let n = 1; n <= d.path.length; n++) {
      const prefix = d.path.slice(0, n).join(' ');
      if (!bakPaths.has(prefix)) {
        target = prefix;
        break;
      }
    }
    targets.add(target);
  }
  return [
    ...[...targets].map((text) => ({ kind: 'delete' as const, text, statement: { path: [], leaf: text } })),
    ...adds.map((a) => ({ kind: 'set' as const, text: statementText(a), statement: a })),
  ];
}

function junosRestore(current: string, backup: string, exactOrder: boolean): string[] {
  const cur = junosStatements(parseConfig('juniper_junos', current));
  const bak = junosStatements(parseConfig('juniper_junos', backup));
  const render = (ops: readonly JunosOp[]): string[] => ops.map((o) => `${o.kind} ${o.text}`);
  const minimal = junosDiffOps(cur, bak);
  if (!exactOrder || !minimal.length) return render(minimal);
  const target = bak.map(statementText).join('\n');
  // Keep the backup's first k top-level sections (minimal changes inside them) and rewrite the
  // rest in the backup's order: the largest k whose simulated result is the backup wins. k = 0
  // rewrites every section and always reproduces the backup's order.
  const order = [...new Set(bak.map(sectionOf))];
  for (let k = order.length; k >= 0; k--) {
    const keep = new Set(order.slice(0, k));
    const ops = [
      ...junosDiffOps(
        cur.filter((s) => keep.has(sectionOf(s))),
        bak.filter((s) => keep.has(sectionOf(s))),
      ),
      ...[...new Set(cur.map(sectionOf))]
        .filter((name) => !keep.has(name))
        .map((name) => ({ kind: 'delete' as const, text: name, statement: { path: [], leaf: name } })),
      ...bak
        .filter((s) => !keep.has(sectionOf(s)))
        .map((s) => ({ kind: 'set' as const, text: statementText(s), statement: s })),
    ];
    if (simulate(cur, ops).join('\n') === target) return render(ops);
  }
  return render(minimal);
}

function junosPush(intended: string, actual: string): string[] {
  const have = junosStatements(parseConfig('juniper_junos', actual));
  const haveTexts = new Set(have.map(statementText));
  const snippet = parseJunosSnippet(intended);
  const out: string[] = [];
  if (snippet.setForm) {
    for (const line of intended.split(/\r?\n/).map((l) => l.trim())) {
      if (!line.startsWith('delete ')) continue;
      const target = normaliseSetLine(line.slice('delete '.length));
      if (have.some((h) => statementText(h) === target || statementText(h).startsWith(target + ' ')))
        out.push(`delete ${target}`);
    }
  }
  for (const s of snippet.statements) {
    const text = statementText(s);
    if (!haveTexts.has(text)) out.push(`set ${text}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

function requireConfigurable(platform: Platform): asserts platform is Exclude<Platform, 'linux'> {
  if (platform === 'linux')
    throw SwitchboardError.badInput('platform', 'linux has no configuration mode to plan for');
}

/**
 * Lines to type in configuration mode so that `actual` contains the intended snippet: only what is
 * missing (a second identical push plans nothing). Lines present in `actual` but not in the
 * snippet are left alone. Junos snippets may be braces or `set`/`delete` lines; the plan is `set`
 * lines (plus the snippet's `delete` lines whose target exists).
 */
export function planPush(
  platform: Platform,
  intendedSnippet: string,
  actual: string,
  options: PlanOptions = {},
): string[] {
  requireConfigurable(platform);
  const a = normaliseConfig(platform, actual, options.extraRules);
  if (platform === 'juniper_junos') return junosPush(intendedSnippet, a);
  return blockPush(platform, normaliseConfig(platform, intendedSnippet, options.extraRules), a);
}

/**
 * Lines to type in configuration mode that turn `current` back into `backup` (volatile lines
 * aside): negations of what is extra, the missing lines with their parent context, in an order
 * the device accepts (removals first within a block; VLANs before their users).
 */
export function planRestore(
  platform: Platform,
  current: string,
  backup: string,
  options: RestoreOptions = {},
): string[] {
  requireConfigurable(platform);
  const c = normaliseConfig(platform, current, options.extraRules);
  const b = normaliseConfig(platform, backup, options.extraRules);
  if (c === b) return [];
  const exactOrder = options.exactOrder ?? true;
  if (platform === 'juniper_junos') return junosRestore(c, b, exactOrder);
  return blockRestore(platform, c, b, exactOrder);
}
