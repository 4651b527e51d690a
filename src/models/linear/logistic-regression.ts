import {
  type Column,
  declareParams,
  type Estimator,
  type EstimatorState,
  type FitOptions,
  type FittedModel,
  type Frame,
  type FrameRecord,
  KeelError,
  type ParamsInput,
  type ParamsOf,
  param,
  type Task,
} from "../../core/index.js";
import { requireRows } from "../../transform/index.js";
import { checkSampleWeight, encodeClassTarget, requireTarget } from "../target.js";
import { designMatrix, recordVector } from "./design-matrix.js";
import { minimizeLbfgs } from "./lbfgs.js";
import { checkCoefficients, checkNames } from "./linear-state-checks.js";

/**
 * Parameters of {@link LogisticRegression}, named as scikit-learn's (camelCase, `C` accepted).
 *
 * @example
 * ```ts
 * logisticRegressionParams.parse({ C: 0.5 }); // { c: 0.5, maxIter: 100, tol: 1e-4, fitIntercept: true }
 * ```
 */
export const logisticRegressionParams = declareParams("LogisticRegression", {
  c: param.number({
    default: 1,
    min: 0,
    minExclusive: true,
    doc: "Inverse L2 regularisation strength, as scikit-learn's C.",
    aliases: ["C"],
    search: { low: 1e-3, high: 100, log: true },
  }),
  maxIter: param.int({ default: 100, min: 1, doc: "L-BFGS iterations.", aliases: ["max_iter"] }),
  tol: param.number({
    default: 1e-4,
    min: 0,
    minExclusive: true,
    doc: "Stop when the largest gradient entry is below this.",
  }),
  fitIntercept: param.boolean({
    default: true,
    doc: "Learn an unpenalised intercept.",
    aliases: ["fit_intercept"],
  }),
  positiveClass: param.optional(
    param.string({
      default: "",
      doc: "The positive class of a binary target.",
      aliases: ["positive"],
    }),
  ),
});

type LogisticParams = ParamsOf<typeof logisticRegressionParams.specs>;

/**
 * L2-regularised logistic regression fitted with L-BFGS: one coefficient vector for binary
 * targets, multinomial (softmax) for more classes, as scikit-learn's lbfgs solver. Needs
 * numeric input: put it at the end of a Pipeline with imputation, scaling and one-hot encoding.
 *
 * @example
 * ```ts
 * const model = new LogisticRegression({ c: 1 }).fit(numericFrame, frame.column("churn"));
 * model.predictProba(numericFrame);
 * ```
 */
export class LogisticRegression implements Estimator<FittedLogisticRegression> {
  readonly type = "LogisticRegression";
  readonly params: LogisticParams;

  constructor(
    params:
      | ParamsInput<typeof logisticRegressionParams.specs>
      | Readonly<Record<string, unknown>> = {},
  ) {
    this.params = logisticRegressionParams.parse(params);
  }

  /** A new estimator with some params replaced. */
  withParams(patch: Readonly<Record<string, unknown>>): LogisticRegression {
    return new LogisticRegression({ ...this.params, ...patch });
  }

