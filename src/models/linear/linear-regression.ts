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
} from "../../core/index.js";
import { requireRows } from "../../transform/index.js";
import { checkSampleWeight, regressionTarget, requireTarget } from "../target.js";
import { designMatrix, recordVector } from "./design-matrix.js";
import { checkCoefficients, checkNames } from "./linear-state-checks.js";

/**
 * Parameters of {@link LinearRegression}.
 *
 * @example
 * ```ts
 * linearRegressionParams.parse({ alpha: 1 }); // ridge with strength 1
 * ```
 */
export const linearRegressionParams = declareParams("LinearRegression", {
  alpha: param.number({
    default: 0,
    min: 0,
    doc: "L2 (ridge) strength; 0 is ordinary least squares.",
    aliases: ["lambda", "l2"],
    search: { low: 1e-4, high: 100, log: true },
  }),
  fitIntercept: param.boolean({
    default: true,
    doc: "Learn an unpenalised intercept.",
    aliases: ["fit_intercept"],
  }),
});

type LinearParams = ParamsOf<typeof linearRegressionParams.specs>;

/** Solves the symmetric positive-definite system `a x = b` by Cholesky; undefined if not PD. */
function choleskySolve(a: Float64Array, b: Float64Array, p: number): Float64Array | undefined {
  const l = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * p + j]!;
      for (let k = 0; k < j; k++) s -= l[i * p + k]! * l[j * p + k]!;
      if (i === j) {
        if (!(s > 1e-12 * Math.abs(a[i * p + i]!) && s > 0)) return undefined;
        l[i * p + i] = Math.sqrt(s);
      } else l[i * p + j] = s / l[j * p + j]!;
    }
  }
  const y = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * p + k]! * y[k]!;
    y[i] = s / l[i * p + i]!;
  }
  const x = new Float64Array(p);
  for (let i = p - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < p; k++) s -= l[k * p + i]! * x[k]!;
    x[i] = s / l[i * p + i]!;
  }
  return x;
}

/**
 * Least squares with optional ridge penalty, solved exactly from the normal equations on
 * centred data (the intercept is not penalised), as scikit-learn's Ridge / LinearRegression.
 *
 * @example
 * ```ts
 * const model = new LinearRegression({ alpha: 1 }).fit(numericFrame, frame.column("charges"));
 * model.predict(numericFrame);
 * ```
 */
export class LinearRegression implements Estimator<FittedLinearRegression> {
  readonly type = "LinearRegression";
  readonly params: LinearParams;

  constructor(
    params:
      | ParamsInput<typeof linearRegressionParams.specs>
      | Readonly<Record<string, unknown>> = {},
  ) {
    this.params = linearRegressionParams.parse(params);
  }

  /** A new estimator with some params replaced. */
  withParams(patch: Readonly<Record<string, unknown>>): LinearRegression {
    return new LinearRegression({ ...this.params, ...patch });
  }

  /** Fits on a numeric frame and numeric target. */
  fit(x: Frame, y?: Column, options: FitOptions = {}): FittedLinearRegression {
    requireRows(x, this.type);
    const target = regressionTarget(requireTarget(y));
    const names = x.columnNames;
    const { values, nRows, nFeatures: p } = designMatrix(x, names, this.type);
    const w = checkSampleWeight(options.sampleWeight, nRows);
    let sw = 0;
    const meanX = new Float64Array(p);
    let meanY = 0;
    if (this.params.fitIntercept) {
      for (let i = 0; i < nRows; i++) {
        sw += w[i]!;
        meanY += w[i]! * target[i]!;
        for (let j = 0; j < p; j++) meanX[j] = meanX[j]! + w[i]! * values[i * p + j]!;
      }
      meanY /= sw;
      for (let j = 0; j < p; j++) meanX[j] = meanX[j]! / sw;
    }
    const xtx = new Float64Array(p * p);
    const xty = new Float64Array(p);
    for (let i = 0; i < nRows; i++) {
      const wi = w[i]!;
      const r = target[i]! - meanY;
      for (let j = 0; j < p; j++) {
        const xj = values[i * p + j]! - meanX[j]!;
        xty[j] = xty[j]! + wi * xj * r;
        for (let k = 0; k <= j; k++)
          xtx[j * p + k] = xtx[j * p + k]! + wi * xj * (values[i * p + k]! - meanX[k]!);
      }
    }
    for (let j = 0; j < p; j++) {
      xtx[j * p + j] = xtx[j * p + j]! + this.params.alpha;
      for (let k = 0; k < j; k++) xtx[k * p + j] = xtx[j * p + k]!;
    }
    let coef = p > 0 ? choleskySolve(xtx, xty, p) : new Float64Array(0);
    if (coef === undefined) {
      // Collinear columns (one-hot groups next to an intercept): a vanishing ridge picks the
      // minimum-norm least-squares solution, as scikit-learn's lstsq-based fit does.
      let trace = 0;
      for (let j = 0; j < p; j++) trace += xtx[j * p + j]!;
      for (let j = 0; j < p; j++) xtx[j * p + j] = xtx[j * p + j]! + 1e-9 * (trace / p);
      coef = choleskySolve(xtx, xty, p);
      if (coef === undefined) {
        throw new KeelError(
          "KEEL_ERR_INVALID_ARGUMENT",
          "LinearRegression: X'X is singular even with a tiny ridge; set alpha > 0 or drop constant columns.",
        );
      }
    }
    let intercept = meanY;
    for (let j = 0; j < p; j++) intercept -= coef[j]! * meanX[j]!;
    return new FittedLinearRegression({
      featureNamesIn: names,
      coef,
      intercept,
      params: this.params,
    });
  }
}

