import { SwitchboardError } from '../../common/src/errors';
import { DEFAULT_RETRY } from './definition';
import type { StepDefinition } from './definition';
import { ancestorsOf, descendantsOf, findCycles, stepReachability, topologicalOrder } from './graph';
import { retryPolicyOf } from './retry';

function graph(edges: Record<string, string[]>) {
  return { steps: Object.entries(edges).map(([id, dependsOn]) => ({ id, dependsOn })) };
}

describe('topologicalOrder', () => {
  it('puts every step after its dependencies, ties in definition order', () => {
    const def = graph({
      push: ['api', 'approve'],
      approve: ['backup'],
      backup: [],
      api: ['backup'],
      notify: [],
    });
    expect(topologicalOrder(def)).toEqual(['backup', 'approve', 'api', 'push', 'notify']);
  });

  it('throws BAD_USER_INPUT naming the cycle', () => {
    const def = graph({ a: ['b'], b: ['c'], c: ['a'], d: [] });
    expect(() => topologicalOrder(def)).toThrow(SwitchboardError);
    expect(() => topologicalOrder(def)).toThrow('steps: cycle: a → b → c → a');
  });
});

describe('findCycles', () => {
  it('returns one cycle per strongly connected component, from its first step', () => {
    const def = graph({ x: [], b: ['c'], c: ['b', 'x'], d: ['e'], e: ['f'], f: ['d', 'e'] });
    expect(findCycles(def)).toEqual([
      ['b', 'c', 'b'],
      ['d', 'e', 'f', 'd'],
    ]);
    expect(findCycles(graph({ a: [], b: ['a'] }))).toEqual([]);
  });
});

describe('ancestorsOf / descendantsOf', () => {
  const def = graph({
    backup: [],
    api: ['backup'],
    approve: ['backup'],
    push: ['api', 'approve'],
    notify: [],
  });

  it('finds transitive dependencies, not the step itself', () => {
    expect([...ancestorsOf(def, 'push')].sort()).toEqual(['api', 'approve', 'backup']);
    expect([...ancestorsOf(def, 'backup')]).toEqual([]);
    expect([...ancestorsOf(def, 'missing')]).toEqual([]);
  });

  it('finds the given steps and everything depending on them', () => {
    expect([...descendantsOf(def, ['api'])].sort()).toEqual(['api', 'push']);
    expect([...descendantsOf(def, ['backup', 'notify'])].sort()).toEqual([
      'api',
      'approve',
      'backup',
      'notify',
      'push',
    ]);
  });
});

describe('stepReachability', () => {
  const def = graph({
    backup: [],
    api: ['backup'],
    approve: ['backup'],
    push: ['api', 'approve'],
    notify: [],
    a: ['b', 'push'],
    b: ['a'],
    after: ['a'],
  });
  const reach = stepReachability(def);

  it('answers for the given steps and everything they depend on, cycles included', () => {
    const ids = def.steps.map((s) => s.id);
    const closure = (of: string[]) => ids.filter((id) => reach.closureOf(of).has(id));
    expect(closure(['push'])).toEqual(['backup', 'api', 'approve', 'push']);
    expect(closure(['api', 'notify'])).toEqual(['backup', 'api', 'notify']);
    expect(closure(['b'])).toEqual(['backup', 'api', 'approve', 'push', 'a', 'b']);
    expect(closure(['missing'])).toEqual([]);
    expect(reach.closureOf(['push']).has('missing')).toBe(false);
  });

  it('measures the longest dependsOn chain ending at each step, none in or after a cycle', () => {
    expect(reach.depthOf('backup')).toEqual({ depth: 1, from: 'backup' });
    expect(reach.depthOf('push')).toEqual({ depth: 3, from: 'backup' });
    expect(reach.depthOf('notify')).toEqual({ depth: 1, from: 'notify' });
    expect(reach.depthOf('a')).toBeUndefined();
    expect(reach.depthOf('after')).toBeUndefined();
    expect(reach.depthOf('missing')).toBeUndefined();
  });
});

describe('long graphs', () => {
  // 20,000 steps: far beyond MAX_STEPS, and deeper than the stack allows recursion.
  const n = 20_000;
  const ids = Array.from({ length: n }, (_, i) => `s${i}`);
  const chain = { steps: ids.map((id, i) => ({ id, dependsOn: i === 0 ? [] : [ids[i - 1]] })) };

  it('orders, measures and finds cycles without recursion', () => {
    expect(topologicalOrder(chain)).toEqual(ids);
    expect(findCycles(chain)).toEqual([]);
    // Reachability keeps steps² bits: 2,000 steps are enough to need no recursion.
    const reach = stepReachability({ steps: chain.steps.slice(0, 2000) });
    expect(reach.depthOf('s1999')).toEqual({ depth: 2000, from: 's0' });
    expect(reach.closureOf(['s1998']).has('s0')).toBe(true);
    expect(reach.closureOf(['s1998']).has('s1999')).toBe(false);
    expect(descendantsOf(chain, ['s0']).size).toBe(n);
    // Each step depending on the next: a depth-first walk from s0 goes 20,000 steps deep.
    const backwards = { steps: ids.map((id, i) => ({ id, dependsOn: i === n - 1 ? [] : [ids[i + 1]] })) };
    expect(findCycles(backwards)).toEqual([]);
    expect(topologicalOrder(backwards)).toEqual([...ids].reverse());
    const cycle = { steps: ids.map((id, i) => ({ id, dependsOn: [ids[(i + 1) % n]] })) };
    expect(findCycles(cycle)).toEqual([[...ids, 's0']]);
    expect(() => topologicalOrder(cycle)).toThrow(SwitchboardError);
  });
});

describe('retryPolicyOf', () => {
  it('merges a step retry over DEFAULT_RETRY', () => {
    const step = {
      id: 'a',
      kind: 'sleep',
      params: {},
      dependsOn: [],
      continueOnError: false,
    } as StepDefinition;
    expect(retryPolicyOf(step)).toEqual(DEFAULT_RETRY);
    expect(retryPolicyOf({ ...step, retry: { maximumAttempts: 1, maximumIntervalSeconds: 5 } })).toEqual({
      maximumAttempts: 1,
      initialIntervalSeconds: 1,
      backoffCoefficient: 2,
      maximumIntervalSeconds: 5,
    });
    expect(retryPolicyOf({ kind: 'ssh.configure', params: {}, retry: { backoffCoefficient: 3 } })).toEqual({
      ...DEFAULT_RETRY,
      backoffCoefficient: 3,
    });
  });
});
