import { closestNames, describeValue, KeelError } from "../../core/index.js";
import { binaryLabels, type Predictions } from "../predictions.js";
import { liftAt, precisionAtRecall, recallAtPrecision, thresholdAtRecall } from "./business.js";
import {
  accuracy,
  balancedAccuracy,
  f1Score,
  matthewsCorrcoef,
  precision,
  recall,
} from "./classification.js";
import { type CostMatrix, expectedCost } from "./expected-cost.js";
import { brierScore, expectedCalibrationError, logLoss } from "./probabilistic.js";
import { averagePrecision, prAuc, rocAuc } from "./ranking.js";
import { mae, mape, r2, rmse } from "./regression.js";

/**
 * A metric named in a policy, a CV call or the CLI: a name, or an object with the name under
 * `metric` and its parameters (`{ metric: "precisionAtRecall", recall: 0.8 }`).
 *
 * @example
 * ```ts
 * const specs: MetricSpec[] = ["rocAuc", { metric: "liftAt", k: 0.05 }];
 * ```
 */
export type MetricSpec =
  | string
  | {
      readonly metric: string;
      readonly recall?: number;
      readonly precision?: number;
      readonly k?: number;
      readonly average?: "micro" | "macro" | "weighted";
      readonly multiClass?: "ovr" | "ovo";
      /** expectedCost's costs by true class, then predicted class. */
      readonly costMatrix?: CostMatrix;
    };

type MetricOptions = Partial<Exclude<MetricSpec, string>>;

/**
 * A metric ready to compute on {@link Predictions}.
 *
 * @example
 * ```ts
 * const { key, compute } = resolveMetric("logLoss");
 * ```
 */
export interface NamedMetric {
  /** The display key, with parameters: "precisionAtRecall@0.8". */
  readonly key: string;
  readonly name: string;
  /** True for scores (AUC), false for losses (logLoss, rmse). */
  readonly higherIsBetter: boolean;
  compute(predictions: Predictions): number;
}

type Kind = "binary-score" | "proba" | "label" | "regression";

interface Definition {
  readonly kind: Kind;
  readonly higherIsBetter: boolean;
  readonly param?: { readonly name: "recall" | "precision" | "k"; readonly default: number };
  /** Takes `average` (and, for rocAuc, `multiClass`). */
  readonly averaged?: boolean;
  /** Needs a `costMatrix`. */
  readonly costs?: boolean;
}

/**
 * What a metric needs and accepts, for checking a policy before anything is computed.
 *
 * @example
 * ```ts
 * metricInfo("precisionAtRecall"); // { tasks: ["binary"], param: "recall", higherIsBetter: true, … }
 * ```
 */
export interface MetricInfo {
  readonly name: string;
  readonly higherIsBetter: boolean;
  /** The tasks the metric is defined for. */
  readonly tasks: readonly ("binary" | "multiclass" | "regression")[];
  /** Its one numeric parameter, if any ("recall", "precision", "k"). */
  readonly param?: "recall" | "precision" | "k";
  /** Whether it takes `average` (and `multiClass` for rocAuc). */
  readonly averaged: boolean;
  /** Whether it needs a `costMatrix`. */
  readonly costs: boolean;
}

const DEFINITIONS: Readonly<Record<string, Definition>> = {
  rocAuc: { kind: "proba", higherIsBetter: true, averaged: true },
  averagePrecision: { kind: "binary-score", higherIsBetter: true },
  prAuc: { kind: "binary-score", higherIsBetter: true },
  logLoss: { kind: "proba", higherIsBetter: false },
  brierScore: { kind: "binary-score", higherIsBetter: false },
  expectedCalibrationError: { kind: "binary-score", higherIsBetter: false },
  precisionAtRecall: {
    kind: "binary-score",
    higherIsBetter: true,
    param: { name: "recall", default: 0.8 },
  },
  recallAtPrecision: {
    kind: "binary-score",
    higherIsBetter: true,
    param: { name: "precision", default: 0.8 },
  },
  thresholdAtRecall: {
    kind: "binary-score",
    higherIsBetter: true,
    param: { name: "recall", default: 0.8 },
  },
  liftAt: { kind: "binary-score", higherIsBetter: true, param: { name: "k", default: 0.1 } },
  accuracy: { kind: "label", higherIsBetter: true },
  balancedAccuracy: { kind: "label", higherIsBetter: true },
  precision: { kind: "label", higherIsBetter: true, averaged: true },
  recall: { kind: "label", higherIsBetter: true, averaged: true },
  f1Score: { kind: "label", higherIsBetter: true, averaged: true },
  matthewsCorrcoef: { kind: "label", higherIsBetter: true },
  expectedCost: { kind: "label", higherIsBetter: false, costs: true },
  rmse: { kind: "regression", higherIsBetter: false },
  mae: { kind: "regression", higherIsBetter: false },
  r2: { kind: "regression", higherIsBetter: true },
  mape: { kind: "regression", higherIsBetter: false },
};

/**
 * Every metric name {@link resolveMetric} knows.
 *
 * @example
 * ```ts
 * METRIC_NAMES.includes("rocAuc"); // true
 * ```
 */
export const METRIC_NAMES: readonly string[] = Object.keys(DEFINITIONS);

/**
 * What the metric `name` needs and accepts; undefined for an unknown name.
 *
 * @example
 * ```ts
 * metricInfo("rmse")?.tasks; // ["regression"]
 * ```
 */
