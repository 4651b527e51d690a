import { KeelError } from "../core/index.js";
import { logLoss, rocAuc } from "../evaluate/index.js";
import { delongAuc, sampleVariance } from "./delong.js";
import { chiSquareSurvival, normalCdf, Z_95 } from "./distributions.js";
import { effectiveVariants } from "./effective-weights.js";
import { type FeedbackLabel, type LoggedPrediction, requestOfRow } from "./prediction-entry.js";
import type { ServingStore } from "./serving-store.js";

/**
 * A metric with its standard error and 95% confidence interval.
 *
 * @example
 * ```ts
 * const auc: Estimate = { value: 0.84, standardError: 0.01, lower: 0.82, upper: 0.86 };
 * ```
 */
export interface Estimate {
  readonly value: number;
  readonly standardError: number;
  readonly lower: number;
  readonly upper: number;
}

/**
 * A variant's metric minus the control's, with a 95% interval and a two-sided p-value.
 *
 * @example
 * ```ts
 * const d: Difference = { difference: 0.02, lower: 0.004, upper: 0.036, pValue: 0.014 };
 * ```
 */
export interface Difference {
  readonly difference: number;
  readonly lower: number;
  readonly upper: number;
  readonly pValue: number;
}

/**
 * Metrics of one variant from the labelled predictions (binary models).
 *
 * @example
 * ```ts
 * analysis.variants[1].metrics?.auc?.value;
 * ```
 */
export interface VariantMetrics {
  /** Undefined when the labels hold only one class. */
  readonly auc?: Estimate;
  readonly logLoss: Estimate;
  /** Share of positive labels (Wilson interval). */
  readonly positiveRate: Estimate;
}

/**
 * What one model version contributed to a variant in the window.
 *
 * @example
 * ```ts
 * const v: VersionShare = { version: "7", requests: 812, predictions: 812, labelled: 300, included: true };
 * ```
 */
export interface VersionShare {
  readonly version: string;
  readonly requests: number;
  readonly predictions: number;
  readonly labelled: number;
  /** Whether its rows count in the variant's metrics (see {@link AnalyzeOptions.versions}). */
  readonly included: boolean;
}

/**
 * One variant of an experiment: its configured and observed share of traffic, and (with
 * feedback) its metrics and their difference from the control.
 *
 * @example
 * ```ts
 * for (const v of analysis.variants) console.log(v.name, v.requests, v.share);
 * ```
 */
export interface VariantAnalysis {
  readonly name: string;
  /** The weight in force (the canary's step share while a canary runs). */
  readonly weight: number;
  readonly expectedShare: number;
  /** Distinct request ids served (the unit of assignment). */
  readonly requests: number;
  readonly share: number;
  /** Logged predictions (records) and how many of them have a label. */
  readonly predictions: number;
  /** Labelled predictions of the versions the metrics cover. */
  readonly labelled: number;
  /**
   * The model versions this variant served in the window (an alias move or a promotion
   * changes them mid-window), oldest first, and whether each one's rows are in `metrics`.
   */
  readonly modelVersions: readonly VersionShare[];
  readonly metrics?: VariantMetrics;
  readonly versusControl?: {
    readonly auc?: Difference;
    readonly logLoss?: Difference;
    readonly positiveRate?: Difference;
  };
}

/**
 * The result of {@link analyzeExperiment}.
 *
 * @example
 * ```ts
 * if (analysis.sampleRatio.mismatch) console.warn("assignment is broken; do not trust the metrics");
 * ```
 */
