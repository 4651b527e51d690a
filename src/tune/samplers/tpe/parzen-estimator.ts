import type { Rng } from "../../../core/index.js";
import type { Distribution } from "../../distributions.js";
import { logGaussMass, sampleTruncatedNormal } from "./truncnorm.js";

const EPS = 1e-12;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
/** Multivariate kernels share one bandwidth: SIGMA0 · n^(-1/(d+4)) of each range (Scott-like). */
const SIGMA0_MAGNITUDE = 0.2;

/**
 * How a Parzen estimator is built (Optuna's `_ParzenEstimatorParameters`).
 *
 * @example
 * ```ts
 * const options: ParzenOptions = { priorWeight: 1, considerMagicClip: true, considerEndpoints: false, multivariate: true, bandwidth: "neighbor", normalizeKernels: true, weights: defaultWeights };
 * ```
 */
export interface ParzenOptions {
  readonly priorWeight: number;
  readonly considerMagicClip: boolean;
  readonly considerEndpoints: boolean;
  readonly multivariate: boolean;
  /**
   * Kernel widths of a multivariate estimator: `"scott"` is Optuna's one shared width
   * 0.2·n^(-1/(d+4)) of each range; `"neighbor"` gives every kernel, in every dimension, the
   * univariate rule's width (the larger gap to its sorted neighbours), so joint sampling keeps
   * the widths that adapt to where observations cluster.
   */
  readonly bandwidth: "scott" | "neighbor";
  /**
   * `true`: each continuous kernel is a proper density (its −log σ term included). `false`:
   * Optuna 3.1's `_truncnorm.logpdf`, which leaves −log σ out, so a narrow kernel peaks no
   * higher than a wide one and l(x)/g(x) favours well-covered regions less sharply.
   */
  readonly normalizeKernels: boolean;
  /** Weights of the n observations, oldest first. */
  readonly weights: (n: number) => Float64Array;
}

interface NumericKernel {
  readonly kind: "numeric";
  /** Bounds in the estimator's space (log space for log ranges, widened by half a step). */
  readonly low: number;
  readonly high: number;
  /** Grid step in that space, or undefined for continuous. */
  readonly q: number | undefined;
  readonly mus: Float64Array;
  readonly sigmas: Float64Array;
  /** Per kernel, log of its truncation mass (plus log sigma for continuous densities). */
  readonly logNormalizers: Float64Array;
  readonly distribution: Exclude<Distribution, { kind: "categorical" }>;
}

interface CategoricalKernel {
  readonly kind: "categorical";
  /** Row k: the probabilities of each choice under kernel k. */
  readonly probabilities: Float64Array[];
}

type Kernel = NumericKernel | CategoricalKernel;

/**
 * Observed internal values per parameter (categorical: choice index), one per trial.
 *
 * @example
 * ```ts
 * const observations: Observations = { x: Float64Array.of(0.1, 0.4) };
 * ```
 */
export type Observations = Readonly<Record<string, Float64Array>>;

/**
 * A mixture of one kernel per observation plus a prior kernel, over a search space: TPE's
 * l(x) (good trials) or g(x) (the rest). Numeric kernels are truncated normals, categorical
 * kernels put extra mass on the observed choice.
 *
 * @example
 * ```ts
 * const below = new ParzenEstimator({ x: Float64Array.of(0.1, 0.2) }, { x: floatDistribution("x", 0, 1) }, options);
 * const candidates = below.sample(rng, 24);
 * below.logPdf(candidates);
 * ```
 */
export class ParzenEstimator {
  readonly #names: string[];
  readonly #kernels: Kernel[];
  readonly #weights: Float64Array;

