/**
 * Stateful running configurations. Block-structured vendors (IOS, EOS, VRP, Comware) share one model:
 * an ordered list of top-level items, each a line with optional one-level children. Junos keeps an
 * ordered list of `set` statements and renders the curly-brace hierarchy.
 */

/** Marks a separator line (`!` on IOS/EOS, `#` on VRP/Comware). */
export const SEP = '!';

export interface ConfigItem {
  head: string;
  children: string[] | null;
}

/** Global lines that exist at most once (a new value replaces the old line). */
const GLOBAL_SINGLETONS = [
  'hostname',
  'sysname',
  'ip domain-name',
  'ip domain name',
  'dns domain',
  'domain-name',
  'clock timezone',
  'ip default-gateway',
  'enable secret',
  'vtp mode',
  'spanning-tree mode',
  'stp mode',
  'ntp clock-period',
  'version',
];
/** Lines inside a block that exist at most once. */
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

function keyOf(line: string, singletons: readonly string[]): string | null {
  for (const key of singletons) if (line === key || line.startsWith(key + ' ')) return key;
  return null;
}

function matches(line: string, pattern: string): boolean {
  return line === pattern || line.startsWith(pattern + ' ');
}

export class BlockConfig {
  constructor(
    public items: ConfigItem[],
    /** Items before which new global lines are inserted (e.g. `line con 0`, `user-interface`). */
    private readonly trailerPrefixes: readonly string[],
  ) {}

  clone(): BlockConfig {
    return new BlockConfig(
      this.items.map((i) => ({ head: i.head, children: i.children ? [...i.children] : null })),
      this.trailerPrefixes,
    );
  }

  getGlobal(prefix: string): string | undefined {
    return this.items.find((i) => i.children === null && matches(i.head, prefix))?.head;
  }

  block(head: string): ConfigItem | undefined {
    return this.items.find((i) => i.children !== null && i.head === head);
  }

  /** Finds or creates a block (interface, vlan, line, ...) next to its siblings. */
  ensureBlock(head: string): ConfigItem {
    const existing = this.block(head);
    if (existing) return existing;
    const item: ConfigItem = { head, children: [] };
    const kind = head.split(' ')[0]!;
    let at = -1;
    for (let i = 0; i < this.items.length; i++) if (this.items[i]!.head.split(' ')[0] === kind) at = i;
    if (at >= 0) {
      this.items.splice(at + 1, 0, item);
    } else {
      this.insertBeforeTrailer([{ head: SEP, children: null }, item]);
    }
    return item;
  }

  private insertBeforeTrailer(items: ConfigItem[]): void {
    let at = this.items.findIndex((i) => this.trailerPrefixes.some((p) => i.head.startsWith(p)));
    if (at < 0) at = this.items.length;
    this.items.splice(at, 0, ...items);
  }

  /** Adds or replaces a global line. */
  setGlobal(line: string, negation?: string): void {
    if (negation) this.removeGlobal(`${negation} ${line}`);
    const key = keyOf(line, GLOBAL_SINGLETONS);
    if (key) {
      const existing = this.items.find((i) => i.children === null && matches(i.head, key));
      if (existing) {
        existing.head = line;
        return;
      }
    } else if (this.items.some((i) => i.head === line)) {
      return;
    }
    const words = line.split(' ');
    const two = words.slice(0, 2).join(' ');
    let at = -1;
    for (let i = 0; i < this.items.length; i++)
      if (this.items[i]!.children === null && matches(this.items[i]!.head, two)) at = i;
    if (at < 0)
      for (let i = 0; i < this.items.length; i++)
        if (this.items[i]!.children === null && this.items[i]!.head.split(' ')[0] === words[0]) at = i;
    const item: ConfigItem = { head: line, children: null };
    if (at >= 0) this.items.splice(at + 1, 0, item);
    else this.insertBeforeTrailer([{ head: SEP, children: null }, item]);
  }

  /** `no <line>` / `undo <line>`: removes matching global lines or blocks; false when nothing matched. */
  removeGlobal(pattern: string): boolean {
    const before = this.items.length;
    this.items = this.items.filter((i) => i.head === SEP || !matches(i.head, pattern));
    return this.items.length !== before;
  }

  setChild(block: ConfigItem, line: string, negation: string): void {
    const children = block.children!;
    if (line === 'shutdown') {
      if (!children.includes('shutdown')) children.push('shutdown');
      return;
    }
    const key = keyOf(line, CHILD_SINGLETONS);
    const idx = key ? children.findIndex((c) => matches(c, key)) : children.indexOf(line);
    if (idx >= 0) children[idx] = line;
    else {
      const neg = children.indexOf(`${negation} ${line}`);
      if (neg >= 0) children.splice(neg, 1);
      // shutdown stays the last line, as devices print it.
      const shut = children.indexOf('shutdown');
      if (shut >= 0 && key) children.splice(shut, 0, line);
      else children.push(line);
    }
  }

  removeChild(block: ConfigItem, pattern: string): void {
    block.children = block.children!.filter((c) => !matches(c, pattern));
  }
}

export type BlockStyle = 'ios' | 'eos' | 'vrp' | 'comware' | 'nxos' | 'xr';