export interface ExperimentAnalysis {
  readonly deployment: string;
  /**
   * The window analysed (epoch ms). With `from` given, an event-time window (the entries'
   * `time`); by default, the entries the server answered since the deployment's last change
   * (`windowBy: "received"`), both measured on the server's clock.
   */
  readonly from: number;
  readonly to: number | undefined;
  readonly windowBy: "event-time" | "received";
  /** Which versions per variant the metrics cover (see {@link AnalyzeOptions.versions}). */
  readonly versions: "newest" | "all";
  readonly control: string;
  readonly totalRequests: number;
  readonly variants: readonly VariantAnalysis[];
  /** Pearson chi-square of request counts against the configured weights (scipy `chisquare`). */
  readonly sampleRatio: {
    readonly statistic: number;
    readonly degreesOfFreedom: number;
    readonly pValue: number;
    /** p below `srmAlpha` (default 0.001): traffic does not follow the weights. */
    readonly mismatch: boolean;
    readonly expected: Readonly<Record<string, number>>;
  };
  /** Why metrics are missing, when they are (no labels, not a binary model...). */
  readonly notes: readonly string[];
}

/**
 * Options of {@link analyzeExperiment}.
 *
 * @example
 * ```ts
 * await analyzeExperiment(store, "churn", { positiveLabel: "Yes", from: Date.now() - 7 * 86_400_000 });
 * ```
 */
export interface AnalyzeOptions {
  /**
   * Start of an event-time window (epoch ms, the entries' `time`: a replay's own clock).
   * Default: the entries the server answered since the deployment's last change (spec or
   * canary step), since weights are only meaningful since then.
   */
  readonly from?: number;
  /** End of the window in event time (epoch ms, exclusive). */
  readonly to?: number;
  /**
   * Which model versions of a variant its metrics (and the comparison with the control)
   * cover. `"newest"` (default): only the version the variant logged last — an alias that
   * moved mid-window (a promotion, a rollback) would otherwise pool two models into one AUC.
   * `"all"`: every version pooled, as the traffic was served. Traffic counts and the
   * sample-ratio test always count every version: assignment is by variant, not by model.
   */
  readonly versions?: "newest" | "all";
  /** The label value that means "positive" (besides 1 and true). Inferred from probabilities when absent. */
  readonly positiveLabel?: string;
  /** Threshold of the SRM p-value below which the split is flagged. Default 0.001. */
  readonly srmAlpha?: number;
}

/**
 * Analyses a deployment's A/B experiment from its prediction log: traffic per variant with
 * a sample-ratio-mismatch chi-square test against the weights in force (the canary's step
 * share while a canary runs; see {@link effectiveVariants}), and, for
 * binary models with feedback labels, per-variant AUC (DeLong standard error), log loss
 * (standard error of per-row losses) and positive rate (Wilson interval), each with a 95%
 * interval and a z-test of its difference from the control (the first variant). Variants
 * are independent samples, so difference variances add.
 *
 * @example
 * ```ts
 * const analysis = await analyzeExperiment(store, "churn");
 * console.log(analysis.sampleRatio.pValue, analysis.variants[1]?.versusControl?.auc);
 * ```
 */
