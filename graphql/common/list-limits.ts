import type { MetadataStorage } from 'class-transformer/types/MetadataStorage';
import { getMetadataStorage } from 'class-validator';
import type { FieldError } from '../../libs/common/src/errors';
import { joinField } from '../../libs/common/src/json';

// class-transformer keeps the @Type metadata in this singleton; its package exports no typed path to it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { defaultMetadataStorage } = require('class-transformer/cjs/storage') as {
  defaultMetadataStorage: MetadataStorage;
};

/**
 * The input classes' own list limits (`@ArrayMaxSize`), checked on the plain argument before
 * class-transformer builds it and class-validator validates it: both go through every element
 * (nested inputs too) before `ArrayMaxSize` says the list is too long, so 400,000 batch items held
 * the API for 40 s only to be refused. Nested inputs are followed through their `@Type`.
 */

type Constructor = abstract new (...args: never[]) => unknown;

interface ListLimits {
  /** The smallest @ArrayMaxSize of each property. */
  max: Map<string, number>;
  /** The input class of each property with a @Type (a nested input or a list of them). */
  nested: Map<string, Constructor>;
}

const limitsByClass = new Map<Constructor, ListLimits>();

function limitsOf(cls: Constructor): ListLimits {
  const known = limitsByClass.get(cls);
  if (known) return known;
  const limits: ListLimits = { max: new Map(), nested: new Map() };
  const metadatas = getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false);
  for (const m of metadatas) {
    const max = m.constraints?.[0] as unknown;
    if (m.name === 'arrayMaxSize' && typeof max === 'number') {
      limits.max.set(m.propertyName, Math.min(max, limits.max.get(m.propertyName) ?? Infinity));
    }
    const type = defaultMetadataStorage.findTypeMetadata(cls, m.propertyName)?.typeFunction() as unknown;
    if (typeof type === 'function' && type !== Date && !limits.nested.has(m.propertyName)) {
      limits.nested.set(m.propertyName, type as Constructor);
    }
  }
  limitsByClass.set(cls, limits);
  return limits;
}

/**
 * The first list longer than its input class allows, at its path (as class-validator names it,
 * inside the argument), or null. Without recursion; visits at most the elements the limits allow.
 */
export function listLimitProblem(value: unknown, cls: Constructor): FieldError | null {
  const stack: { value: unknown; cls: Constructor; path: string }[] = [{ value, cls, path: '' }];
  while (stack.length > 0) {
    const { value: current, cls: type, path } = stack.pop()!;
    if (current === null || typeof current !== 'object' || Array.isArray(current)) continue;
    const limits = limitsOf(type);
    for (const [key, child] of Object.entries(current as Record<string, unknown>)) {
      const max = limits.max.get(key);
      if (max !== undefined && Array.isArray(child) && child.length > max) {
        return { field: joinField(path, key), message: `must contain no more than ${max} elements` };
      }
      const nested = limits.nested.get(key);
      if (!nested) continue;
      if (Array.isArray(child)) {
        child.forEach((item, i) =>
          stack.push({ value: item, cls: nested, path: joinField(joinField(path, key), i) }),
        );
      } else {
        stack.push({ value: child, cls: nested, path: joinField(path, key) });
      }
    }
  }
  return null;
}