  /** Fits on a numeric frame and class labels. */
  fit(x: Frame, y?: Column, options: FitOptions = {}): FittedLogisticRegression {
    requireRows(x, this.type);
    const target = encodeClassTarget(requireTarget(y), this.params.positiveClass);
    const names = x.columnNames;
    const { values, nRows, nFeatures: p } = designMatrix(x, names, this.type);
    const weight = checkSampleWeight(options.sampleWeight, nRows);
    const nClasses = target.classes.length;
    const K = nClasses === 2 ? 1 : nClasses;
    const width = p + 1;
    const c = this.params.c;
    const fitIntercept = this.params.fitIntercept;
    const z = new Float64Array(K);
    // Loss: 0.5 ||W||² + C Σ w_i loss_i, intercepts unpenalised (scikit-learn's formulation).
    const objective = (w: Float64Array, grad: Float64Array): number => {
      let loss = 0;
      grad.fill(0);
      for (let k = 0; k < K; k++) {
        for (let j = 0; j < p; j++) {
          const wk = w[k * width + j]!;
          loss += 0.5 * wk * wk;
          grad[k * width + j] = wk;
        }
      }
      for (let i = 0; i < nRows; i++) {
        const base = i * p;
        for (let k = 0; k < K; k++) {
          let s = fitIntercept ? w[k * width + p]! : 0;
          for (let j = 0; j < p; j++) s += w[k * width + j]! * values[base + j]!;
          z[k] = s;
        }
        const wi = c * weight[i]!;
        const label = target.y[i]!;
        if (K === 1) {
          const s = z[0]!;
          // log(1 + e^s) - y s, computed stably.
          loss +=
            wi * ((s > 0 ? s + Math.log1p(Math.exp(-s)) : Math.log1p(Math.exp(s))) - label * s);
          const d = wi * (1 / (1 + Math.exp(-s)) - label);
          for (let j = 0; j < p; j++) grad[j] = grad[j]! + d * values[base + j]!;
          if (fitIntercept) grad[p] = grad[p]! + d;
          continue;
        }
        let max = Number.NEGATIVE_INFINITY;
        for (let k = 0; k < K; k++) max = Math.max(max, z[k]!);
        let sum = 0;
        for (let k = 0; k < K; k++) sum += Math.exp(z[k]! - max);
        const logSum = max + Math.log(sum);
        loss += wi * (logSum - z[label]!);
        for (let k = 0; k < K; k++) {
          const d = wi * (Math.exp(z[k]! - logSum) - (k === label ? 1 : 0));
          for (let j = 0; j < p; j++)
            grad[k * width + j] = grad[k * width + j]! + d * values[base + j]!;
          if (fitIntercept) grad[k * width + p] = grad[k * width + p]! + d;
        }
      }
      return loss;
    };
    const result = minimizeLbfgs(objective, new Float64Array(K * width), {
      maxIter: this.params.maxIter,
      tol: this.params.tol,
    });
    if (!result.converged) {
      options.logger?.warn(
        `LogisticRegression did not converge in ${this.params.maxIter} iterations; scale the features or raise maxIter.`,
      );
    }
    return new FittedLogisticRegression({
      classes: target.classes,
      featureNamesIn: names,
      weights: result.w,
      params: this.params,
    });
  }
}

/**
 * A fitted logistic regression: `coef` row per class (one row for binary), `intercept`.
 *
 * @example
 * ```ts
 * fitted.coef(); // [[0.8, -1.2, …]]
 * ```
 */
export class FittedLogisticRegression implements FittedModel {
  readonly type = "LogisticRegression";
  readonly task: Task;
  readonly classes: readonly string[];
  readonly featureNamesIn: readonly string[];
  /** Row-major `(K) × (p + 1)`: coefficients then intercept, K = 1 for binary. */
  readonly weights: Float64Array;
  readonly params: LogisticParams;

  constructor(parts: {
    classes: readonly string[];
    featureNamesIn: readonly string[];
    weights: Float64Array;
    params: LogisticParams;
  }) {
    this.classes = parts.classes;
    this.task = parts.classes.length === 2 ? "binary" : "multiclass";
    this.featureNamesIn = parts.featureNamesIn;
    this.weights = parts.weights;
    this.params = parts.params;
  }

  /** Coefficients per class (one row for binary), as scikit-learn's `coef_`. */
  coef(): number[][] {
    const p = this.featureNamesIn.length;
    const K = this.weights.length / (p + 1);
    return Array.from({ length: K }, (_, k) =>
      Array.from(this.weights.subarray(k * (p + 1), k * (p + 1) + p)),
    );
  }

  /** Raw scores `nRows × K` (K = 1 for binary). */
  decisionFunction(x: Frame): Float64Array {
    const { values, nRows, nFeatures: p } = designMatrix(x, this.featureNamesIn, this.type);
    const K = this.weights.length / (p + 1);
    const out = new Float64Array(nRows * K);
    for (let i = 0; i < nRows; i++) {
      for (let k = 0; k < K; k++) {
        let s = this.weights[k * (p + 1) + p]!;
        for (let j = 0; j < p; j++) s += this.weights[k * (p + 1) + j]! * values[i * p + j]!;
        out[i * K + k] = s;
      }
    }
    return out;
  }

