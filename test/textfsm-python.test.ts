import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DeviceLab } from '../apps/device-lab/src';
import { PLATFORMS } from '../libs/common/src/platforms';
import { TextFsm, TextFsmError, TextFsmTemplateError } from '../libs/textfsm/src';
import { parseWithPython, pythonWithTextfsm, type PythonResult } from './support/python-textfsm';

/**
 * Differential test: our TextFSM engine against Google's Python TextFSM (installed from PyPI into
 * .data/py-textfsm on first run), on every shipped template, with what the lab's devices of every
 * platform print and inputs generated from it (truncated, thinned, repeated, empty). Any difference in
 * header, rows or the kind of error fails.
 */
const DIR = path.resolve(__dirname, '../templates/textfsm');

interface IndexRow {
  templates: string[];
  platform: string;
  /** The full command (`sh[[ow]] ver[[sion]]` → `show version`). */
  command: string;
}

function indexRows(): IndexRow[] {
  const lines = readFileSync(path.join(DIR, 'index'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'));
  return lines.slice(1).map((line) => {
    const [templates, , platform, command] = line.split(',').map((c) => c.trim());
    return {
      templates: templates!.split(':'),
      platform: platform!,
      command: command!.replace(/\[\[([^\]]*)\]\]/g, '$1'),
    };
  });
}

/** Inputs derived from a real output: the parts of a table or a document a template must cope with. */
function variants(text: string): string[] {
  const lines = text.split('\n');
  return [
    text,
    lines.slice(0, Math.ceil(lines.length / 2)).join('\n'),
    lines.filter((_, i) => i % 3 !== 1).join('\n'),
    [...lines, ...lines].join('\n'),
    lines.map((l) => l.replace(/\s+$/, '')).join('\r\n'),
    '',
  ];
}

function parseWithOurs(template: string, text: string): PythonResult {
  try {
    const fsm = new TextFsm(template);
    return { header: fsm.header, rows: fsm.parseText(text) };
  } catch (err) {
    if (err instanceof TextFsmTemplateError) return { error: 'TextFSMTemplateError', message: err.message };
    if (err instanceof TextFsmError) return { error: 'TextFSMError', message: err.message };
    throw err;
  }
}

/** Python semantics the JavaScript regex engine does not have natively, with inputs that exercise them. */
const SEMANTICS: { label: string; template: string; text: string }[] = [
  {
    label: 'List of named groups: a group that did not match is None',
    template: 'Value List NAMES ((?P<first>\\w+)(?:-(?P<num>\\d+))?)\n\nStart\n  ^item ${NAMES}\n',
    text: 'item a-1\nitem b\nitem c-3\n',
  },
  {
    label: "quantified lookbehind (ntc-templates' cisco_ios_show_access-list)",
    template: 'Value ACL (\\S+)\n\nStart\n  ^${ACL}(?<=[^()\\s])+\\s*$$ -> Record\n',
    text: 'permit-any\nfoo bar\n(x)\n',
  },
  {
    label:
      "capture inside a repeated group keeps its last successful value (ntc-templates' cisco_nxos_show_lldp_neighbors)",
    template:
      'Value CAPABILITIES (\\w+)\nValue NAME (\\S+)\n\nStart\n  ^${NAME}\\s+(${CAPABILITIES}?\\s)+ -> Record\n',
    text: 'sw1 BR R \nsw2 B  \nsw3   \n',
  },
  {
    label: 'the same with a counted repetition and two captures',
    template: 'Value A (\\d+)\nValue B ([a-z]+)\n\nStart\n  ^x((?:${A}|${B})?;){2,} -> Record\n',
    text: 'x1;ab;;\nx;;\nx7;;q;\n',
  },
  {
    label: 'lookahead repeated zero or more times always holds',
    template: 'Value WORD (\\w+)\n\nStart\n  ^${WORD}(?=\\d)*\\s*$$ -> Record\n',
    text: 'abc\nab1\n',
  },
];

/** Error messages differ in wording between the implementations; the kind of error must not. */
const comparable = (r: PythonResult) => ('error' in r ? { error: r.error } : r);

describe('TextFSM engine vs Python textfsm on the shipped templates', () => {
  let python: string;
  let lab: DeviceLab;

  beforeAll(async () => {
    python = pythonWithTextfsm();
    lab = await DeviceLab.start({
      devices: 2 * PLATFORMS.length,
      mix: Object.fromEntries(PLATFORMS.map((p) => [p, 1])),
    });
  }, 240_000);
  afterAll(async () => {
    await lab?.stop();
  });

  it('gives the same header and rows as Python for every template and input', () => {
    const cases: { label: string; template: string; text: string }[] = [];
    const rows = indexRows();
    for (const row of rows) {
      const devices = lab.devices().filter((d) => d.platform === row.platform);
      expect({ row: row.command, devices: devices.length > 0 }).toEqual({ row: row.command, devices: true });
      for (const file of row.templates) {
        const template = readFileSync(path.join(DIR, file), 'utf8');
        for (const device of devices) {
          const output = lab.expectedOutput(device.name, row.command);
          variants(output).forEach((text, i) =>
            cases.push({ label: `${file} on ${device.name} (input ${i})`, template, text }),
          );
        }
      }
    }
    // Every template file shipped is in the index, so every one is compared.
    const templates = [...new Set(rows.flatMap((r) => r.templates))].sort();
    expect(templates).toEqual(
      readdirSync(DIR)
        .filter((f) => f.endsWith('.textfsm'))
        .sort(),
    );

    cases.push(...SEMANTICS);
    const theirs = parseWithPython(python, cases);
    expect(theirs).toHaveLength(cases.length);
    const differences = cases.flatMap((c, i) => {
      const ours = comparable(parseWithOurs(c.template, c.text));
      const expected = comparable(theirs[i]!);
      return JSON.stringify(ours) === JSON.stringify(expected)
        ? []
        : [{ case: c.label, ours, python: expected }];
    });
    expect(differences.slice(0, 3)).toEqual([]);
    // Real outputs parse into rows in both (the comparison is not vacuous).
    expect(theirs.filter((r) => 'rows' in r && r.rows.length > 0).length).toBeGreaterThan(cases.length / 3);
  });
});
