import { describeValue, KeelError, type Rng } from "../../../core/index.js";
import {
  compatibleDistributions,
  type Distribution,
  fromInternal,
  type ParamValue,
  toInternal,
} from "../../distributions.js";
import { type FrozenTrial, lastStep } from "../../frozen-trial.js";
import { type Sampler, type StudyView, sampleUniform, TrialRngs } from "../sampler.js";
import { groupDecomposedSearchSpace, intersectionSearchSpace } from "../search-space.js";
import { belowWeights, splitMultiObjective } from "./multi-objective-split.js";
import { type Observations, ParzenEstimator, type ParzenOptions } from "./parzen-estimator.js";

/**
 * Options of {@link TpeSampler}. Every default is Optuna 3.1's `TPESampler()` default, except
 * `constantLiar` (true here, false in Optuna 3.1; it only acts while trials overlap): univariate
 * (one estimator per parameter), 10 random startup trials, 24 EI candidates, gamma
 * `min(ceil(0.1·n), 25)`, weights flat for the newest 25 observations and ramped down for
 * older ones, prior weight 1, magic clip on, endpoints off, kernel widths from the gaps to the
 * sorted neighbours, Optuna 3.1's kernel density. bench/README.md compares it with Optuna's.
 *
 * @example
 * ```ts
 * new TpeSampler({ seed: 1, nStartupTrials: 20, multivariate: true });
 * ```
 */
export interface TpeSamplerOptions {
  readonly seed?: number;
  /** Random trials before TPE starts modelling. Default 10. */
  readonly nStartupTrials?: number;
  /** Candidates drawn from l(x) per sample; the one maximising l(x)/g(x) wins. Default 24. */
  readonly nEiCandidates?: number;
  /** How many of n trials count as "good". Default `min(ceil(0.1·n), 25)`. */
  readonly gamma?: (n: number) => number;
  /** Weights of observations, oldest first. Default: flat for n < 25, older ones ramped down. */
  readonly weights?: (n: number) => Float64Array;
  /** Weight of the prior kernel. Default 1. */
  readonly priorWeight?: number;
  /** Floor kernel widths at range/min(100, n+1). Default true. */
  readonly considerMagicClip?: boolean;
  /** Let the outermost kernels reach to the range ends. Default false. */
  readonly considerEndpoints?: boolean;
  /**
   * Model the parameters every trial has jointly (one kernel per trial over all dimensions)
   * instead of one at a time. Default false, as Optuna 3.1.
   */
  readonly multivariate?: boolean;
  /**
   * Kernel widths when `multivariate`: `"scott"` (default, Optuna's) is one shared width
   * 0.2·n^(-1/(d+4)) of each range; `"neighbor"` gives every kernel, per dimension, the
   * univariate rule's width (the larger gap to its sorted neighbours). Neighbour widths make
   * the numeric part of each joint kernel so peaked that l(x)/g(x) hardly depends on the
   * categorical dimension, and the search can stay on a wrong category: use them with
   * `jointParams: "numeric"`.
   */
  readonly bandwidth?: "neighbor" | "scott";
  /**
   * Continuous kernels as proper densities (with their −log σ term). Default false, which is
   * Optuna 3.1's `_truncnorm.logpdf` (it omits the term; the wide prior kernel then weighs more,
   * so the search explores a little more).
   */
  readonly normalizeKernels?: boolean;
  /**
   * With `multivariate`, which parameters the joint kernel covers: `"all"` (default), or
   * `"numeric"` to leave categoricals to their own univariate estimator.
   */
  readonly jointParams?: "all" | "numeric";
  /**
   * With `multivariate`, model groups of parameters that occur together (Optuna's
   * `GroupDecomposedSearchSpace`) separately, so conditional parameters are modelled jointly
   * within their branch. Default false, as Optuna 3.1; `multivariate: true` alone models the
   * intersection of all trials' parameters jointly and samples the rest one at a time.
   */
  readonly group?: boolean;
  /**
   * Count running trials as bad ones, so parallel workers spread out instead of sampling the
   * same point. Default true (Optuna 3.1's is false); it only changes anything when trials
   * run concurrently, so sequential studies are Optuna 3.1's algorithm either way.
   */
  readonly constantLiar?: boolean;
}

