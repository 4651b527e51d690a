import { closestNames, describeValue, KeelError, type Task } from "../../core/index.js";
import type { CostMatrix } from "../metrics/expected-cost.js";
import { type MetricSpec, metricInfo, resolveMetric } from "../metrics/registry.js";
import type { BiasIntervalOptions } from "./bias-interval.js";

/**
 * What every gate may say besides its threshold.
 *
 * @example
 * ```ts
 * const gate: MetricGate = { metric: "brierScore", max: 0.2, optional: true };
 * ```
 */
export interface GateOptions {
  /**
   * When the gate cannot be computed (no champion given, too few groups large enough to judge,
   * an undefined metric), an optional gate is "skipped" with the reason; any other gate fails.
   */
  readonly optional?: boolean;
}

/**
 * A gate on a model metric: `{ metric: "rocAuc", min: 0.8 }`.
 *
 * @example
 * ```ts
 * const gate: MetricGate = { metric: "precisionAtRecall", recall: 0.8, min: 0.5 };
 * ```
 */
export interface MetricGate extends GateOptions {
  readonly metric: string;
  readonly min?: number;
  readonly max?: number;
  /** Metric parameters (precisionAtRecall's `recall`, liftAt's `k`…). */
  readonly recall?: number;
  readonly precision?: number;
  readonly k?: number;
  readonly average?: "micro" | "macro" | "weighted";
  readonly multiClass?: "ovr" | "ovo";
  /** expectedCost's costs by true class, then predicted class. */
  readonly costMatrix?: CostMatrix;
}

/**
 * A gate on a fairness metric across the groups of one or more columns.
 *
 * @example
 * ```ts
 * const gate: BiasGate = { bias: "equalOpportunityDifference", by: "senior_citizen", max: 0.1 };
 * ```
 */
export interface BiasGate extends GateOptions {
  readonly bias: BiasMetricName;
  /** Sensitive column(s); several give their intersections. */
  readonly by: string | readonly string[];
  /** Differences take `max` (lower is fairer); ratios take `min` (higher is fairer). */
  readonly min?: number;
  readonly max?: number;
  /** Groups smaller than this are reported but not judged. Default 30. */
  readonly minGroupSize?: number;
  /**
   * Decide on a confidence interval instead of the point value (`true`: 95%, 1000 bootstrap
   * resamples, seed 0). A point value from a small group is noisy: a fair model can show a
   * ratio of 0.7 on 40 rows by chance. With an interval the gate fails only on evidence — when
   * the whole interval lies on the unfair side of the threshold (upper < `min` for a ratio,
   * lower > `max` for a difference); a point value past the threshold whose interval still
   * holds it passes as inconclusive, saying so. Groups under `minGroupSize` stay unjudged
   * either way. The interval is reported with the result.
   */
  readonly interval?: boolean | BiasIntervalOptions;
}

/**
 * A gate on the improvement over the champion. With both thresholds, both must hold.
 *
 * @example
 * ```ts
 * const gate: CompareGate = { compare: "champion", metric: "rocAuc", minRelativeImprovement: 0.01 };
 * ```
 */
export interface CompareGate extends GateOptions {
  readonly compare: "champion";
  readonly metric: string;
  readonly minRelativeImprovement?: number;
  readonly minAbsoluteImprovement?: number;
  readonly recall?: number;
  readonly precision?: number;
  readonly k?: number;
  readonly average?: "micro" | "macro" | "weighted";
  readonly costMatrix?: CostMatrix;
}

/**
 * Any gate of a policy.
 *
 * @example
 * ```ts
 * const gates: Gate[] = [{ metric: "rocAuc", min: 0.8 }];
 * ```
 */
export type Gate = MetricGate | BiasGate | CompareGate;

/**
 * A validation policy: how to cross-validate, the decision threshold and the gates a model
 * must pass, as in a JSON file or `keel.config.ts`.
 *
 * @example
 * ```ts
 * const policy: ValidationPolicy = {
 *   cv: { folds: 5, stratified: true },
 *   threshold: 0.35,
 *   gates: [
 *     { metric: "rocAuc", min: 0.8 },
 *     { metric: "precisionAtRecall", recall: 0.8, min: 0.5 },
 *     { bias: "equalOpportunityDifference", by: "senior_citizen", max: 0.1 },
 *     { compare: "champion", metric: "rocAuc", minRelativeImprovement: 0.01 },
 *   ],
 * };
 * ```
 */