export async function analyzeExperiment(
  store: ServingStore,
  deployment: string,
  options: AnalyzeOptions = {},
): Promise<ExperimentAnalysis> {
  const record = await store.getDeployment(deployment);
  const { spec } = record;
  const windowBy = options.from === undefined ? "received" : "event-time";
  const from = options.from ?? (await lastWeightChange(store, deployment));
  const versions = options.versions ?? "newest";
  if (versions !== "newest" && versions !== "all")
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `analyzeExperiment: versions must be "newest" or "all", got ${JSON.stringify(versions)}`,
      { details: { parameter: "versions", got: versions } },
    );
  const rows = await store.readPredictions({
    deployment,
    // Deployment changes are stamped by the server's clock: "since the change" is measured on
    // it, whatever event times a replay gave its entries.
    ...(windowBy === "received" ? { receivedFrom: from } : { from }),
    ...(options.to === undefined ? {} : { to: options.to }),
  });
  const notes: string[] = [];
  const byVariant = groupBy(rows, (r) => r.variant);
  const shares = new Map(
    [...byVariant].map(([name, served]) => [name, versionShares(served, versions)]),
  );
  for (const [name, list] of shares)
    if (list.some((v) => !v.included))
      notes.push(
        `variant '${name}' served versions ${list.map((v) => v.version).join(", ")} in the window; its metrics use version ${list
          .filter((v) => v.included)
          .map((v) => v.version)
          .join(", ")} only (the newest; versions: "all" pools them)`,
      );
    else if (list.length > 1)
      notes.push(
        `variant '${name}' pools versions ${list.map((v) => v.version).join(", ")} in its metrics (versions: "all")`,
      );
  const live = effectiveVariants(record).filter((v) => v.weight > 0);
  const totalWeight = live.reduce((s, v) => s + v.weight, 0);
  const requests = new Map(
    spec.variants.map((v) => [
      v.name,
      // One per request: the rows of a batch (ID:0, ID:1, …) were assigned together.
      new Set((byVariant.get(v.name) ?? []).map((r) => requestOfRow(r.requestId))).size,
    ]),
  );
  const totalRequests = [...requests.values()].reduce((a, b) => a + b, 0);
  const sampleRatio = sampleRatioTest(live, totalWeight, requests, options.srmAlpha ?? 0.001);
  for (const name of byVariant.keys())
    if (!spec.variants.some((v) => v.name === name))
      notes.push(
        `${byVariant.get(name)?.length} predictions of variant '${name}', no longer in the spec, are left out`,
      );

  const toBinary = labelCoder(rows, options.positiveLabel, notes);
  const control = spec.variants[0]?.name ?? "";
  const samples = new Map(
    spec.variants.map((v) => {
      const included = new Set(
        (shares.get(v.name) ?? []).filter((s) => s.included).map((s) => s.version),
      );
      const measured = (byVariant.get(v.name) ?? []).filter((r) => included.has(r.modelVersion));
      return [v.name, labelledSample(measured, toBinary)];
    }),
  );
  const controlMetrics = toBinary && metricsOf(samples.get(control));
  const weightOf = new Map(live.map((v) => [v.name, v.weight]));
  const variants = spec.variants.map((v): VariantAnalysis => {
    const sample = samples.get(v.name);
    const metrics = toBinary ? metricsOf(sample) : undefined;
    const versus =
      v.name !== control && metrics !== undefined && controlMetrics
        ? compare(metrics, controlMetrics, sample, samples.get(control))
        : undefined;
    const served = requests.get(v.name) ?? 0;
    return {
      name: v.name,
      weight: weightOf.get(v.name) ?? 0,
      expectedShare: totalWeight > 0 ? (weightOf.get(v.name) ?? 0) / totalWeight : 0,
      requests: served,
      share: totalRequests > 0 ? served / totalRequests : 0,
      predictions: byVariant.get(v.name)?.length ?? 0,
      labelled: sample?.labels.length ?? 0,
      modelVersions: shares.get(v.name) ?? [],
      ...(metrics === undefined ? {} : { metrics }),
      ...(versus === undefined ? {} : { versusControl: versus }),
    };
  });
  if (totalRequests === 0)
    notes.push("no requests in the window yet: the sample-ratio test has nothing to test");
  if (toBinary && variants.every((v) => v.labelled === 0))
    notes.push(
      "no feedback labels yet: send them to the feedback endpoint to get per-variant metrics",
    );
  // AUC is undefined when every label is one class: say so rather than leave a silent gap.
  for (const v of variants)
    if (v.metrics !== undefined && v.metrics.auc === undefined)
      notes.push(
        `variant '${v.name}': AUC needs both classes among its labels; all ${v.labelled} are ${v.metrics.positiveRate.value === 1 ? "positive" : "negative"}`,
      );
  return {
    deployment,
    from,
    to: options.to,
    windowBy,
    versions,
    control,
    totalRequests,
    variants,
    sampleRatio,
    notes,
  };
}

/**
 * The versions a variant's rows were served by, in the order they first appear in the log
 * (insertion order), each marked included when `versions` is "all" or it is the version
 * logged last.
 */
