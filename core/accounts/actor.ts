import { AsyncLocalStorage } from 'node:async_hooks';

/** Who a piece of work is done for: the signed-in user of the API request it runs in. */
export interface Actor {
  userId: string;
  username: string;
}

const storage = new AsyncLocalStorage<Actor | null>();

/**
 * Run `fn` (and everything it starts) on behalf of `actor`. The API's authenticate middleware
 * wraps each request in it, so that the rows a request creates (runs, tasks and their versions,
 * schedules, credentials, template versions) record their creator without every signature
 * carrying it. Decisions about rights never read it: they take the principal explicitly.
 */
export function runAs<T>(actor: Actor | null, fn: () => T): T {
  return storage.run(actor, fn);
}

/** The user this code runs for; null outside a request (the worker, schedules, migrations). */
export function currentActor(): Actor | null {
  return storage.getStore() ?? null;
}

/** The id to store in a `created_by` column. */
export const currentActorId = (): string | null => currentActor()?.userId ?? null;
