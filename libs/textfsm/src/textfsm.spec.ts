import { translatePythonRegex, compilePythonRegex } from './pyregex';
import { splitLines, TextFsm, TextFsmError, TextFsmTemplateError } from './textfsm';

/** Template text from lines (keeps the tests readable: rules need their leading spaces). */
const tpl = (...lines: string[]): string => lines.join('\n') + '\n';
const text = (...lines: string[]): string => lines.join('\n') + '\n';

function templateError(template: string): TextFsmTemplateError {
  try {
    new TextFsm(template);
  } catch (err) {
    if (err instanceof TextFsmTemplateError) return err;
    throw err;
  }
  throw new Error('template was accepted');
}

describe('TextFsm records and EOF', () => {
  const base = [
    'Value Name (\\S+)',
    'Value Age (\\d+)',
    '',
    'Start',
    '  ^Name: ${Name}',
    '  ^Age: ${Age} -> Record',
  ];
  const input = text('Name: a', 'Age: 1', 'Name: b', 'Age: 2', 'Name: c');

  it('records on Record and once more at the implicit EOF', () => {
    const fsm = new TextFsm(tpl(...base));
    expect(fsm.header).toEqual(['Name', 'Age']);
    expect(fsm.parseText(input)).toEqual([
      ['a', '1'],
      ['b', '2'],
      ['c', ''],
    ]);
    expect(fsm.parseTextToDicts(input)[1]).toEqual({ Name: 'b', Age: '2' });
  });

  it('an explicit empty EOF state disables the implicit record', () => {
    const fsm = new TextFsm(tpl(...base, '', 'EOF'));
    expect(fsm.parseText(input)).toEqual([
      ['a', '1'],
      ['b', '2'],
    ]);
  });

  it('eof=false suppresses the implicit record', () => {
    expect(new TextFsm(tpl(...base)).parseText(input, false)).toHaveLength(2);
  });

  it('-> End stops reading without the EOF record; -> EOF stops reading with it', () => {
    const end = new TextFsm(tpl(...base, '  ^STOP -> End'));
    expect(end.parseText(text('Name: a', 'Age: 1', 'Name: b', 'STOP', 'Name: c', 'Age: 3'))).toEqual([
      ['a', '1'],
    ]);
    const eof = new TextFsm(tpl(...base, '  ^STOP -> EOF'));
    expect(eof.parseText(text('Name: a', 'Age: 1', 'Name: b', 'STOP', 'Name: c', 'Age: 3'))).toEqual([
      ['a', '1'],
      ['b', ''],
    ]);
  });

  it('does not record an all-empty record, but an empty-string match counts as a value', () => {
    const fsm = new TextFsm(tpl('Value A (\\S*)', '', 'Start', '  ^x${A}$$ -> Record', '  ^y -> Record'));
    expect(fsm.parseText(text('y', 'x', 'y'))).toEqual([['']]);
  });

  it('is reusable: each parseText starts from Start with an empty result', () => {
    const fsm = new TextFsm(tpl(...base));
    fsm.parseText(input);
    expect(fsm.parseText(text('Name: z', 'Age: 9'))).toEqual([['z', '9']]);
  });

  it('splits input lines like Python str.splitlines', () => {
    expect(splitLines('a\r\nb\rc\n\nd\n')).toEqual(['a', 'b', 'c', '', 'd']);
    expect(splitLines('')).toEqual([]);
  });
});

