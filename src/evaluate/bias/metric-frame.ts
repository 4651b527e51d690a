import { describeValue, Frame, isKeelError, KeelError } from "../../core/index.js";
import { labelsOf } from "../predictions.js";

/**
 * A metric of (yTrue, yPred or yScore), like every metric function in keel.
 *
 * @example
 * ```ts
 * const tpr: GroupMetric = (yTrue, yPred) => recall(yTrue, yPred);
 * ```
 */
export type GroupMetric = (yTrue: ArrayLike<number>, yPredOrScore: ArrayLike<number>) => number;

/**
 * Sensitive features: named columns of one value per row, or a frame of them.
 *
 * @example
 * ```ts
 * const sensitive: SensitiveFeatures = { senior_citizen: frame.numeric("senior_citizen") };
 * ```
 */
export type SensitiveFeatures =
  | Frame
  | Readonly<Record<string, ArrayLike<string | number | boolean | null>>>;

/**
 * Options of {@link MetricFrame}.
 *
 * @example
 * ```ts
 * new MetricFrame({ metrics: { recall }, yTrue, yPred, sensitive: { gender }, minGroupSize: 30 });
 * ```
 */
export interface MetricFrameOptions {
  /** One metric, or several by name. */
  readonly metrics: GroupMetric | Readonly<Record<string, GroupMetric>>;
  readonly yTrue: ArrayLike<number>;
  /** Predicted labels; give this or `yScore`. */
  readonly yPred?: ArrayLike<number>;
  /** Scores, for score metrics such as rocAuc; give this or `yPred`. */
  readonly yScore?: ArrayLike<number>;
  /** One or several sensitive columns; several give their intersections as groups. */
  readonly sensitive: SensitiveFeatures;
  /**
   * Groups with fewer rows are reported in `byGroup` but left out of groupMin/groupMax,
   * difference and ratio (too few rows to judge). Default 1: every group is judged.
   */
  readonly minGroupSize?: number;
}

/**
 * One group of rows sharing the sensitive values.
 *
 * @example
 * ```ts
 * for (const g of mf.byGroup) console.log(g.key, g.size, g.metrics.recall);
 * ```
 */
export interface GroupResult {
  /** The sensitive values, by column. */
  readonly group: Readonly<Record<string, string>>;
  /** "senior_citizen=1" or "gender=Female & senior_citizen=1" for intersections. */
  readonly key: string;
  readonly size: number;
  /** False when the group is smaller than minGroupSize. */
  readonly judged: boolean;
  /** Metric values; NaN where the metric is undefined on this group (see `undefined`). */
  readonly metrics: Readonly<Record<string, number>>;
  /** Why a metric is NaN here, by metric name (e.g. one class only). */
  readonly undefinedMetrics: Readonly<Record<string, string>>;
}

/**
 * How {@link MetricFrame.difference} and {@link MetricFrame.ratio} compare groups.
 *
 * @example
 * ```ts
 * mf.difference({ method: "to_overall" satisfies DisparityMethod });
 * ```
 */
export type DisparityMethod = "between_groups" | "to_overall";

/**
 * Metrics overall and per group of sensitive features, with Fairlearn's `MetricFrame`
 * semantics: `difference()` is max − min over groups (or the largest gap to the overall value
 * with `to_overall`), `ratio()` is min / max (or the smallest of group/overall and
 * overall/group). Groups under `minGroupSize` rows are reported, not judged. A metric that is
 * undefined on a group (say rocAuc on a group with one class) is NaN there with the reason
 * in `undefinedMetrics`, and is left out of the comparison.
 *
 * @example
 * ```ts
 * const mf = new MetricFrame({
 *   metrics: { recall, selectionRate },
 *   yTrue, yPred,
 *   sensitive: { senior_citizen: frame.numeric("senior_citizen") },
 *   minGroupSize: 30,
 * });
 * mf.overall.recall; mf.byGroup[0]!.metrics.recall; mf.difference().recall; mf.ratio().selectionRate;
 * ```
 */
export class MetricFrame {
  readonly overall: Readonly<Record<string, number>>;
  readonly byGroup: readonly GroupResult[];
  readonly sensitiveColumns: readonly string[];
  readonly minGroupSize: number;
  readonly #names: readonly string[];

