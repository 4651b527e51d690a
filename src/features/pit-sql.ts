import { KeelError } from "../core/index.js";
import type { FeatureRepo, ResolvedView } from "./feature-repo.js";
import type { HistoricalQuery } from "./offline-store.js";
import { type DescribedColumn, INTERNAL, ident, typeFamily } from "./sql-text.js";

/** The SQL engine a query is written for. */
export type SqlEngine = "duckdb" | "postgres";

/**
 * A view's source as the query sees it: the relation's SQL and its described columns.
 *
 * @example
 * ```ts
 * const source: ViewRelation = { view, sql: "read_parquet('stats.parquet')", columns };
 * ```
 */
export interface ViewRelation {
  readonly view: ResolvedView;
  readonly sql: string;
  readonly columns: readonly DescribedColumn[];
  /** Output column name per requested feature of this view. */
  readonly outputs: readonly { readonly feature: string; readonly alias: string }[];
}

const TS = `${INTERNAL}ts`;
const CREATED = `${INTERNAL}created`;
const ROW = `${INTERNAL}row`;
// DuckDB 1.5 rewrites `row_number() … = 1` into an aggregate that mishandled `DESC NULLS LAST`
// in a nested subquery (it kept the older created timestamp; caught by the oracle test), so
// missing created timestamps are ordered as the smallest value instead.
const CREATED_OR_MIN = `coalesce(${CREATED}, -9223372036854775807)`;

/**
 * An expression giving a timestamp column as epoch microseconds (BIGINT), UTC. Text is parsed
 * as a timestamp with time zone (an offset-less text is UTC); numbers are epoch milliseconds.
 *
 * @example
 * ```ts
 * microsExpression("duckdb", "ts", "TIMESTAMP WITH TIME ZONE"); // epoch_us("ts")
 * ```
 */
export function microsExpression(engine: SqlEngine, column: string, type: string): string {
  const c = ident(column);
  const family = typeFamily(type);
  if (engine === "duckdb") {
    if (family === "number") return `CAST(${c} * 1000 AS BIGINT)`;
    if (family === "text") return `epoch_us(CAST(${c} AS TIMESTAMPTZ))`;
    if (type.toUpperCase() === "DATE") return `epoch_us(CAST(${c} AS TIMESTAMP))`;
    return `epoch_us(${c})`;
  }
  if (family === "number") return `CAST(${c} * 1000 AS BIGINT)`;
  const value = family === "text" ? `CAST(${c} AS TIMESTAMPTZ)` : c;
  return `CAST(round(extract(epoch FROM ${value}) * 1000000) AS BIGINT)`;
}

/**
 * The rows of one view reduced to what a point-in-time join needs: join keys, `__keel_ts`,
 * `__keel_created` (epoch µs, NULL when the view has no created field, or left out with
 * `omitMissingCreated`) and the features, with rows lacking a timestamp dropped.
 *
 * @example
 * ```ts
 * const sql = featureRowsSql("duckdb", relation);
 * ```
 */
export function featureRowsSql(
  engine: SqlEngine,
  relation: ViewRelation,
  features?: readonly string[],
  options: { omitMissingCreated?: boolean } = {},
): string {
  const types = new Map(relation.columns.map((c) => [c.name, c.type]));
  const definition = relation.view.definition;
  const tsType = types.get(definition.timestampField) ?? "TIMESTAMP";
  const created = definition.createdTimestampField;
  const createdSql =
    created === undefined
      ? "CAST(NULL AS BIGINT)"
      : microsExpression(engine, created, types.get(created) ?? "TIMESTAMP");
  const names = features ?? relation.outputs.map((o) => o.feature);
  const columns = [
    ...relation.view.joinKeys.map(ident),
    `${microsExpression(engine, definition.timestampField, tsType)} AS ${TS}`,
    // A constant NULL column still costs its width in every sorted row of an ASOF join.
    ...(created === undefined && options.omitMissingCreated ? [] : [`${createdSql} AS ${CREATED}`]),
    ...[...new Set(names)].map(ident),
  ];
  return `SELECT ${columns.join(", ")} FROM ${relation.sql} AS ${INTERNAL}src WHERE ${ident(definition.timestampField)} IS NOT NULL`;
}

function keyCondition(
  key: string,
  entityTypes: ReadonlyMap<string, string>,
  relation: ViewRelation,
  left: string,
  right: string,
): string {
  const entityType = entityTypes.get(key) ?? "VARCHAR";
  const sourceType = relation.columns.find((c) => c.name === key)?.type ?? "VARCHAR";
  const a = `${left}.${ident(key)}`;
  const b = `${right}.${ident(key)}`;
  // Comparing a text key with a numeric one fails (PostgreSQL) or casts unpredictably (DuckDB):
  // compare such pairs as text.
  return typeFamily(entityType) === typeFamily(sourceType)
    ? `${a} = ${b}`
    : `CAST(${a} AS VARCHAR) = CAST(${b} AS VARCHAR)`;
}