export interface ValidationPolicy {
  readonly cv?: { readonly folds?: number; readonly stratified?: boolean; readonly seed?: number };
  /** Binary decision threshold on P(positive) for label metrics and bias gates. Default 0.5. */
  readonly threshold?: number;
  readonly gates: readonly Gate[];
}

/**
 * The fairness metrics a bias gate may name.
 *
 * @example
 * ```ts
 * const name: BiasMetricName = "disparateImpactRatio";
 * ```
 */
export type BiasMetricName =
  | "demographicParityDifference"
  | "demographicParityRatio"
  | "equalizedOddsDifference"
  | "equalOpportunityDifference"
  | "disparateImpactRatio";

/**
 * The names bias gates accept.
 *
 * @example
 * ```ts
 * BIAS_METRIC_NAMES.includes("equalOpportunityDifference"); // true
 * ```
 */
export const BIAS_METRIC_NAMES: readonly BiasMetricName[] = [
  "demographicParityDifference",
  "demographicParityRatio",
  "equalizedOddsDifference",
  "equalOpportunityDifference",
  "disparateImpactRatio",
];

/** Ratios are fairer when higher (1 = parity); differences when lower (0 = parity). */
const RATIOS: readonly BiasMetricName[] = ["demographicParityRatio", "disparateImpactRatio"];

/**
 * Options of {@link parsePolicy}.
 *
 * @example
 * ```ts
 * parsePolicy(text, "policy.json", { task: "binary", classes: ["No", "Yes"] });
 * ```
 */
export interface ParsePolicyOptions {
  /** The task of the model to be judged: gates whose metric does not fit it are refused. */
  readonly task?: Task;
  /** Its class labels: cost matrices naming other classes are refused. */
  readonly classes?: readonly string[];
}

/**
 * Validates a policy (JSON text or an already parsed value), collecting every issue with its
 * JSON path: unknown keys, thresholds that are not numbers or contradict each other (min above
 * max), fairness thresholds on the wrong side (a `max` on a ratio, where the four-fifths rule
 * is a `min`), metric parameters a metric does not take or out of range, and — given the
 * model's task — metrics the task does not have. An unknown metric is
 * `KEEL_ERR_UNKNOWN_METRIC` with a did-you-mean; any other problem is
 * `KEEL_ERR_POLICY_INVALID` listing all issues. `source` (a file name) prefixes messages.
 *
 * @example
 * ```ts
 * const policy = parsePolicy(readFileSync("policy.json", "utf8"), "policy.json", { task: "binary" });
 * ```
 */
export function parsePolicy(
  input: unknown,
  source = "policy",
  options: ParsePolicyOptions = {},
): ValidationPolicy {
  const value = typeof input === "string" ? parseJson(input, source) : input;
  const issues: { path: string; message: string }[] = [];
  const issue = (path: string, message: string): void => {
    issues.push({ path, message });
  };
  if (!isObject(value)) {
    throw invalid(source, [
      { path: "$", message: `expected an object, got ${describeValue(value)}` },
    ]);
  }
  const known = ["cv", "threshold", "gates"];
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) issue(`$.${key}`, `unknown key${hint(key, known)}`);
  }
  if (value.cv !== undefined) {
    if (!isObject(value.cv))
      issue("$.cv", "expected an object like { folds: 5, stratified: true }");
    else {
      const { folds, stratified, seed } = value.cv;
      for (const key of Object.keys(value.cv)) {
        if (!["folds", "stratified", "seed"].includes(key))
          issue(`$.cv.${key}`, `unknown key${hint(key, ["folds", "stratified", "seed"])}`);
      }
      if (folds !== undefined && !(Number.isInteger(folds) && (folds as number) >= 2))
        issue("$.cv.folds", `expected an integer ≥ 2, got ${describeValue(folds)}`);
      if (stratified !== undefined && typeof stratified !== "boolean")
        issue("$.cv.stratified", `expected true or false, got ${describeValue(stratified)}`);
      if (seed !== undefined && !Number.isInteger(seed))
        issue("$.cv.seed", `expected an integer, got ${describeValue(seed)}`);
    }
  }
  if (value.threshold !== undefined) {
    const t = value.threshold;
    if (typeof t !== "number" || !(t > 0 && t < 1))
      issue(
        "$.threshold",
        `expected a probability strictly between 0 and 1, got ${describeValue(t)}`,
      );
    else if (options.task !== undefined && options.task !== "binary")
      issue(
        "$.threshold",
        `a decision threshold applies to binary classifiers; this model's task is ${options.task}`,
      );
  }
  if (!Array.isArray(value.gates)) {
    issue("$.gates", `expected an array of gates, got ${describeValue(value.gates)}`);
  } else {
    for (const [i, gate] of (value.gates as unknown[]).entries()) {
      checkGate(gate, `$.gates[${i}]`, source, options, issue);
    }
  }
  if (issues.length > 0) throw invalid(source, issues);
  return value as unknown as ValidationPolicy;
}

