/**
 * The step DAG: order, ancestors, descendants and cycles. Deterministic and free of I/O, so the
 * interpreter workflow can import this file directly. Edges follow `dependsOn`; dependencies on
 * unknown steps are ignored here (validation reports them). Every function is linear in steps and
 * edges (up to a log factor), and none recurses, so a long chain cannot overflow the stack.
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

/** Dependencies as indexes into `ids` (definition order of first occurrence). */
interface IndexedGraph {
  ids: string[];
  position: Map<string, number>;
  deps: number[][];
}

function indexed(def: StepGraph): IndexedGraph {
  const map = dependencies(def);
  const ids = [...map.keys()];
  const position = new Map(ids.map((id, i) => [id, i]));
  return { ids, position, deps: ids.map((id) => map.get(id)!.map((d) => position.get(d)!)) };
}

/**
 * Tarjan's strongly connected components, iteratively (no recursion, whatever the depth). Each
 * component comes after every component it depends on.
 */
function components(graph: IndexedGraph): number[][] {
  const n = graph.ids.length;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const next = new Int32Array(n); // the next dependency of each visited step to look at
  const stack: number[] = [];
  const out: number[][] = [];
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] >= 0) continue;
    const path = [root];
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = 1;
    while (path.length > 0) {
      const v = path[path.length - 1];
      const deps = graph.deps[v];
      if (next[v] < deps.length) {
        const w = deps[next[v]++];
        if (index[w] < 0) {
          index[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = 1;
          path.push(w);
        } else if (onStack[w]) {
          low[v] = Math.min(low[v], index[w]);
        }
        continue;
      }
      path.pop();
      if (path.length > 0) {
        const parent = path[path.length - 1];
        low[parent] = Math.min(low[parent], low[v]);
      }
      if (low[v] === index[v]) {
        const component: number[] = [];
        let member: number;
        do {
          member = stack.pop()!;
          onStack[member] = 0;
          component.push(member);
        } while (member !== v);
        out.push(component);
      }
    }
  }
  return out;
}

/**
 * Every cycle's steps in `dependsOn` order, starting from its first step in definition order and
 * ending where it started: `['a', 'b', 'c', 'a']` means a depends on b, b on c and c on a.
 * One cycle per strongly connected component; self-dependencies are not included.
 */
export function findCycles(def: StepGraph): string[][] {
  const graph = indexed(def);
  return components(graph)
    .filter((component) => component.length > 1)
    .map((component) => {
      const members = new Set(component);
      const start = component.reduce((a, b) => Math.min(a, b));
      // Shortest way back to the start, staying inside the component.
      const previous = new Map<number, number>();
      const queue = [start];
      for (let head = 0; head < queue.length; head++) {
        const id = queue[head];
        for (const next of graph.deps[id]) {
          if (!members.has(next)) continue;
          if (next === start) {
            const path = [id];
            while (path[path.length - 1] !== start) path.push(previous.get(path[path.length - 1])!);
            return [...path.reverse(), start].map((i) => graph.ids[i]);
          }
          if (!previous.has(next)) {
            previous.set(next, id);
            queue.push(next);
          }
        }
      }
      return [graph.ids[start], graph.ids[start]];
    })
    .sort((a, b) => graph.position.get(a[0])! - graph.position.get(b[0])!);
}

/**
 * Step ids with every step after all of its dependencies; among steps that are ready at the same
 * time, definition order wins. Throws BAD_USER_INPUT on a cycle.
 */
export function topologicalOrder(def: StepGraph): string[] {
  const graph = indexed(def);
  const n = graph.ids.length;
  const waiting = graph.deps.map((list) => list.length);
  const dependents: number[][] = graph.ids.map(() => []);
  graph.deps.forEach((list, i) => list.forEach((d) => dependents[d].push(i)));
  // Ready steps, smallest position first (a binary min-heap).
  const heap: number[] = [];
  const push = (value: number) => {
    let i = heap.push(value) - 1;
    while (i > 0 && heap[(i - 1) >> 1] > heap[i]) {
      [heap[i], heap[(i - 1) >> 1]] = [heap[(i - 1) >> 1], heap[i]];
      i = (i - 1) >> 1;
    }
  };
  const pop = (): number => {
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && heap[l] < heap[m]) m = l;
        if (r < heap.length && heap[r] < heap[m]) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m], heap[i]];
        i = m;
      }
    }
    return top;
  };
  for (let i = 0; i < n; i++) if (waiting[i] === 0) push(i);
  const order: string[] = [];
  const done = new Uint8Array(n);
  while (heap.length > 0) {
    const i = pop();
    done[i] = 1;
    order.push(graph.ids[i]);
    for (const d of dependents[i]) if (--waiting[d] === 0) push(d);
  }
  if (order.length < n) {
    const cycle = findCycles(def)[0] ?? graph.ids.filter((_, i) => !done[i]);
    throw SwitchboardError.badInput('steps', `cycle: ${cycle.join(' → ')}`);
  }
  return order;
}

/** A membership test over step ids. */
export interface StepSet {
  has(stepId: string): boolean;
}

/**
 * What validation needs from the graph, computed once in O(steps + edges) plus O(steps² / 32)
 * for the reachability bitsets (callers bound the number of steps first: MAX_STEPS).
 */
export interface StepReachability {
  /** The given steps and every step they depend on, directly or transitively. */
  closureOf(stepIds: readonly string[]): StepSet;
  /**
   * Steps in the longest `dependsOn` chain ending at the step (1 without dependencies), with the
   * step that chain starts at; undefined for a step in a cycle or depending on one, or unknown.
   */
  depthOf(stepId: string): { depth: number; from: string } | undefined;
}

export function stepReachability(def: StepGraph): StepReachability {
  const graph = indexed(def);
  const n = graph.ids.length;
  const words = Math.ceil(n / 32);
  // closure[i]: bitset of i and everything i depends on; members of a cycle share one.
  const closure: Uint32Array[] = new Array<Uint32Array>(n);
  const depth = new Int32Array(n); // 0: in or after a cycle
  const from = new Int32Array(n);
  for (const component of components(graph)) {
    const bits = new Uint32Array(words);
    const members = new Set(component);
    let acyclic = component.length === 1;
    let deepest = 0;
    let start = component[0];
    for (const v of component) {
      bits[v >> 5] |= 1 << (v & 31);
      for (const d of graph.deps[v]) {
        if (members.has(d)) continue;
        const other = closure[d];
        for (let w = 0; w < words; w++) bits[w] |= other[w];
        if (depth[d] === 0) acyclic = false;
        else if (depth[d] > deepest) {
          deepest = depth[d];
          start = from[d];
        }
      }
    }
    for (const v of component) {
      closure[v] = bits;
      depth[v] = acyclic ? deepest + 1 : 0;
      from[v] = start;
    }
  }
  return {
    closureOf(stepIds) {
      const bits = new Uint32Array(words);
      for (const id of stepIds) {
        const i = graph.position.get(id);
        if (i === undefined) continue;
        const other = closure[i];
        for (let w = 0; w < words; w++) bits[w] |= other[w];
      }
      return {
        has(stepId) {
          const i = graph.position.get(stepId);
          return i !== undefined && (bits[i >> 5] & (1 << (i & 31))) !== 0;
        },
      };
    },
    depthOf(stepId) {
      const i = graph.position.get(stepId);
      if (i === undefined || depth[i] === 0) return undefined;
      return { depth: depth[i], from: graph.ids[from[i]] };
    },
  };
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
    for (const d of list) {
      const known = dependents.get(d);
      if (known) known.push(id);
      else dependents.set(d, [id]);
    }
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