/**
 * The point-in-time join over a prepared entity relation that has `__keel_row` (output order)
 * and `__keel_ts` (event time in epoch µs): one `SELECT` returning the entity relation's
 * `leading` columns (by default `__keel_row`) and one column per requested feature, one row
 * per entity row, ordered by `__keel_row`. DuckDB chains one ASOF LEFT JOIN per view over the
 * entity rows (each keeps every left row exactly once), over feature rows first reduced to
 * one row per (keys, timestamp) by the greatest created timestamp when the view has one;
 * PostgreSQL uses a LATERAL subquery ordered by (timestamp, created) DESC with LIMIT 1. Both
 * then apply the TTL's lower bound, which is exact because the candidate is the newest row not
 * after the event time: if it is older than the TTL, so is every other candidate.
 *
 * @example
 * ```ts
 * const sql = pointInTimeSql("duckdb", "entities", entityTypes, relations, ["customer_id", "event_timestamp"]);
 * ```
 */
export function pointInTimeSql(
  engine: SqlEngine,
  entityTable: string,
  entityTypes: ReadonlyMap<string, string>,
  relations: readonly ViewRelation[],
  leading: readonly string[] = [ROW],
): string {
  const ctes: string[] = [];
  const joins: string[] = [];
  const selects: string[] = leading.map((c) => `e.${ident(c)}`);
  relations.forEach((relation, i) => {
    const ttlMicros = relation.view.ttlSeconds * 1_000_000;
    const f = `f${i}`;
    const j = `j${i}`;
    const on = relation.view.joinKeys.map((k) => keyCondition(k, entityTypes, relation, "e", f));
    if (engine === "duckdb") {
      const keys = relation.view.joinKeys.map(ident).join(", ");
      // Only a created timestamp can break a tie on (keys, timestamp); without one, rows tied
      // on their timestamp are equally valid answers (as in Feast) and the dedupe pass, about a
      // third of the join's time, is skipped.
      const hasCreated = relation.view.definition.createdTimestampField !== undefined;
      const rows = featureRowsSql(engine, relation, undefined, { omitMissingCreated: true });
      ctes.push(
        hasCreated
          ? `${INTERNAL}v${i} AS (SELECT * FROM (${rows}) QUALIFY row_number() OVER (PARTITION BY ${keys}, ${TS} ORDER BY ${CREATED_OR_MIN} DESC) = 1)`
          : `${INTERNAL}v${i} AS (${rows})`,
      );
      // Chained ASOF joins: one pass per view over the entity rows, no join back on row
      // numbers, and a single sort into output order at the end.
      joins.push(
        `ASOF LEFT JOIN ${INTERNAL}v${i} ${f} ON ${[...on, `e.${TS} >= ${f}.${TS}`].join(" AND ")}`,
      );
      for (const o of relation.outputs)
        selects.push(
          ttlMicros > 0
            ? `CASE WHEN ${f}.${TS} >= e.${TS} - ${ttlMicros} THEN ${f}.${ident(o.feature)} END AS ${ident(o.alias)}`
            : `${f}.${ident(o.feature)} AS ${ident(o.alias)}`,
        );
    } else {
      ctes.push(`${INTERNAL}v${i} AS (${featureRowsSql(engine, relation)})`);
      const bounds = [`${f}.${TS} <= e.${TS}`];
      if (ttlMicros > 0) bounds.push(`${f}.${TS} >= e.${TS} - ${ttlMicros}`);
      const values = relation.outputs.map((o) => `${f}.${ident(o.feature)} AS ${ident(o.alias)}`);
      joins.push(
        `LEFT JOIN LATERAL (SELECT ${values.join(", ")} FROM ${INTERNAL}v${i} ${f} WHERE ${[...on, ...bounds].join(" AND ")} ORDER BY ${f}.${TS} DESC, ${f}.${CREATED} DESC NULLS LAST LIMIT 1) ${j} ON true`,
      );
      for (const o of relation.outputs) selects.push(`${j}.${ident(o.alias)}`);
    }
  });
  return `WITH ${ctes.join(",\n")}\nSELECT ${selects.join(", ")} FROM ${entityTable} e ${joins.join(" ")} ORDER BY e.${ROW}`;
}

/**
 * The newest row per entity with `start ≤ t ≤ end` (epoch µs), ties to the greatest created
 * timestamp: what materialisation copies online. Returns join keys, `__keel_ts`,
 * `__keel_created` and the view's features.
 *
 * @example
 * ```ts
 * const sql = latestSql("postgres", relation, 0, Date.now() * 1000);
 * ```
 */
