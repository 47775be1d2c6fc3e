/**
 * A port of Google TextFSM (textfsm/parser.py, 1.1.x) to TypeScript. Pure: templates and text in, rows out.
 *
 * Semantics follow the Python implementation line by line: Value options Filldown, Fillup, Key, Required and
 * List (including lists of dicts for nested named groups), rule actions Next/Continue/Error with
 * Record/NoRecord/Clear/Clearall, state transitions, `End`, `EOF`, `${VALUE}`/`$VALUE`/`$$` substitution via
 * Python's string.Template rules and rules matched from the start of the line (`re.match`). Python regular
 * expressions are translated with ./pyregex.
 *
 * Differences: `parseText` resets the FSM first (Python accumulates across calls unless `Reset()` is called);
 * the `Repeated` option (which needs the third-party `regex` module) is rejected as a template error. A
 * named group inside a repeated group keeps its last successful capture, as in Python (JavaScript resets
 * it on every iteration; pyregex's PythonMatcher replays the iterations).
 */
import { compilePythonMatcher, compilePythonRegex, groupCount, PythonRegexError } from './pyregex';
import type { PythonMatcher } from './pyregex';

/** A List value's item: the match, or its named groups (null for a group that did not match, Python's None). */
export type ListItem = string | Record<string, string | null>;
export type CellValue = string | string[] | Record<string, string | null>[];
export type ParsedRow = CellValue[];
export type ParsedDict = Record<string, CellValue>;

export class TextFsmTemplateError extends Error {
  constructor(
    message: string,
    /** 1-based line of the template the error refers to (null when it concerns the whole template). */
    readonly line: number | null,
  ) {
    super(message);
    this.name = 'TextFsmTemplateError';
  }
}

/** Raised by an `Error` action while parsing text. */
export class TextFsmError extends Error {
  constructor(
    message: string,
    /** The `Error "message"` text (without quotes), or null for a bare `Error`. */
    readonly reason: string | null,
    /** 1-based line number of the input text that triggered the error. */
    readonly inputLineNumber: number,
    readonly inputLine: string,
    /** 1-based template line of the rule. */
    readonly ruleLine: number,
    readonly state: string,
  ) {
    super(message);
    this.name = 'TextFsmError';
  }
}

/** Internal control flow, as in Python (SkipRecord). */
class SkipRecord extends Error {}

type RawValue = string | null | ListItem[];

abstract class OptionBase {
  abstract readonly name: string;
  constructor(protected readonly value: TextFsmValue) {}
  onCreateOptions(): void {}
  onClearVar(): void {}
  onClearAllVar(): void {}
  onAssignVar(): void {}
  onSaveRecord(): void {}
}

class RequiredOption extends OptionBase {
  readonly name = 'Required';
  override onSaveRecord(): void {
    if (isEmpty(this.value.value)) throw new SkipRecord();
  }
}

class FilldownOption extends OptionBase {
  readonly name = 'Filldown';
  private myvar: RawValue = null;
  override onCreateOptions(): void {
    this.myvar = null;
  }
  override onAssignVar(): void {
    this.myvar = this.value.value;
  }
  override onClearVar(): void {
    this.value.value = this.myvar;
  }
  override onClearAllVar(): void {
    this.myvar = null;
  }
}

class FillupOption extends OptionBase {
  readonly name = 'Fillup';
  override onAssignVar(): void {
    const v = this.value.value;
    if (isEmpty(v)) return;
    const idx = this.value.fsm.values.indexOf(this.value);
    const result = this.value.fsm.result;
    for (let r = result.length - 1; r >= 0; r--) {
      if (!isEmpty(result[r]![idx]!)) break;
      result[r]![idx] = cell(v);
    }
  }
}

class KeyOption extends OptionBase {
  readonly name = 'Key';
}