function versionShares(
  rows: readonly LoggedPrediction[],
  versions: "newest" | "all",
): VersionShare[] {
  const byVersion = new Map<string, { first: number; last: number; rows: LoggedPrediction[] }>();
  for (const r of rows) {
    const entry = byVersion.get(r.modelVersion);
    if (entry === undefined) byVersion.set(r.modelVersion, { first: r.id, last: r.id, rows: [r] });
    else {
      entry.first = Math.min(entry.first, r.id);
      entry.last = Math.max(entry.last, r.id);
      entry.rows.push(r);
    }
  }
  const ordered = [...byVersion].sort((a, b) => a[1].first - b[1].first);
  let newest = ordered[0]?.[0];
  let newestId = -1;
  for (const [version, entry] of ordered)
    if (entry.last > newestId) {
      newest = version;
      newestId = entry.last;
    }
  return ordered.map(([version, entry]) => ({
    version,
    requests: new Set(entry.rows.map((r) => requestOfRow(r.requestId))).size,
    predictions: entry.rows.length,
    labelled: entry.rows.filter((r) => r.label !== undefined).length,
    included: versions === "all" || version === newest,
  }));
}

interface Sample {
  readonly labels: number[];
  readonly scores: number[];
}

function sampleRatioTest(
  live: readonly { name: string; weight: number }[],
  totalWeight: number,
  requests: ReadonlyMap<string, number>,
  alpha: number,
): ExperimentAnalysis["sampleRatio"] {
  const n = live.reduce((s, v) => s + (requests.get(v.name) ?? 0), 0);
  const expected: Record<string, number> = {};
  let statistic = 0;
  for (const v of live) {
    const e = (n * v.weight) / totalWeight;
    expected[v.name] = e;
    if (e > 0) statistic += ((requests.get(v.name) ?? 0) - e) ** 2 / e;
  }
  const degreesOfFreedom = Math.max(0, live.length - 1);
  const pValue = degreesOfFreedom > 0 && n > 0 ? chiSquareSurvival(statistic, degreesOfFreedom) : 1;
  return { statistic, degreesOfFreedom, pValue, mismatch: pValue < alpha, expected };
}

/** Maps a label to 0/1, or undefined when the model is not binary (with a note saying why). */
function labelCoder(
  rows: readonly LoggedPrediction[],
  positiveLabel: string | undefined,
  notes: string[],
): ((label: FeedbackLabel) => number | undefined) | undefined {
  const scored = rows.find((r) => typeof r.output.prediction === "number");
  if (scored === undefined) {
    if (rows.length > 0)
      notes.push(
        "predictions are class labels (multiclass): AUC, log loss and positive rate are computed for binary models only",
      );
    return undefined;
  }
  const classes = Object.keys(scored.output.probabilities ?? {});
  const positive = positiveLabel ?? (classes.length === 2 ? classes[1] : undefined);
  if (
    scored.output.probabilities === undefined &&
    rows.every((r) => {
      const p = r.output.prediction;
      return typeof p === "number" && !(p >= 0 && p <= 1);
    })
  ) {
    notes.push(
      "predictions are not probabilities (regression): classification metrics are skipped",
    );
    return undefined;
  }
  return (label) => {
    if (label === true || label === 1 || label === "1" || label === "true") return 1;
    if (label === false || label === 0 || label === "0" || label === "false") return 0;
    if (typeof label === "string" && positive !== undefined) return label === positive ? 1 : 0;
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `analyzeExperiment: cannot tell whether label ${JSON.stringify(label)} is positive; pass positiveLabel (e.g. --positive Yes)`,
      { details: { label, classes } },
    );
  };
}

function labelledSample(
  rows: readonly LoggedPrediction[],
  toBinary: ((label: FeedbackLabel) => number | undefined) | undefined,
): Sample | undefined {
  if (toBinary === undefined) return undefined;
  const labels: number[] = [];
  const scores: number[] = [];
  for (const row of rows) {
    if (row.label === undefined || typeof row.output.prediction !== "number") continue;
    const y = toBinary(row.label);
    if (y === undefined) continue;
    labels.push(y);
    scores.push(row.output.prediction);
  }
  return { labels, scores };
}

