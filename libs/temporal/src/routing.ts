/**
 * Task queues of execution nodes. Workflows and bookkeeping run on the shared queue; work that
 * touches a device runs on its site's queue when nodes serve that site (so SSH starts near the
 * device), and steps that need a capability run on that capability's queue.
 */
export function siteQueue(sharedQueue: string, site: string): string {
  return `${sharedQueue}@site:${site}`;
}

export function capabilityQueue(sharedQueue: string, capability: string): string {
  return `${sharedQueue}@cap:${capability}`;
}
