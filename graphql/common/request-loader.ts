interface Scope<T> {
  cache: Map<string, Promise<T | null>>;
  batch?: { ids: Set<string>; loaded: Promise<Map<string, T>> };
}

/**
 * Batches look-ups by id made while one request resolves a page (a field of every row): every id
 * asked for in the same turn is read with one call of `fetch`. Results are cached per GraphQL
 * context (one per request), so nothing outlives the request.
 */
export class RequestLoader<T> {
  private readonly scopes = new WeakMap<object, Scope<T>>();

  constructor(private readonly fetch: (ids: string[]) => Promise<Map<string, T>>) {}

  load(requestContext: unknown, id: string): Promise<T | null> {
    const scope = this.scopeFor(requestContext);
    const cached = scope.cache.get(id);
    if (cached) return cached;
    if (!scope.batch) {
      const ids = new Set<string>();
      // setImmediate, not a microtask: Nest resolves each field through several awaits (guards, pipes).
      const loaded = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        scope.batch = undefined;
        return this.fetch([...ids]);
      });
      scope.batch = { ids, loaded };
    }
    scope.batch.ids.add(id);
    const result = scope.batch.loaded.then((found) => found.get(id) ?? null);
    scope.cache.set(id, result);
    return result;
  }

  private scopeFor(requestContext: unknown): Scope<T> {
    if (requestContext === null || typeof requestContext !== 'object') return { cache: new Map() };
    let scope = this.scopes.get(requestContext);
    if (!scope) {
      scope = { cache: new Map() };
      this.scopes.set(requestContext, scope);
    }
    return scope;
  }
}
