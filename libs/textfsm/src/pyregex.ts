/**
 * Translation of Python `re` syntax (what TextFSM templates and ntc-templates index files are written in)
 * into an equivalent JavaScript RegExp. Pure; no I/O.
 *
 * Handled: `(?P<name>…)` → `(?<name>…)`, `(?P=name)` → `\k<name>`, `\A` / `\Z`, `(?#comment)`, global inline
 * flags `(?aiLmsux)` (hoisted to RegExp flags; `x` is applied by stripping whitespace and comments), scoped
 * flags `(?i:…)` / `(?s:…)` / `(?m:…)` (emulated: Node 20 has no inline modifiers), `{,n}` → `{0,n}`, a `]`
 * first in a character class (literal in Python, an empty class in JavaScript).
 *
 * Not handled (JavaScript without the `u` flag is used so that Python's lenient identity escapes such as
 * `\-` or `\:` keep working): Unicode semantics of `\w`/`\d`/`\b` (ASCII here, Unicode in Python), `\U`/`\N{…}`
 * escapes, `(?-i:…)` inside a case-insensitive pattern, conditional groups and the `regex` module's extras.
 * POSIX classes such as `[[:digit:]]` are not supported by Python either (it reads `[[:digit:]` as a set
 * followed by a literal `]`); JavaScript reads them the same way, so they are passed through unchanged.
 */

export class PythonRegexError extends Error {
  constructor(
    message: string,
    readonly pattern: string,
  ) {
    super(message);
    this.name = 'PythonRegexError';
  }
}

export interface TranslatedRegex {
  source: string;
  flags: string;
  /**
   * With `repeats`: each outermost repeated group that holds named groups, wrapped in the named group
   * `wrapper`; `inner` is the group's own source (one iteration), `names` the named groups inside it.
   */
  repeats?: RepeatedGroup[];
}

export interface RepeatedGroup {
  wrapper: string;
  inner: string;
  names: string[];
}

interface Scope {
  /** Case-insensitive by a scoped `(?i:…)` (the global flag is handled by RegExp). */
  ignoreCase: boolean;
  dotAll: boolean;
  multiline: boolean;
  verbose: boolean;
}

const GLOBAL_FLAGS = /^\(\?([aiLmsux]+)\)/;

function caseVariants(ch: string): string {
  const lo = ch.toLowerCase();
  const up = ch.toUpperCase();
  return lo !== up ? lo + up : '';
}

