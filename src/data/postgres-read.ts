import pg from "pg";
import { type Column, type ColumnKind, columnNotFound, Frame, KeelError } from "../core/index.js";
import { errorReason, firstLine } from "./duckdb-session.js";
import { parseNumber, textToColumn } from "./infer-kind.js";
import { singleStatement } from "./sql-statement.js";

/** PostgreSQL type OIDs and the Frame kind their text form is parsed as. */
const KIND_OF_OID: ReadonlyMap<number, ColumnKind> = new Map([
  [20, "numeric"], // int8
  [21, "numeric"], // int2
  [23, "numeric"], // int4
  [26, "numeric"], // oid
  [700, "numeric"], // float4
  [701, "numeric"], // float8
  [1700, "numeric"], // numeric
  [16, "boolean"], // bool
  [1082, "timestamp"], // date
  [1114, "timestamp"], // timestamp
  [1184, "timestamp"], // timestamptz
]);

/** Text-like OIDs whose kind is inferred from the values (text, varchar, bpchar, name). */
const TEXT_OIDS = new Set([25, 1043, 1042, 19]);

/**
 * Runs a query on PostgreSQL and collects the result into a Frame. Every value is fetched in
 * PostgreSQL's text form and parsed by the result column's type, so `bigint` and `numeric`
 * become numbers (not strings, as `pg` returns them by default) and dates are read as UTC
 * (`pg` would build local-time `Date`s). The session runs in UTC for the same reason.
 *
 * @example
 * ```ts
 * const frame = await readPostgres("postgres://postgres@127.0.0.1:5432/test", "SELECT 1 AS one", new Map());
 * ```
 */
export async function readPostgres(
  url: string,
  sql: string,
  declared: ReadonlyMap<string, ColumnKind>,
): Promise<Frame> {
  const client = new pg.Client({
    connectionString: url,
    types: { getTypeParser: () => (text: string) => text },
  });
  try {
    await client.connect();
  } catch (error) {
    throw new KeelError(
      "KEEL_ERR_DB_CONNECTION",
      `Cannot connect to PostgreSQL at ${redact(url)}: ${firstLine(error)}`,
      { details: { url: redact(url) }, cause: error },
    );
  }
  try {
    let result: pg.QueryArrayResult<(string | null)[]>;
    const statement = singleStatement(sql, "PostgreSQL query");
    try {
      await client.query("SET TIME ZONE 'UTC'");
      result = await client.query<(string | null)[]>({ text: statement, rowMode: "array" });
    } catch (error) {
      throw new KeelError("KEEL_ERR_SQL", `PostgreSQL query failed: ${errorReason(error)}`, {
        details: { sql },
        cause: error,
      });
    }
    const names = result.fields.map((f) => f.name);
    for (const name of declared.keys()) {
      if (!names.includes(name)) throw columnNotFound(name, names, "PostgreSQL query: schema");
    }
    return Frame.fromColumns(
      result.fields.map((field, c): [string, Column] => {
        const natural = KIND_OF_OID.get(field.dataTypeID);
        const values = result.rows.map((row) => {
          const text = row[c] ?? null;
          return text !== null && natural === "timestamp" ? isoFromPostgres(text) : text;
        });
        // A bigint or numeric beyond ±2^53 is not a number to keel (a float64 would round
        // it), nor a numeric beyond the float64 range (it would read as Infinity): the column
        // is inferred from its text instead, as an id column would be.
        const exact =
          natural === "numeric" &&
          values.some((v) => v !== null && parseNumber(v, true) === undefined)
            ? undefined
            : natural;
        const kind =
          declared.get(field.name) ??
          (TEXT_OIDS.has(field.dataTypeID) || exact === undefined ? undefined : exact);
        return [
          field.name,
          textToColumn(
            field.name,
            values,
            kind,
            (row) => ({ where: `PostgreSQL query row ${row + 1}`, record: row }),
            // PostgreSQL's float and numeric 'NaN' is a value, not text.
            { nan: natural === "numeric" },
          ),
        ];
      }),
    );
  } finally {
    await client.end();
  }
}

/**
 * PostgreSQL's text for a date or timestamp as ISO 8601 that {@link parseTimestamp} reads
 * (`2026-01-02 03:04:05.5+00` as is); `infinity`/`-infinity` stay as they are (parsed as
 * ±Infinity) and a BC year becomes the astronomical year (1 BC is year 0, 44 BC is -0043).
 */
function isoFromPostgres(text: string): string {
  const bc = / BC$/.exec(text);
  if (!bc) return text;
  const body = text.slice(0, bc.index);
  const year = Number(body.slice(0, body.indexOf("-")));
  return `-${String(year - 1).padStart(4, "0")}${body.slice(body.indexOf("-"))}`;
}

/** Hides a password in a connection URL before it goes into a message. */
function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
}