describe('TextFsm value options', () => {
  const chassis = (opts: string): string =>
    tpl(
      'Value Filldown Chassis (\\S+)',
      `Value ${opts}Slot (\\d+)`,
      'Value Card (\\S+)',
      '',
      'Start',
      '  ^Chassis ${Chassis}',
      '  ^Slot ${Slot} ${Card} -> Record',
    );
  const input = text('Chassis c1', 'Slot 1 x', 'Slot 2 y', 'Chassis c2', 'Slot 1 z');

  it('Filldown carries a value into later records; Required drops the filldown-only EOF record', () => {
    expect(new TextFsm(chassis('Required ')).parseText(input)).toEqual([
      ['c1', '1', 'x'],
      ['c1', '2', 'y'],
      ['c2', '1', 'z'],
    ]);
    // Without Required the implicit EOF record keeps the filled-down chassis alone.
    expect(new TextFsm(chassis('')).parseText(input)).toEqual([
      ['c1', '1', 'x'],
      ['c1', '2', 'y'],
      ['c2', '1', 'z'],
      ['c2', '', ''],
    ]);
  });

  it('Clear keeps Filldown values, Clearall clears them too', () => {
    const fsm = new TextFsm(
      tpl(
        'Value Filldown Chassis (\\S+)',
        'Value Slot (\\d+)',
        'Value Card (\\S+)',
        '',
        'Start',
        '  ^Chassis ${Chassis}',
        '  ^Slot ${Slot}',
        '  ^Card ${Card} -> Record',
        '  ^Drop -> Clear',
        '  ^Reset -> Clearall',
      ),
    );
    const rows = fsm.parseText(
      text('Chassis c1', 'Slot 1', 'Card x', 'Slot 2', 'Drop', 'Card y', 'Reset', 'Slot 3', 'Card z'),
    );
    expect(rows).toEqual([
      ['c1', '1', 'x'],
      ['c1', '', 'y'],
      ['', '3', 'z'],
    ]);
  });

  it('Fillup writes a value up into earlier records until one already has it', () => {
    const fsm = new TextFsm(
      tpl(
        'Value Fillup Total (\\d+)',
        'Value Item (\\S+)',
        '',
        'Start',
        '  ^item ${Item} -> Record',
        '  ^total ${Total}',
      ),
    );
    expect(fsm.parseText(text('item a', 'total 1', 'item b', 'item c', 'total 2'))).toEqual([
      ['1', 'a'],
      ['1', 'b'],
      ['2', 'c'],
      ['2', ''],
    ]);
  });

  it('Key marks values without changing parsing', () => {
    const fsm = new TextFsm(
      tpl('Value Key,Required Name (\\S+)', 'Value Age (\\d+)', '', 'Start', '  ^${Name} ${Age}'),
    );
    expect(fsm.valuesByAttrib('Key')).toEqual(['Name']);
    expect(fsm.valuesByAttrib('Required')).toEqual(['Name']);
    expect(fsm.parseText('bob 3')).toEqual([['bob', '3']]);
  });

  it('List collects every match of a record; plain lists hold strings', () => {
    const fsm = new TextFsm(
      tpl(
        'Value Name (\\S+)',
        'Value List Members (\\S+)',
        '',
        'Start',
        '  ^group\\s -> Continue.Record',
        '  ^group ${Name}',
        '  ^\\s+member ${Members}',
      ),
    );
    expect(
      fsm.parseTextToDicts(text('group g1', ' member a', ' member b', 'group g2', ' member c', 'group g3')),
    ).toEqual([
      { Name: 'g1', Members: ['a', 'b'] },
      { Name: 'g2', Members: ['c'] },
      { Name: 'g3', Members: [] },
    ]);
  });

  it('List values with nested named groups produce a list of objects (TextFSM 1.1)', () => {
    const fsm = new TextFsm(
      tpl(
        'Value Name (\\S+)',
        'Value List Ports ((?P<port>\\S+):(?P<speed>\\d+)(?P<unit>[MG])?)',
        '',
        'Start',
        '  ^host ${Name}',
        '  ^\\s+port ${Ports}',
      ),
    );
    expect(fsm.parseTextToDicts(text('host h1', '  port ge1:10G', '  port ge2:100'))).toEqual([
      {
        Name: 'h1',
        Ports: [
          { port: 'ge1', speed: '10', unit: 'G' },
          { port: 'ge2', speed: '100', unit: null /* Python's None: the group did not match */ },
        ],
      },
    ]);
  });

  it('List with Filldown keeps its items across records', () => {
    const fsm = new TextFsm(
      tpl(
        'Value Filldown,List Tags (\\S+)',
        'Value Item (\\S+)',
        '',
        'Start',
        '  ^tag ${Tags}',
        '  ^item ${Item} -> Record',
      ),
    );
    expect(fsm.parseText(text('tag a', 'item 1', 'tag b', 'item 2'), false)).toEqual([
      [['a'], '1'],
      [['a', 'b'], '2'],
    ]);
  });

  it('a group that does not take part in the match assigns an empty value', () => {
    const fsm = new TextFsm(
      tpl('Value A (\\S+)', 'Value B (\\S+)', '', 'Start', '  ^b ${B}', '  ^a ${A}( ${B})? -> Record'),
    );
    expect(fsm.parseText(text('b set', 'a 1'))).toEqual([['1', '']]);
  });
});