/**
 * A fitted linear regression.
 *
 * @example
 * ```ts
 * fitted.coef; fitted.intercept; fitted.predict(frame);
 * ```
 */
export class FittedLinearRegression implements FittedModel {
  readonly type = "LinearRegression";
  readonly task = "regression" as const;
  readonly classes: readonly string[] = [];
  readonly featureNamesIn: readonly string[];
  readonly coef: Float64Array;
  readonly intercept: number;
  readonly params: LinearParams;

  constructor(parts: {
    featureNamesIn: readonly string[];
    coef: Float64Array;
    intercept: number;
    params: LinearParams;
  }) {
    this.featureNamesIn = parts.featureNamesIn;
    this.coef = parts.coef;
    this.intercept = parts.intercept;
    this.params = parts.params;
  }

  /** Predicted values. */
  predict(x: Frame): Float64Array {
    const { values, nRows, nFeatures: p } = designMatrix(x, this.featureNamesIn, this.type);
    const out = new Float64Array(nRows);
    for (let i = 0; i < nRows; i++) {
      let s = this.intercept;
      for (let j = 0; j < p; j++) s += this.coef[j]! * values[i * p + j]!;
      out[i] = s;
    }
    return out;
  }

  /**
   * One record's predicted value without building a frame (serving's path), as a one-element
   * array like the GBDT regressor's record path; the same number {@link predict} gives.
   *
   * @example
   * ```ts
   * fitted.predictRecord({ tenure: 3 }); // Float64Array [41.2]
   * ```
   */
  predictRecord(record: FrameRecord): Float64Array {
    const p = this.featureNamesIn.length;
    const x = recordVector(record, this.featureNamesIn, this.type, new Float64Array(p));
    let s = this.intercept;
    for (let j = 0; j < p; j++) s += this.coef[j]! * x[j]!;
    return Float64Array.of(s);
  }

  /** Regression models have no probabilities: always an error. */
  predictProba(): Float64Array {
    throw new KeelError(
      "KEEL_ERR_UNSUPPORTED",
      "predictProba needs a classifier; LinearRegression is a regression model.",
    );
  }

  /** Serialisable state. */
  toState(): EstimatorState {
    return {
      type: this.type,
      version: 1,
      params: { alpha: this.params.alpha, fitIntercept: this.params.fitIntercept },
      state: {
        featureNamesIn: [...this.featureNamesIn],
        coef: this.coef,
        intercept: this.intercept,
      },
    };
  }
}

/**
 * Rebuilds a {@link FittedLinearRegression} from its state.
 *
 * @example
 * ```ts
 * const model = loadLinearRegression(state);
 * ```
 */
export function loadLinearRegression(state: EstimatorState): FittedLinearRegression {
  const s = state.state as { featureNamesIn?: unknown; coef?: unknown; intercept?: unknown };
  if (
    !(s.coef instanceof Float64Array) ||
    !Array.isArray(s.featureNamesIn) ||
    typeof s.intercept !== "number"
  ) {
    throw new KeelError(
      "KEEL_ERR_STATE_INVALID",
      "$.state: expected featureNamesIn, Float64Array coef and a numeric intercept.",
    );
  }
  const featureNamesIn = checkNames(s.featureNamesIn, "$.state.featureNamesIn");
  checkCoefficients(s.coef, featureNamesIn.length, "$.state.coef", "one per input column");
  checkCoefficients(Float64Array.of(s.intercept), 1, "$.state.intercept", "one intercept");
  return new FittedLinearRegression({
    featureNamesIn,
    coef: s.coef,
    intercept: s.intercept,
    params: linearRegressionParams.parse(state.params),
  });
}
