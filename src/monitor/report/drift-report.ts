import { type Frame, KeelError } from "../../core/index.js";
import type { ReferenceProfile } from "../profile/index.js";
import { benjaminiHochberg, type StatTestName, statTests } from "../stat-tests/index.js";
import { checkCurrentColumns, referenceColumns, type Side, sideOfColumn } from "./column-sides.js";
import { chooseTest, runTest } from "./column-test.js";
import { chartOf, columnQuality } from "./data-quality.js";
import type {
  ColumnDrift,
  ColumnQuality,
  DriftChart,
  DriftOptions,
  DriftReport,
  PredictionShift,
} from "./drift-types.js";

const DEFAULT_DRIFT_SHARE = 0.5;
const DEFAULT_MAX_SHIFT = 0.1;
/**
 * The default `minRows`: the fewest values a side of a column needs to be tested (see
 * `DriftOptions.minRows`).
 *
 * @example
 * ```ts
 * driftReport(reference, window).minRows === DEFAULT_MIN_ROWS; // 500
 * ```
 */
export const DEFAULT_MIN_ROWS = 500;

/**
 * Compares current data with a reference (a Frame, or a stored {@link ReferenceProfile}) column
 * by column: the stat test each column gets (Evidently's default rule unless chosen), its
 * statistic, p-value and verdict, optional Benjamini–Hochberg correction and effect-size floor,
 * dataset drift when the share of drifted columns reaches `driftShare` (0.5), the prediction
 * shift, data quality and chart data.
 *
 * Bad input: a current frame lacking reference columns is `KEEL_ERR_SCHEMA_MISMATCH` naming
 * them; a column whose kind changed is `KEEL_ERR_COLUMN_KIND` naming it; a test that does not
 * fit a column's kind is `KEEL_ERR_INVALID_ARGUMENT` naming both. A column with fewer than
 * `minRows` (default 500) non-missing values on either side (a small or empty window, an
 * all-missing column) is reported with status `insufficient data`, not tested and not counted
 * in the drift share; so is the prediction shift. A report with nothing tested has status
 * `insufficient data`, `datasetDrift: false` and `driftShare: 0`. Constant columns are tested
 * as usual.
 *
 * @example
 * ```ts
 * const report = driftReport(trainingFrame, lastWeek, { exclude: ["customer_id"] });
 * if (report.datasetDrift) alert(report);
 * ```
 */
export function driftReport(
  reference: Frame | ReferenceProfile,
  current: Frame,
  options: DriftOptions = {},
): DriftReport {
  const minRows = minRowsOf(options);
  const ref = referenceColumns(reference);
  const predictionColumn = predictionColumnOf(ref.names, current, options);
  // A reference `prediction` (a profile's training scores) with none in the current data is
  // left out rather than reported missing: there is simply no prediction shift to measure.
  const unscored =
    options.prediction === undefined &&
    ref.names.includes("prediction") &&
    !current.has("prediction")
      ? ["prediction"]
      : [];
  const excluded = new Set([
    ...(options.exclude ?? []),
    ...(predictionColumn ? [predictionColumn] : []),
    ...unscored,
  ]);
  const names = (options.columns ?? ref.names).filter((n) => !excluded.has(n));
  const unknown = names.filter((n) => !ref.names.includes(n));
  if (unknown.length > 0) {
    throw new KeelError(
      "KEEL_ERR_COLUMN_NOT_FOUND",
      `The reference has no column(s) ${unknown.map((u) => `'${u}'`).join(", ")} to compare.`,
      { details: { missing: unknown, available: ref.names } },
    );
  }
  const refSides = new Map<string, Side>();
  for (const n of names) refSides.set(n, ref.side(n) as Side);
  checkCurrentColumns(
    current,
    names.map((n) => [n, (refSides.get(n) as Side).kind] as const),
  );

  const columns: Record<string, ColumnDrift> = {};
  const dataQuality: Record<string, ColumnQuality> = {};
  const charts: Record<string, DriftChart> = {};
  for (const name of names) {
    const r = refSides.get(name) as Side;
    const c = sideOfColumn(current.column(name)) as Side;
    columns[name] = testColumn(name, r, c, ref.rows, options, minRows);
    dataQuality[name] = columnQuality(r, c);
    charts[name] = chartOf(r, c);
  }
  applyCorrections(columns, options);
  const tested = Object.values(columns).filter((c) => c.status === "ok");
  const drifted = tested.filter((c) => c.drifted).length;
  const driftShare = tested.length ? drifted / tested.length : 0;
  const threshold = options.driftShare ?? DEFAULT_DRIFT_SHARE;
  const prediction = predictionColumn
    ? predictionShift(
        predictionColumn,
        ref.side(predictionColumn) as Side,
        current,
        ref.rows,
        options,
        minRows,
      )
    : undefined;
  if (prediction)
    charts[predictionColumn as string] = chartOf(
      ref.side(predictionColumn as string) as Side,
      sideOfColumn(current.column(predictionColumn as string)) as Side,
    );
  return {
    title: options.title ?? "Drift report",
    createdAt: new Date().toISOString(),
    referenceRows: ref.rows,
    currentRows: current.nRows,
    referenceSource: "profileVersion" in reference ? "profile" : "frame",
    // Nothing asked for (no columns, no prediction) is not a lack of data.
    status:
      tested.length > 0 || prediction?.status === "ok" || (names.length === 0 && !prediction)
        ? "ok"
        : "insufficient data",
    minRows,
    datasetDrift: tested.length > 0 && driftShare >= threshold,
    driftShare,
    driftShareThreshold: threshold,
    testedColumns: tested.length,
    driftedColumns: drifted,
    multipleTesting: options.multipleTesting ?? "none",
    effectSizeFloor: options.effectSizeFloor ?? 0,
    columns,
    dataQuality,
    ...(prediction ? { prediction } : {}),
    charts,
  };
}

