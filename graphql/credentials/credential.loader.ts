import { Injectable } from '@nestjs/common';
import type { CredentialEntity } from '../../core/devices/credential.entity';
import { CredentialsRepository } from '../../core/devices/credentials.repository';

interface Scope {
  cache: Map<string, Promise<CredentialEntity | null>>;
  batch?: { ids: Set<string>; loaded: Promise<Map<string, CredentialEntity>> };
}

/**
 * Batches `Device.credential` look-ups: every credential asked for while one request resolves a
 * page of devices is read with one query. Results are cached per GraphQL context (one per request).
 */
@Injectable()
export class CredentialLoader {
  private readonly scopes = new WeakMap<object, Scope>();

  constructor(private readonly credentials: CredentialsRepository) {}

  load(requestContext: unknown, id: string): Promise<CredentialEntity | null> {
    const scope = this.scopeFor(requestContext);
    const cached = scope.cache.get(id);
    if (cached) return cached;
    if (!scope.batch) {
      const ids = new Set<string>();
      // setImmediate, not a microtask: Nest resolves each field through several awaits (guards, pipes).
      const loaded = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
        scope.batch = undefined;
        const found = await this.credentials.findByIds([...ids]);
        return new Map(found.map((c) => [c.id, c]));
      });
      scope.batch = { ids, loaded };
    }
    scope.batch.ids.add(id);
    const result = scope.batch.loaded.then((found) => found.get(id) ?? null);
    scope.cache.set(id, result);
    return result;
  }

  private scopeFor(requestContext: unknown): Scope {
    if (requestContext === null || typeof requestContext !== 'object') return { cache: new Map() };
    let scope = this.scopes.get(requestContext);
    if (!scope) {
      scope = { cache: new Map() };
      this.scopes.set(requestContext, scope);
    }
    return scope;
  }
}