export function metricInfo(name: string): MetricInfo | undefined {
  const definition = Object.hasOwn(DEFINITIONS, name) ? DEFINITIONS[name] : undefined;
  if (definition === undefined) return undefined;
  const tasks: MetricInfo["tasks"] =
    definition.kind === "regression"
      ? ["regression"]
      : definition.kind === "binary-score"
        ? ["binary"]
        : ["binary", "multiclass"];
  return {
    name,
    higherIsBetter: definition.higherIsBetter,
    tasks,
    ...(definition.param ? { param: definition.param.name } : {}),
    averaged: definition.averaged === true,
    costs: definition.costs === true,
  };
}

/**
 * Turns a metric name or spec into a metric over {@link Predictions}. Unknown names are a
 * `KEEL_ERR_UNKNOWN_METRIC` error with did-you-mean suggestions; `where` (a JSON path or flag)
 * is put in front of the message.
 *
 * @example
 * ```ts
 * const m = resolveMetric({ metric: "precisionAtRecall", recall: 0.8 });
 * m.key;                 // "precisionAtRecall@0.8"
 * m.compute(predictions); // a number
 * ```
 */
export function resolveMetric(spec: MetricSpec, where?: string): NamedMetric {
  const name = typeof spec === "string" ? spec : spec.metric;
  const prefix = where ? `${where}: ` : "";
  const definition =
    typeof name === "string" && Object.hasOwn(DEFINITIONS, name) ? DEFINITIONS[name] : undefined;
  if (definition === undefined) {
    const suggestions = typeof name === "string" ? closestNames(name, METRIC_NAMES) : [];
    const hint =
      suggestions.length > 0
        ? ` Did you mean ${suggestions.map((s) => `'${s}'`).join(" or ")}?`
        : ` Known metrics: ${METRIC_NAMES.join(", ")}.`;
    throw new KeelError(
      "KEEL_ERR_UNKNOWN_METRIC",
      `${prefix}unknown metric ${describeValue(name)}.${hint}`,
      { details: { metric: name, suggestions, where } },
    );
  }
  const options: MetricOptions = typeof spec === "string" ? {} : spec;
  const param = definition.param;
  const value = param ? (options[param.name] ?? param.default) : undefined;
  const suffix =
    value !== undefined
      ? `@${value}`
      : options.average || options.multiClass
        ? `(${[options.multiClass, options.average].filter(Boolean).join(",")})`
        : "";
  return {
    key: `${name}${suffix}`,
    name,
    higherIsBetter: definition.higherIsBetter,
    compute: (p) => computeMetric(name, definition, p, options, value),
  };
}

function computeMetric(
  name: string,
  definition: Definition,
  p: Predictions,
  options: MetricOptions,
  value: number | undefined,
): number {
  const needs = definition.kind === "regression" ? "regression" : "classification";
  const isRegression = p.task === "regression";
  if (
    (needs === "regression") !== isRegression ||
    (definition.kind === "binary-score" && p.task !== "binary")
  ) {
    const wanted =
      definition.kind === "binary-score"
        ? "a binary classifier"
        : needs === "regression"
          ? "a regression model"
          : "a classifier";
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `metric '${name}' needs ${wanted}; this model's task is ${p.task}.`,
      { details: { metric: name, task: p.task } },
    );
  }
  if (definition.kind === "regression") {
    const fn = { rmse, mae, r2, mape }[name as "rmse"];
    return fn(p.yTrue, p.predicted);
  }
  if (definition.kind === "label") {
    const average = options.average ?? (p.task === "binary" ? "binary" : "macro");
    const [yTrue, yPred] =
      p.task === "binary"
        ? [binaryLabels(p), binaryLabels(p, p.predicted)]
        : [p.yTrue, p.predicted];
    if (name === "expectedCost") {
      // Costs are named by class, so they read the class indices, not the 0/1 positive labels.
      return expectedCost(p.yTrue, p.predicted, p.classes, options.costMatrix ?? {});
    }
    switch (name) {
      case "accuracy":
        return accuracy(yTrue, yPred);
      case "balancedAccuracy":
        return balancedAccuracy(yTrue, yPred);
      case "matthewsCorrcoef":
        return matthewsCorrcoef(yTrue, yPred);
      case "precision":
        return precision(yTrue, yPred, { average });
      case "recall":
        return recall(yTrue, yPred, { average });
      default:
        return f1Score(yTrue, yPred, { average });
    }
  }
  if (p.task === "binary") {
    const y = binaryLabels(p);
    const s = p.score!;
    switch (name) {
      case "rocAuc":
        return rocAuc(y, s);
      case "logLoss":
        return logLoss(y, s);
      case "averagePrecision":
        return averagePrecision(y, s);
      case "prAuc":
        return prAuc(y, s);
      case "brierScore":
        return brierScore(y, s);
      case "expectedCalibrationError":
        return expectedCalibrationError(y, s);
      case "precisionAtRecall":
        return precisionAtRecall(y, s, value!);
      case "recallAtPrecision":
        return recallAtPrecision(y, s, value!);
      case "thresholdAtRecall":
        return thresholdAtRecall(y, s, value!);
      default:
        return liftAt(y, s, value!);
    }
  }
  if (name === "logLoss") return logLoss(p.yTrue, p.proba!);
  return rocAuc(p.yTrue, p.proba!, {
    multiClass: options.multiClass ?? "ovr",
    average: options.average ?? "macro",
  });
}