function predictionColumnOf(
  names: readonly string[],
  current: Frame,
  options: DriftOptions,
): string | undefined {
  if (options.prediction === false) return undefined;
  const asked = options.prediction?.column;
  if (asked !== undefined) {
    if (!names.includes(asked) || !current.has(asked)) {
      throw new KeelError(
        "KEEL_ERR_COLUMN_NOT_FOUND",
        `The prediction column '${asked}' must be in both the reference and the current data.`,
        {
          details: {
            column: asked,
            inReference: names.includes(asked),
            inCurrent: current.has(asked),
          },
        },
      );
    }
    return asked;
  }
  return names.includes("prediction") && current.has("prediction") ? "prediction" : undefined;
}

function minRowsOf(options: DriftOptions): number {
  const m = options.minRows ?? DEFAULT_MIN_ROWS;
  if (!(Number.isInteger(m) && m >= 0))
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `minRows must be a whole number ≥ 0 (the fewest values a column needs to be tested). Got ${String(m)} instead.`,
      { details: { parameter: "minRows", received: String(m) } },
    );
  return m;
}

/** Why a side is too small to test, or undefined when both are large enough. */
function tooFew(r: Side, c: Side, minRows: number): string | undefined {
  const need = Math.max(1, minRows);
  if (r.count >= need && c.count >= need) return undefined;
  return `${c.count} non-missing value${c.count === 1 ? "" : "s"} in the current data and ${r.count} in the reference; at least ${need} needed on each side (minRows)`;
}

function testColumn(
  name: string,
  r: Side,
  c: Side,
  referenceRows: number,
  options: DriftOptions,
  minRows: number,
): ColumnDrift {
  // The report-wide test applies to the columns of kinds it takes; a per-column one must fit.
  const global =
    options.stattest !== undefined && statTests[options.stattest]?.kinds.includes(r.kind)
      ? options.stattest
      : undefined;
  const asked = options.perColumn?.[name]?.stattest ?? global;
  if (options.stattest !== undefined && !(options.stattest in statTests)) {
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `Unknown stat test '${options.stattest}'; expected one of ${Object.keys(statTests).join(", ")}.`,
      { details: { test: options.stattest } },
    );
  }
  if (asked !== undefined && !(asked in statTests)) {
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `Unknown stat test '${asked}' for column '${name}'; expected one of ${Object.keys(statTests).join(", ")}.`,
      { details: { column: name, test: asked } },
    );
  }
  const reason = tooFew(r, c, minRows);
  if (reason !== undefined) {
    const test: StatTestName = asked ?? (r.kind === "numeric" ? "wasserstein" : "jensenShannon");
    return {
      kind: r.kind,
      test,
      status: "insufficient data",
      reason,
      statistic: null,
      threshold:
        options.perColumn?.[name]?.threshold ??
        options.threshold ??
        statTests[test].defaultThreshold,
      effectSize: null,
      drifted: false,
    };
  }
  const test = chooseTest(r, c, referenceRows, asked);
  if (!statTests[test].kinds.includes(r.kind)) {
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `The '${test}' test does not apply to column '${name}', which is ${r.kind}; it takes ${statTests[test].kinds.join(" or ")} columns.`,
      { details: { column: name, test, kind: r.kind } },
    );
  }
  const threshold =
    options.perColumn?.[name]?.threshold ?? options.threshold ?? statTests[test].defaultThreshold;
  const result = runTest(test, r, c, threshold);
  return {
    kind: r.kind,
    test,
    status: "ok",
    statistic: result.statistic,
    ...(result.pValue !== undefined ? { pValue: result.pValue } : {}),
    threshold,
    effectSize: result.effectSize,
    drifted: result.drifted,
  };
}

