import { Token } from 'liquidjs';
import { MAX_NESTING_DEPTH } from './definition';
import { checkLiquidNesting, LiquidNestingError, liquid, liquidGlobals, liquidMessages } from './liquid';

/** What liquidjs' own static analysis reports, in the shape liquidGlobals returns, or its errors. */
function analysed(source: string): unknown {
  try {
    const { globals } = liquid.analyzeSync(liquid.parse(source));
    return Object.values(globals).flatMap((variables) =>
      variables.map((variable) => ({ segments: variable.toArray(), text: variable.toString() })),
    );
  } catch (error) {
    return liquidMessages(error);
  }
}

function globalsOf(source: string): unknown {
  try {
    return liquidGlobals(source);
  } catch (error) {
    return liquidMessages(error);
  }
}

describe('liquidGlobals', () => {
  it.each([
    // Plain `{{ path }}` outputs (read without liquidjs), grouped by root like liquidjs does.
    'show {{ steps.a.output.total }} on {{ inputs.site }} and {{ steps.b.output.failed }}',
    '{{inputs.x}}{{- run.id -}}\n{{ steps.a_1.output.devices.size }}',
    '{{ steps.a.output }} {{ steps.a.output }}',
    // Anything else goes to liquidjs.
    '{{ true }} {{ nil }} {{ empty }}',
    "{{ steps['a'].output.total }} {{ steps.a.output.devices[0].name }}",
    '{{ steps.a.output.total | plus: inputs.n }}',
    '{% for d in steps.a.output.devices %}{{ d.name }} {{ forloop.index }}{% endfor %}',
    '{% assign x = inputs.a %}{{ x.b }} {{ y }}',
    '{{{ inputs.a }}',
    'text only } }} %}',
  ])('finds what liquidjs static analysis finds: %j', (source) => {
    expect(globalsOf(source)).toEqual(analysed(source));
  });

  it("analyses a long template and leaves liquidjs' Token.getPosition as it was", () => {
    const original = Object.getOwnPropertyDescriptor(Token.prototype, 'getPosition');
    const long = '{% if inputs.b > 1 %}{{ steps.a.output.total | plus: 1 }}{% endif %}\n'.repeat(300);
    expect(globalsOf(long)).toEqual(analysed(long));
    expect(Object.getOwnPropertyDescriptor(Token.prototype, 'getPosition')).toEqual(original);
    // Errors found while parsing still name their line.
    expect(globalsOf(`${long}{{ inputs.c | nope }}`)).toEqual(['line 301, column 1: undefined filter: nope']);
  });
});

describe('checkLiquidNesting', () => {
  const levels = (open: string, close: string, n: number) => `${open.repeat(n)}x${close.repeat(n)}`;

  it(`accepts ${MAX_NESTING_DEPTH} levels of tags and brackets and refuses more`, () => {
    const cases: [string, string][] = [
      ['{% if a %}', '{% endif %}'],
      ['{% for x in a %}', '{% endfor %}'],
      ['{% capture c %}{% unless b %}', '{% endunless %}{% endcapture %}'],
    ];
    for (const [open, close] of cases) {
      const depth = open.split('{%').length - 1;
      expect(() => checkLiquidNesting(levels(open, close, MAX_NESTING_DEPTH / depth))).not.toThrow();
      expect(() => checkLiquidNesting(levels(open, close, MAX_NESTING_DEPTH / depth + 1))).toThrow(
        LiquidNestingError,
      );
    }
    const brackets = (n: number) => `{{ a${'[b'.repeat(n)}${']'.repeat(n)} }}`;
    expect(() => checkLiquidNesting(brackets(MAX_NESTING_DEPTH))).not.toThrow();
    expect(() => checkLiquidNesting(brackets(MAX_NESTING_DEPTH + 1))).toThrow(LiquidNestingError);
    // Tags inside a `liquid` tag nest too.
    const inline = (n: number) => `{% liquid\n${'if a\n'.repeat(n)}echo 1\n${'endif\n'.repeat(n)}%}`;
    expect(() => checkLiquidNesting(inline(MAX_NESTING_DEPTH - 1))).not.toThrow();
    expect(() => checkLiquidNesting(inline(MAX_NESTING_DEPTH))).toThrow(LiquidNestingError);
  });

  it('counts nesting, not tags one after another, and not brackets in text or quotes', () => {
    expect(() => checkLiquidNesting('{% if a %}x{% endif %}'.repeat(1000))).not.toThrow();
    expect(() => checkLiquidNesting(`${'[('.repeat(1000)} {{ "${'['.repeat(100)}" }}`)).not.toThrow();
  });
});
