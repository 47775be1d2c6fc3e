import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  buildSchema,
  getIntrospectionQuery,
  Kind,
  parse,
  validate,
  type OperationDefinitionNode,
} from 'graphql';
import {
  checkQueryLimits,
  CONFLICT_REPORT,
  measureOperation,
  TEMPORAL_CALL,
  type QueryLimits,
} from './query-limits';

const schema = buildSchema(readFileSync(path.resolve(__dirname, '../../schema.gql'), 'utf8'));
const DEFAULTS: QueryLimits = { maxDepth: 12, maxAliases: 50, maxFields: 1000, maxCost: 6000 };

function operationOf(query: string) {
  const document = parse(query);
  expect(validate(schema, document)).toEqual([]);
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  )!;
  return { document, operation };
}

const measure = (query: string, variables: Record<string, unknown> = {}, maxFields?: number) => {
  const { document, operation } = operationOf(query);
  return measureOperation(schema, document, operation, variables, maxFields);
};

const check = (query: string, limits: Partial<QueryLimits> = {}, variables: Record<string, unknown> = {}) => {
  const { document, operation } = operationOf(query);
  return checkQueryLimits(schema, document, operation, variables, { ...DEFAULTS, ...limits });
};

/** The query of issue 11: one alias of it lists 50 schedules with their fire times and conflicts. */
const SCHEDULES_WITH_CONFLICTS =
  'schedules(first: 50) { edges { node { nextFireTimes(count: 10) conflicts { kind } } } }';
const bomb = (aliases: number) =>
  `{ ${Array.from({ length: aliases }, (_, i) => `a${i}: ${SCHEDULES_WITH_CONFLICTS}`).join(' ')} }`;

