import { extractPath, parsePath } from './path';

const data = {
  data: {
    items: [{ name: 'a', tags: ['x'] }, { name: 'b', tags: [] }, { id: 3 }],
    'odd key': { 'x.y': 1 },
    empty: null,
  },
};

describe('extractPath', () => {
  it.each<[string, unknown]>([
    ['data.items[0].name', 'a'],
    ['data.items[1].tags', []],
    ['data.items.1.name', 'b'],
    ['data.items[*].name', ['a', 'b', undefined]],
    ['data.items.*.tags[0]', ['x', undefined, undefined]],
    ['data["odd key"]["x.y"]', 1],
    ["data['odd key']", { 'x.y': 1 }],
    ['data.empty', null],
    ['data.empty.x', undefined],
    ['data.items[9].name', undefined],
    ['data.missing.deeper', undefined],
    ['data.items.length', 3],
    ['data.constructor', undefined],
    ['data.items[0].name.length', 1],
    ['', data],
  ])('%s', (path, expected) => {
    expect(extractPath(data, path)).toEqual(expected);
  });

  it('maps a wildcard only over arrays', () => {
    expect(extractPath({ a: { b: 1 } }, 'a[*]')).toBeUndefined();
    expect(extractPath([[1, 2], [3]], '[*][0]')).toEqual([1, 3]);
  });

  it('throws on a path that is not valid', () => {
    expect(() => extractPath(data, 'data..items')).toThrow('path: "data..items" is not a valid path');
    expect(parsePath('a[0')).toBeUndefined();
    expect(parsePath('0.a')).toBeUndefined();
    expect(parsePath('a.b[2]["c"]')).toEqual([{ key: 'a' }, { key: 'b' }, { index: 2 }, { key: 'c' }]);
  });
});
