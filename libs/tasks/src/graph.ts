/**
 * The step DAG: order, ancestors, descendants and cycles. Deterministic and free of I/O, so the
 * interpreter workflow can import this file directly. Edges follow `dependsOn`; dependencies on
 * unknown steps are ignored here (validation reports them).
 */
import { SwitchboardError } from '../../common/src/errors';
import type { StepDefinition } from './definition';

/** The part of a definition the graph functions read; a TaskDefinition is one. */
export interface StepGraph {
  steps: ReadonlyArray<Pick<StepDefinition, 'id' | 'dependsOn'>>;
}

function dependencies(def: StepGraph): Map<string, string[]> {
  const deps = new Map<string, string[]>();
  for (const step of def.steps) if (!deps.has(step.id)) deps.set(step.id, [...step.dependsOn]);
  for (const [id, list] of deps) deps.set(id, [...new Set(list.filter((d) => deps.has(d) && d !== id))]);
  return deps;
}

/**
 * Every cycle's steps in `dependsOn` order, starting from its first step in definition order and
 * ending where it started: `['a', 'b', 'c', 'a']` means a depends on b, b on c and c on a.
 * One cycle per strongly connected component; self-dependencies are not included.
 */
export function findCycles(def: StepGraph): string[][] {
  const deps = dependencies(def);
  const order = [...deps.keys()];
  // Tarjan's strongly connected components.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  const visit = (id: string): void => {
    index.set(id, counter);
    low.set(id, counter);
    counter++;
    stack.push(id);
    onStack.add(id);
    for (const next of deps.get(id) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(id, Math.min(low.get(id)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(id, Math.min(low.get(id)!, index.get(next)!));
      }
    }
    if (low.get(id) === index.get(id)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== id);
      if (component.length > 1) components.push(component);
    }
  };
  for (const id of order) if (!index.has(id)) visit(id);

  const position = new Map(order.map((id, i) => [id, i]));
  return components
    .map((component) => {
      const members = new Set(component);
      const start = component.reduce((a, b) => (position.get(a)! <= position.get(b)! ? a : b));
      // Shortest way back to the start, staying inside the component.
      const previous = new Map<string, string>();
      const queue = [start];
      while (queue.length > 0) {
        const id = queue.shift()!;
        for (const next of deps.get(id) ?? []) {
          if (!members.has(next)) continue;
          if (next === start) {
            const path = [id];
            while (path[0] !== start) path.unshift(previous.get(path[0])!);
            return [...path, start];
          }
          if (!previous.has(next)) {
            previous.set(next, id);
            queue.push(next);
          }
        }
      }
      return [start, start];
    })
    .sort((a, b) => position.get(a[0])! - position.get(b[0])!);
}

/**
 * Step ids with every step after all of its dependencies; among steps that are ready at the same
 * time, definition order wins. Throws BAD_USER_INPUT on a cycle.
 */
export function topologicalOrder(def: StepGraph): string[] {
  const deps = dependencies(def);
  const remaining = [...deps.keys()];
  const done = new Set<string>();
  const order: string[] = [];
  while (remaining.length > 0) {
    const next = remaining.findIndex((id) => deps.get(id)!.every((d) => done.has(d)));
    if (next < 0) {
      const cycle = findCycles(def)[0] ?? remaining;
      throw SwitchboardError.badInput('steps', `cycle: ${cycle.join(' → ')}`);
    }
    const [id] = remaining.splice(next, 1);
    done.add(id);
    order.push(id);
  }
  return order;
}

/** Every step `stepId` depends on, directly or through other steps (not `stepId` itself). */
export function ancestorsOf(def: StepGraph, stepId: string): Set<string> {
  const deps = dependencies(def);
  const found = new Set<string>();
  const pending = [...(deps.get(stepId) ?? [])];
  while (pending.length > 0) {
    const id = pending.pop()!;
    if (found.has(id)) continue;
    found.add(id);
    pending.push(...(deps.get(id) ?? []));
  }
  found.delete(stepId);
  return found;
}

/** The given steps and every step that depends on any of them, directly or transitively. */
export function descendantsOf(def: StepGraph, stepIds: string[]): Set<string> {
  const deps = dependencies(def);
  const dependents = new Map<string, string[]>();
  for (const [id, list] of deps) {
    for (const d of list) dependents.set(d, [...(dependents.get(d) ?? []), id]);
  }
  const found = new Set<string>();
  const pending = [...stepIds];
  while (pending.length > 0) {
    const id = pending.pop()!;
    if (found.has(id)) continue;
    found.add(id);
    pending.push(...(dependents.get(id) ?? []));
  }
  return found;
}
