import { closestNames, describeValue, KeelError } from "../../core/index.js";
import { type MetricSpec, resolveMetric } from "../metrics/registry.js";

/**
 * A gate on a model metric: `{ metric: "rocAuc", min: 0.8 }`.
 *
 * @example
 * ```ts
 * const gate: MetricGate = { metric: "precisionAtRecall", recall: 0.8, min: 0.5 };
 * ```
 */
export interface MetricGate {
  readonly metric: string;
  readonly min?: number;
  readonly max?: number;
  /** Metric parameters (precisionAtRecall's `recall`, liftAt's `k`…). */
  readonly recall?: number;
  readonly precision?: number;
  readonly k?: number;
  readonly average?: "micro" | "macro" | "weighted";
}

/**
 * A gate on a fairness metric across the groups of one or more columns.
 *
 * @example
 * ```ts
 * const gate: BiasGate = { bias: "equalOpportunityDifference", by: "senior_citizen", max: 0.1 };
 * ```
 */
export interface BiasGate {
  readonly bias: BiasMetricName;
  /** Sensitive column(s); several give their intersections. */
  readonly by: string | readonly string[];
  readonly min?: number;
  readonly max?: number;
  /** Groups smaller than this are reported but not judged. Default 30. */
  readonly minGroupSize?: number;
}

/**
 * A gate on the improvement over the champion: absolute or relative, never ambiguous.
 *
 * @example
 * ```ts
 * const gate: CompareGate = { compare: "champion", metric: "rocAuc", minRelativeImprovement: 0.01 };
 * ```
 */
export interface CompareGate {
  readonly compare: "champion";
  readonly metric: string;
  readonly minRelativeImprovement?: number;
  readonly minAbsoluteImprovement?: number;
  readonly recall?: number;
  readonly precision?: number;
  readonly k?: number;
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
 * A validation policy: how to cross-validate and the gates a model must pass, as in a JSON
 * file or `keel.config.ts`.
 *
 * @example
 * ```ts
 * const policy: ValidationPolicy = {
 *   cv: { folds: 5, stratified: true },
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

/**
 * Validates a policy (JSON text or an already parsed value), collecting every issue with its
 * JSON path. An unknown metric is `KEEL_ERR_UNKNOWN_METRIC` with a did-you-mean; any other
 * problem is `KEEL_ERR_POLICY_INVALID` listing all issues. `source` (a file name) prefixes
 * messages.
 *
 * @example
 * ```ts
 * const policy = parsePolicy(readFileSync("policy.json", "utf8"), "policy.json");
 * ```
 */
export function parsePolicy(input: unknown, source = "policy"): ValidationPolicy {
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
  const known = ["cv", "gates"];
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) issue(`$.${key}`, `unknown key${hint(key, known)}`);
  }
  if (value.cv !== undefined) {
    if (!isObject(value.cv))
      issue("$.cv", "expected an object like { folds: 5, stratified: true }");
    else {
      const { folds, stratified, seed } = value.cv;
      if (folds !== undefined && !(Number.isInteger(folds) && (folds as number) >= 2))
        issue("$.cv.folds", `expected an integer ≥ 2, got ${describeValue(folds)}`);
      if (stratified !== undefined && typeof stratified !== "boolean")
        issue("$.cv.stratified", `expected true or false, got ${describeValue(stratified)}`);
      if (seed !== undefined && !Number.isInteger(seed))
        issue("$.cv.seed", `expected an integer, got ${describeValue(seed)}`);
    }
  }
  if (!Array.isArray(value.gates)) {
    issue("$.gates", `expected an array of gates, got ${describeValue(value.gates)}`);
  } else {
    for (const [i, gate] of (value.gates as unknown[]).entries()) {
      checkGate(gate, `$.gates[${i}]`, source, issue);
    }
  }
  if (issues.length > 0) throw invalid(source, issues);
  return value as unknown as ValidationPolicy;
}

function checkGate(
  gate: unknown,
  path: string,
  source: string,
  issue: (path: string, message: string) => void,
): void {
  if (!isObject(gate)) {
    issue(path, `expected a gate object, got ${describeValue(gate)}`);
    return;
  }
  const bounds = (keys: readonly string[]) => {
    const present = keys.filter((k) => gate[k] !== undefined);
    for (const k of present) {
      if (typeof gate[k] !== "number" || !Number.isFinite(gate[k]))
        issue(`${path}.${k}`, `expected a number, got ${describeValue(gate[k])}`);
    }
    if (present.length === 0) issue(path, `needs a threshold: one of ${keys.join(", ")}`);
  };
  const unknownKeys = (allowed: readonly string[]) => {
    for (const key of Object.keys(gate)) {
      if (!allowed.includes(key)) issue(`${path}.${key}`, `unknown key${hint(key, allowed)}`);
    }
  };
  if (gate.bias !== undefined) {
    if (!BIAS_METRIC_NAMES.includes(gate.bias as BiasMetricName)) {
      throw unknownMetric(source, `${path}.bias`, gate.bias, BIAS_METRIC_NAMES);
    }
    const by = gate.by;
    const columns = typeof by === "string" ? [by] : Array.isArray(by) ? by : [];
    if (columns.length === 0 || columns.some((c) => typeof c !== "string"))
      issue(`${path}.by`, `expected a column name or a list of them, got ${describeValue(by)}`);
    if (
      gate.minGroupSize !== undefined &&
      !(Number.isInteger(gate.minGroupSize) && (gate.minGroupSize as number) >= 1)
    )
      issue(
        `${path}.minGroupSize`,
        `expected an integer ≥ 1, got ${describeValue(gate.minGroupSize)}`,
      );
    unknownKeys(["bias", "by", "min", "max", "minGroupSize"]);
    bounds(["min", "max"]);
    return;
  }
  if (gate.compare !== undefined) {
    if (gate.compare !== "champion")
      issue(`${path}.compare`, `expected "champion", got ${describeValue(gate.compare)}`);
    checkMetric(gate, path, source);
    unknownKeys([
      "compare",
      "metric",
      "minRelativeImprovement",
      "minAbsoluteImprovement",
      "recall",
      "precision",
      "k",
    ]);
    bounds(["minRelativeImprovement", "minAbsoluteImprovement"]);
    return;
  }
  if (gate.metric === undefined) {
    issue(path, 'expected one of "metric", "bias" or "compare"');
    return;
  }
  checkMetric(gate, path, source);
  unknownKeys(["metric", "min", "max", "recall", "precision", "k", "average"]);
  bounds(["min", "max"]);
}

function checkMetric(gate: Record<string, unknown>, path: string, source: string): void {
  try {
    resolveMetric(gate as unknown as MetricSpec);
  } catch (error) {
    if (error instanceof KeelError && error.code === "KEEL_ERR_UNKNOWN_METRIC") {
      throw unknownMetric(source, `${path}.metric`, gate.metric, undefined, error);
    }
    throw error;
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