  /** Probabilities, row-major `nRows × classes.length`. */
  predictProba(x: Frame): Float64Array {
    const z = this.decisionFunction(x);
    const n = x.nRows;
    const k = this.classes.length;
    const out = new Float64Array(n * k);
    if (k === 2) {
      for (let i = 0; i < n; i++) {
        const p = 1 / (1 + Math.exp(-z[i]!));
        out[2 * i] = 1 - p;
        out[2 * i + 1] = p;
      }
      return out;
    }
    for (let i = 0; i < n; i++) {
      let max = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < k; c++) max = Math.max(max, z[i * k + c]!);
      let sum = 0;
      for (let c = 0; c < k; c++) {
        out[i * k + c] = Math.exp(z[i * k + c]! - max);
        sum += out[i * k + c]!;
      }
      for (let c = 0; c < k; c++) out[i * k + c] = out[i * k + c]! / sum;
    }
    return out;
  }

  /**
   * One record's class probabilities without building a frame (serving's path); the same
   * numbers as {@link predictProba} gives for that row.
   *
   * @example
   * ```ts
   * fitted.predictRecord({ tenure: 3, charges: 29.85 }); // Float64Array [0.7, 0.3]
   * ```
   */
  predictRecord(record: FrameRecord): Float64Array {
    const p = this.featureNamesIn.length;
    const x = recordVector(record, this.featureNamesIn, this.type, new Float64Array(p));
    const K = this.weights.length / (p + 1);
    const k = this.classes.length;
    const z = new Float64Array(K);
    for (let c = 0; c < K; c++) {
      let s = this.weights[c * (p + 1) + p]!;
      for (let j = 0; j < p; j++) s += this.weights[c * (p + 1) + j]! * x[j]!;
      z[c] = s;
    }
    if (k === 2) {
      const positive = 1 / (1 + Math.exp(-z[0]!));
      return Float64Array.of(1 - positive, positive);
    }
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < k; c++) max = Math.max(max, z[c]!);
    const out = new Float64Array(k);
    let sum = 0;
    for (let c = 0; c < k; c++) {
      out[c] = Math.exp(z[c]! - max);
      sum += out[c]!;
    }
    for (let c = 0; c < k; c++) out[c] = out[c]! / sum;
    return out;
  }

  /** Class indices into `classes`. */
  predict(x: Frame): Float64Array {
    const proba = this.predictProba(x);
    const k = this.classes.length;
    return Float64Array.from({ length: x.nRows }, (_, i) => {
      let best = 0;
      for (let c = 1; c < k; c++) if (proba[i * k + c]! > proba[i * k + best]!) best = c;
      return best;
    });
  }

  /** Serialisable state. */
  toState(): EstimatorState {
    const params: Record<string, number | boolean | string> = {
      c: this.params.c,
      maxIter: this.params.maxIter,
      tol: this.params.tol,
      fitIntercept: this.params.fitIntercept,
    };
    if (this.params.positiveClass !== undefined) params.positiveClass = this.params.positiveClass;
    return {
      type: this.type,
      version: 1,
      params,
      state: {
        classes: [...this.classes],
        featureNamesIn: [...this.featureNamesIn],
        weights: this.weights,
      },
    };
  }
}

/**
 * Rebuilds a {@link FittedLogisticRegression} from its state.
 *
 * @example
 * ```ts
 * const model = loadLogisticRegression(state);
 * ```
 */
export function loadLogisticRegression(state: EstimatorState): FittedLogisticRegression {
  const s = state.state as { classes?: unknown; featureNamesIn?: unknown; weights?: unknown };
  if (
    !(s.weights instanceof Float64Array) ||
    !Array.isArray(s.classes) ||
    !Array.isArray(s.featureNamesIn)
  ) {
    throw new KeelError(
      "KEEL_ERR_STATE_INVALID",
      "$.state: expected classes, featureNamesIn and Float64Array weights.",
    );
  }
  const classes = checkNames(s.classes, "$.state.classes");
  if (classes.length < 2)
    throw new KeelError(
      "KEEL_ERR_STATE_INVALID",
      `$.state.classes: a classifier needs 2 or more classes, this one lists ${classes.length}.`,
    );
  const featureNamesIn = checkNames(s.featureNamesIn, "$.state.featureNamesIn");
  // Binary models keep one row of weights (the positive class's), others one per class.
  const rows = classes.length === 2 ? 1 : classes.length;
  checkCoefficients(
    s.weights,
    rows * (featureNamesIn.length + 1),
    "$.state.weights",
    `${rows} row(s) of ${featureNamesIn.length} weights and an intercept`,
  );
  return new FittedLogisticRegression({
    classes,
    featureNamesIn,
    weights: s.weights,
    params: logisticRegressionParams.parse(state.params),
  });
}