/**
 * Checks a policy against the evaluation data: every column a bias gate names must be there.
 * Issues carry the policy file and JSON path (with a did-you-mean), as `parsePolicy`'s do.
 *
 * @example
 * ```ts
 * checkPolicyColumns(policy, frame.columnNames, "policy.json");
 * ```
 */
export function checkPolicyColumns(
  policy: ValidationPolicy,
  columns: readonly string[],
  source = "policy",
): void {
  const issues: { path: string; message: string }[] = [];
  policy.gates.forEach((gate, i) => {
    if (!("bias" in gate)) return;
    const by = typeof gate.by === "string" ? [gate.by] : gate.by;
    by.forEach((column, j) => {
      if (columns.includes(column)) return;
      const path = typeof gate.by === "string" ? `$.gates[${i}].by` : `$.gates[${i}].by[${j}]`;
      issues.push({ path, message: `the data has no column '${column}'.${hint(column, columns)}` });
    });
  });
  if (issues.length > 0) throw invalid(source, issues);
}

type Issue = (path: string, message: string) => void;

function checkGate(
  gate: unknown,
  path: string,
  source: string,
  options: ParsePolicyOptions,
  issue: Issue,
): void {
  if (!isObject(gate)) {
    issue(path, `expected a gate object, got ${describeValue(gate)}`);
    return;
  }
  const unknownKeys = (allowed: readonly string[]) => {
    for (const key of Object.keys(gate)) {
      if (!allowed.includes(key)) issue(`${path}.${key}`, `unknown key${hint(key, allowed)}`);
    }
  };
  if (gate.optional !== undefined && typeof gate.optional !== "boolean")
    issue(`${path}.optional`, `expected true or false, got ${describeValue(gate.optional)}`);
  if (gate.bias !== undefined) {
    checkBiasGate(gate, path, source, options, issue);
    unknownKeys(["bias", "by", "min", "max", "minGroupSize", "interval", "optional"]);
    return;
  }
  if (gate.compare !== undefined) {
    if (gate.compare !== "champion")
      issue(`${path}.compare`, `expected "champion", got ${describeValue(gate.compare)}`);
    checkMetric(gate, path, source, options, issue);
    unknownKeys([
      "compare",
      "metric",
      "minRelativeImprovement",
      "minAbsoluteImprovement",
      "optional",
      ...METRIC_PARAMS,
    ]);
    bounds(gate, path, ["minRelativeImprovement", "minAbsoluteImprovement"], issue);
    return;
  }
  if (gate.metric === undefined) {
    issue(path, 'expected one of "metric", "bias" or "compare"');
    return;
  }
  checkMetric(gate, path, source, options, issue);
  unknownKeys(["metric", "min", "max", "optional", ...METRIC_PARAMS]);
  if (bounds(gate, path, ["min", "max"], issue)) minNotAboveMax(gate, path, issue);
}

/** Checks that at least one threshold is there and each is a finite number; true when sound. */
function bounds(
  gate: Record<string, unknown>,
  path: string,
  keys: readonly string[],
  issue: Issue,
): boolean {
  const present = keys.filter((k) => gate[k] !== undefined);
  let sound = present.length > 0;
  for (const k of present) {
    if (typeof gate[k] !== "number" || !Number.isFinite(gate[k])) {
      issue(`${path}.${k}`, `expected a number, got ${describeValue(gate[k])}`);
      sound = false;
    }
  }
  if (present.length === 0) issue(path, `needs a threshold: one of ${keys.join(", ")}`);
  return sound;
}

function minNotAboveMax(gate: Record<string, unknown>, path: string, issue: Issue): void {
  const { min, max } = gate as { min?: number; max?: number };
  if (min !== undefined && max !== undefined && min > max)
    issue(path, `min ${min} is above max ${max}: no value can pass`);
}

