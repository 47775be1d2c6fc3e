import { placeItems, type PlacementNode } from './placement';

describe('placeItems', () => {
  const Q = 'sb';
  const node = (id: string, over: Partial<PlacementNode> = {}): PlacementNode => ({
    id,
    shared: false,
    sites: ['dc1'],
    capabilities: [],
    capacity: 10,
    load: 0,
    ...over,
  });

  it('keeps an item on its route when one node serves it, or none has measured the device', () => {
    expect(placeItems(Q, [node('a')], [{ site: 'dc1', latency: { a: 5 } }])).toEqual([
      { queue: 'sb@site:dc1', fallback: 'sb@site:dc1' },
    ]);
    expect(placeItems(Q, [node('a'), node('b')], [{ site: 'dc1', latency: {} }])).toEqual([
      { queue: 'sb@site:dc1', fallback: 'sb@site:dc1' },
    ]);
  });

  it('places an item on the node with the lowest recent latency to its device', () => {
    const nodes = [node('a'), node('b'), node('c')];
    expect(placeItems(Q, nodes, [{ site: 'dc1', latency: { a: 40, b: 3, c: 12 } }])).toEqual([
      { queue: 'sb@node:b', node: 'b', fallback: 'sb@site:dc1' },
    ]);
  });

  it('counts what it placed against free slots, and skips full nodes', () => {
    const nodes = [node('fast', { capacity: 3, load: 1 }), node('slow', { capacity: 10, load: 9 })];
    const items = Array.from({ length: 4 }, () => ({ site: 'dc1', latency: { fast: 2, slow: 30 } }));
    expect(placeItems(Q, nodes, items).map((p) => p.node ?? p.queue)).toEqual([
      'fast',
      'fast',
      'slow',
      'sb@site:dc1',
    ]);
  });

  it('breaks a latency tie by free slots', () => {
    const nodes = [node('busy', { load: 8 }), node('idle')];
    expect(placeItems(Q, nodes, [{ site: 'dc1', latency: { busy: 5, idle: 5 } }])[0].node).toBe('idle');
  });

  it('chooses only among the nodes of the route: the site, the capabilities, or the shared nodes', () => {
    const nodes = [
      node('site'),
      node('shared1', { shared: true, sites: [], capabilities: ['mgmt'] }),
      node('shared2', { shared: true, sites: [], capabilities: ['mgmt'] }),
    ];
    // dc1's node serves it: a shared node, however close, is not a candidate.
    expect(placeItems(Q, nodes, [{ site: 'dc1', latency: { shared1: 1, site: 50 } }])[0]).toEqual({
      queue: 'sb@site:dc1',
      fallback: 'sb@site:dc1',
    });
    // Requires mgmt: dc1's node lacks it, so the shared nodes with it are the candidates.
    expect(placeItems(Q, nodes, [{ site: 'dc1', latency: { shared1: 9, shared2: 4 } }], ['mgmt'])[0]).toEqual(
      {
        queue: 'sb@node:shared2',
        node: 'shared2',
        fallback: 'sb@cap:mgmt',
      },
    );
    // Not a device (no site): shared nodes.
    expect(placeItems(Q, nodes, [{ site: null, latency: {} }])[0]).toEqual({ queue: null, fallback: null });
  });
});
