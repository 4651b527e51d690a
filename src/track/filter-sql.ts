import { type AliasedRawBuilder, type RawBuilder, type SqlBool, sql } from "kysely";
import { KeelError } from "../core/index.js";
import type { SqlDialectName } from "../store/index.js";
import type { ComparisonOp, FilterComparison, FilterNode, OrderByTerm } from "./filter-parser.js";

const NUMERIC_OPS: readonly ComparisonOp[] = ["=", "!=", ">", ">=", "<", "<="];
const STRING_LIST_OPS: readonly ComparisonOp[] = ["=", "!=", "LIKE", "ILIKE", "IN", "NOT IN"];

/** Run attributes a filter may name, mapped to their column (a fixed whitelist). */
const RUN_STRING_ATTRIBUTES: Record<string, string> = {
  run_id: "run_uuid",
  run_uuid: "run_uuid",
  run_name: "run_name",
  status: "status",
  user_id: "user_id",
  artifact_uri: "artifact_uri",
  lifecycle_stage: "lifecycle_stage",
  parent_run_id: "parent_run_id",
  // MLflow's alternate spellings, as its UI writes them: attributes.`Run name`.
  "run name": "run_name",
  "Run name": "run_name",
  "Run Name": "run_name",
};
const RUN_NUMERIC_ATTRIBUTES: Record<string, string> = {
  start_time: "start_time",
  end_time: "end_time",
  created: "start_time",
  Created: "start_time",
  experiment_id: "experiment_id",
};
const DATASET_FIELDS: Record<string, string> = {
  name: "name",
  digest: "digest",
  context: "context",
};

/** A whitelist lookup that never reaches `Object.prototype` (`toString`, `__proto__`…). */
function own(whitelist: Readonly<Record<string, string>>, key: string): string | undefined {
  return Object.hasOwn(whitelist, key) ? whitelist[key] : undefined;
}

function unsupported(c: FilterComparison, what: string): never {
  throw new KeelError(
    "KEEL_ERR_INVALID_PARAMETER_VALUE",
    `invalid filter at character ${c.position + 1}: ${what}`,
    { details: { entity: c.entity, key: c.key, op: c.op } },
  );
}

function checkOp(c: FilterComparison, allowed: readonly ComparisonOp[]): void {
  if (!allowed.includes(c.op))
    unsupported(
      c,
      `'${c.op}' is not allowed for ${c.entity}.${c.key}; use one of ${allowed.join(", ")}`,
    );
}

function numberValue(c: FilterComparison): number {
  if (typeof c.value !== "number")
    unsupported(c, `${c.entity}.${c.key} compares with a number, got '${String(c.value)}'`);
  return c.value;
}

function stringValue(c: FilterComparison): string {
  if (typeof c.value !== "string")
    unsupported(c, `${c.entity}.${c.key} compares with a quoted string`);
  return c.value;
}

/** `%`/`_` LIKE pattern → SQLite GLOB pattern, so that SQLite's LIKE stays case-sensitive as in MLflow. */
function likeToGlob(pattern: string): string {
  return pattern.replace(/[*?[\]%_]/g, (ch) => (ch === "%" ? "*" : ch === "_" ? "?" : `[${ch}]`));
}

/**
 * A string comparison on a column, with LIKE case-sensitive and ILIKE case-insensitive on both
 * dialects. `column` is always a whitelisted identifier; values are bound parameters.
 *
 * @example
 * ```ts
 * stringCompare(sql.ref("runs.status"), "=", "FINISHED", "sqlite");
 * ```
 */
export function stringCompare(
  column: RawBuilder<unknown> | ReturnType<typeof sql.ref>,
  op: ComparisonOp,
  value: string | readonly string[],
  dialect: SqlDialectName,
): RawBuilder<SqlBool> {
  if (op === "IN" || op === "NOT IN") {
    const list = Array.isArray(value) ? value : [value as string];
    const items = sql.join(list.map((v) => sql`${v}`));
    return op === "IN"
      ? sql<SqlBool>`${column} in (${items})`
      : sql<SqlBool>`${column} not in (${items})`;
  }
  const text = value as string;
  switch (op) {
    case "=":
      return sql<SqlBool>`${column} = ${text}`;
    case "!=":
      return sql<SqlBool>`${column} <> ${text}`;
    case "LIKE":
      return dialect === "sqlite"
        ? sql<SqlBool>`${column} glob ${likeToGlob(text)}`
        : sql<SqlBool>`${column} like ${text}`;
    case "ILIKE":
      return dialect === "sqlite"
        ? sql<SqlBool>`lower(${column}) like lower(${text})`
        : sql<SqlBool>`${column} ilike ${text}`;
    default:
      throw new KeelError("KEEL_ERR_INTERNAL", `string comparison with '${op}'`);
  }
}

