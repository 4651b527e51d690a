import {
  type CellValue,
  type Column,
  cellAt,
  closestNames,
  describeValue,
  type Frame,
  isMissingAt,
  KeelError,
} from "../../core/index.js";
import { readRelationExact } from "../duckdb-columns.js";
import { type DuckDbSession, withDuckDb } from "../duckdb-session.js";
import { loadFrame } from "../frame-table.js";
import { parseTimestamp } from "../infer-kind.js";
import { explainSqlError } from "../read-errors.js";
import type { CheckReport, CheckResult, DataCheck, SchemaCheck } from "./check-types.js";
import { regexMatches } from "./regex-matches.js";
import { parseDuration, rowCheck, SAMPLE_SIZE, uniqueRows } from "./row-checks.js";

/**
 * Options of {@link runChecks}.
 *
 * @example
 * ```ts
 * await runChecks(frame, checks, { source: "checks.json", now: Date.parse("2026-04-01") });
 * ```
 */
export interface RunChecksOptions {
  /** Names the checks in error messages (`checks.json: checks[2].column: ...`). */
  readonly source?: string;
  /** "Now" for freshness checks, in epoch ms (default: the clock). */
  readonly now?: number;
}

/**
 * Runs data checks on a frame. Every check is first validated against the frame (its
 * column exists, its kind suits the check), so a mistake in the checks is a
 * `KEEL_ERR_CHECK_INVALID` naming the check's JSON path with a "did you mean" before any
 * check runs; then each check yields a {@link CheckResult}. Missing values fail only
 * `notNull`. `sql` checks run on DuckDB with the frame as the table `data`.
 *
 * @example
 * ```ts
 * const report = await runChecks(frame, await loadChecks("data/telco-checks.json"));
 * if (!report.passed) console.table(report.results.filter((r) => !r.passed));
 * ```
 */
export async function runChecks(
  frame: Frame,
  checks: readonly DataCheck[],
  options: RunChecksOptions = {},
): Promise<CheckReport> {
  const source = options.source ?? "checks";
  for (const [i, check] of checks.entries()) {
    validateAgainstFrame(frame, check, `${source}: checks[${i}]`);
  }
  const now = options.now ?? Date.now();
  const run = async (session: DuckDbSession | undefined) => {
    const results: CheckResult[] = [];
    for (const [i, check] of checks.entries()) {
      results.push(
        check.check === "sql"
          ? await sqlCheck(session, check.query, `${source}: checks[${i}].query`)
          : runFrameCheck(frame, check, now, `${source}: checks[${i}]`),
      );
    }
    return { passed: results.every((r) => r.passed), results };
  };
  if (!checks.some((c) => c.check === "sql")) return run(undefined);
  return withDuckDb(async (session) => {
    await loadFrame(session.connection, frame, "data");
    // A checks file is configuration that may come from a pull request: its SQL sees the
    // table `data` and cannot open, write, install or attach any file.
    await session.confine([]);
    return run(session);
  });
}

function runFrameCheck(
  frame: Frame,
  check: Exclude<DataCheck, { check: "sql" }>,
  now: number,
  where: string,
): CheckResult {
  switch (check.check) {
    case "notNull":
      return rowCheck("notNull", check.column, frame.column(check.column), (v) => v !== null, true);
    case "unique": {
      const column = frame.column(check.column);
      const isUnique = uniqueRows(column);
      return rowCheck("unique", check.column, column, (_, row) => isUnique(row));
    }
    case "range": {
      const column = frame.column(check.column);
      const min = bound(check.min) ?? Number.NEGATIVE_INFINITY;
      const max = bound(check.max) ?? Number.POSITIVE_INFINITY;
      return rowCheck(
        "range",
        check.column,
        column,
        (v) => typeof v === "number" && v >= min && v <= max,
      );
    }
    case "allowedValues": {
      const column = frame.column(check.column);
      if (column.kind === "timestamp") {
        // Timestamps are epoch ms inside; the allowed values are dates as people write them.
        const allowed = new Set(
          check.values.map((v) => (typeof v === "string" ? parseTimestamp(v) : v)),
        );
        return rowCheck("allowedValues", check.column, column, (v) => allowed.has(v as number));
      }
      const allowed = new Set<CellValue>(check.values);
      return rowCheck("allowedValues", check.column, column, (v) => allowed.has(v));
    }
    case "regex": {
      const column = frame.column(check.column);
      const text = (v: CellValue) =>
        column.kind === "timestamp" && typeof v === "number" ? isoText(v) : String(v);
      // Each distinct text is matched once, under a time limit (regexMatches says why).
      const index = new Map<string, number>();
      const n = column.kind === "categorical" ? column.codes.length : column.values.length;
      for (let row = 0; row < n; row++) {
        if (isMissingAt(column, row)) continue;
        const t = text(cellAt(column, row));
        if (!index.has(t)) index.set(t, index.size);
      }
      const matches = regexMatches(check.pattern, check.flags ?? "", [...index.keys()], where);
      return rowCheck("regex", check.column, column, (v) => matches[index.get(text(v))!] === 1);
    }
    case "rowCount": {
      const passed =
        frame.nRows >= (check.min ?? 0) && frame.nRows <= (check.max ?? Number.POSITIVE_INFINITY);
      return {
        check: "rowCount",
        column: null,
        passed,
        failingRows: 0,
        sample: [{ rows: frame.nRows, min: check.min ?? null, max: check.max ?? null }],
      };
    }
    case "freshness": {
      const values = frame.column(check.column);
      const maxAge = parseDuration(check.maxAge) ?? 0;
      let latest = Number.NEGATIVE_INFINITY;
      if (values.kind === "timestamp") for (const v of values.values) if (v > latest) latest = v;
      const cutoff = now - maxAge;
      return {
        check: "freshness",
        column: check.column,
        passed: latest >= cutoff,
        failingRows: 0,
        sample: [
          {
            latest: Number.isFinite(latest) ? new Date(latest).toISOString() : null,
            cutoff: new Date(cutoff).toISOString(),
          },
        ],
      };
    }
    case "schema":
      return schemaCheck(frame, check);
  }
}