describe('query limits', () => {
  it('costs one schedule of the issue 11 query: a describe, a conflict report, times 50 schedules', () => {
    // schedules 1 + edges (1 + 50 × (node 1 + describe + conflicts)); scalars are free.
    const perSchedule = 1 + TEMPORAL_CALL + CONFLICT_REPORT;
    expect(measure(`{ ${SCHEDULES_WITH_CONFLICTS} }`).cost).toBe(2 + 50 * perSchedule);
    expect(measure(bomb(200))).toMatchObject({ aliases: 200, cost: 200 * (2 + 50 * perSchedule) });
  });

  it('refuses the 200-alias bomb by its aliases, and by its cost when aliases are allowed', () => {
    const byAliases = check(bomb(200));
    expect(byAliases?.extensions).toMatchObject({
      code: 'QUERY_TOO_COMPLEX',
      limit: 'API_MAX_ALIASES',
      maximum: 50,
      measured: 200,
    });
    expect(byAliases?.message).toMatch(/200 aliased fields, more than the limit of 50 \(API_MAX_ALIASES\)/);
    const byCost = check(bomb(200), { maxAliases: 1000, maxFields: 10_000 });
    expect(byCost?.extensions).toMatchObject({
      code: 'QUERY_TOO_COMPLEX',
      limit: 'API_MAX_QUERY_COST',
      maximum: 6000,
      measured: 1_110_400,
    });
    expect(byCost?.message).toContain('estimated cost is 1110400, more than the limit of 6000');
    expect(check(`{ ${SCHEDULES_WITH_CONFLICTS} }`)).toBeNull();
  });

  it("charges a schedule's describe once however many live fields ask for it, fragments included", () => {
    const one = measure('{ schedule(id: "s") { paused } }').cost;
    expect(one).toBe(1 + TEMPORAL_CALL);
    expect(
      measure(`{ schedule(id: "s") { paused note actionsTaken ...Live ... on Schedule { running { workflowId } } }
        } fragment Live on Schedule { remainingActions actionsSkippedOverlap }`).cost,
    ).toBe(one + 1); // running is a list of objects: its own read
    // Two aliases are two objects (the request's cache describes the schedule once, but the
    // estimate cannot know they are the same schedule).
    expect(measure('{ a: schedule(id: "s") { paused } b: schedule(id: "s") { note } }').cost).toBe(2 * one);
    // Fields of the stored schedule cost nothing beyond its read.
    expect(measure('{ schedule(id: "s") { id name spec { cron } temporalUrl } }').cost).toBe(2);
  });

  it('multiplies by first, count and last; the default page size when not given; a variable is read', () => {
    expect(measure('{ schedules { edges { node { paused } } } }').cost).toBe(2 + 50 * (1 + TEMPORAL_CALL));
    expect(
      measure('{ schedules(first: 2) { totalCount pageInfo { hasNextPage } edges { node { paused } } } }')
        .cost,
    ).toBe(
      // pageInfo is read once, not once per item
      1 + 1 + (1 + 2 * (1 + TEMPORAL_CALL)),
    );
    expect(
      measure('query ($n: Int!) { schedules(first: $n) { edges { node { paused } } } }', { n: 500 }).cost,
    ).toBe(2 + 500 * (1 + TEMPORAL_CALL));
    expect(measure('{ schedule(id: "s") { nextFireTimes(count: 50) } }').cost).toBe(
      1 + TEMPORAL_CALL + 2 * TEMPORAL_CALL,
    );
    expect(measure('{ nodeEvents(last: 7) { id } }').cost).toBe(1);
    // A list without a size argument counts DEFAULT_LIST_SIZE items.
    expect(measure('{ run(id: "r") { steps { stepId } } }').cost).toBe(2);
  });

  it('leaves out of the cost what @skip and @include leave out, but counts their fields', () => {
    const q =
      'query ($c: Boolean!) { schedules(first: 10) { edges { node { conflicts @include(if: $c) { kind } } } } }';
    expect(measure(q, { c: false })).toMatchObject({ cost: 2 + 10, fields: 5 });
    expect(measure(q, { c: true }).cost).toBe(2 + 10 * (1 + CONFLICT_REPORT + TEMPORAL_CALL));
    expect(measure('{ schedule(id: "s") { paused @skip(if: true) id } }').cost).toBe(1);
  });

  it('charges each mutation like a Temporal call', () => {
    expect(measure('mutation { pauseSchedule(id: "s") { id paused } }').cost).toBe(
      TEMPORAL_CALL + TEMPORAL_CALL,
    );
  });

  it('measures depth with fragments expanded, and refuses beyond the limit', () => {
    const q = `{ schedules { edges { node { ...R } } } } fragment R on Schedule { runs { edges { node { steps { stepId } } } } }`;
    expect(measure(q).depth).toBe(8);
    expect(check(q, { maxDepth: 7 })?.extensions).toMatchObject({
      code: 'QUERY_TOO_DEEP',
      limit: 'API_MAX_QUERY_DEPTH',
      maximum: 7,
      measured: 8,
    });
    expect(check(q)).toBeNull();
  });

  it('stops counting past the field limit: fragments spread in fragments cannot make it walk millions', () => {
    // F0 spreads F1 twice, F1 spreads F2 twice, ...: 2^(levels-1) fields once expanded.
    const doubling = (levels: number) =>
      `{ devices { ...F0 } } ` +
      Array.from({ length: levels }, (_, i) =>
        i < levels - 1
          ? `fragment F${i} on DeviceConnection { ...F${i + 1} ... on DeviceConnection { ...F${i + 1} } }`
          : `fragment F${i} on DeviceConnection { totalCount }`,
      ).join(' ');
    expect(measure(doubling(31), {}, 1000)).toMatchObject({ fields: 1001, stopped: true });
    const error = check(doubling(31));
    expect(error?.extensions).toMatchObject({
      code: 'QUERY_TOO_COMPLEX',
      limit: 'API_MAX_QUERY_FIELDS',
      maximum: 1000,
      measured: 10_001,
    });
    expect(error?.message).toContain('selects more than 10000 fields');
    // Within the walk's budget (10 times the limit) the count is exact: devices and 2^9 totalCount.
    expect(check(doubling(10), { maxFields: 100 })?.extensions).toMatchObject({
      limit: 'API_MAX_QUERY_FIELDS',
      measured: 513,
    });
    expect(check(doubling(10))).toBeNull();
  });

  it('lets the standard introspection query through: no cost, no depth', () => {
    // Its lists in lists are limited by graphql-js at validation (MaxIntrospectionDepthRule).
    expect(measure(getIntrospectionQuery())).toMatchObject({ cost: 0, depth: 0, aliases: 0 });
    expect(check(getIntrospectionQuery())).toBeNull();
  });

  it('passes the queries of the tests and benchmarks (their largest, as written)', () => {
    // bench/schedule.ts: up to 500 schedules' counters, one describe each.
    expect(
      check(
        'query ($n: Int!) { schedules(first: $n) { edges { node { actionsSkippedOverlap actionsMissedCatchupWindow } } } }',
        {},
        { n: 500 },
      ),
    ).toBeNull();
    // test/support/schedules.ts: a schedule's runs, 500 at a time, with their steps.
    expect(
      check(`query ($id: String!) { schedule(id: $id) { runs(first: 500) { edges { node {
        id status error scheduleId scheduledAt createdAt startedAt finishedAt
        steps { stepId status errorKind compensationStatus } } } } } }`),
    ).toBeNull();
  });
});
