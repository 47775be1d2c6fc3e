import { aggregate } from './aggregate';

const results = [
  { item: { id: 'd1', name: 'sw1' }, output: { status: 'ok', total: 3, facts: { os: 'ios' } } },
  { item: { id: 'd2', name: 'sw2' }, output: { status: 'failed', total: 1, facts: { os: 'eos' } } },
  { item: { id: 'd3', name: 'sw3' }, output: { status: 'ok', total: 5 } },
];

describe('aggregate', () => {
  it('collects outputs in item order by default', () => {
    expect(aggregate(results, undefined)).toEqual(results.map((r) => r.output));
    expect(aggregate(results, { mode: 'collect' })).toEqual(results.map((r) => r.output));
    expect(aggregate([], undefined)).toEqual([]);
  });

  it('counts values at a field, missing as "null"', () => {
    expect(aggregate(results, { mode: 'count', field: 'status' })).toEqual({ ok: 2, failed: 1 });
    expect(aggregate(results, { mode: 'count', field: 'facts.os' })).toEqual({ ios: 1, eos: 1, null: 1 });
    expect(aggregate(results, { mode: 'count', field: 'total' })).toEqual({ '3': 1, '1': 1, '5': 1 });
    expect(() => aggregate(results, { mode: 'count' })).toThrow(
      'aggregate.field: is required when mode is "count"',
    );
  });

  it('merges object outputs, later keys winning', () => {
    const merged = aggregate(
      [
        { item: 1, output: { a: 1, b: 1 } },
        { item: 2, output: { b: 2, c: 2 } },
      ],
      { mode: 'merge' },
    );
    expect(merged).toEqual({ a: 1, b: 2, c: 2 });
    expect(() =>
      aggregate(
        [
          { item: 1, output: { a: 1 } },
          { item: 2, output: [1] },
        ],
        { mode: 'merge' },
      ),
    ).toThrow('aggregate: merge needs object outputs; item 1 returned an array');
    const polluted = aggregate([{ item: 1, output: JSON.parse('{"__proto__": {"x": 1}}') as unknown }], {
      mode: 'merge',
    });
    expect(Object.getPrototypeOf(polluted)).toBe(Object.prototype);
  });

  it('reduces with a Liquid expression, parsing JSON results', () => {
    expect(aggregate(results, { mode: 'reduce', expression: 'acc | plus: output.total', initial: 0 })).toBe(
      9,
    );
    expect(aggregate(results, { mode: 'reduce', expression: 'acc | plus: index' })).toBe(3);
    expect(
      aggregate(results, {
        mode: 'reduce',
        expression: 'acc | append: item.name | append: ","',
        initial: '',
      }),
    ).toBe('sw1,sw2,sw3,');
    expect(
      aggregate(results, {
        mode: 'reduce',
        expression:
          '{"max": {% if output.total > acc.max %}{{ output.total }}{% else %}{{ acc.max }}{% endif %}}',
        initial: { max: 0 },
      }),
    ).toEqual({ max: 5 });
    expect(aggregate([], { mode: 'reduce', expression: 'acc', initial: 7 })).toBe(7);
    expect(() => aggregate(results, { mode: 'reduce', expression: 'acc | plus: output.missing' })).toThrow(
      'aggregate.expression: undefined variable "output.missing"',
    );
  });
});
