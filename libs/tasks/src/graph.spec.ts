import { SwitchboardError } from '../../common/src/errors';
import { DEFAULT_RETRY } from './definition';
import type { StepDefinition } from './definition';
import { ancestorsOf, descendantsOf, findCycles, topologicalOrder } from './graph';
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
