/**
 * Quotes an SQL identifier (DuckDB and PostgreSQL alike), doubling embedded quotes.
 *
 * @example
 * ```ts
 * ident('customer "id"'); // "\"customer \"\"id\"\"\""
 * ```
 */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Quotes an SQL string literal, doubling embedded single quotes.
 *
 * @example
 * ```ts
 * literal("it's"); // "'it''s'"
 * ```
 */
export function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Column-name prefix of every helper column keel adds to a query; user columns may not use it. */
export const INTERNAL = "__keel_";

/**
 * One column of a relation as the database describes it.
 *
 * @example
 * ```ts
 * const c: DescribedColumn = { name: "customer_id", type: "BIGINT" };
 * ```
 */
export interface DescribedColumn {
  readonly name: string;
  readonly type: string;
}

/**
 * The broad family of a database type, used to decide whether two join-key columns can be
 * compared directly or must both be cast to text first, and whether a source column fits a
 * declared feature kind.
 *
 * @example
 * ```ts
 * typeFamily("BIGINT");                  // "number"
 * typeFamily("timestamp with time zone"); // "time"
 * ```
 */
export function typeFamily(type: string): "number" | "text" | "boolean" | "time" | "other" {
  const t = type.toUpperCase();
  if (
    /^(TINYINT|SMALLINT|INTEGER|INT\d?|BIGINT|HUGEINT|U\w*INT|FLOAT\d?|DOUBLE|DOUBLE PRECISION|REAL|NUMERIC|DECIMAL)/.test(
      t,
    )
  )
    return "number";
  if (/^(VARCHAR|TEXT|CHAR|CHARACTER|BPCHAR|UUID|NAME)/.test(t)) return "text";
  if (/^BOOL/.test(t)) return "boolean";
  if (/^(DATE|TIMESTAMP)/.test(t)) return "time";
  return "other";
}
