/**
 * Task queues of execution nodes. Workflows and bookkeeping run on the shared queue; work that
 * touches a device runs on its site's queue when nodes serve that site (so SSH starts near the
 * device), and steps that require capabilities run on a queue of nodes that have them all.
 *
 *   <shared>                       workflows, bookkeeping, device work of sites without nodes
 *   <shared>@site:<site>           device work of a site's devices
 *   <shared>@cap:<a>+<b>           work that requires capabilities a and b
 *   <shared>@site:<site>@cap:<a>   ... for a site's devices, on that site's nodes that have a
 */
export function siteQueue(sharedQueue: string, site: string): string {
  return `${sharedQueue}@site:${site}`;
}

/** The queue of work that requires every one of `capabilities` (in any order), optionally at a site. */
/** A node's own queue: work placed on that node (by latency and load, see placement.ts). */
export function nodeQueue(sharedQueue: string, nodeId: string): string {
  return `${sharedQueue}@node:${nodeId}`;
}

export function capabilityQueue(sharedQueue: string, capabilities: readonly string[], site?: string): string {
  const base = site === undefined ? sharedQueue : siteQueue(sharedQueue, site);
  return `${base}@cap:${[...new Set(capabilities)].sort().join('+')}`;
}

/** At most this many capabilities per node: a node polls a queue per non-empty subset of them. */
export const MAX_NODE_CAPABILITIES = 4;

/** A capability tag (NODE_CAPABILITIES, a step's `requires`). */
export const CAPABILITY = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Every non-empty subset of the capabilities, each sorted; the work a node with them can take. */
export function capabilitySets(capabilities: readonly string[]): string[][] {
  const caps = [...new Set(capabilities)].sort();
  const sets: string[][] = [];
  for (let mask = 1; mask < 1 << caps.length; mask++) sets.push(caps.filter((_, i) => mask & (1 << i)));
  return sets;
}

export interface NodeRoutes {
  sharedQueue: string;
  /** The node's id: it also polls its own queue (`nodeQueue`). */
  id?: string;
  /** Serves the shared queue (workflows and unrouted activities). */
  shared: boolean;
  sites: readonly string[];
  capabilities: readonly string[];
}

/**
 * The task queues a node polls: the shared queue when it serves it, each of its sites' queues,
 * and for each set of its capabilities, the same again with that set.
 */
export function nodeQueues(node: NodeRoutes): string[] {
  const queues: string[] = [];
  if (node.shared) queues.push(node.sharedQueue);
  for (const site of node.sites) queues.push(siteQueue(node.sharedQueue, site));
  for (const set of capabilitySets(node.capabilities)) {
    if (node.shared) queues.push(capabilityQueue(node.sharedQueue, set));
    for (const site of node.sites) queues.push(capabilityQueue(node.sharedQueue, set, site));
  }
  if (node.id !== undefined) queues.push(nodeQueue(node.sharedQueue, node.id));
  return queues;
}

/** A live node as routing sees it. */
export interface LiveNode {
  id?: string;
  shared: boolean;
  sites: readonly string[];
  capabilities: readonly string[];
}

/**
 * Where one piece of work goes: `site` is its device's site (null for work that is not on a
 * device), `requires` the capabilities its step requires. Null means the shared queue.
 *
 * - Nothing required: the site's queue when a live node serves the site, else the shared queue.
 * - Capabilities required: the site's capability queue when a live node serves the site with all
 *   of them; else the capability queue of shared nodes, even when no live node has them yet (the
 *   work waits there for one; the caller warns).
 */
export function routeFor(
  sharedQueue: string,
  nodes: readonly LiveNode[],
  site: string | null,
  requires: readonly string[] = [],
): string | null {
  const { atSite } = routeNodes(nodes, site, requires);
  if (requires.length === 0) return atSite ? siteQueue(sharedQueue, site!) : null;
  return atSite ? capabilityQueue(sharedQueue, requires, site!) : capabilityQueue(sharedQueue, requires);
}

/** The live nodes that poll the queue `routeFor` picks, and whether it is the site's. */
export function routeNodes<N extends LiveNode>(
  nodes: readonly N[],
  site: string | null,
  requires: readonly string[] = [],
): { atSite: boolean; nodes: N[] } {
  const hasAll = (n: LiveNode) => requires.every((c) => n.capabilities.includes(c));
  const atSite = nodes.filter((n) => site !== null && n.sites.includes(site) && hasAll(n));
  if (atSite.length) return { atSite: true, nodes: atSite };
  return { atSite: false, nodes: nodes.filter((n) => n.shared && hasAll(n)) };
}
