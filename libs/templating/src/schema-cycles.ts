/**
 * Recursive JSON Schemas that never end: a `$ref` cycle that consumes no input (`{"$ref": "#"}`,
 * `{"allOf": [{"$ref": "#"}]}`, or refs that lead back through `definitions`). ajv compiles such a
 * schema, and then validating anything recurses until the stack overflows. A ref reached through
 * `properties`, `items`, ... is fine: it applies to a smaller part of the value, so it ends.
 *
 * Pure and without recursion: the schema is walked with its own stack, and cycles are found with
 * an iterative depth-first search over "applies to the same value" edges.
 */

/** Keywords whose schema applies to the same value (no input consumed). */
const IN_PLACE_ONE = ['not', 'if', 'then', 'else'];
const IN_PLACE_LIST = ['allOf', 'anyOf', 'oneOf'];
const IN_PLACE_MAP = ['dependentSchemas', 'dependencies'];
/** Keywords whose schemas apply to a part of the value, or are only definitions. */
const NESTED_ONE = [
  'items',
  'additionalItems',
  'additionalProperties',
  'contains',
  'propertyNames',
  'unevaluatedItems',
  'unevaluatedProperties',
  'contentSchema',
];
const NESTED_LIST = ['items', 'prefixItems'];
const NESTED_MAP = ['properties', 'patternProperties', 'definitions', '$defs'];

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const escape = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

/** The value at a JSON Pointer ('' is the root), or undefined. */
function at(root: unknown, pointer: string): unknown {
  if (pointer === '') return root;
  let node: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node) && /^(0|[1-9]\d*)$/.test(key)) node = node[Number(key)];
    else if (isObject(node) && Object.hasOwn(node, key)) node = node[key];
    else return undefined;
  }
  return node;
}

/** A problem with a schema's references, as the end of a sentence; or null. */
export function schemaReferenceProblem(schema: object): string | null {
  /** In-place edges of each schema found, by pointer. */
  const edges = new Map<string, string[]>();
  const pending: string[] = [''];
  const seen = new Set<string>(['']);
  const visit = (pointer: string) => {
    if (!seen.has(pointer)) {
      seen.add(pointer);
      pending.push(pointer);
    }
  };
  while (pending.length > 0) {
    const pointer = pending.pop()!;
    const node = at(schema, pointer);
    if (!isObject(node)) continue;
    const out: string[] = [];
    if (pointer !== '' && typeof node.$id === 'string' && !node.$id.startsWith('#')) {
      return `$id is allowed at the root only (found at ${pointer})`;
    }
    if (node.$ref !== undefined) {
      const ref = node.$ref;
      if (typeof ref !== 'string' || !(ref === '#' || ref.startsWith('#/'))) {
        return `$ref must be a JSON Pointer into this schema ("#" or "#/..."), not ${JSON.stringify(ref)}`;
      }
      let target: string;
      try {
        target = decodeURIComponent(ref.slice(1));
      } catch {
        return `$ref ${JSON.stringify(ref)} is not a valid URI fragment`;
      }
      if (at(schema, target) !== undefined) {
        out.push(target);
        visit(target);
      }
    }
    const child = (path: string, inPlace: boolean) => {
      if (!isObject(at(schema, path))) return;
      if (inPlace) out.push(path);
      visit(path);
    };
    for (const key of [...IN_PLACE_ONE, ...NESTED_ONE])
      child(`${pointer}/${key}`, IN_PLACE_ONE.includes(key));
    for (const key of [...IN_PLACE_LIST, ...NESTED_LIST]) {
      const list = node[key];
      if (Array.isArray(list))
        list.forEach((_, i) => child(`${pointer}/${key}/${i}`, IN_PLACE_LIST.includes(key)));
    }
    for (const key of [...IN_PLACE_MAP, ...NESTED_MAP]) {
      const map = node[key];
      if (isObject(map)) {
        for (const name of Object.keys(map))
          child(`${pointer}/${key}/${escape(name)}`, IN_PLACE_MAP.includes(key));
      }
    }
    edges.set(pointer, out);
  }

  // Iterative depth-first search: a grey node met again closes a cycle.
  const colour = new Map<string, 'grey' | 'black'>();
  for (const start of edges.keys()) {
    if (colour.has(start)) continue;
    const stack: { pointer: string; next: number }[] = [{ pointer: start, next: 0 }];
    colour.set(start, 'grey');
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const targets = edges.get(top.pointer) ?? [];
      if (top.next >= targets.length) {
        colour.set(top.pointer, 'black');
        stack.pop();
        continue;
      }
      const target = targets[top.next++];
      const state = colour.get(target);
      if (state === 'grey') {
        const from = stack.findIndex((frame) => frame.pointer === target);
        const cycle = [...stack.slice(from).map((frame) => frame.pointer), target].map((p) => `#${p}`);
        return `is recursive: ${cycle.join(' → ')} applies to the same value without end`;
      }
      if (state === undefined) {
        colour.set(target, 'grey');
        stack.push({ pointer: target, next: 0 });
      }
    }
  }
  return null;
}