/** Benjamini–Hochberg across the p-value-tested columns, then the effect-size floor. */
function applyCorrections(columns: Record<string, ColumnDrift>, options: DriftOptions): void {
  if (options.multipleTesting === "benjamini-hochberg") {
    const tested = Object.entries(columns).filter(
      ([, c]) => c.status === "ok" && c.pValue !== undefined,
    );
    const adjusted = benjaminiHochberg(tested.map(([, c]) => c.pValue as number));
    tested.forEach(([name, c], i) => {
      const p = adjusted[i] as number;
      columns[name] = { ...c, adjustedPValue: p, drifted: p < c.threshold };
    });
  }
  const floor = options.effectSizeFloor ?? 0;
  if (floor > 0) {
    for (const [name, c] of Object.entries(columns)) {
      if (c.drifted && (c.effectSize ?? 0) < floor) columns[name] = { ...c, drifted: false };
    }
  }
}

function predictionShift(
  column: string,
  r: Side,
  current: Frame,
  referenceRows: number,
  options: DriftOptions,
  minRows: number,
): PredictionShift | undefined {
  const c = sideOfColumn(current.column(column)) as Side;
  const maxShift = (options.prediction || undefined)?.maxShift ?? DEFAULT_MAX_SHIFT;
  const drift = testColumn(column, r, c, referenceRows, options, minRows);
  if (r.kind !== "numeric" || c.kind !== "numeric") {
    throw new KeelError(
      "KEEL_ERR_COLUMN_KIND",
      `The prediction column '${column}' must be numeric (a score or probability); it is ${r.kind}.`,
      { details: { column } },
    );
  }
  // The same rule as the columns: a mean of a handful of predictions is not a shift.
  const enough = tooFew(r, c, minRows) === undefined;
  const relativeShift = enough
    ? Math.abs(c.mean - r.mean) / Math.max(Math.abs(r.mean), Number.MIN_VALUE)
    : null;
  return {
    column,
    status: enough ? "ok" : "insufficient data",
    meanReference: r.mean,
    meanCurrent: c.count ? c.mean : null,
    relativeShift,
    maxShift,
    shifted: relativeShift !== null && relativeShift > maxShift,
    drift,
  };
}

/**
 * The `--json` contract other tools rely on:
 * `{ datasetDrift, driftShare, columns: { name: { test, statistic, pValue?, threshold, drifted } } }`,
 * plus `status: "insufficient data"` when nothing could be tested. Columns with insufficient
 * data (fewer than `minRows` values) are not in `columns`; they are listed under
 * `insufficientData` (present only when there are such columns).
 *
 * @example
 * ```ts
 * console.log(JSON.stringify(driftSummary(report)));
 * ```
 */
export function driftSummary(report: DriftReport): {
  datasetDrift: boolean;
  driftShare: number;
  columns: Record<
    string,
    { test: string; statistic: number; pValue?: number; threshold: number; drifted: boolean }
  >;
  insufficientData?: string[];
  status?: "insufficient data";
} {
  const columns: Record<
    string,
    { test: string; statistic: number; pValue?: number; threshold: number; drifted: boolean }
  > = {};
  const insufficient: string[] = [];
  for (const [name, c] of Object.entries(report.columns)) {
    if (c.status !== "ok" || c.statistic === null) {
      insufficient.push(name);
      continue;
    }
    columns[name] = {
      test: c.test,
      statistic: c.statistic,
      ...(c.pValue !== undefined ? { pValue: c.adjustedPValue ?? c.pValue } : {}),
      threshold: c.threshold,
      drifted: c.drifted,
    };
  }
  return {
    datasetDrift: report.datasetDrift,
    driftShare: report.driftShare,
    columns,
    ...(insufficient.length ? { insufficientData: insufficient } : {}),
    ...(report.status === "insufficient data" ? { status: report.status } : {}),
  };
}