function schemaCheck(frame: Frame, check: SchemaCheck): CheckResult {
  const expected = Array.isArray(check.columns)
    ? check.columns.map((c) => [c.name, c.kind] as const)
    : Object.entries(check.columns);
  const problems: Record<string, CellValue>[] = [];
  for (const [name, kind] of expected) {
    const column = frame.get(name);
    if (column === undefined) problems.push({ column: name, expected: kind, got: "missing" });
    else if (column.kind !== kind)
      problems.push({ column: name, expected: kind, got: column.kind });
  }
  if (check.exact) {
    const names = new Set(expected.map(([name]) => name));
    for (const name of frame.columnNames) {
      if (!names.has(name))
        problems.push({ column: name, expected: "absent", got: frame.column(name).kind });
    }
  }
  return {
    check: "schema",
    column: null,
    passed: problems.length === 0,
    failingRows: 0,
    sample: problems,
  };
}

async function sqlCheck(
  session: DuckDbSession | undefined,
  query: string,
  where: string,
): Promise<CheckResult> {
  if (session === undefined)
    throw new KeelError("KEEL_ERR_INTERNAL", "sql check without a DuckDB session");
  let failing: Frame;
  try {
    failing = await readRelationExact(session.connection, query, {
      sourceName: where,
      renameRepeats: true,
    });
  } catch (error) {
    throw explainSqlError(error, where, { query });
  }
  return {
    check: "sql",
    column: null,
    passed: failing.nRows === 0,
    failingRows: failing.nRows,
    sample: failing.head(SAMPLE_SIZE).toRecords(),
  };
}

/**
 * A timestamp as a regex check sees it: ISO 8601 in UTC, without milliseconds when there are
 * none (`2026-01-02T03:04:05Z`).
 */
function isoText(ms: number): string {
  return new Date(ms).toISOString().replace(".000Z", "Z");
}

function bound(value: number | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  return typeof value === "number" ? value : parseTimestamp(value);
}

const NEEDS_KIND: Partial<Record<DataCheck["check"], readonly Column["kind"][]>> = {
  range: ["numeric", "timestamp"],
  freshness: ["timestamp"],
};

function validateAgainstFrame(frame: Frame, check: DataCheck, path: string): void {
  if ("column" in check && typeof check.column === "string") {
    const column = frame.get(check.column);
    if (column === undefined) {
      const suggestions = closestNames(check.column, frame.columnNames);
      const hint = suggestions.length > 0 ? ` Did you mean '${suggestions[0]}'?` : "";
      throw new KeelError(
        "KEEL_ERR_CHECK_INVALID",
        `${path}.column: the data has no column '${check.column}'.${hint}`,
        { details: { path, column: check.column, suggestions } },
      );
    }
    const kinds = NEEDS_KIND[check.check];
    if (kinds && !kinds.includes(column.kind)) {
      throw new KeelError(
        "KEEL_ERR_CHECK_INVALID",
        `${path}: a ${check.check} check needs a ${kinds.join(" or ")} column; '${check.column}' is ${column.kind}.`,
        { details: { path, column: check.column, kind: column.kind } },
      );
    }
    if (check.check === "range") {
      for (const key of ["min", "max"] as const) {
        const value = check[key];
        if (
          typeof value === "string" &&
          (column.kind !== "timestamp" || parseTimestamp(value) === undefined)
        ) {
          throw new KeelError(
            "KEEL_ERR_CHECK_INVALID",
            `${path}.${key}: expected a number${column.kind === "timestamp" ? " or an ISO date" : ""}. Got ${describeValue(value)} instead.`,
            { details: { path: `${path}.${key}`, value } },
          );
        }
      }
    }
    if (check.check === "range") {
      const min = bound(check.min);
      const max = bound(check.max);
      if (min !== undefined && max !== undefined && min > max) {
        throw new KeelError(
          "KEEL_ERR_CHECK_INVALID",
          `${path}: min (${describeValue(check.min)}) is greater than max (${describeValue(check.max)}); no value could pass.`,
          { details: { path, min: check.min, max: check.max } },
        );
      }
    }
    if (check.check === "allowedValues" && column.kind === "timestamp") {
      for (const [k, value] of check.values.entries()) {
        // Epoch milliseconds (numbers) still work; text must be a date.
        if (
          typeof value === "boolean" ||
          (typeof value === "string" && parseTimestamp(value) === undefined)
        ) {
          throw new KeelError(
            "KEEL_ERR_CHECK_INVALID",
            `${path}.values[${k}]: '${check.column}' is a timestamp column, so expected an ISO date or date-time (or epoch milliseconds). Got ${describeValue(value)} instead.`,
            { details: { path: `${path}.values[${k}]`, value } },
          );
        }
      }
    }
    if (check.check === "freshness" && parseDuration(check.maxAge) === undefined) {
      throw new KeelError(
        "KEEL_ERR_CHECK_INVALID",
        `${path}.maxAge: expected milliseconds or a duration like '36h', '1d', '2w'. Got ${describeValue(check.maxAge)} instead.`,
        { details: { path: `${path}.maxAge`, value: check.maxAge } },
      );
    }
  }
}