class ListOption extends OptionBase {
  readonly name = 'List';
  private items: ListItem[] = [];
  override onCreateOptions(): void {
    this.onClearAllVar();
  }
  override onAssignVar(): void {
    const raw = this.value.value;
    const text = typeof raw === 'string' ? raw : '';
    const re = this.value.compiled!;
    let match: RegExpExecArray | null = null;
    if (this.value.groups > 1 && typeof raw === 'string') {
      re.lastIndex = 0;
      match = re.exec(text);
    }
    if (match?.groups && Object.keys(match.groups).length) {
      const dict: Record<string, string | null> = {};
      for (const [k, v] of Object.entries(match.groups)) dict[k] = v ?? null;
      this.items.push(dict);
    } else this.items.push(text);
  }
  override onClearVar(): void {
    if (!this.value.optionNames().includes('Filldown')) this.items = [];
  }
  override onClearAllVar(): void {
    this.items = [];
  }
  override onSaveRecord(): void {
    this.value.value = [...this.items];
  }
}

const OPTIONS: Record<string, new (value: TextFsmValue) => OptionBase> = {
  Required: RequiredOption,
  Filldown: FilldownOption,
  Fillup: FillupOption,
  Key: KeyOption,
  List: ListOption,
};

function isEmpty(v: RawValue | CellValue | undefined): boolean {
  return v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
}

function cell(v: RawValue): CellValue {
  if (v === null) return '';
  return v as CellValue;
}

class TextFsmValue {
  name = '';
  options: OptionBase[] = [];
  /** The regex as written (Python syntax), e.g. `(\S+)`. */
  regex = '';
  /** The regex with the named group, Python syntax: `(?P<NAME>\S+)`. */
  template = '';
  value: RawValue = null;
  /** List values: the value regex compiled on its own (sticky = Python `re.match`). */
  compiled: RegExp | null = null;
  groups = 0;

  constructor(readonly fsm: TextFsm) {}

  assignVar(v: string | undefined): void {
    this.value = v ?? null;
    for (const o of this.options) o.onAssignVar();
  }

  clearVar(): void {
    this.value = null;
    for (const o of this.options) o.onClearVar();
  }

  clearAllVar(): void {
    this.value = null;
    for (const o of this.options) o.onClearAllVar();
  }

  optionNames(): string[] {
    return this.options.map((o) => o.name);
  }

  onSaveRecord(): void {
    for (const o of this.options) o.onSaveRecord();
  }

