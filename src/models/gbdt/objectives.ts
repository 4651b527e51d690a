/**
 * Loss functions. As in LightGBM, an objective only supplies gradients and hessians (and the
 * starting score); the tree learner never knows which loss it is fitting.
 */
export interface Objective {
  readonly name: ObjectiveName;
  /** Number of raw scores per row: the number of classes for softmax, otherwise 1. */
  readonly nOutputs: number;
  /** The constant starting score per output, from the weighted labels. */
  initScore(y: Float64Array, weight: Float64Array): Float64Array;
  /**
   * Writes interleaved (gradient, hessian) pairs for output `k` into `gh[k]` (length 2n), from
   * row-major scores `score[i * nOutputs + k]`.
   */
  gradients(score: Float64Array, y: Float64Array, weight: Float64Array, gh: Float64Array[]): void;
  /** Optional leaf refit on residuals (absolute error uses the weighted median, as LightGBM). */
  renewLeaf?(rows: Uint32Array, y: Float64Array, weight: Float64Array, score: Float64Array): number;
}

/** The built-in objective names. */
export type ObjectiveName =
  | "binary"
  | "softmax"
  | "squaredError"
  | "absoluteError"
  | "huber"
  | "poisson";

const EPS = 1e-16;

function weightedMean(y: Float64Array, w: Float64Array): number {
  let s = 0;
  let sw = 0;
  for (let i = 0; i < y.length; i++) {
    s += y[i]! * w[i]!;
    sw += w[i]!;
  }
  return sw > 0 ? s / sw : 0;
}

/** Weighted median of `values` (LightGBM's percentile with alpha 0.5, lower-middle on ties). */
function weightedMedian(values: Float64Array, w: Float64Array): number {
  const order = Array.from(values.keys()).sort((a, b) => values[a]! - values[b]! || a - b);
  let total = 0;
  for (let i = 0; i < w.length; i++) total += w[i]!;
  let acc = 0;
  for (const i of order) {
    acc += w[i]!;
    if (acc >= total / 2) return values[i]!;
  }
  return 0;
}

const binary: Objective = {
  name: "binary",
  nOutputs: 1,
  initScore(y, w) {
    const p = Math.min(Math.max(weightedMean(y, w), 1e-15), 1 - 1e-15);
    return Float64Array.of(Math.log(p / (1 - p)));
  },
  gradients(score, y, w, gh) {
    const out = gh[0]!;
    for (let i = 0; i < y.length; i++) {
      const p = 1 / (1 + Math.exp(-score[i]!));
      const wi = w[i]!;
      out[2 * i] = (p - y[i]!) * wi;
      out[2 * i + 1] = Math.max(p * (1 - p), EPS) * wi;
    }
  },
};

function softmax(nClasses: number): Objective {
  return {
    name: "softmax",
    nOutputs: nClasses,
    initScore: () => new Float64Array(nClasses),
    gradients(score, y, w, gh) {
      const p = new Float64Array(nClasses);
      for (let i = 0; i < y.length; i++) {
        const base = i * nClasses;
        let max = Number.NEGATIVE_INFINITY;
        for (let k = 0; k < nClasses; k++) max = Math.max(max, score[base + k]!);
        let sum = 0;
        for (let k = 0; k < nClasses; k++) {
          p[k] = Math.exp(score[base + k]! - max);
          sum += p[k]!;
        }
        const label = y[i]!;
        const wi = w[i]!;
        for (let k = 0; k < nClasses; k++) {
          const pk = p[k]! / sum;
          const out = gh[k]!;
          out[2 * i] = (pk - (label === k ? 1 : 0)) * wi;
          // XGBoost's softmax hessian: 2p(1-p), floored so leaves stay finite.
          out[2 * i + 1] = Math.max(2 * pk * (1 - pk), EPS) * wi;
        }
      }
    },
  };
}

const squaredError: Objective = {
  name: "squaredError",
  nOutputs: 1,
  initScore: (y, w) => Float64Array.of(weightedMean(y, w)),
  gradients(score, y, w, gh) {
    const out = gh[0]!;
    for (let i = 0; i < y.length; i++) {
      out[2 * i] = (score[i]! - y[i]!) * w[i]!;
      out[2 * i + 1] = w[i]!;
    }
  },
};