function metricsOf(sample: Sample | undefined): VariantMetrics | undefined {
  if (sample === undefined || sample.labels.length < 2) return undefined;
  const { labels, scores } = sample;
  const n = labels.length;
  const positives = labels.reduce((a, b) => a + b, 0);
  const losses = labels.map((y, i) => logLoss([y], [scores[i] as number]));
  const meanLoss = logLoss(labels, scores);
  const lossSe = Math.sqrt(sampleVariance(losses) / n);
  const rate = positives / n;
  const both = positives > 0 && positives < n;
  return {
    ...(both ? { auc: aucEstimate(labels, scores) } : {}),
    logLoss: interval(meanLoss, lossSe),
    positiveRate: {
      value: rate,
      standardError: Math.sqrt((rate * (1 - rate)) / n),
      ...wilson(positives, n),
    },
  };
}

function aucEstimate(labels: readonly number[], scores: readonly number[]): Estimate {
  const value = rocAuc(labels, scores);
  const { variance } = delongAuc(labels, scores);
  const se = Math.sqrt(variance);
  return {
    value,
    standardError: se,
    lower: Math.max(0, value - Z_95 * se),
    upper: Math.min(1, value + Z_95 * se),
  };
}

function compare(
  variant: VariantMetrics,
  control: VariantMetrics,
  sample: Sample | undefined,
  controlSample: Sample | undefined,
): VariantAnalysis["versusControl"] {
  const out: { auc?: Difference; logLoss?: Difference; positiveRate?: Difference } = {};
  if (variant.auc && control.auc)
    out.auc = difference(
      variant.auc.value - control.auc.value,
      Math.hypot(variant.auc.standardError, control.auc.standardError),
    );
  out.logLoss = difference(
    variant.logLoss.value - control.logLoss.value,
    Math.hypot(variant.logLoss.standardError, control.logLoss.standardError),
  );
  if (sample && controlSample) {
    const n1 = sample.labels.length;
    const n0 = controlSample.labels.length;
    const p1 = variant.positiveRate.value;
    const p0 = control.positiveRate.value;
    const pooled = (p1 * n1 + p0 * n0) / (n1 + n0);
    const pooledSe = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0));
    const se = Math.hypot(variant.positiveRate.standardError, control.positiveRate.standardError);
    out.positiveRate = {
      difference: p1 - p0,
      lower: p1 - p0 - Z_95 * se,
      upper: p1 - p0 + Z_95 * se,
      pValue: pooledSe > 0 ? twoSided((p1 - p0) / pooledSe) : 1,
    };
  }
  return out;
}

function difference(value: number, se: number): Difference {
  return {
    difference: value,
    lower: value - Z_95 * se,
    upper: value + Z_95 * se,
    pValue: se > 0 ? twoSided(value / se) : 1,
  };
}

function interval(value: number, se: number): Estimate {
  return { value, standardError: se, lower: value - Z_95 * se, upper: value + Z_95 * se };
}

/** Wilson score interval of a binomial proportion. */
function wilson(k: number, n: number): { lower: number; upper: number } {
  const p = k / n;
  const z2 = Z_95 * Z_95;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (Z_95 * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  // At k = 0 or k = n the bound is 0 or 1 exactly; rounding would put it a hair outside.
  return { lower: Math.max(0, centre - half), upper: Math.min(1, centre + half) };
}

function twoSided(z: number): number {
  return 2 * normalCdf(-Math.abs(z));
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group === undefined) groups.set(k, [item]);
    else group.push(item);
  }
  return groups;
}

/**
 * When the weights last changed: every deployment event (spec edits, promotions, rollbacks,
 * canary steps) may move them, and the SRM test is only meaningful since then.
 */
async function lastWeightChange(store: ServingStore, deployment: string): Promise<number> {
  const [latest] = await store.deploymentEvents(deployment);
  return latest?.createdAt ?? 0;
}
