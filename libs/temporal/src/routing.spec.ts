import { capabilityQueue, capabilitySets, nodeQueues, routeFor, routeNodes, siteQueue } from './routing';

describe('routing', () => {
  const Q = 'sb';

  it('names a capability queue by its sorted, distinct capabilities', () => {
    expect(capabilityQueue(Q, ['mgmt', 'fips', 'mgmt'])).toBe('sb@cap:fips+mgmt');
    expect(capabilityQueue(Q, ['mgmt'], 'lab-a')).toBe('sb@site:lab-a@cap:mgmt');
  });

  it('lists every non-empty subset of the capabilities', () => {
    expect(capabilitySets(['b', 'a'])).toEqual([['a'], ['b'], ['a', 'b']]);
    expect(capabilitySets([])).toEqual([]);
    expect(capabilitySets(['a', 'b', 'c', 'd'])).toHaveLength(15);
  });

  it('gives a node its shared, site and capability queues', () => {
    expect(nodeQueues({ sharedQueue: Q, shared: true, sites: ['lab-a'], capabilities: ['mgmt'] })).toEqual([
      'sb',
      'sb@site:lab-a',
      'sb@cap:mgmt',
      'sb@site:lab-a@cap:mgmt',
    ]);
    expect(
      nodeQueues({ sharedQueue: Q, shared: false, sites: ['lab-a', 'lab-b'], capabilities: [] }),
    ).toEqual(['sb@site:lab-a', 'sb@site:lab-b']);
  });

  const siteA = { shared: false, sites: ['lab-a'], capabilities: [] };
  const sharedMgmt = { shared: true, sites: [], capabilities: ['mgmt'] };
  const siteBMgmt = { shared: false, sites: ['lab-b'], capabilities: ['mgmt', 'fips'] };

  it('routes device work to its site when a live node serves it, else to the shared queue', () => {
    expect(routeFor(Q, [siteA], 'lab-a')).toBe(siteQueue(Q, 'lab-a'));
    expect(routeFor(Q, [siteA], 'lab-c')).toBeNull();
    expect(routeFor(Q, [siteA], null)).toBeNull();
  });

  it('routes work that requires capabilities to nodes that have them all, at the site first', () => {
    const nodes = [siteA, sharedMgmt, siteBMgmt];
    expect(routeFor(Q, nodes, 'lab-b', ['mgmt'])).toBe('sb@site:lab-b@cap:mgmt');
    expect(routeFor(Q, nodes, 'lab-b', ['mgmt', 'fips'])).toBe('sb@site:lab-b@cap:fips+mgmt');
    // lab-a's node lacks mgmt: the shared nodes with mgmt take it.
    expect(routeFor(Q, nodes, 'lab-a', ['mgmt'])).toBe('sb@cap:mgmt');
    expect(routeFor(Q, nodes, null, ['mgmt'])).toBe('sb@cap:mgmt');
    // Nobody has both at lab-a or shared: it waits on the shared capability queue.
    expect(routeFor(Q, nodes, 'lab-a', ['fips', 'mgmt'])).toBe('sb@cap:fips+mgmt');
    expect(routeNodes(nodes, 'lab-a', ['fips', 'mgmt']).nodes.length > 0).toBe(false);
    expect(routeNodes(nodes, 'lab-b', ['fips', 'mgmt']).nodes.length > 0).toBe(true);
    expect(routeNodes(nodes, null, ['mgmt']).nodes.length > 0).toBe(true);
  });
});