const absoluteError: Objective = {
  name: "absoluteError",
  nOutputs: 1,
  initScore: (y, w) => Float64Array.of(weightedMedian(y, w)),
  gradients(score, y, w, gh) {
    const out = gh[0]!;
    for (let i = 0; i < y.length; i++) {
      const d = score[i]! - y[i]!;
      out[2 * i] = (d > 0 ? 1 : d < 0 ? -1 : 0) * w[i]!;
      out[2 * i + 1] = w[i]!;
    }
  },
  renewLeaf(rows, y, w, score) {
    const residuals = new Float64Array(rows.length);
    const weights = new Float64Array(rows.length);
    for (let j = 0; j < rows.length; j++) {
      const r = rows[j]!;
      residuals[j] = y[r]! - score[r]!;
      weights[j] = w[r]!;
    }
    return weightedMedian(residuals, weights);
  },
};

function huber(delta: number): Objective {
  return {
    name: "huber",
    nOutputs: 1,
    initScore: (y, w) => Float64Array.of(weightedMean(y, w)),
    gradients(score, y, w, gh) {
      const out = gh[0]!;
      for (let i = 0; i < y.length; i++) {
        const d = score[i]! - y[i]!;
        out[2 * i] = (Math.abs(d) <= delta ? d : d > 0 ? delta : -delta) * w[i]!;
        out[2 * i + 1] = w[i]!;
      }
    },
  };
}

/** LightGBM's poisson_max_delta_step: inflates the hessian so early steps stay stable. */
const POISSON_MAX_DELTA_STEP = 0.7;

const poisson: Objective = {
  name: "poisson",
  nOutputs: 1,
  initScore: (y, w) => Float64Array.of(Math.log(Math.max(weightedMean(y, w), EPS))),
  gradients(score, y, w, gh) {
    const out = gh[0]!;
    for (let i = 0; i < y.length; i++) {
      const s = score[i]!;
      out[2 * i] = (Math.exp(s) - y[i]!) * w[i]!;
      out[2 * i + 1] = Math.exp(s + POISSON_MAX_DELTA_STEP) * w[i]!;
    }
  },
};

/**
 * The objective for a name (softmax needs the class count, Huber its delta).
 *
 * @example
 * ```ts
 * const loss = objectiveFor("softmax", { nClasses: 3, huberDelta: 1 });
 * loss.nOutputs; // 3
 * ```
 */
export function objectiveFor(
  name: ObjectiveName,
  options: { nClasses: number; huberDelta: number },
): Objective {
  switch (name) {
    case "binary":
      return binary;
    case "softmax":
      return softmax(options.nClasses);
    case "squaredError":
      return squaredError;
    case "absoluteError":
      return absoluteError;
    case "huber":
      return huber(options.huberDelta);
    case "poisson":
      return poisson;
  }
}

/**
 * Turns raw margins into predictions in place: sigmoid, softmax per row, exp for Poisson.
 *
 * @example
 * ```ts
 * transformMargins("binary", 1, Float64Array.of(0)); // [0.5]
 * ```
 */
export function transformMargins(
  name: ObjectiveName,
  nOutputs: number,
  margins: Float64Array,
): Float64Array {
  if (name === "binary") {
    for (let i = 0; i < margins.length; i++) margins[i] = 1 / (1 + Math.exp(-margins[i]!));
  } else if (name === "poisson") {
    for (let i = 0; i < margins.length; i++) margins[i] = Math.exp(margins[i]!);
  } else if (name === "softmax") {
    for (let base = 0; base < margins.length; base += nOutputs) {
      let max = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < nOutputs; k++) max = Math.max(max, margins[base + k]!);
      let sum = 0;
      for (let k = 0; k < nOutputs; k++) {
        const e = Math.exp(margins[base + k]! - max);
        margins[base + k] = e;
        sum += e;
      }
      for (let k = 0; k < nOutputs; k++) margins[base + k] = margins[base + k]! / sum;
    }
  }
  return margins;
}