/** Translates a Python regular expression; throws PythonRegexError when JavaScript cannot express it. */
export function translatePythonRegex(pattern: string, options: { repeats?: boolean } = {}): TranslatedRegex {
  const global = new Set<string>();
  // Global flags: Python >= 3.11 accepts them only at the start; older versions applied them from
  // anywhere (with a warning). Both are accepted here: any `(?flags)` group is hoisted.
  let body = pattern;
  for (let m = GLOBAL_FLAGS.exec(body); m; m = GLOBAL_FLAGS.exec(body)) {
    for (const f of m[1]!) global.add(f);
    body = body.slice(m[0].length);
  }
  const out: string[] = [];
  const scopes: Scope[] = [
    { ignoreCase: false, dotAll: false, multiline: global.has('m'), verbose: global.has('x') },
  ];
  /** For each open group, whether it pushed a scope. */
  const groupStack: boolean[] = [];
  /** For each open group: where it starts in `out` when it is a lookaround (`(?=`, `(?!`, `(?<=`, `(?<!`). */
  const lookStack: Array<number | null> = [];
  /** For each open group: where it starts in `out` and the named groups opened inside it. */
  const openStack: Array<{ start: number; names: string[] }> = [];
  const repeated: Array<{ start: number; groupEnd: number; end: number; names: string[]; inner: string }> =
    [];
  const scope = (): Scope => scopes[scopes.length - 1]!;
  let i = 0;
  const n = body.length;

  const emitLiteral = (text: string): void => {
    if (scope().ignoreCase && /^[A-Za-z]$/.test(text)) out.push(`[${caseVariants(text)}]`);
    else out.push(text);
  };

  while (i < n) {
    const c = body[i]!;
    if (c === '\\') {
      const next = body[i + 1];
      if (next === undefined) throw new PythonRegexError('bad escape (end of pattern)', pattern);
      if (next === 'A') out.push('(?<![\\s\\S])');
      else if (next === 'Z') out.push('(?![\\s\\S])');
      else out.push('\\' + next);
      i += 2;
      continue;
    }
    if (c === '[') {
      i = translateClass(body, i, out, scope().ignoreCase, pattern);
      continue;
    }
    if (scope().verbose && /\s/.test(c)) {
      i++;
      continue;
    }
    if (scope().verbose && c === '#') {
      while (i < n && body[i] !== '\n') i++;
      continue;
    }
    if (c === '(') {
      const look = /^\(\?(?:=|!|<=|<!)/.exec(body.slice(i));
      if (look) {
        openStack.push({ start: out.length, names: [] });
        lookStack.push(out.length);
        groupStack.push(false);
        out.push(look[0]);
        i += look[0].length;
        continue;
      }
      if (body.startsWith('(?P<', i)) {
        const name = /^\(\?P<(\w+)>/.exec(body.slice(i))?.[1];
        if (name) for (const open of openStack) open.names.push(name);
        openStack.push({ start: out.length, names: [] });
        out.push('(?<');
        groupStack.push(false);
        lookStack.push(null);
        i += 4;
        continue;
      }
      if (body.startsWith('(?P=', i)) {
        const end = body.indexOf(')', i);
        if (end < 0) throw new PythonRegexError('missing ), unterminated name', pattern);
        out.push(`\\k<${body.slice(i + 4, end)}>`);
        i = end + 1;
        continue;
      }
      if (body.startsWith('(?#', i)) {
        const end = body.indexOf(')', i);
        if (end < 0) throw new PythonRegexError('missing ), unterminated comment', pattern);
        i = end + 1;
        continue;
      }
      const scoped = /^\(\?([aiLmsux]*)(?:-([imsx]+))?:/.exec(body.slice(i));
      if (scoped && (scoped[1] || scoped[2])) {
        const on = scoped[1] ?? '';
        const off = scoped[2] ?? '';
        if (off.includes('i') && global.has('i'))
          throw new PythonRegexError('(?-i:…) inside a case-insensitive pattern is not supported', pattern);
        const cur = scope();
        scopes.push({
          ignoreCase: off.includes('i') ? false : cur.ignoreCase || (on.includes('i') && !global.has('i')),
          dotAll: off.includes('s') ? false : cur.dotAll || on.includes('s'),
          multiline: off.includes('m') ? false : cur.multiline || on.includes('m'),
          verbose: off.includes('x') ? false : cur.verbose || on.includes('x'),
        });
        if (off.includes('s') && global.has('s'))
          throw new PythonRegexError('(?-s:…) inside a dot-all pattern is not supported', pattern);
        groupStack.push(true);
        lookStack.push(null);
        openStack.push({ start: out.length, names: [] });
        out.push('(?:');
        i += scoped[0].length;
        continue;
      }
      if (/^\(\?[aiLmsux]+\)/.test(body.slice(i))) {
        // Mid-pattern global flags (Python < 3.11 semantics): applied to the whole pattern.
        const m = /^\(\?([aiLmsux]+)\)/.exec(body.slice(i))!;
        for (const f of m[1]!) global.add(f);
        if (m[1]!.includes('m')) scopes[0]!.multiline = true;
        i += m[0].length;
        continue;
      }
      groupStack.push(false);
      lookStack.push(null);
      openStack.push({ start: out.length, names: [] });
      out.push('(');
      i++;
      continue;
    }
    if (c === ')') {
      if (groupStack.pop()) scopes.pop();
      out.push(')');
      i++;
      const lookAt = lookStack.pop();
      const open = openStack.pop();
      // Python keeps a group's last successful capture across the iterations of a repeated group;
      // JavaScript resets it on each one. Such groups are wrapped so pythonExec can replay them.
      const rq = /^(?:([*+])|\{(\d*)(,?)(\d*)\})(\??)/.exec(body.slice(i));
      if (options.repeats && lookAt == null && open && open.names.length && rq) {
        const max = rq[1] ? Infinity : rq[3] ? (rq[4] ? Number(rq[4]) : Infinity) : Number(rq[2] || 0);
        if (max > 1) {
          const inner = out.slice(open.start).join('');
          const quantifier = rq[1] ?? `{${rq[2] || (rq[3] ? '0' : '')}${rq[3]}${rq[4]}}`;
          out.push(quantifier + rq[5]);
          i += rq[0].length;
          repeated.push({
            start: open.start,
            groupEnd: out.length - 1,
            end: out.length,
            names: open.names,
            inner,
          });
          continue;
        }
      }
      // Python accepts a quantified lookaround (ntc-templates' `(?<=[^()\s])+`); JavaScript does not.
      // A zero-width assertion repeated is the assertion once (minimum >= 1) or always true (minimum 0).
      const q = lookAt == null ? null : /^(?:([*+?])|\{(\d*)(?:,(\d*))?\})[?+]?/.exec(body.slice(i));
      if (q && lookAt != null) {
        const min = q[1] ? (q[1] === '+' ? 1 : 0) : Number(q[2] || 0);
        if (min === 0) out.splice(lookAt);
        i += q[0].length;
      }
      continue;
    }
    if (c === '{') {
      const m = /^\{,(\d+)\}/.exec(body.slice(i));
      if (m) {
        out.push(`{0,${m[1]}}`);
        i += m[0].length;
        continue;
      }
      out.push('{');
      i++;
      continue;
    }
    if (c === '.') {
      out.push(scope().dotAll && !global.has('s') ? '[\\s\\S]' : '.');
      i++;
      continue;
    }
    if (c === '^' || c === '$') {
      const multi = scope().multiline && !global.has('m');
      if (c === '^') out.push(multi ? '(?:^|(?<=\\n))' : '^');
      else out.push(multi ? '(?:$|(?=\\n))' : '(?:$|(?=\\n(?![\\s\\S])))');
      i++;
      continue;
    }
    emitLiteral(c);
    i++;
  }
  // Outermost repeated groups only (an inner one is replayed within its outer group's iterations).
  const outer = repeated.filter(
    (r) => !repeated.some((o) => o !== r && o.start <= r.start && r.end <= o.end),
  );
  const repeats: RepeatedGroup[] = [];
  outer
    .sort((a, b) => b.start - a.start)
    .forEach((r, k) => {
      const wrapper = `__rep${outer.length - 1 - k}`;
      out.splice(r.end, 0, ')');
      out.splice(r.start, 0, `(?<${wrapper}>`);
      repeats.unshift({ wrapper, inner: r.inner, names: r.names });
    });
  let flags = '';
  if (global.has('i')) flags += 'i';
  if (global.has('m')) flags += 'm';
  if (global.has('s')) flags += 's';
  return { source: out.join(''), flags, ...(options.repeats ? { repeats } : {}) };
}

/** Copies a character class starting at `start` (the `[`), returns the index after its closing `]`. */
function translateClass(
  body: string,
  start: number,
  out: string[],
  ignoreCase: boolean,
  pattern: string,
): number {
  let i = start + 1;
  let text = '[';
  if (body[i] === '^') {
    text += '^';
    i++;
  }
  // A `]` first in the set is a literal in Python.
  if (body[i] === ']') {
    text += '\\]';
    i++;
  }
  const extra: string[] = [];
  while (i < body.length && body[i] !== ']') {
    const c = body[i]!;
    if (c === '\\') {
      const next = body[i + 1];
      if (next === undefined) break;
      text += '\\' + next;
      i += 2;
      continue;
    }
    if (ignoreCase && /[A-Za-z]/.test(c)) {
      // a-z style range: add the other case's range too.
      if (body[i + 1] === '-' && /[A-Za-z]/.test(body[i + 2] ?? '')) {
        const to = body[i + 2]!;
        text += `${c}-${to}`;
        const lo = c.toLowerCase() === c ? c.toUpperCase() : c.toLowerCase();
        const hi = to.toLowerCase() === to ? to.toUpperCase() : to.toLowerCase();
        extra.push(`${lo}-${hi}`);
        i += 3;
        continue;
      }
      text += caseVariants(c);
      i++;
      continue;
    }
    // `[` inside a set is a literal in both dialects.
    text += c;
    i++;
  }
  if (i >= body.length) throw new PythonRegexError('unterminated character set', pattern);
  out.push(text + extra.join('') + ']');
  return i + 1;
}

/** Compiles a Python regular expression as a JavaScript RegExp (extra flags such as `y` appended). */
export function compilePythonRegex(pattern: string, extraFlags = ''): RegExp {
  const { source, flags } = translatePythonRegex(pattern);
  try {
    return new RegExp(source, flags + extraFlags);
  } catch (err) {
    throw new PythonRegexError((err as Error).message, pattern);
  }
}

export interface PythonMatcher {
  regex: RegExp;
  /**
   * Matches at the start of `text` like Python's `re.match`, with Python's captures: a named group
   * inside a repeated group that the last iteration did not set keeps its last successful capture.
   * The wrapper groups are removed from `groups`.
   */
  exec(text: string): RegExpExecArray | null;
}

/** A sticky matcher with Python's capture semantics for repeated groups (see PythonMatcher). */
export function compilePythonMatcher(pattern: string): PythonMatcher {
  const t = translatePythonRegex(pattern, { repeats: true });
  let regex: RegExp;
  try {
    regex = new RegExp(t.source, t.flags + 'y');
  } catch (err) {
    throw new PythonRegexError((err as Error).message, pattern);
  }
  const replays = (t.repeats ?? []).map((r) => ({ ...r, once: new RegExp(r.inner, t.flags + 'y') }));
  return {
    regex,
    exec(text) {
      regex.lastIndex = 0;
      const m = regex.exec(text);
      if (!m?.groups || !replays.length) return m;
      for (const r of replays) {
        const span = m.groups[r.wrapper];
        delete m.groups[r.wrapper];
        if (span === undefined || r.names.every((n) => m.groups![n] !== undefined)) continue;
        const last: Record<string, string> = {};
        for (let at = 0; at < span.length;) {
          r.once.lastIndex = at;
          const it = r.once.exec(span);
          if (!it || it[0].length === 0) break;
          for (const n of r.names) if (it.groups?.[n] !== undefined) last[n] = it.groups[n]!;
          at += it[0].length;
        }
        for (const n of r.names) if (m.groups[n] === undefined && n in last) m.groups[n] = last[n];
      }
      return m;
    },
  };
}

/** Number of capturing groups (Python `compiled.groups`). */
export function groupCount(re: RegExp): number {
  return new RegExp(`${re.source}|`, re.flags.replace(/[gy]/g, '')).exec('')!.length - 1;
}