export function latestSql(
  engine: SqlEngine,
  relation: ViewRelation,
  startMicros: number,
  endMicros: number,
): string {
  const keys = relation.view.joinKeys.map(ident).join(", ");
  const rows = featureRowsSql(
    engine,
    relation,
    relation.view.features.map((f) => f.name),
  );
  const window = `${TS} BETWEEN ${Math.floor(startMicros)} AND ${Math.floor(endMicros)}`;
  if (engine === "duckdb") {
    return `SELECT * FROM (${rows}) WHERE ${window} QUALIFY row_number() OVER (PARTITION BY ${keys} ORDER BY ${TS} DESC, ${CREATED_OR_MIN} DESC) = 1`;
  }
  return `SELECT DISTINCT ON (${keys}) * FROM (${rows}) AS ${INTERNAL}rows WHERE ${window} ORDER BY ${keys}, ${TS} DESC, ${CREATED} DESC NULLS LAST`;
}

/**
 * Output column names for the requested features: `feature`, or `view__feature` with
 * `fullFeatureNames`. Two features with one output name, or one that repeats an entity column,
 * is `KEEL_ERR_INVALID_ARGUMENT` suggesting `fullFeatureNames`.
 *
 * @example
 * ```ts
 * outputNames([["stats", "tenure"]], true, ["customer_id"]); // ["stats__tenure"]
 * ```
 */
export function outputNames(
  features: readonly (readonly [string, string])[],
  full: boolean,
  entityColumns: readonly string[],
): string[] {
  const names = features.map(([view, feature]) => (full ? `${view}__${feature}` : feature));
  const seen = new Map<string, string>();
  names.forEach((name, i) => {
    const ref = (features[i] ?? []).join(":");
    const clash = seen.get(name) ?? (entityColumns.includes(name) ? "an entity column" : undefined);
    if (clash !== undefined) {
      throw new KeelError(
        "KEEL_ERR_INVALID_ARGUMENT",
        `feature '${ref}' would be output as '${name}', which is also ${clash}; pass fullFeatureNames (--full-feature-names) to name columns view__feature`,
        { details: { feature: ref, column: name } },
      );
    }
    seen.set(name, `feature '${ref}'`);
  });
  return names;
}

/**
 * Groups requested `[view, feature]` pairs by view, each with its output column name.
 *
 * @example
 * ```ts
 * outputsByView([["a", "x"], ["b", "y"]], ["x", "y"]).get("a"); // [{ feature: "x", alias: "x" }]
 * ```
 */
export function outputsByView(
  features: readonly (readonly [string, string])[],
  aliases: readonly string[],
): Map<string, { feature: string; alias: string }[]> {
  const byView = new Map<string, { feature: string; alias: string }[]>();
  features.forEach(([view, feature], i) => {
    const list = byView.get(view) ?? [];
    list.push({ feature, alias: aliases[i] ?? feature });
    byView.set(view, list);
  });
  return byView;
}

/**
 * The range and views of a retrieval by time range, checking that every requested view has the
 * same join keys (the entity rows are their union).
 *
 * @example
 * ```ts
 * const { range, views } = rangeViews(repo, { range: { start, end }, features, fullFeatureNames: false });
 * ```
 */
export function rangeViews(
  repo: FeatureRepo,
  query: HistoricalQuery,
): { range: { start: number; end: number }; views: ResolvedView[] } {
  const range = query.range;
  if (range === undefined) {
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      "historical retrieval needs entityRows or a { start, end } range",
      { details: {} },
    );
  }
  const views = [...new Set(query.features.map(([v]) => v))].map((v) => repo.view(v));
  const keys = views[0]?.joinKeys ?? [];
  for (const view of views) {
    if (view.joinKeys.join(",") !== keys.join(",")) {
      throw new KeelError(
        "KEEL_ERR_INVALID_ARGUMENT",
        `retrieval by time range needs views with the same join keys; '${view.name}' has ${view.joinKeys.join(", ")}, '${views[0]?.name}' has ${keys.join(", ")}`,
        { details: { view: view.name } },
      );
    }
  }
  return { range, views };
}

/**
 * Entity rows for a retrieval by time range: every entity with a feature row in
 * [start, end] (epoch ms) in any of the views, once, with `event_timestamp` = end, by key order.
 *
 * @example
 * ```ts
 * const sql = rangeEntitySql("postgres", relations, { start, end });
 * ```
 */
export function rangeEntitySql(
  engine: SqlEngine,
  relations: readonly ViewRelation[],
  range: { start: number; end: number },
): string {
  const keys = (relations[0]?.view.joinKeys ?? []).map(ident).join(", ");
  const unions = relations.map(
    (r) =>
      `SELECT ${keys} FROM (${featureRowsSql(engine, r)}) AS ${INTERNAL}r WHERE ${TS} BETWEEN ${range.start * 1000} AND ${range.end * 1000}`,
  );
  const end =
    engine === "duckdb"
      ? `make_timestamp(${range.end * 1000})`
      : `to_timestamp(${range.end} / 1000.0)`;
  return `SELECT DISTINCT ${keys}, ${end} AS event_timestamp FROM (${unions.join(" UNION ALL ")}) AS ${INTERNAL}u ORDER BY ${keys}`;
}
