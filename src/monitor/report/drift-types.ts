import type { StatTestName } from "../stat-tests/index.js";

/** Per-column choice of test and threshold. */
export interface ColumnTestOptions {
  readonly stattest?: StatTestName;
  readonly threshold?: number;
}

/**
 * Options of {@link driftReport}.
 *
 * @example
 * ```ts
 * driftReport(reference, current, { multipleTesting: "benjamini-hochberg", effectSizeFloor: 0.05 });
 * ```
 */
export interface DriftOptions {
  /** Columns to compare (default: every numeric, categorical and boolean reference column). */
  readonly columns?: readonly string[];
  /** Columns to leave out (ids, the target). */
  readonly exclude?: readonly string[];
  /** One test for every column whose kind it takes, instead of Evidently's default choice. */
  readonly stattest?: StatTestName;
  /** One threshold for every column, instead of each test's default. */
  readonly threshold?: number;
  /** Per-column test and threshold. */
  readonly perColumn?: Readonly<Record<string, ColumnTestOptions>>;
  /** Dataset drift when at least this share of tested columns drifted. Default 0.5. */
  readonly driftShare?: number;
  /**
   * Benjamini–Hochberg: p-values of the hypothesis-tested columns are adjusted for the number
   * of columns tested before comparing with their thresholds (controls the false discovery rate).
   */
  readonly multipleTesting?: "none" | "benjamini-hochberg";
  /**
   * A column counts as drifted only if its effect size (see `StatResult.effectSize`) is at least
   * this, so huge samples do not flag negligible shifts. Default 0 (off).
   */
  readonly effectSizeFloor?: number;
  /**
   * The prediction column (default `prediction` when both sides have it) and the largest
   * relative change of its mean allowed (default 0.1).
   */
  readonly prediction?: { readonly column?: string; readonly maxShift?: number } | false;
  /**
   * The fewest non-missing values either side of a column (and of the prediction) must have
   * for it to be tested. Below it the column is `insufficient data`: no statistic, no verdict,
   * not counted in the drift share, never an alert; a window where nothing could be tested is
   * a report with status `insufficient data`. Default 500: on fewer values sampling noise alone
   * trips the default thresholds. Simulated (scipy, a 5,000-row reference, windows drawn from
   * the same distribution): the normalised Wasserstein distance is ≥ 0.1 in 73% of 100-row
   * windows, 30% at 200, 4% at 500, 0.5% at 1,000; a mean-prediction shift above 10% (scores of
   * mean 0.27) happens in 21% at 100, 9% at 200, 0.5% at 500; a one-row window flags every
   * column (bench/monitor/min-rows-noise.py). Lower it for windows tested with p-value tests only (ks, chiSquare, zTest, whose
   * false-alarm rate is 5% at any size); 1 tests whatever is there.
   */
  readonly minRows?: number;
  /** Report title. */
  readonly title?: string;
}

/** One column's drift verdict. */
export interface ColumnDrift {
  readonly kind: "numeric" | "categorical";
  readonly test: StatTestName;
  /**
   * `ok`, or `insufficient data` when either side has fewer than `minRows` non-missing values
   * (no statistic, no verdict, not counted in the drift share).
   */
  readonly status: "ok" | "insufficient data";
  /** Why the column was not tested (with `insufficient data`): the counts and `minRows`. */
  readonly reason?: string;
  readonly statistic: number | null;
  readonly pValue?: number;
  /** The Benjamini–Hochberg adjusted p-value, when that correction is on. */
  readonly adjustedPValue?: number;
  readonly threshold: number;
  readonly effectSize: number | null;
  readonly drifted: boolean;
}

/** Data quality of one column, current versus reference. */
export interface ColumnQuality {
  readonly missingShareReference: number;
  readonly missingShareCurrent: number;
  /** Current minus reference missing share. */
  readonly missingShareChange: number;
  /** Categories of the current data the reference never had (at most 20 listed). */
  readonly newCategories?: readonly string[];
  readonly newCategoryCount?: number;
  /** Current values below the reference minimum or above its maximum. */
  readonly outOfRange?: { readonly count: number; readonly share: number };
}

/**
 * The prediction shift: the relative change of the mean prediction (for binary models the mean
 * predicted probability of the positive class), |mean_current − mean_reference| / |mean_reference|,
 * flagged above `maxShift` (default 10%).
 */
export interface PredictionShift {
  readonly column: string;
  /** `insufficient data` when either side has fewer than `minRows` predictions: no shift measured, never flagged. */
  readonly status: "ok" | "insufficient data";
  readonly meanReference: number;
  /** null when the current side has no prediction. */
  readonly meanCurrent: number | null;
  /** null with `insufficient data`. */
  readonly relativeShift: number | null;
  readonly maxShift: number;
  readonly shifted: boolean;
  readonly drift: ColumnDrift;
}

/** Shares of both sides over shared bins, for the report's overlay charts. */
export interface DriftChart {
  readonly labels: readonly string[];
  readonly reference: readonly number[];
  readonly current: readonly number[];
}

/**
 * A drift report: JSON-serialisable, rendered to HTML by `renderDriftHtml`.
 *
 * @example
 * ```ts
 * const report = driftReport(reference, current);
 * report.datasetDrift; report.columns.tenure?.drifted;
 * ```
 */
export interface DriftReport {
  readonly title: string;
  readonly createdAt: string;
  readonly referenceRows: number;
  readonly currentRows: number;
  /** `profile` when the reference was a stored profile (numeric tests ran on its reservoir sample). */
  readonly referenceSource: "frame" | "profile";
  /**
   * `insufficient data` when no column and no prediction could be tested (a window with
   * fewer than `minRows` rows, every column empty): no verdicts, `datasetDrift` false.
   */
  readonly status: "ok" | "insufficient data";
  /** The `minRows` the report ran with. */
  readonly minRows: number;
  readonly datasetDrift: boolean;
  readonly driftShare: number;
  readonly driftShareThreshold: number;
  readonly testedColumns: number;
  readonly driftedColumns: number;
  readonly multipleTesting: "none" | "benjamini-hochberg";
  readonly effectSizeFloor: number;
  readonly columns: Readonly<Record<string, ColumnDrift>>;
  readonly dataQuality: Readonly<Record<string, ColumnQuality>>;
  readonly prediction?: PredictionShift;
  readonly charts: Readonly<Record<string, DriftChart>>;
}