  parse(line: string): void {
    const tokens = line.split(' ');
    if (tokens.length < 3) throw new Error('Expect at least 3 tokens on line.');
    if (!tokens[2]!.startsWith('(')) {
      for (const name of tokens[1]!.split(',')) this.addOption(name);
      for (const o of this.options) o.onCreateOptions();
      this.name = tokens[2]!;
      this.regex = tokens.slice(3).join(' ');
    } else {
      this.name = tokens[1]!;
      this.regex = tokens.slice(2).join(' ');
    }
    if (this.name.length > MAX_NAME_LEN)
      throw new Error(`Invalid Value name '${this.name}' or name too long.`);
    if (!/^\(.*\)$/s.test(this.regex) || count(this.regex, '(') !== count(this.regex, ')'))
      throw new Error(`Value '${this.regex}' must be contained within a '()' pair.`);
    // Python compiles the rule regex (which embeds this one); compiling here gives the error a line number.
    const compiled = compilePythonRegex(this.regex, 'y');
    this.template = this.regex.replace(/^\(/, `(?P<${this.name}>`);
    if (this.optionNames().includes('List')) {
      this.compiled = compiled;
      this.groups = groupCount(compiled);
    }
  }

  private addOption(name: string): void {
    if (this.optionNames().includes(name)) throw new Error(`Duplicate option "${name}"`);
    if (name === 'Repeated')
      throw new Error('Option "Repeated" needs the Python regex module and is not supported');
    const cls = Object.prototype.hasOwnProperty.call(OPTIONS, name) ? OPTIONS[name] : undefined;
    if (!cls) throw new Error(`Unknown option "${name}"`);
    this.options.push(new cls(this));
  }
}

function count(s: string, ch: string): number {
  return s.split(ch).length - 1;
}

const MAX_NAME_LEN = 48;
const LINE_OPS = ['Continue', 'Next', 'Error'] as const;
const RECORD_OPS = ['Clear', 'Clearall', 'Record', 'NoRecord'] as const;
type LineOp = (typeof LINE_OPS)[number] | '';
type RecordOp = (typeof RECORD_OPS)[number] | '';

const MATCH_ACTION = /^(?<match>.*)(\s->(?<action>.*))/s;
const NEWSTATE = String.raw`(?<new_state>\w+|".*")`;
const OPERATOR = String.raw`((?<ln_op>${LINE_OPS.join('|')})(\.(?<rec_op>${RECORD_OPS.join('|')}))?)`;
const ACTION_RE = new RegExp(String.raw`^\s+${OPERATOR}(\s+${NEWSTATE})?$`);
const ACTION2_RE = new RegExp(String.raw`^\s+(?<rec_op>${RECORD_OPS.join('|')})(\s+${NEWSTATE})?$`);
const ACTION3_RE = new RegExp(String.raw`^(\s+${NEWSTATE})?$`);

/** Python string.Template: `$$`, `$name`, `${name}`; anything else after `$` is invalid. */
const TEMPLATE_RE = /\$(?:(\$)|([_a-z][_a-z0-9]*)|\{([_a-z][_a-z0-9]*)\}|())/gi;

function substitute(text: string, map: Map<string, string>): string {
  return text.replace(TEMPLATE_RE, (_all, escaped?: string, named?: string, braced?: string) => {
    if (escaped) return '$';
    const key = named ?? braced;
    if (key === undefined) throw new Error('invalid placeholder');
    const v = map.get(key);
    if (v === undefined) throw new Error(`undefined variable ${key}`);
    return v;
  });
}

class TextFsmRule {
  readonly match: string;
  readonly regex: string;
  readonly regexObj: RegExp;
  /** regexObj with Python's captures for groups inside repeated groups. */
  readonly matcher: PythonMatcher;
  lineOp: LineOp = '';
  recordOp: RecordOp = '';
  newState = '';

