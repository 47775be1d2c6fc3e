import type { ApolloServerPlugin } from '@apollo/server';
import {
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  getNullableType,
  getVariableValues,
  GraphQLError,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * Limits on the shape and cost of one GraphQL operation, checked after validation and before
 * anything runs (Apollo's didResolveOperation, where the variables are known).
 *
 * - depth: fields nested in fields (`{ a { b } }` is 2), fragments expanded; not counted under
 *   `__schema`/`__type` (introspection nests `ofType` deep; graphql-js's MaxIntrospectionDepthRule
 *   limits what multiplies there, lists in lists, at validation);
 * - fields and aliases: field selections once fragments are expanded (a fragment spread twice counts
 *   twice), and how many of them have an alias;
 * - cost: an estimate of the work, in units of one object read from PostgreSQL: every field whose
 *   type is an object or a list of objects costs 1 (scalars are free), times the list's size
 *   (`first`, `last` or `count`, else DEFAULT_LIST_SIZE); one Temporal call costs TEMPORAL_CALL.
 *   Fields that call Temporal or scan tables cost what FIELD_COSTS says.
 *
 * The traversal stops once it has seen WALK_BUDGET times more fields than allowed, so a document
 * that expands to millions of fields (fragments spread in fragments) costs a bounded number of
 * steps; up to there every measure is exact.
 */
export interface QueryLimits {
  maxDepth: number;
  maxAliases: number;
  maxFields: number;
  maxCost: number;
}

export interface QueryMeasures {
  depth: number;
  aliases: number;
  fields: number;
  cost: number;
  /** The walk stopped at the budget: `fields` is budget + 1, the others what it had seen. */
  stopped: boolean;
}

/** One call to Temporal (DescribeSchedule, ListScheduleMatchingTimes, a signal, a start). */
export const TEMPORAL_CALL = 10;
/** A field whose type is an object or a list: one read. */
export const LOAD = 1;
/** Items assumed in a list that has no size argument (steps, versions, recent actions, ...). */
export const DEFAULT_LIST_SIZE = 10;
/** A conflict report reads every other schedule (up to 1000), their tasks and devices, and describes in Temporal those that share devices. */
export const CONFLICT_REPORT = 10 * TEMPORAL_CALL;
/** Each mutation writes PostgreSQL and usually Temporal. */
export const MUTATION = TEMPORAL_CALL;
/** The walk measures up to this many times maxFields fields, then stops. */
export const WALK_BUDGET = 10;

/**
 * Schedule fields that read the schedule's Temporal description (SchedulesRepository.live): one
 * DescribeSchedule per schedule and request, however many of these fields are asked for.
 */
export const SCHEDULE_LIVE_FIELDS: ReadonlySet<string> = new Set([
  'paused',
  'note',
  'remainingActions',
  'nextFireTimes',
  'recentActions',
  'running',
  'actionsTaken',
  'actionsSkippedOverlap',
  'actionsMissedCatchupWindow',
  'conflicts',
]);

type Args = Record<string, unknown>;

/** Own costs of fields (by `Type.field`) that do more than one read; their items are counted as usual. */
export const FIELD_COSTS: Readonly<Record<string, (args: Args) => number>> = {
  // Temporal lists 10 next times; more take ListScheduleMatchingTimes calls (usually one or two).
  'Schedule.nextFireTimes': (args) => (Number(args.count) > 10 ? 2 * TEMPORAL_CALL : 0),
  'Schedule.conflicts': () => CONFLICT_REPORT,
  'Query.scheduleConflicts': () => CONFLICT_REPORT,
  // The run's steps, windows and locks: a few queries.
  'Run.conflicts': () => 5 * LOAD,
  // Computed from whole configs or templates (CPU and large rows).
  'Query.configDiff': () => 5 * LOAD,
  'Query.configCompliance': () => 5 * LOAD,
  'Query.renderConfigPreview': () => 5 * LOAD,
};

const SIZE_ARGUMENTS = ['first', 'last', 'count'];

class TooManyFields extends Error {}

interface Walk {
  schema: GraphQLSchema;
  fragments: Map<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
  budget: number;
  measures: QueryMeasures;
}

/** Fields selected on one object (its fragments included): the schedule fields that share a describe. */
interface ObjectGroup {
  live: boolean;
}

interface Position {
  depth: number;
  /** The size argument of the connection field above, for its list fields (`edges`). */
  listSize?: number;
  /** Under `__schema`/`__type`. */
  introspection: boolean;
  /** False under a field or fragment that @skip/@include leaves out: counted, but not costed. */
  active: boolean;
}

function fieldDefinition(
  schema: GraphQLSchema,
  parent: GraphQLCompositeType,
  name: string,
): GraphQLField<unknown, unknown> | undefined {
  if (name === TypeNameMetaFieldDef.name) return TypeNameMetaFieldDef;
  if (parent === schema.getQueryType()) {
    if (name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
    if (name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
  }
  return isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
}

function included(node: SelectionNode, variables: Record<string, unknown>): boolean {
  try {
    if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.if === true) return false;
    return getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if !== false;
  } catch {
    return true; // a bad directive argument fails execution anyway; count the field
  }
}

function argumentsOf(field: GraphQLField<unknown, unknown>, node: FieldNode, variables: Args): Args {
  try {
    return getArgumentValues(field, node, variables);
  } catch {
    return {}; // the field will fail with this argument; count it with the defaults
  }
}

function sizeOf(args: Args): number | undefined {
  for (const name of SIZE_ARGUMENTS) {
    const value = args[name];
    if (typeof value === 'number' && Number.isFinite(value)) return Math.max(0, Math.floor(value));
  }
  return undefined;
}

/** The cost of one object's selections; the describe of a schedule counts once per object. */
function objectCost(walk: Walk, set: SelectionSetNode, type: GraphQLCompositeType, at: Position): number {
  const group: ObjectGroup = { live: false };
  const cost = selectionsCost(walk, set, type, at, group, new Set());
  return cost + (group.live ? TEMPORAL_CALL : 0);
}

function selectionsCost(
  walk: Walk,
  set: SelectionSetNode,
  type: GraphQLCompositeType,
  at: Position,
  group: ObjectGroup,
  spreading: Set<string>,
): number {
  const { schema } = walk;
  let cost = 0;
  for (const selection of set.selections) {
    const active = at.active && included(selection, walk.variables);
    if (selection.kind === Kind.FIELD) {
      cost += fieldCost(walk, selection, type, { ...at, active }, group);
      continue;
    }
    let fragmentType: GraphQLCompositeType = type;
    let selections: SelectionSetNode;
    let name: string | undefined;
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      selections = selection.selectionSet;
      if (selection.typeCondition) {
        const named = schema.getType(selection.typeCondition.name.value);
        if (!isCompositeType(named)) continue;
        fragmentType = named;
      }
    } else {
      name = selection.name.value;
      const fragment = walk.fragments.get(name);
      if (!fragment || spreading.has(name)) continue; // unknown or cyclic: validation refuses it
      const named = schema.getType(fragment.typeCondition.name.value);
      if (!isCompositeType(named)) continue;
      fragmentType = named;
      selections = fragment.selectionSet;
      spreading.add(name);
    }
    // A fragment's fields belong to the same object (one describe for all of them).
    cost += selectionsCost(walk, selections, fragmentType, { ...at, active }, group, spreading);
    if (name) spreading.delete(name);
  }
  return cost;
}

function fieldCost(
  walk: Walk,
  node: FieldNode,
  parent: GraphQLCompositeType,
  at: Position,
  group: ObjectGroup,
): number {
  const { schema, measures } = walk;
  measures.fields++;
  if (measures.fields > walk.budget) throw new TooManyFields();
  if (node.alias) measures.aliases++;
  const name = node.name.value;
  const introspection = at.introspection || name === '__schema' || name === '__type';
  const depth = at.depth + 1;
  if (!introspection) measures.depth = Math.max(measures.depth, depth);

  const field = fieldDefinition(schema, parent, name);
  if (!field) return 0; // validation refuses it
  const list = isListType(getNullableType(field.type));

  const args = argumentsOf(field, node, walk.variables);
  const size = sizeOf(args);
  const named = getNamedType(field.type);
  const children =
    node.selectionSet && isCompositeType(named)
      ? objectCost(walk, node.selectionSet, named, {
          depth,
          listSize: list ? undefined : size,
          introspection,
          active: at.active,
        })
      : 0;
  // Introspection reads the schema, in memory.
  if (!at.active || introspection || name.startsWith('__')) return 0;

  if (parent.name === 'Schedule' && SCHEDULE_LIVE_FIELDS.has(name)) group.live = true;
  const own =
    parent === schema.getMutationType()
      ? MUTATION
      : (FIELD_COSTS[`${parent.name}.${name}`]?.(args) ?? (isCompositeType(named) ? LOAD : 0));
  const items = list ? (size ?? at.listSize ?? DEFAULT_LIST_SIZE) : 1;
  return own + items * children;
}

/** Measure an operation, walking at most `budget` fields (then `stopped`). */
export function measureOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> = {},
  budget = Number.MAX_SAFE_INTEGER,
): QueryMeasures {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables, {
    maxErrors: 50,
  });
  const measures: QueryMeasures = { depth: 0, aliases: 0, fields: 0, cost: 0, stopped: false };
  const walk: Walk = { schema, fragments, variables: coerced.coerced ?? {}, budget, measures };
  const root =
    operation.operation === 'mutation'
      ? schema.getMutationType()
      : operation.operation === 'subscription'
        ? schema.getSubscriptionType()
        : schema.getQueryType();
  if (!root) return measures;
  try {
    measures.cost = objectCost(walk, operation.selectionSet, root, {
      depth: 0,
      introspection: false,
      active: true,
    });
  } catch (error) {
    if (!(error instanceof TooManyFields)) throw error;
    measures.stopped = true;
  }
  return measures;
}