  /**
   * `weights`, when given, are the observations' weights (MOTPE's hypervolume shares) instead
   * of `options.weights(n)`.
   */
  constructor(
    observations: Observations,
    space: Readonly<Record<string, Distribution>>,
    options: ParzenOptions,
    weights?: Float64Array,
  ) {
    this.#names = Object.keys(space);
    const n = observations[this.#names[0] as string]?.length ?? 0;
    const w = weights ?? options.weights(n);
    this.#weights = new Float64Array(n + 1);
    this.#weights.set(w.subarray(0, n));
    this.#weights[n] = options.priorWeight;
    const total = this.#weights.reduce((s, v) => s + v, 0);
    for (let i = 0; i <= n; i++) (this.#weights[i] as number) /= total;
    const sigma0 =
      options.multivariate && options.bandwidth === "scott"
        ? SIGMA0_MAGNITUDE * Math.max(n, 1) ** (-1 / (this.#names.length + 4))
        : undefined;
    this.#kernels = this.#names.map((name) => {
      const d = space[name] as Distribution;
      const obs = observations[name] ?? new Float64Array(0);
      return d.kind === "categorical"
        ? categoricalKernel(obs, d.choices.length, options.priorWeight)
        : numericKernel(obs, d, options, sigma0);
    });
  }

  /**
   * Draws `size` points; returns internal values per parameter.
   */
  sample(rng: Rng, size: number): Record<string, Float64Array> {
    const out: Record<string, Float64Array> = {};
    for (const name of this.#names) out[name] = new Float64Array(size);
    const cumulative = cumulate(this.#weights);
    for (let s = 0; s < size; s++) {
      const k = pick(cumulative, rng.next());
      this.#kernels.forEach((kernel, j) => {
        const column = out[this.#names[j] as string] as Float64Array;
        if (kernel.kind === "categorical") {
          column[s] = pick(cumulate(kernel.probabilities[k] as Float64Array), rng.next());
        } else {
          const x = sampleTruncatedNormal(
            rng,
            kernel.mus[k] as number,
            kernel.sigmas[k] as number,
            kernel.low,
            kernel.high,
          );
          column[s] = fromEstimatorSpace(x, kernel);
        }
      });
    }
    return out;
  }

  /** log of the mixture density (mass, for grid parameters) at each point. */
  logPdf(points: Readonly<Record<string, Float64Array>>): Float64Array {
    const size = points[this.#names[0] as string]?.length ?? 0;
    const nk = this.#weights.length;
    const out = new Float64Array(size);
    const terms = new Float64Array(nk);
    const logWeights = this.#weights.map(Math.log);
    for (let s = 0; s < size; s++) {
      terms.set(logWeights);
      this.#kernels.forEach((kernel, j) => {
        const v = (points[this.#names[j] as string] as Float64Array)[s] as number;
        for (let k = 0; k < nk; k++) {
          (terms[k] as number) += kernelLogPdf(kernel, k, v);
        }
      });
      out[s] = logSumExp(terms);
    }
    return out;
  }
}

function categoricalKernel(obs: Float64Array, nChoices: number, priorWeight: number): Kernel {
  const n = obs.length;
  const base = priorWeight / (n + 1);
  const probabilities: Float64Array[] = [];
  for (let k = 0; k <= n; k++) {
    const row = new Float64Array(nChoices).fill(base);
    if (k < n) (row[obs[k] as number] as number) += 1;
    const sum = row.reduce((s, v) => s + v, 0);
    for (let c = 0; c < nChoices; c++) (row[c] as number) /= sum;
    probabilities.push(row);
  }
  return { kind: "categorical", probabilities };
}

function numericKernel(
  obs: Float64Array,
  d: Exclude<Distribution, { kind: "categorical" }>,
  options: ParzenOptions,
  sigma0: number | undefined,
): NumericKernel {
  let low: number;
  let high: number;
  let q: number | undefined;
  if (d.log) {
    low = Math.log(d.kind === "int" ? d.low - 0.5 : d.low);
    high = Math.log(d.kind === "int" ? d.high + 0.5 : d.high);
  } else if (d.step !== undefined) {
    q = d.step;
    low = d.low - 0.5 * q;
    high = d.high + 0.5 * q;
  } else {
    low = d.low;
    high = d.high;
  }
  const n = obs.length;
  const mus = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) mus[i] = d.log ? Math.log(obs[i] as number) : (obs[i] as number);
  mus[n] = 0.5 * (low + high);
  const sigmas = new Float64Array(n + 1);
  if (sigma0 !== undefined) {
    sigmas.fill(sigma0 * (high - low));
  } else {
    // Each kernel as wide as the larger gap to its sorted neighbours (the range ends count as
    // neighbours, except for the outermost kernels unless considerEndpoints).
    const order = Array.from(mus.keys()).sort((a, b) => (mus[a] as number) - (mus[b] as number));
    const sorted = [low, ...order.map((i) => mus[i] as number), high];
    const m = order.length;
    const gaps = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      gaps[i] = Math.max(
        (sorted[i + 1] as number) - (sorted[i] as number),
        (sorted[i + 2] as number) - (sorted[i + 1] as number),
      );
    }
    if (!options.considerEndpoints && sorted.length >= 4) {
      gaps[0] = (sorted[2] as number) - (sorted[1] as number);
      gaps[m - 1] = (sorted[m] as number) - (sorted[m - 1] as number);
    }
    order.forEach((i, rank) => {
      sigmas[i] = gaps[rank] as number;
    });
  }
  const maxSigma = high - low;
  const minSigma = options.considerMagicClip ? (high - low) / Math.min(100, 1 + (n + 1)) : EPS;
  for (let i = 0; i <= n; i++)
    sigmas[i] = Math.min(maxSigma, Math.max(minSigma, sigmas[i] as number));
  sigmas[n] = high - low;
  const logNormalizers = new Float64Array(n + 1);
  for (let k = 0; k <= n; k++) {
    const mu = mus[k] as number;
    const sigma = sigmas[k] as number;
    logNormalizers[k] =
      logGaussMass((low - mu) / sigma, (high - mu) / sigma) +
      (q === undefined && options.normalizeKernels ? Math.log(sigma) : 0);
  }
  return { kind: "numeric", low, high, q, mus, sigmas, logNormalizers, distribution: d };
}

function kernelLogPdf(kernel: Kernel, k: number, v: number): number {
  if (kernel.kind === "categorical")
    return Math.log((kernel.probabilities[k] as Float64Array)[v] as number);
  const mu = kernel.mus[k] as number;
  const sigma = kernel.sigmas[k] as number;
  const x = kernel.distribution.log ? Math.log(v) : v;
  const normalizer = kernel.logNormalizers[k] as number;
  if (kernel.q === undefined) {
    if (x < kernel.low || x > kernel.high) return Number.NEGATIVE_INFINITY;
    const z = (x - mu) / sigma;
    return -0.5 * z * z - LOG_SQRT_2PI - normalizer;
  }
  const upper = Math.min(x + kernel.q / 2, kernel.high);
  const lower = Math.max(x - kernel.q / 2, kernel.low);
  return logGaussMass((lower - mu) / sigma, (upper - mu) / sigma) - normalizer;
}

function fromEstimatorSpace(x: number, kernel: NumericKernel): number {
  const d = kernel.distribution;
  if (d.kind === "float") {
    if (d.log) return Math.min(d.high, Math.max(d.low, Math.exp(x)));
    if (d.step === undefined) return x;
    const v = Math.round((x - d.low) / d.step) * d.step + d.low;
    return Math.min(d.high, Math.max(d.low, Number(v.toPrecision(14))));
  }
  const v = d.log ? Math.round(Math.exp(x)) : Math.round((x - d.low) / d.step) * d.step + d.low;
  return Math.min(d.high, Math.max(d.low, v));
}

function cumulate(p: Float64Array): Float64Array {
  const c = new Float64Array(p.length);
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    s += p[i] as number;
    c[i] = s;
  }
  return c;
}

/** The first index whose cumulative weight exceeds u (scaled to the total). */
function pick(cumulative: Float64Array, u: number): number {
  const target = u * (cumulative[cumulative.length - 1] as number);
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cumulative[mid] as number) > target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function logSumExp(terms: Float64Array): number {
  let max = Number.NEGATIVE_INFINITY;
  for (const t of terms) if (t > max) max = t;
  if (max === Number.NEGATIVE_INFINITY) return max;
  let s = 0;
  for (const t of terms) s += Math.exp(t - max);
  return max + Math.log(s);
}