/**
 * A numeric comparison on a whitelisted column with a bound value.
 *
 * @example
 * ```ts
 * numericCompare(sql.ref("runs.start_time"), ">", 0);
 * ```
 */
export function numericCompare(
  column: RawBuilder<unknown> | ReturnType<typeof sql.ref>,
  op: ComparisonOp,
  value: number,
): RawBuilder<SqlBool> {
  // The operator comes from a fixed set, never from the filter text itself.
  const operator = sql.raw(
    { "=": "=", "!=": "<>", ">": ">", ">=": ">=", "<": "<", "<=": "<=" }[op as "="],
  );
  return sql<SqlBool>`${column} ${operator} ${value}`;
}

function compileComparison(c: FilterComparison, dialect: SqlDialectName): RawBuilder<SqlBool> {
  switch (c.entity) {
    case "metrics": {
      checkOp(c, NUMERIC_OPS);
      const value = numberValue(c);
      return sql<SqlBool>`exists (select 1 from latest_metrics lm where lm.run_uuid = runs.run_uuid and lm.key = ${c.key} and lm.is_nan = 0 and ${numericCompare(sql.ref("lm.value"), c.op, value)})`;
    }
    case "params":
    case "tags": {
      checkOp(c, STRING_LIST_OPS);
      const table = sql.raw(c.entity === "params" ? "params" : "tags");
      const value =
        c.op === "IN" || c.op === "NOT IN" ? (c.value as readonly string[]) : stringValue(c);
      return sql<SqlBool>`exists (select 1 from ${table} kv where kv.run_uuid = runs.run_uuid and kv.key = ${c.key} and ${stringCompare(sql.ref("kv.value"), c.op, value, dialect)})`;
    }
    case "datasets": {
      const field = own(DATASET_FIELDS, c.key);
      if (field === undefined)
        unsupported(c, `unknown dataset field '${c.key}'; use name, digest or context`);
      checkOp(c, STRING_LIST_OPS);
      const value =
        c.op === "IN" || c.op === "NOT IN" ? (c.value as readonly string[]) : stringValue(c);
      return sql<SqlBool>`exists (select 1 from run_inputs ri where ri.run_uuid = runs.run_uuid and ${stringCompare(sql.ref(`ri.${field}`), c.op, value, dialect)})`;
    }
    case "attributes": {
      const stringColumn = own(RUN_STRING_ATTRIBUTES, c.key);
      if (stringColumn !== undefined) {
        checkOp(c, STRING_LIST_OPS);
        const value =
          c.op === "IN" || c.op === "NOT IN" ? (c.value as readonly string[]) : stringValue(c);
        return stringCompare(sql.ref(`runs.${stringColumn}`), c.op, value, dialect);
      }
      const numericColumn = own(RUN_NUMERIC_ATTRIBUTES, c.key);
      if (numericColumn !== undefined) {
        checkOp(c, NUMERIC_OPS);
        return numericCompare(sql.ref(`runs.${numericColumn}`), c.op, numberValue(c));
      }
      return unsupported(
        c,
        `unknown attribute '${c.key}'; use one of ${[...Object.keys(RUN_STRING_ATTRIBUTES), ...Object.keys(RUN_NUMERIC_ATTRIBUTES)].join(", ")}`,
      );
    }
  }
}

/**
 * Compiles a run filter AST to a parameterised SQL condition over `runs`. Identifiers map
 * through fixed whitelists and every value is a bound parameter, so no filter text reaches the
 * SQL string.
 *
 * @example
 * ```ts
 * const where = compileRunFilter(parseFilter("metrics.auc > 0.8")!, "sqlite");
 * db.selectFrom("runs").selectAll().where(where);
 * ```
 */