  constructor(options: MetricFrameOptions) {
    const { yTrue, minGroupSize = 1 } = options;
    const second = secondArray(options);
    if (second.length !== yTrue.length) {
      throw new KeelError(
        "KEEL_ERR_INVALID_ARGUMENT",
        `MetricFrame: yTrue has ${yTrue.length} values but ${options.yPred ? "yPred" : "yScore"} has ${second.length}.`,
        { details: { yTrue: yTrue.length, other: second.length } },
      );
    }
    const metrics =
      typeof options.metrics === "function" ? { metric: options.metrics } : options.metrics;
    this.#names = Object.keys(metrics);
    this.minGroupSize = minGroupSize;
    const columns = sensitiveColumns(options.sensitive, yTrue.length);
    this.sensitiveColumns = columns.map(([name]) => name);
    this.overall = Object.fromEntries(
      Object.entries(metrics).map(([name, fn]) => [name, fn(yTrue, second)]),
    );
    const rowsByKey = new Map<string, number[]>();
    for (let i = 0; i < yTrue.length; i++) {
      const key = columns.map(([name, values]) => `${name}=${values[i]}`).join(" & ");
      const rows = rowsByKey.get(key);
      if (rows === undefined) rowsByKey.set(key, [i]);
      else rows.push(i);
    }
    this.byGroup = [...rowsByKey.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, rows]) => {
        const group = Object.fromEntries(
          columns.map(([name, values]) => [name, values[rows[0]!]!]),
        );
        const t = Float64Array.from(rows, (i) => yTrue[i] as number);
        const s = Float64Array.from(rows, (i) => second[i] as number);
        const values: Record<string, number> = {};
        const reasons: Record<string, string> = {};
        for (const [name, fn] of Object.entries(metrics)) {
          try {
            values[name] = fn(t, s);
          } catch (error) {
            if (!isKeelError(error, "KEEL_ERR_METRIC_UNDEFINED")) throw error;
            values[name] = Number.NaN;
            reasons[name] = error.message;
          }
        }
        return {
          group,
          key,
          size: rows.length,
          judged: rows.length >= minGroupSize,
          metrics: values,
          undefinedMetrics: reasons,
        };
      });
  }

  /**
   * The smallest value of each metric over judged groups.
   *
   * @example
   * ```ts
   * mf.groupMin().recall;
   * ```
   */
  groupMin(): Record<string, number> {
    return this.#reduce((values) => Math.min(...values));
  }

  /**
   * The largest value of each metric over judged groups.
   *
   * @example
   * ```ts
   * mf.groupMax().recall;
   * ```
   */
  groupMax(): Record<string, number> {
    return this.#reduce((values) => Math.max(...values));
  }

  /**
   * Fairlearn's `difference`: max − min over groups, or with `to_overall` the largest
   * |group − overall|. 0 means parity.
   *
   * @example
   * ```ts
   * mf.difference().selectionRate;                        // between groups
   * mf.difference({ method: "to_overall" }).selectionRate;
   * ```
   */
  difference({
    method = "between_groups",
  }: {
    method?: DisparityMethod;
  } = {}): Record<string, number> {
    if (method === "between_groups") return this.#reduce((v) => Math.max(...v) - Math.min(...v));
    return this.#reduce((v, name) => Math.max(...v.map((x) => Math.abs(x - this.overall[name]!))));
  }

  /**
   * Fairlearn's `ratio`: min / max over groups, or with `to_overall` the smallest of
   * group/overall and overall/group. 1 means parity; 0 / 0 is NaN, as in Fairlearn.
   *
   * @example
   * ```ts
   * mf.ratio().selectionRate; // e.g. 0.72
   * ```
   */
  ratio({ method = "between_groups" }: { method?: DisparityMethod } = {}): Record<string, number> {
    if (method === "between_groups") return this.#reduce((v) => Math.min(...v) / Math.max(...v));
    return this.#reduce((v, name) => {
      const overall = this.overall[name]!;
      return Math.min(...v.map((x) => Math.min(x / overall, overall / x)));
    });
  }

  /**
   * The per-group sizes by group key.
   *
   * @example
   * ```ts
   * mf.groupSizes(); // { "senior_citizen=0": 5901, "senior_citizen=1": 1142 }
   * ```
   */
  groupSizes(): Record<string, number> {
    return Object.fromEntries(this.byGroup.map((g) => [g.key, g.size]));
  }

  #reduce(fn: (values: number[], name: string) => number): Record<string, number> {
    return Object.fromEntries(
      this.#names.map((name) => {
        const values = this.byGroup
          .filter((g) => g.judged && !Number.isNaN(g.metrics[name]!))
          .map((g) => g.metrics[name]!);
        return [name, values.length === 0 ? Number.NaN : fn(values, name)];
      }),
    );
  }
}

function secondArray(options: MetricFrameOptions): ArrayLike<number> {
  const { yPred, yScore } = options;
  if ((yPred === undefined) === (yScore === undefined)) {
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      "MetricFrame: give exactly one of yPred (labels) and yScore (scores).",
      { details: { yPred: yPred !== undefined, yScore: yScore !== undefined } },
    );
  }
  return (yPred ?? yScore)!;
}

function sensitiveColumns(sensitive: SensitiveFeatures, n: number): [string, readonly string[]][] {
  const entries: [string, readonly string[]][] =
    sensitive instanceof Frame
      ? sensitive.entries().map(([name, column]) => [name, labelsOf(column).map(String)])
      : Object.entries(sensitive).map(([name, values]) => [
          name,
          Array.from({ length: values.length }, (_, i) => String(values[i])),
        ]);
  if (entries.length === 0) {
    throw new KeelError("KEEL_ERR_INVALID_ARGUMENT", "MetricFrame: sensitive holds no column.", {
      details: {},
    });
  }
  for (const [name, values] of entries) {
    if (values.length !== n) {
      throw new KeelError(
        "KEEL_ERR_INVALID_ARGUMENT",
        `MetricFrame: sensitive column '${name}' has ${values.length} values but yTrue has ${n}.`,
        { details: { column: name, got: values.length, expected: n } },
      );
    }
    const distinct = new Set(values);
    if (distinct.size < 2) {
      throw new KeelError(
        "KEEL_ERR_METRIC_UNDEFINED",
        `MetricFrame: sensitive column '${name}' has one group only (${describeValue([...distinct][0] ?? "no rows")}); comparing groups needs at least two.`,
        { details: { column: name, groups: [...distinct] } },
      );
    }
  }
  return entries;
}