describe('TextFsm rule actions and states', () => {
  it('Continue keeps matching the same line against the following rules', () => {
    const fsm = new TextFsm(
      tpl('Value A (\\S+)', 'Value B (\\S+)', '', 'Start', '  ^${A} -> Continue', '  ^\\S+ ${B} -> Record'),
    );
    expect(fsm.parseText(text('x y', 'p q'))).toEqual([
      ['x', 'y'],
      ['p', 'q'],
    ]);
  });

  it('Next (the default) stops at the first matching rule; NoRecord does not record', () => {
    const fsm = new TextFsm(
      tpl(
        'Value A (\\S+)',
        '',
        'Start',
        '  ^skip ${A} -> Next.NoRecord',
        '  ^keep ${A} -> Next.Record',
        '  ^\\S+ ${A} -> Record',
        '  ^never -> NoRecord',
      ),
    );
    expect(fsm.parseText(text('skip 1', 'keep 2', 'other 3', 'never'), false)).toEqual([['2'], ['3']]);
  });

  it('moves between states, with Record on the transition', () => {
    const fsm = new TextFsm(
      tpl(
        'Value Filldown Section (\\S+)',
        'Value Required Item (\\S+)',
        '',
        'Start',
        '  ^section ${Section} -> Body',
        '',
        'Body',
        '  # items only count inside a section',
        '  ^\\s+item ${Item} -> Record',
        '  ^end -> Start',
      ),
    );
    expect(fsm.stateList).toEqual(['Start', 'Body']);
    expect(
      fsm.parseText(
        text(' item ignored', 'section s1', ' item a', 'end', ' item ignored', 'section s2', ' item b'),
      ),
    ).toEqual([
      ['s1', 'a'],
      ['s2', 'b'],
    ]);
    const next = new TextFsm(
      tpl(
        'Value A (\\S+)',
        '',
        'Start',
        '  ^a ${A} -> Next.Record Two',
        '',
        'Two',
        '  ^b ${A} -> Record Start',
      ),
    );
    expect(next.parseText(text('a 1', 'a 2', 'b 3', 'b 4', 'a 5'), false)).toEqual([['1'], ['3'], ['5']]);
  });

  it('Error "message" raises TextFsmError with the message and the input line number', () => {
    const fsm = new TextFsm(
      tpl('Value A (\\S+)', '', 'Start', '  ^ok ${A} -> Record', '  ^. -> Error "unexpected line"'),
    );
    let caught: unknown;
    try {
      fsm.parseText(text('ok 1', 'ok 2', '% Invalid input'));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(TextFsmError);
    const err = caught as TextFsmError;
    expect(err.reason).toBe('unexpected line');
    expect(err.inputLineNumber).toBe(3);
    expect(err.inputLine).toBe('% Invalid input');
    expect(err.ruleLine).toBe(5);
    expect(err.message).toContain('Error: "unexpected line". Rule Line: 5. Input Line: % Invalid input.');
  });

  it('a bare Error raises too, after its record action ran', () => {
    const fsm = new TextFsm(tpl('Value A (\\S+)', '', 'Start', '  ^bad ${A} -> Error'));
    expect(() => fsm.parseText('fine\nbad x')).toThrow(
      /State Error raised\. Rule Line: 4\. Input Line: bad x/,
    );
    try {
      fsm.parseText('bad x');
    } catch (err) {
      expect((err as TextFsmError).reason).toBeNull();
      expect((err as TextFsmError).inputLineNumber).toBe(1);
    }
  });
});

describe('TextFsm substitution and Python regexes', () => {
  it('$$ is a literal $ (end anchor or dollar sign); ${V} and $V substitute the value regex', () => {
    const fsm = new TextFsm(
      tpl(
        'Value Total (\\d+)',
        'Value Cost (\\d+)',
        '',
        'Start',
        '  ^total\\s+${Total}$$',
        '  ^cost \\$$$Cost',
      ),
    );
    expect(fsm.parseTextToDicts(text('total 5x', 'total 7', 'cost $12'))).toEqual([
      { Total: '7', Cost: '12' },
    ]);
  });

  it('rules match from the start of the line only (re.match)', () => {
    const fsm = new TextFsm(tpl('Value A (\\d+)', '', 'Start', '  ^${A} -> Record'));
    expect(fsm.parseText(text('x 1', '2 y'))).toEqual([['2']]);
    // Alternation does not escape the anchoring either.
    const alt = new TextFsm(tpl('Value A (\\d+)', '', 'Start', '  ^a\\d|b${A} -> Record'));
    expect(alt.parseText(text('xb1', 'b2'))).toEqual([['2']]);
  });

  it('supports (?P=name) back-references, \\A/\\Z, inline flags and comments', () => {
    const fsm = new TextFsm(
      tpl(
        'Value A (\\w+)',
        '',
        'Start',
        '  ^${A}=(?P=A)(?#same value twice)\\Z -> Record',
        '  ^(?i)HELLO ${A} -> Record',
      ),
    );
    expect(fsm.parseText(text('ab=cd', 'ab=ab', 'hello World'))).toEqual([['ab'], ['World']]);
  });

  it('translates Python-only syntax', () => {
    expect(translatePythonRegex('(?P<n>a)(?P=n)')).toEqual({ source: '(?<n>a)\\k<n>', flags: '' });
    expect(translatePythonRegex('(?is)a.b').flags).toBe('is');
    expect(compilePythonRegex('\\Aab\\Z').test('ab')).toBe(true);
    expect(compilePythonRegex('\\Aab\\Z').test('xab')).toBe(false);
    expect(compilePythonRegex('^a{,2}$').test('aa')).toBe(true);
    expect(compilePythonRegex('^a{,2}$').test('aaa')).toBe(false);
    expect(compilePythonRegex('^[]x]+$').test('x]x')).toBe(true);
    expect(compilePythonRegex('^[^]]$').test(']')).toBe(false);
    expect(compilePythonRegex('^(?i:ab)c$').test('ABc')).toBe(true);
    expect(compilePythonRegex('^(?i:ab)c$').test('ABC')).toBe(false);
    expect(compilePythonRegex('^(?i:[a-c]x)$').test('BX')).toBe(true);
    expect(compilePythonRegex('^(?s:a.b)$').test('a\nb')).toBe(true);
    expect(compilePythonRegex('(?x) a b  # comment\n c').test('abc')).toBe(true);
    // Python's $ also matches before a final newline.
    expect(compilePythonRegex('^ab$').test('ab\n')).toBe(true);
    // POSIX classes are not special in Python: `[[:digit:]]` is the set `[:digt` followed by `]`.
    expect(compilePythonRegex('^[[:digit:]]$').test('d]')).toBe(true);
    expect(compilePythonRegex('^[[:digit:]]$').test('5')).toBe(false);
  });
});

describe('TextFsm template errors carry the template line', () => {
  const cases: Array<[string, string, number | null, RegExp]> = [
    ['missing Start', tpl('Value A (\\S+)', '', 'Other', '  ^x'), null, /Missing state 'Start'/],
    [
      'invalid state name',
      tpl('Value A (\\S+)', '', 'Start', '  ^x', '', 'Bad State'),
      6,
      /Invalid state name/,
    ],
    ['reserved state name', tpl('Value A (\\S+)', '', 'Record'), 3, /Invalid state name/],
    ['duplicate state', tpl('Value A (\\S+)', '', 'Start', '', 'Start'), 5, /Duplicate state name/],
    ['rule without indent', tpl('Value A (\\S+)', '', 'Start', '^x'), 4, /Missing white space/],
    ['undefined value', tpl('Value A (\\S+)', '', 'Start', '  ^${B}'), 4, /invalid variable substitution/],
    ['single $', tpl('Value A (\\S+)', '', 'Start', '  ^x$'), 4, /invalid variable substitution/],
    ['value without parens', tpl('Value Key A \\S+'), 1, /must be contained within a '\(\)' pair/],
    // Third token not starting with '(' means the second one is read as options (as Python does).
    ['name read as option', tpl('Value A \\S+'), 1, /Unknown option "A"/],
    ['unbalanced value regex', tpl('Value A (a\\))'), 1, /'\(\)' pair/],
    ['bad value regex', tpl('Value A ([a-)'), 1, /Line 1/],
    ['unknown option', tpl('# comment', 'Value Sometimes A (x)'), 2, /Unknown option "Sometimes"/],
    ['duplicate option', tpl('Value Key,Key A (x)'), 1, /Duplicate option/],
    ['duplicate value', tpl('Value A (x)', 'Value A (y)'), 2, /Duplicate declarations/],
    ['too few tokens', tpl('Value A'), 1, /at least 3 tokens/],
    ['text after values', tpl('Value A (x)', 'Start'), 2, /Expected blank line/],
    ['no values', tpl('Start'), 1, /No Value definitions/],
    ['bad rule regex', tpl('Value A (x)', '', 'Start', '  ^x(y -> Record'), 4, /Invalid regular expression/],
    [
      'badly formatted action',
      tpl('Value A (x)', '', 'Start', '  ^x -> Record Next Now'),
      4,
      /Badly formatted rule/,
    ],
    ['Continue with state', tpl('Value A (x)', '', 'Start', '  ^x -> Continue Start'), 4, /with new state/],
    [
      'unknown target state',
      tpl('Value A (x)', '', 'Start', '  ^x -> Nowhere'),
      4,
      /State 'Nowhere' not found/,
    ],
    ['non-empty EOF', tpl('Value A (x)', '', 'Start', '  ^x', '', 'EOF', '  ^y'), null, /Non-Empty 'EOF'/],
    ['non-empty End', tpl('Value A (x)', '', 'Start', '  ^x', '', 'End', '  ^y'), null, /Non-Empty 'End'/],
    ['Repeated option', tpl('Value Repeated A (x)'), 1, /Repeated/],
  ];
  it.each(cases)('%s', (_name, template, line, message) => {
    const err = templateError(template);
    expect(err.message).toMatch(message);
    expect(err.line).toBe(line);
  });

  it('accepts comments, an End state and Error messages naming no state', () => {
    const fsm = new TextFsm(
      tpl(
        '# header comment',
        'Value A (x)',
        '',
        '# states',
        'Start',
        '  # rule comment',
        '  ^x -> Error "no such state"',
        '',
        'End',
      ),
    );
    expect(fsm.stateList).toEqual(['Start']);
  });
});

describe('Python regex semantics JavaScript lacks', () => {
  it('a named group inside a repeated group keeps its last successful capture', () => {
    const fsm = new TextFsm(
      'Value CAPABILITIES (\\w+)\nValue NAME (\\S+)\n\nStart\n  ^${NAME}\\s+(${CAPABILITIES}?\\s)+ -> Record\n',
    );
    expect(fsm.parseText('sw1 BR R \nsw2 B  \nsw3   \n')).toEqual([
      ['R', 'sw1'],
      ['B', 'sw2'],
      ['', 'sw3'],
    ]);
  });

  it('a quantified lookbehind compiles and asserts once', () => {
    const fsm = new TextFsm('Value ACL (\\S+)\n\nStart\n  ^${ACL}(?<=[^()\\s])+\\s*$$ -> Record\n');
    expect(fsm.parseText('permit-any\n(x)\n')).toEqual([['permit-any']]);
  });
});