export function compileRunFilter(node: FilterNode, dialect: SqlDialectName): RawBuilder<SqlBool> {
  if (node.kind === "compare") return compileComparison(node, dialect);
  const parts = node.children.map((child) => sql`(${compileRunFilter(child, dialect)})`);
  return sql<SqlBool>`(${sql.join(parts, sql.raw(node.kind === "and" ? " and " : " or "))})`;
}

/**
 * Compiled run ordering: extra select columns (`o0`, `o1`…, one correlated lookup per ordered
 * metric/param/tag, evaluated once per row) and the ORDER BY list over them. NULLs (runs
 * without the key) sort last in both directions, as in MLflow, and a NaN metric sorts after
 * every number and before the runs without it; `start_time DESC, run_uuid` are
 * the final tie-breakers.
 *
 * @example
 * ```ts
 * const { columns, order } = compileRunOrderBy(parseOrderBy(["metrics.auc DESC"]));
 * db.selectFrom("runs").select(["run_uuid", ...columns]).orderBy(order);
 * ```
 */
export function compileRunOrderBy(terms: readonly OrderByTerm[]): {
  columns: AliasedRawBuilder<unknown, string>[];
  order: RawBuilder<unknown>;
} {
  const columns: AliasedRawBuilder<unknown, string>[] = [];
  const parts: RawBuilder<unknown>[] = [];
  terms.forEach((term, i) => {
    const direction = sql.raw(term.ascending ? "asc nulls last" : "desc nulls last");
    if (term.entity === "metrics") {
      // Three tiers, in both directions (MLflow): numbers by value, then NaN, then no metric.
      const tier = `o${i}n`;
      const alias = `o${i}`;
      columns.push(
        sql`(select lm.is_nan from latest_metrics lm where lm.run_uuid = runs.run_uuid and lm.key = ${term.key})`.as(
          tier,
        ),
        sql`(select lm.value from latest_metrics lm where lm.run_uuid = runs.run_uuid and lm.key = ${term.key})`.as(
          alias,
        ),
      );
      parts.push(sql`${sql.ref(tier)} asc nulls last`, sql`${sql.ref(alias)} ${direction}`);
      return;
    }
    if (term.entity === "params" || term.entity === "tags") {
      const alias = `o${i}`;
      const lookup = sql`(select kv.value from ${sql.raw(term.entity)} kv where kv.run_uuid = runs.run_uuid and kv.key = ${term.key})`;
      columns.push(lookup.as(alias));
      // Output-column names may only appear bare in PostgreSQL's ORDER BY, hence NULLS LAST.
      parts.push(sql`${sql.ref(alias)} ${direction}`);
      return;
    }
    if (term.entity === "attributes") {
      const column = own(RUN_STRING_ATTRIBUTES, term.key) ?? own(RUN_NUMERIC_ATTRIBUTES, term.key);
      if (column === undefined)
        throw new KeelError(
          "KEEL_ERR_INVALID_PARAMETER_VALUE",
          `invalid order_by attribute '${term.key}'`,
          {
            details: { order_by: term.key },
          },
        );
      parts.push(sql`${sql.ref(`runs.${column}`)} ${direction}`);
      return;
    }
    throw new KeelError(
      "KEEL_ERR_INVALID_PARAMETER_VALUE",
      `cannot order runs by ${term.entity}.${term.key}`,
      {
        details: { order_by: `${term.entity}.${term.key}` },
      },
    );
  });
  parts.push(sql`runs.start_time desc`, sql`runs.run_uuid asc`);
  return { columns, order: sql.join(parts) };
}

/**
 * How a non-run entity (experiments, registered models, model versions) maps filter
 * identifiers to SQL: whitelisted string and numeric columns, and an EXISTS over its tag table.
 *
 * @example
 * ```ts
 * const spec: EntityFilterSpec = {
 *   strings: { name: "experiments.name" }, numbers: { creation_time: "experiments.creation_time" },
 *   tag: (where) => sql`exists (select 1 from experiment_tags t where t.experiment_id = experiments.experiment_id and ${where(sql.ref("t.key"), sql.ref("t.value"))})`,
 * };
 * ```
 */
export interface EntityFilterSpec {
  readonly strings: Record<string, string>;
  readonly numbers: Record<string, string>;
  /** The keys `order_by` accepts, mapped to their column. Default: `strings` and `numbers`. */
  readonly orderBy?: Record<string, string>;
  readonly tag: (
    where: (
      key: ReturnType<typeof sql.ref>,
      value: ReturnType<typeof sql.ref>,
    ) => RawBuilder<SqlBool>,
  ) => RawBuilder<SqlBool>;
}