/**
 * Optuna's default gamma: the best `min(ceil(0.1·n), 25)` of n trials form l(x).
 *
 * @example
 * ```ts
 * defaultGamma(50); // 5
 * ```
 */
export function defaultGamma(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

/**
 * Optuna's default weights: 1 for the newest 25 observations, a linear ramp from 1/n to 1
 * over the older ones.
 *
 * @example
 * ```ts
 * defaultWeights(3); // Float64Array [1, 1, 1]
 * ```
 */
export function defaultWeights(n: number): Float64Array {
  if (n < 25) return new Float64Array(n).fill(1);
  const w = new Float64Array(n).fill(1);
  const ramp = n - 25;
  for (let i = 0; i < ramp; i++) w[i] = ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (ramp - 1);
  return w;
}

/** A trial's rank key: pruned trials by how far they got, running ones last (constant liar). */
interface Scored {
  readonly trial: FrozenTrial;
  readonly step: number;
  readonly loss: number;
  /** Multi-objective studies: every objective's value, each turned into a loss (minimised). */
  readonly losses?: readonly number[];
}

/**
 * The Tree-structured Parzen Estimator, following Optuna's `TPESampler`: after
 * `nStartupTrials` random trials, split the trials into the best `gamma(n)` and the rest, fit
 * a Parzen estimator to each, draw `nEiCandidates` from the good one and keep the candidate
 * with the highest l(x)/g(x). Seeded per trial number: with `nJobs: 1` a seeded study repeats exactly.
 *
 * Multi-objective studies (`directions` with several entries) get Optuna 3.1's MOTPE: the good
 * trials are whole non-domination ranks plus a hypervolume-greedy part of the next rank, each
 * weighted in l(x) by its share of their hypervolume; only COMPLETE trials count (running ones
 * too are left out, as in Optuna, so constant liar does not act there).
 *
 * @example
 * ```ts
 * const sampler = new TpeSampler({ seed: 42 });
 * const study = await createStudy({ direction: "maximize", sampler });
 * ```
 */
export class TpeSampler implements Sampler {
  /** MOTPE serves studies with several directions. */
  readonly multiObjective = true;
  readonly #rngs: TrialRngs;
  readonly #nStartupTrials: number;
  readonly #nEiCandidates: number;
  readonly #gamma: (n: number) => number;
  readonly #parzen: ParzenOptions;
  readonly #group: boolean;
  readonly #constantLiar: boolean;
  readonly #jointParams: "all" | "numeric";

  constructor(options: TpeSamplerOptions = {}) {
    const nStartup = options.nStartupTrials ?? 10;
    const nEi = options.nEiCandidates ?? 24;
    if (!(Number.isInteger(nStartup) && nStartup >= 0) || !(Number.isInteger(nEi) && nEi >= 1)) {
      throw new KeelError(
        "KEEL_ERR_INVALID_PARAM",
        `TpeSampler needs an integer nStartupTrials >= 0 and nEiCandidates >= 1. Got ${describeValue(nStartup)} and ${describeValue(nEi)}.`,
      );
    }
    this.#rngs = new TrialRngs(options.seed);
    this.#nStartupTrials = nStartup;
    this.#nEiCandidates = nEi;
    this.#gamma = options.gamma ?? defaultGamma;
    const multivariate = options.multivariate ?? false;
    this.#parzen = {
      priorWeight: options.priorWeight ?? 1,
      considerMagicClip: options.considerMagicClip ?? true,
      considerEndpoints: options.considerEndpoints ?? false,
      multivariate,
      bandwidth: options.bandwidth ?? "scott",
      normalizeKernels: options.normalizeKernels ?? false,
      weights: options.weights ?? defaultWeights,
    };
    this.#group = multivariate && (options.group ?? false);
    this.#constantLiar = options.constantLiar ?? true;
    this.#jointParams = options.jointParams ?? "all";
  }

  inferRelativeSearchSpace(study: StudyView): Record<string, Distribution> {
    if (!this.#parzen.multivariate) return {};
    const space: Record<string, Distribution> = {};
    if (!this.#group) Object.assign(space, intersectionSearchSpace(study.trials));
    else for (const g of groupDecomposedSearchSpace(study.trials)) Object.assign(space, g);
    if (this.#jointParams === "numeric")
      for (const [name, d] of Object.entries(space))
        if (d.kind === "categorical") delete space[name];
    return space;
  }

  sampleRelative(
    study: StudyView,
    trial: FrozenTrial,
    searchSpace: Readonly<Record<string, Distribution>>,
  ): Record<string, ParamValue> {
    if (Object.keys(searchSpace).length === 0) return {};
    const subspaces = this.#group
      ? groupDecomposedSearchSpace(study.trials).map((g) =>
          Object.fromEntries(Object.entries(g).filter(([name]) => name in searchSpace)),
        )
      : [searchSpace];
    const params: Record<string, ParamValue> = {};
    for (const sub of subspaces) {
      if (Object.keys(sub).length === 0) continue;
      Object.assign(params, this.#sampleJointly(study, trial, sub) ?? {});
    }
    return params;
  }

  sampleIndependent(
    study: StudyView,
    trial: FrozenTrial,
    name: string,
    distribution: Distribution,
  ): ParamValue {
    const rng = this.#rngs.get(trial.number);
    const sampled = this.#sampleJointly(study, trial, { [name]: distribution });
    return sampled === undefined ? sampleUniform(rng, distribution) : (sampled[name] as ParamValue);
  }

  afterTrial(_study: StudyView, trial: FrozenTrial): void {
    this.#rngs.release(trial.number);
  }

  /** TPE over `space`; `undefined` while there are fewer than nStartupTrials observations. */
  #sampleJointly(
    study: StudyView,
    trial: FrozenTrial,
    space: Readonly<Record<string, Distribution>>,
  ): Record<string, ParamValue> | undefined {
    const scored = this.#score(study);
    const n = scored.filter((s) => s.trial.state !== "RUNNING").length;
    if (n < this.#nStartupTrials) return undefined;
    const multi = study.directions.length > 1;
    const { below, above } = multi
      ? splitMulti(scored, this.#gamma(n))
      : split(scored, this.#gamma(n));
    const rng = this.#rngs.get(trial.number);
    const good = observe(below, space);
    // MOTPE weighs the good trials by hypervolume share, computed over all of them and then
    // kept for those that have these parameters (Optuna's order of the two steps).
    const all = multi ? belowWeights(below.map(lossesOf)) : undefined;
    const weights = all && Float64Array.from(good.kept, (i) => all[i] as number);
    const lx = new ParzenEstimator(good.observations, space, this.#parzen, weights);
    const gx = new ParzenEstimator(observe(above, space).observations, space, this.#parzen);
    return pickBest(rng, lx, gx, this.#nEiCandidates, space);
  }

  #score(study: StudyView): Scored[] {
    const sign = study.direction === "minimize" ? 1 : -1;
    const scored: Scored[] = [];
    if (study.directions.length > 1) {
      const signs = study.directions.map((d) => (d === "minimize" ? 1 : -1));
      for (const t of study.trials) {
        if (t.state !== "COMPLETE" || t.values === undefined) continue;
        const losses = signs.map((sg, i) => sg * (t.values?.[i] as number));
        scored.push({ trial: t, step: Number.NEGATIVE_INFINITY, loss: 0, losses });
      }
      return scored;
    }
    for (const t of study.trials) {
      if (t.state === "COMPLETE" && t.value !== undefined) {
        scored.push({ trial: t, step: Number.NEGATIVE_INFINITY, loss: sign * t.value });
      } else if (t.state === "PRUNED") {
        const step = lastStep(t);
        if (step === undefined) scored.push({ trial: t, step: 1, loss: 0 });
        else {
          const v = t.intermediateValues.get(step) as number;
          scored.push({
            trial: t,
            step: -step,
            loss: Number.isNaN(v) ? Number.POSITIVE_INFINITY : sign * v,
          });
        }
      } else if (t.state === "RUNNING" && this.#constantLiar) {
        scored.push({
          trial: t,
          step: Number.POSITIVE_INFINITY,
          loss: Number.POSITIVE_INFINITY,
        });
      }
    }
    return scored;
  }
}

/** The best `nBelow` by (step, loss) form l(x); both halves keep chronological order. */
function split(scored: readonly Scored[], nBelow: number): { below: Scored[]; above: Scored[] } {
  const order = scored
    .map((s, i) => ({ s, i }))
    .sort((a, b) => a.s.step - b.s.step || a.s.loss - b.s.loss || a.i - b.i);
  const belowIdx = new Set(order.slice(0, nBelow).map((o) => o.i));
  const below: Scored[] = [];
  const above: Scored[] = [];
  scored.forEach((s, i) => {
    (belowIdx.has(i) ? below : above).push(s);
  });
  return { below, above };
}

/** MOTPE's split: the good trials by non-domination rank and hypervolume, in trial order. */
function splitMulti(
  scored: readonly Scored[],
  nBelow: number,
): { below: Scored[]; above: Scored[] } {
  const belowIdx = new Set(
    splitMultiObjective(scored.map(lossesOf), Math.min(nBelow, scored.length)),
  );
  return {
    below: scored.filter((_, i) => belowIdx.has(i)),
    above: scored.filter((_, i) => !belowIdx.has(i)),
  };
}

function lossesOf(s: Scored): readonly number[] {
  return s.losses ?? [s.loss];
}

/**
 * Internal values of the trials that have every parameter of `space` with a compatible
 * distribution, and which of `group` they are (`kept`, indices into it). A range that changed
 * between trials keeps its observations, even those now outside the range: the truncated
 * kernels still say which end of the range did well.
 */
function observe(
  group: readonly Scored[],
  space: Readonly<Record<string, Distribution>>,
): { observations: Observations; kept: number[] } {
  const names = Object.keys(space);
  const kept = group.flatMap((s, i) =>
    names.every((name) => {
      const d = s.trial.distributions[name];
      return d !== undefined && compatibleDistributions(d, space[name] as Distribution);
    })
      ? [i]
      : [],
  );
  const out: Record<string, Float64Array> = {};
  for (const name of names) {
    const d = space[name] as Distribution;
    out[name] = Float64Array.from(kept, (i) =>
      toInternal(d, (group[i] as Scored).trial.params[name] as ParamValue),
    );
  }
  return { observations: out, kept };
}

function pickBest(
  rng: Rng,
  lx: ParzenEstimator,
  gx: ParzenEstimator,
  nCandidates: number,
  space: Readonly<Record<string, Distribution>>,
): Record<string, ParamValue> {
  const candidates = lx.sample(rng, nCandidates);
  const logL = lx.logPdf(candidates);
  const logG = gx.logPdf(candidates);
  let best = 0;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < nCandidates; i++) {
    const score = (logL[i] as number) - (logG[i] as number);
    if (score > bestScore) {
      bestScore = score;
      best = i;
    }
  }
  const out: Record<string, ParamValue> = {};
  for (const [name, d] of Object.entries(space)) {
    out[name] = fromInternal(d, (candidates[name] as Float64Array)[best] as number);
  }
  return out;
}
