import { extractPath, parsePath, PathSyntaxError } from './extract';

const DOC = {
  a: { b: [{ c: 1 }, { c: 2, d: null }] },
  items: [{ name: 'x', tags: ['t1'] }, { name: 'y', tags: [] }, { other: true }],
  'ietf-interfaces:interfaces': { interface: [{ name: 'Gi1' }, { name: 'Gi2' }] },
  'dotted.key': { 'sp ace': 5 },
};

describe('extractPath', () => {
  it.each([
    ['a.b[0].c', 1],
    ['a.b[1].d', null],
    ['a.b', DOC.a.b],
    ['items[*].name', ['x', 'y', null]],
    ['items[*].tags[0]', ['t1', null, null]],
    ['items[*].tags[*]', [['t1'], [], null]],
    ['ietf-interfaces:interfaces.interface[*].name', ['Gi1', 'Gi2']],
    ['["dotted.key"][\'sp ace\']', 5],
  ])('%s', (path, expected) => {
    expect(extractPath(DOC, path)).toEqual(expected);
  });

  it('yields undefined for missing steps', () => {
    for (const path of ['nope', 'a.b[5].c', 'a.b.c', 'items[0].name.deeper', 'a[*]', 'toString'])
      expect(extractPath(DOC, path)).toBeUndefined();
    expect(extractPath(null, 'a')).toBeUndefined();
    expect(extractPath([10, 20], '[1]')).toBe(20);
  });

  it('rejects malformed paths with the position', () => {
    for (const path of ['', 'a..b', '.a', 'a[', 'a[x]', 'a[0]b', 'a["x]', 'a.[0]'])
      expect(() => parsePath(path)).toThrow(PathSyntaxError);
    expect(() => parsePath('a[x]')).toThrow(/at 1: expected an index/);
  });
});