/**
 * Compiles a filter for experiments, registered models or model versions (bare names or
 * `attributes.` for columns, `tags.` for tags; metrics and params are not theirs).
 *
 * @example
 * ```ts
 * compileEntityFilter(parseFilter("name LIKE 'churn%'")!, spec, "postgres");
 * ```
 */
export function compileEntityFilter(
  node: FilterNode,
  spec: EntityFilterSpec,
  dialect: SqlDialectName,
): RawBuilder<SqlBool> {
  if (node.kind !== "compare") {
    const parts = node.children.map((child) => sql`(${compileEntityFilter(child, spec, dialect)})`);
    return sql<SqlBool>`(${sql.join(parts, sql.raw(node.kind === "and" ? " and " : " or "))})`;
  }
  const c = node;
  if (c.entity === "tags") {
    checkOp(c, STRING_LIST_OPS);
    const value =
      c.op === "IN" || c.op === "NOT IN" ? (c.value as readonly string[]) : stringValue(c);
    return spec.tag(
      (key, column) =>
        sql<SqlBool>`${key} = ${c.key} and ${stringCompare(column, c.op, value, dialect)}`,
    );
  }
  if (c.entity !== "attributes")
    unsupported(c, `${c.entity}.${c.key} cannot be used in this search`);
  const stringColumn = own(spec.strings, c.key);
  if (stringColumn !== undefined) {
    checkOp(c, STRING_LIST_OPS);
    const value =
      c.op === "IN" || c.op === "NOT IN" ? (c.value as readonly string[]) : stringValue(c);
    return stringCompare(sql.ref(stringColumn), c.op, value, dialect);
  }
  const numericColumn = own(spec.numbers, c.key);
  if (numericColumn !== undefined) {
    checkOp(c, NUMERIC_OPS);
    return numericCompare(sql.ref(numericColumn), c.op, numberValue(c));
  }
  return unsupported(
    c,
    `unknown identifier '${c.key}'; use one of ${[...Object.keys(spec.strings), ...Object.keys(spec.numbers), "tags.<key>"].join(", ")}`,
  );
}

/**
 * Compiles `order_by` terms for a non-run entity over its whitelisted columns; two terms on
 * one column are INVALID_PARAMETER_VALUE (as in MLflow). A tie-breaker is skipped when a term
 * already orders by its column.
 *
 * @example
 * ```ts
 * compileEntityOrderBy(parseOrderBy(["name ASC"]), spec, [
 *   { column: "experiments.experiment_id", order: sql`experiments.experiment_id asc` },
 * ]);
 * ```
 */
export function compileEntityOrderBy(
  terms: readonly OrderByTerm[],
  spec: EntityFilterSpec,
  tieBreakers: readonly { column: string; order: RawBuilder<unknown> }[],
): RawBuilder<unknown> {
  const seen = new Set<string>();
  const parts = terms.map((term) => {
    const column =
      term.entity === "attributes"
        ? spec.orderBy
          ? own(spec.orderBy, term.key)
          : (own(spec.strings, term.key) ?? own(spec.numbers, term.key))
        : undefined;
    if (column === undefined)
      throw new KeelError(
        "KEEL_ERR_INVALID_PARAMETER_VALUE",
        `invalid order_by '${term.entity}.${term.key}'; use one of ${Object.keys(spec.orderBy ?? { ...spec.strings, ...spec.numbers }).join(", ")}`,
        {
          details: { order_by: `${term.entity}.${term.key}` },
        },
      );
    if (seen.has(column))
      throw new KeelError(
        "KEEL_ERR_INVALID_PARAMETER_VALUE",
        `\`order_by\` contains duplicate fields: '${term.key}' orders by a column an earlier term already orders by`,
        { details: { order_by: term.key } },
      );
    seen.add(column);
    return sql`${sql.ref(column)} ${sql.raw(term.ascending ? "asc" : "desc")}`;
  });
  // MLflow's tie-breakers apply only to columns the caller did not order by.
  const rest = tieBreakers.filter((t) => !seen.has(t.column)).map((t) => t.order);
  return sql.join([...parts, ...rest]);
}