function checkBiasGate(
  gate: Record<string, unknown>,
  path: string,
  source: string,
  options: ParsePolicyOptions,
  issue: Issue,
): void {
  const name = gate.bias as BiasMetricName;
  if (!BIAS_METRIC_NAMES.includes(name)) {
    throw unknownMetric(source, `${path}.bias`, gate.bias, BIAS_METRIC_NAMES);
  }
  const by = gate.by;
  const columns = typeof by === "string" ? [by] : Array.isArray(by) ? by : [];
  if (columns.length === 0 || columns.some((c) => typeof c !== "string" || c === ""))
    issue(`${path}.by`, `expected a column name or a list of them, got ${describeValue(by)}`);
  if (
    gate.minGroupSize !== undefined &&
    !(Number.isInteger(gate.minGroupSize) && (gate.minGroupSize as number) >= 1)
  )
    issue(
      `${path}.minGroupSize`,
      `expected an integer ≥ 1, got ${describeValue(gate.minGroupSize)}`,
    );
  checkInterval(gate.interval, `${path}.interval`, issue);
  if (options.task !== undefined && options.task !== "binary")
    issue(
      `${path}.bias`,
      `bias gates judge a binary classifier's decisions; this model's task is ${options.task}`,
    );
  if (!bounds(gate, path, ["min", "max"], issue)) return;
  minNotAboveMax(gate, path, issue);
  // Both kinds live on [0, 1]; a threshold on the unfair side passes only unfair models
  // ({ disparateImpactRatio, max: 0.8 } is the four-fifths rule reversed).
  const ratio = RATIOS.includes(name);
  const good = ratio ? "min" : "max";
  const wrong = ratio ? "max" : "min";
  if (gate[wrong] !== undefined) {
    issue(
      `${path}.${wrong}`,
      ratio
        ? `${name} is fairer when higher (1 = parity): bound it from below with min (the four-fifths rule is min: 0.8), not ${wrong}`
        : `${name} is fairer when lower (0 = parity): bound it from above with max (e.g. max: 0.1), not ${wrong}`,
    );
  }
  const value = gate[good];
  if (typeof value === "number" && !(value >= 0 && value <= 1))
    issue(`${path}.${good}`, `${name} lies between 0 and 1; got ${value}`);
}

/** A bias gate's `interval`: true, false, or { level, resamples, seed } within their ranges. */
function checkInterval(value: unknown, path: string, issue: Issue): void {
  if (value === undefined || typeof value === "boolean") return;
  if (!isObject(value)) {
    issue(path, `expected true, false or { level, resamples, seed }, got ${describeValue(value)}`);
    return;
  }
  const { level, resamples, seed } = value;
  if (level !== undefined && !(typeof level === "number" && level > 0 && level < 1))
    issue(
      `${path}.level`,
      `expected a confidence level between 0 and 1 (0.95), got ${describeValue(level)}`,
    );
  if (
    resamples !== undefined &&
    !(
      Number.isInteger(resamples) &&
      (resamples as number) >= 100 &&
      (resamples as number) <= 100_000
    )
  )
    issue(
      `${path}.resamples`,
      `expected an integer from 100 to 100000, got ${describeValue(resamples)}`,
    );
  if (seed !== undefined && !Number.isInteger(seed))
    issue(`${path}.seed`, `expected an integer, got ${describeValue(seed)}`);
  for (const key of Object.keys(value))
    if (!["level", "resamples", "seed"].includes(key))
      issue(`${path}.${key}`, `unknown key${hint(key, ["level", "resamples", "seed"])}`);
}

/** Metric parameter keys: checkMetric reports those a gate's metric does not take. */
const METRIC_PARAMS = ["recall", "precision", "k", "average", "multiClass", "costMatrix"];