function limitError(code: string, message: string, limit: string, maximum: number, measured: number) {
  return new GraphQLError(message, {
    extensions: { code, limit, maximum, measured, http: { status: 400 } },
  });
}

/** The first limit the operation goes over, as the GraphQL error to answer with; null when within all. */
export function checkQueryLimits(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
  limits: QueryLimits,
): GraphQLError | null {
  const budget = Math.min(Number.MAX_SAFE_INTEGER, limits.maxFields * WALK_BUDGET);
  const m = measureOperation(schema, document, operation, variables ?? {}, budget);
  const tooManyFields = () =>
    limitError(
      'QUERY_TOO_COMPLEX',
      `The operation selects ${m.stopped ? 'more than ' + budget : m.fields} fields (fragments expanded), ` +
        `more than the limit of ${limits.maxFields} (API_MAX_QUERY_FIELDS); nothing was run.`,
      'API_MAX_QUERY_FIELDS',
      limits.maxFields,
      m.fields,
    );
  if (m.stopped) return tooManyFields();
  if (m.aliases > limits.maxAliases) {
    return limitError(
      'QUERY_TOO_COMPLEX',
      `The operation has ${m.aliases} aliased fields, more than the limit of ${limits.maxAliases} ` +
        `(API_MAX_ALIASES); nothing was run. Split it into several requests.`,
      'API_MAX_ALIASES',
      limits.maxAliases,
      m.aliases,
    );
  }
  if (m.depth > limits.maxDepth) {
    return limitError(
      'QUERY_TOO_DEEP',
      `The operation nests fields ${m.depth} deep, more than the limit of ${limits.maxDepth} ` +
        `(API_MAX_QUERY_DEPTH); nothing was run.`,
      'API_MAX_QUERY_DEPTH',
      limits.maxDepth,
      m.depth,
    );
  }
  if (m.fields > limits.maxFields) return tooManyFields();
  if (m.cost > limits.maxCost) {
    return limitError(
      'QUERY_TOO_COMPLEX',
      `The operation's estimated cost is ${m.cost}, more than the limit of ${limits.maxCost} ` +
        `(API_MAX_QUERY_COST); nothing was run. Ask for fewer items (first, count), fewer aliases, ` +
        `or fewer fields that call Temporal (a schedule's live state, nextFireTimes, conflicts).`,
      'API_MAX_QUERY_COST',
      limits.maxCost,
      m.cost,
    );
  }
  return null;
}

/** Refuse an operation over a limit before it runs (after validation, once the variables are known). */
export function queryLimitsPlugin(limits: QueryLimits): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          if (!operation) return;
          const error = checkQueryLimits(schema, document, operation, request.variables, limits);
          if (error) throw error;
        },
      };
    },
  };
}