  constructor(
    raw: string,
    readonly lineNum: number,
    varMap: Map<string, string>,
  ) {
    const line = raw.trim();
    if (!line) throw new TextFsmTemplateError(`Null data in FSMRule. Line: ${lineNum}`, lineNum);
    const ma = MATCH_ACTION.exec(line);
    this.match = ma ? ma.groups!.match! : line;
    let regex = this.match;
    if (varMap.size) {
      try {
        regex = substitute(this.match, varMap);
      } catch {
        throw new TextFsmTemplateError(
          `Duplicate or invalid variable substitution: '${this.match}'. Line: ${lineNum}.`,
          lineNum,
        );
      }
    }
    this.regex = regex;
    try {
      this.matcher = compilePythonMatcher(regex);
      this.regexObj = this.matcher.regex;
    } catch (err) {
      const detail = err instanceof PythonRegexError ? ` (${err.message})` : '';
      throw new TextFsmTemplateError(
        `Invalid regular expression: '${regex}'. Line: ${lineNum}.${detail}`,
        lineNum,
      );
    }
    if (!ma) return;
    const action = ma.groups!.action!;
    const m = ACTION_RE.exec(action) ?? ACTION2_RE.exec(action) ?? ACTION3_RE.exec(action);
    if (!m) throw new TextFsmTemplateError(`Badly formatted rule '${line}'. Line: ${lineNum}.`, lineNum);
    const g = m.groups ?? {};
    if (g.ln_op) this.lineOp = g.ln_op as LineOp;
    if (g.rec_op) this.recordOp = g.rec_op as RecordOp;
    if (g.new_state) this.newState = g.new_state;
    if (this.lineOp === 'Continue' && this.newState)
      throw new TextFsmTemplateError(
        `Action '${this.lineOp}' with new state ${this.newState} specified. Line: ${lineNum}.`,
        lineNum,
      );
    if (this.lineOp !== 'Error' && this.newState && !/^\w+/.test(this.newState))
      throw new TextFsmTemplateError(
        `Alphanumeric characters only in state names. Line: ${lineNum}.`,
        lineNum,
      );
  }
}

/** Python str.splitlines() line boundaries. */
// eslint-disable-next-line no-control-regex -- \x1c-\x1e are line boundaries for Python.
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;

export function splitLines(text: string): string[] {
  if (!text) return [];
  const lines = text.split(LINE_BREAK);
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export class TextFsm {
  /** @internal */
  readonly values: TextFsmValue[] = [];
  private readonly valueMap = new Map<string, string>();
  private readonly states = new Map<string, TextFsmRule[]>();
  /** State names in definition order (without `End`). */
  readonly stateList: string[] = [];
  /** @internal rows recorded so far (Fillup writes into them). */
  result: CellValue[][] = [];
  private curState: TextFsmRule[] = [];
  private curStateName = 'Start';
  private lineNum = 0;

  constructor(template: string) {
    if (!template) throw new TextFsmTemplateError('Null template.', null);
    const lines = splitLines(template);
    let pos = 0;
    const next = (): string | undefined => {
      if (pos >= lines.length) return undefined;
      this.lineNum++;
      return lines[pos++]!.replace(/\s+$/, '');
    };
    this.parseVariables(next);
    while (this.parseState(next));
    this.validate();
    this.reset();
  }

  get header(): string[] {
    return this.values.map((v) => v.name);
  }

  /** Names of the values carrying an option (Python `GetValuesByAttrib`), e.g. `Key`. */
  valuesByAttrib(option: string): string[] {
    return this.values.filter((v) => v.optionNames().includes(option)).map((v) => v.name);
  }

  /** Start state, empty result, cleared record (Python `Reset`). */
  reset(): void {
    this.curState = this.states.get('Start')!;
    this.curStateName = 'Start';
    this.result = [];
    for (const v of this.values) v.clearAllVar();
  }

  /** Parses text into rows (one array per record, in header order). `eof=false` suppresses the implicit EOF record. */
  parseText(text: string, eof = true): ParsedRow[] {
    this.reset();
    const lines = splitLines(text);
    for (let i = 0; i < lines.length; i++) {
      this.checkLine(lines[i]!, i + 1);
      if (this.curStateName === 'End' || this.curStateName === 'EOF') break;
    }
    if (this.curStateName !== 'End' && !this.states.has('EOF') && eof) this.appendRecord();
    return this.result;
  }

  parseTextToDicts(text: string, eof = true): ParsedDict[] {
    const header = this.header;
    return this.parseText(text, eof).map((row) => {
      const d: ParsedDict = {};
      header.forEach((h, i) => (d[h] = row[i]!));
      return d;
    });
  }

  private parseVariables(next: () => string | undefined): void {
    for (let line = next(); line !== undefined; line = next()) {
      if (!line) return;
      if (/^\s*#/.test(line)) continue;
      if (line.startsWith('Value ')) {
        const value = new TextFsmValue(this);
        try {
          value.parse(line);
        } catch (err) {
          throw new TextFsmTemplateError(`${(err as Error).message} Line ${this.lineNum}.`, this.lineNum);
        }
        if (this.header.includes(value.name))
          throw new TextFsmTemplateError(
            `Duplicate declarations for Value '${value.name}'. Line: ${this.lineNum}.`,
            this.lineNum,
          );
        this.values.push(value);
        this.valueMap.set(value.name, value.template);
      } else if (!this.values.length)
        throw new TextFsmTemplateError('No Value definitions found.', this.lineNum);
      else
        throw new TextFsmTemplateError(
          `Expected blank line after last Value entry. Line: ${this.lineNum}.`,
          this.lineNum,
        );
    }
  }

  private parseState(next: () => string | undefined): string {
    let stateName = '';
    for (let line = next(); line !== undefined; line = next()) {
      if (line && !/^\s*#/.test(line)) {
        if (
          !/^\w+$/.test(line) ||
          line.length > MAX_NAME_LEN ||
          (LINE_OPS as readonly string[]).includes(line) ||
          (RECORD_OPS as readonly string[]).includes(line)
        )
          throw new TextFsmTemplateError(
            `Invalid state name: '${line}'. Line: ${this.lineNum}`,
            this.lineNum,
          );
        stateName = line;
        if (this.states.has(stateName))
          throw new TextFsmTemplateError(
            `Duplicate state name: '${line}'. Line: ${this.lineNum}`,
            this.lineNum,
          );
        this.states.set(stateName, []);
        this.stateList.push(stateName);
        break;
      }
    }
    if (!stateName) return '';
    for (let line = next(); line !== undefined; line = next()) {
      if (!line) break;
      if (/^\s*#/.test(line)) continue;
      if (!(line.startsWith(' ^') || line.startsWith('  ^') || line.startsWith('\t^')))
        throw new TextFsmTemplateError(
          `Missing white space or carat ('^') before rule. Line: ${this.lineNum}`,
          this.lineNum,
        );
      this.states.get(stateName)!.push(new TextFsmRule(line, this.lineNum, this.valueMap));
    }
    return stateName;
  }

  private validate(): void {
    if (!this.states.has('Start')) throw new TextFsmTemplateError("Missing state 'Start'.", null);
    if (this.states.get('End')?.length) throw new TextFsmTemplateError("Non-Empty 'End' state.", null);
    if (this.states.get('EOF')?.length) throw new TextFsmTemplateError("Non-Empty 'EOF' state.", null);
    if (this.states.has('End')) {
      this.states.delete('End');
      this.stateList.splice(this.stateList.indexOf('End'), 1);
    }
    for (const [state, rules] of this.states) {
      for (const rule of rules) {
        if (rule.lineOp === 'Error') continue;
        if (!rule.newState || rule.newState === 'End' || rule.newState === 'EOF') continue;
        if (!this.states.has(rule.newState))
          throw new TextFsmTemplateError(
            `State '${rule.newState}' not found, referenced in state '${state}'`,
            rule.lineNum,
          );
      }
    }
  }

  private checkLine(line: string, lineNumber: number): void {
    for (const rule of this.curState) {
      const matched = rule.matcher.exec(line);
      if (!matched) continue;
      if (matched.groups) {
        for (const [name, v] of Object.entries(matched.groups)) {
          this.values.find((x) => x.name === name)?.assignVar(v);
        }
      }
      if (this.operations(rule, line, lineNumber)) {
        if (rule.newState) {
          if (rule.newState !== 'End' && rule.newState !== 'EOF')
            this.curState = this.states.get(rule.newState)!;
          this.curStateName = rule.newState;
        }
        break;
      }
    }
  }

  /** Returns true unless the line operator is Continue. */
  private operations(rule: TextFsmRule, line: string, lineNumber: number): boolean {
    if (rule.recordOp === 'Record') this.appendRecord();
    else if (rule.recordOp === 'Clear') this.clearRecord();
    else if (rule.recordOp === 'Clearall') for (const v of this.values) v.clearAllVar();

    if (rule.lineOp === 'Error') {
      const reason = rule.newState ? rule.newState.replace(/^"(.*)"$/s, '$1') : null;
      const message = rule.newState
        ? `Error: ${rule.newState}. Rule Line: ${rule.lineNum}. Input Line: ${line}. (input line ${lineNumber})`
        : `State Error raised. Rule Line: ${rule.lineNum}. Input Line: ${line} (input line ${lineNumber})`;
      throw new TextFsmError(message, reason, lineNumber, line, rule.lineNum, this.curStateName);
    }
    return rule.lineOp !== 'Continue';
  }

  private clearRecord(): void {
    for (const v of this.values) v.clearVar();
  }

  private appendRecord(): void {
    if (!this.values.length) return;
    const record: RawValue[] = [];
    for (const v of this.values) {
      try {
        v.onSaveRecord();
      } catch (err) {
        if (err instanceof SkipRecord) {
          this.clearRecord();
          return;
        }
        throw err;
      }
      record.push(v.value);
    }
    if (record.every((v) => v === null || (Array.isArray(v) && v.length === 0))) return;
    this.result.push(record.map(cell));
    this.clearRecord();
  }
}