/** Checks a gate's metric name, its parameters and (given a task) that the task has it. */
function checkMetric(
  gate: Record<string, unknown>,
  path: string,
  source: string,
  options: ParsePolicyOptions,
  issue: Issue,
): void {
  try {
    resolveMetric(gate as unknown as MetricSpec);
  } catch (error) {
    if (error instanceof KeelError && error.code === "KEEL_ERR_UNKNOWN_METRIC") {
      throw unknownMetric(source, `${path}.metric`, gate.metric, undefined, error);
    }
    throw error;
  }
  const info = metricInfo(gate.metric as string)!;
  const takes: string[] = [];
  if (info.param) {
    takes.push(info.param);
    const v = gate[info.param];
    const low = info.param === "k" ? "(0, 1]" : "[0, 1]";
    const ok = typeof v === "number" && (info.param === "k" ? v > 0 && v <= 1 : v >= 0 && v <= 1);
    if (v !== undefined && !ok)
      issue(
        `${path}.${info.param}`,
        `${info.name}'s ${info.param} must be a number in ${low}, got ${describeValue(v)}`,
      );
  }
  if (info.averaged) {
    takes.push("average");
    if (
      gate.average !== undefined &&
      !["micro", "macro", "weighted"].includes(gate.average as string)
    )
      issue(
        `${path}.average`,
        `expected "micro", "macro" or "weighted", got ${describeValue(gate.average)}`,
      );
    if (info.name === "rocAuc") {
      takes.push("multiClass");
      if (gate.multiClass !== undefined && gate.multiClass !== "ovr" && gate.multiClass !== "ovo")
        issue(
          `${path}.multiClass`,
          `expected "ovr" or "ovo", got ${describeValue(gate.multiClass)}`,
        );
    }
  }
  if (info.costs) {
    takes.push("costMatrix");
    checkCostMatrix(gate.costMatrix, `${path}.costMatrix`, options.classes, issue);
  }
  for (const key of METRIC_PARAMS) {
    if (gate[key] !== undefined && !takes.includes(key)) {
      issue(
        `${path}.${key}`,
        `metric '${info.name}' takes no '${key}'${takes.length > 0 ? ` (it takes ${takes.map((t) => `'${t}'`).join(", ")})` : ""}`,
      );
    }
  }
  if (options.task !== undefined && !info.tasks.includes(options.task)) {
    issue(
      `${path}.metric`,
      `metric '${info.name}' is for ${info.tasks.join(" or ")} models; this model's task is ${options.task}`,
    );
  }
}

function checkCostMatrix(
  value: unknown,
  path: string,
  classes: readonly string[] | undefined,
  issue: Issue,
): void {
  if (!isObject(value)) {
    issue(
      path,
      `expectedCost needs a cost matrix like { "Yes": { "No": 5 }, "No": { "Yes": 1 } } (true class → predicted class → cost), got ${describeValue(value)}`,
    );
    return;
  }
  const known = (label: string, at: string) => {
    if (classes !== undefined && !classes.includes(label))
      issue(
        at,
        `'${label}' is not one of the model's classes (${classes.map((c) => `'${c}'`).join(", ")})`,
      );
  };
  for (const [actual, row] of Object.entries(value)) {
    known(actual, `${path}.${actual}`);
    if (!isObject(row)) {
      issue(`${path}.${actual}`, `expected { predicted class: cost }, got ${describeValue(row)}`);
      continue;
    }
    for (const [predicted, cost] of Object.entries(row)) {
      known(predicted, `${path}.${actual}.${predicted}`);
      if (typeof cost !== "number" || !Number.isFinite(cost))
        issue(`${path}.${actual}.${predicted}`, `expected a number, got ${describeValue(cost)}`);
    }
  }
}

function unknownMetric(
  source: string,
  path: string,
  name: unknown,
  candidates: readonly string[] | undefined,
  cause?: KeelError,
): KeelError {
  const message = candidates
    ? `unknown bias metric ${describeValue(name)}.${typeof name === "string" ? hint(name, candidates, true) : ""}`
    : (cause?.message ?? `unknown metric ${describeValue(name)}`);
  return new KeelError("KEEL_ERR_UNKNOWN_METRIC", `${source}: ${path}: ${message}`, {
    details: { source, path, metric: name, ...(cause ? cause.details : {}) },
  });
}

function hint(name: string, candidates: readonly string[], listAll = false): string {
  const lower = name.toLowerCase();
  const close = closestNames(name, candidates);
  if (close.length === 0 && lower.length >= 4) {
    close.push(...candidates.filter((c) => c.toLowerCase().includes(lower)).slice(0, 3));
  }
  if (close.length > 0) return ` Did you mean ${close.map((c) => `'${c}'`).join(" or ")}?`;
  return listAll ? ` Known: ${candidates.join(", ")}.` : ` (allowed: ${candidates.join(", ")})`;
}

function invalid(source: string, issues: { path: string; message: string }[]): KeelError {
  const lines = issues.map((i) => `${i.path}: ${i.message}`);
  return new KeelError(
    "KEEL_ERR_POLICY_INVALID",
    `${source}: invalid validation policy: ${lines.join("; ")}.`,
    { details: { source, issues } },
  );
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message);
    let where = source;
    if (position) {
      const before = text.slice(0, Number(position[1]));
      const line = before.split("\n").length;
      const column = before.length - before.lastIndexOf("\n");
      where = `${source}:${line}:${column}`;
    }
    throw new KeelError("KEEL_ERR_PARSE", `${where}: the policy is not valid JSON (${message}).`, {
      details: { source },
      cause: error,
    });
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
