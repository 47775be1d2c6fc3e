import { nodeQueue, routeFor, routeNodes, type LiveNode } from './routing';

/** A live node with its capacity and the load it reported at its last heartbeat. */
export interface PlacementNode extends LiveNode {
  id: string;
  capacity: number;
  load: number;
}

export interface PlacementItem {
  /** The item's device site; null for an item that is not a device. */
  site: string | null;
  /** Recent latency from each node to the item's device (ms), where measured. */
  latency: Readonly<Record<string, number>>;
}

export interface Placement {
  /** Where to run it; null is the shared queue. */
  queue: string | null;
  /** The node it was placed on, when placed on one node's queue. */
  node?: string;
  /** Where to run it if that node is lost before it starts: the route's queue (null: shared). */
  fallback: string | null;
}

/**
 * Place items on nodes by recent latency and load. Each item first gets its route (`routeFor`:
 * site, capabilities, or shared). When two or more live nodes serve that route and at least one
 * of them has reached the item's device recently, the item goes to the node with the lowest
 * latency among those with a free slot (capacity minus reported load minus what this call has
 * already placed there), on that node's own queue; ties go to the node with more free slots.
 * Otherwise it stays on the route's queue, where Temporal hands it to whichever node polls with a
 * free slot. Nodes never measured for a device are not chosen for it (the reachability checks,
 * which stay on the route's queue, measure them over time).
 */
export function placeItems(
  sharedQueue: string,
  nodes: readonly PlacementNode[],
  items: readonly PlacementItem[],
  requires: readonly string[] = [],
): Placement[] {
  const placed = new Map<string, number>();
  return items.map((item) => {
    const route = routeFor(sharedQueue, nodes, item.site, requires);
    const serving = routeNodes(nodes, item.site, requires).nodes;
    const stay: Placement = { queue: route, fallback: route };
    if (serving.length < 2) return stay;
    const free = (n: PlacementNode) => n.capacity - n.load - (placed.get(n.id) ?? 0);
    const best = serving
      .filter((n) => item.latency[n.id] !== undefined && free(n) > 0)
      .sort((a, b) => item.latency[a.id] - item.latency[b.id] || free(b) - free(a))[0];
    if (!best) return stay;
    placed.set(best.id, (placed.get(best.id) ?? 0) + 1);
    return { queue: nodeQueue(sharedQueue, best.id), node: best.id, fallback: route };
  });
}