/** Renders items with separators: one after every block, duplicates collapsed. */
export function renderItems(items: readonly ConfigItem[], style: BlockStyle, out: string[]): void {
  // NX-OS separates sections with blank lines and indents by two.
  const sep = style === 'vrp' || style === 'comware' ? '#' : style === 'nxos' ? '' : '!';
  const indent = style === 'eos' ? '   ' : style === 'nxos' ? '  ' : ' ';
  const leafIndent = style === 'comware' ? ' ' : '';
  let lastSep = out.length > 0 && out[out.length - 1] === sep;
  for (const item of items) {
    if (item.head === SEP) {
      if (!lastSep) out.push(sep);
      lastSep = true;
      continue;
    }
    if (item.children) {
      if (!lastSep) out.push(sep);
      out.push(item.head);
      for (const c of item.children) out.push(indent + c);
      out.push(sep);
      lastSep = true;
    } else {
      out.push(leafIndent + item.head);
      lastSep = false;
    }
  }
  if (!lastSep) out.push(sep);
}

// ---------------------------------------------------------------------------------------------
// Junos

/** Keywords that take a name and form one container (`unit 0 { ... }`). */
const JUNOS_PAIRS = new Set([
  'unit',
  'family',
  'user',
  'host',
  'community',
  'file',
  'route',
  'filter',
  'term',
  'group',
  'neighbor',
  'policy-statement',
  'prefix-list',
  'address-book',
  'zone',
  'security-zone',
  'area',
]);
/** Keywords whose next token is always a container (`interfaces ge-0/0/0 { ... }`). */
const JUNOS_NAME_PARENTS = new Set(['interfaces', 'vlans']);
/** Always containers when something follows. */
const JUNOS_CONTAINERS = new Set([
  'netconf',
  'from',
  'then',
  'static',
  'services',
  'syslog',
  'login',
  'ntp',
  'snmp',
  'system',
  'protocols',
  'routing-options',
  'firewall',
  'policy-options',
  'authentication',
  'security',
]);

/** Splits a statement into tokens, keeping quoted strings whole. */
export function junosTokens(text: string): string[] {
  return text.match(/"[^"]*"?|\S+/g) ?? [];
}

export function junosPath(tokens: readonly string[]): { path: string[]; leaf: string } {
  const path: string[] = [];
  let i = 0;
  let forceName = false;
  while (i < tokens.length) {
    const t = tokens[i]!;
    const remaining = tokens.length - i;
    if (forceName && remaining > 1) {
      path.push(t);
      i += 1;
      forceName = false;
      continue;
    }
    forceName = false;
    if (JUNOS_NAME_PARENTS.has(t) && remaining > 1) {
      path.push(t);
      forceName = true;
      i += 1;
    } else if (JUNOS_PAIRS.has(t) && remaining >= 4) {
      path.push(`${t} ${tokens[i + 1]}`);
      i += 2;
    } else if (JUNOS_CONTAINERS.has(t) && remaining >= 2) {
      path.push(t);
      i += 1;
    } else if (remaining <= 2) {
      break;
    } else {
      path.push(t);
      i += 1;
    }
  }
  return { path, leaf: tokens.slice(i).join(' ') };
}

interface JNode {
  children: Map<string, JNode>;
  leaves: string[];
}

export class JunosConfig {
  constructor(public statements: string[]) {}

  clone(): JunosConfig {
    return new JunosConfig([...this.statements]);
  }

  set(statement: string): void {
    const tokens = junosTokens(statement);
    const normalized = tokens.join(' ');
    if (this.statements.includes(normalized)) return;
    const { path, leaf } = junosPath(tokens);
    const leafKey = leaf.split(' ')[0];
    // Single-valued leaves (host-name, description, address is multi) replace the previous value.
    if (
      leafKey &&
      [
        'host-name',
        'description',
        'vlan-id',
        'time-zone',
        'domain-name',
        'encrypted-password',
        'class',
        'uid',
      ].includes(leafKey)
    ) {
      const prefix = [...path, leafKey].join(' ');
      const idx = this.statements.findIndex((s) => {
        const p = junosPath(junosTokens(s));
        return [...p.path, p.leaf.split(' ')[0]].join(' ') === prefix;
      });
      if (idx >= 0) {
        this.statements[idx] = normalized;
        return;
      }
    }
    this.statements.push(normalized);
  }

  /** Removes every statement starting with the tokens; false when none matched. */
  delete(statement: string): boolean {
    const prefix = junosTokens(statement).join(' ');
    const before = this.statements.length;
    this.statements = this.statements.filter((s) => !(s === prefix || s.startsWith(prefix + ' ')));
    return this.statements.length !== before;
  }

  get(prefix: string): string | undefined {
    const s = this.statements.find((x) => x.startsWith(prefix + ' '));
    return s?.slice(prefix.length + 1);
  }

  render(out: string[], extra: readonly string[] = []): void {
    const root: JNode = { children: new Map(), leaves: [] };
    const add = (s: string): void => {
      const { path, leaf } = junosPath(junosTokens(s));
      let node = root;
      for (const seg of path) {
        let next = node.children.get(seg);
        if (!next) {
          next = { children: new Map(), leaves: [] };
          node.children.set(seg, next);
        }
        node = next;
      }
      if (leaf) node.leaves.push(leaf);
    };
    for (const s of this.statements) add(s);
    for (const s of extra) add(s);
    const walk = (node: JNode, depth: number): void => {
      const pad = '    '.repeat(depth);
      for (const leaf of node.leaves) out.push(`${pad}${leaf};`);
      for (const [seg, child] of node.children) {
        if (child.children.size === 0 && child.leaves.length === 0) {
          out.push(`${pad}${seg};`);
          continue;
        }
        out.push(`${pad}${seg} {`);
        walk(child, depth + 1);
        out.push(`${pad}}`);
      }
    };
    walk(root, 0);
  }
}
