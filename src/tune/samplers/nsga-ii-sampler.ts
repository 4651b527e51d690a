import { describeValue, KeelError, type Rng } from "../../core/index.js";
import { contains, type Distribution, type ParamValue } from "../distributions.js";
import {
  dominates,
  type FrozenTrial,
  type JsonValue,
  type StudyDirection,
} from "../frozen-trial.js";
import { type Sampler, type StudyView, sampleUniform, TrialRngs } from "./sampler.js";
import { intersectionSearchSpace } from "./search-space.js";

/** System attribute holding the generation a trial was sampled for. */
const GENERATION_ATTR = "nsga2:generation";

/**
 * System attribute holding a finished trial's constraint values (Optuna's key), written when
 * the sampler has a `constraintsFunc`.
 *
 * @example
 * ```ts
 * study.trials[0]?.systemAttrs[CONSTRAINTS_ATTR]; // e.g. [-0.5, 1.2]
 * ```
 */
export const CONSTRAINTS_ATTR = "constraints";

/** Whether trial `a` beats trial `b` when NSGA-II ranks and picks parents. */
type Dominance = (a: FrozenTrial, b: FrozenTrial, directions: readonly StudyDirection[]) => boolean;

/**
 * Options of {@link NsgaIiSampler}; every default is Optuna 3.1's `NSGAIISampler`.
 *
 * @example
 * ```ts
 * new NsgaIiSampler({ populationSize: 20, seed: 7 });
 * ```
 */
export interface NsgaIiSamplerOptions {
  /** Trials per generation. Default 50. */
  readonly populationSize?: number;
  /**
   * Chance that a parameter of a child is drawn at random instead of inherited. Default
   * `1 / (number of parameters inherited)`.
   */
  readonly mutationProb?: number;
  /** Chance that a child is bred from two parents (else it copies one). Default 0.9. */
  readonly crossoverProb?: number;
  /** Uniform crossover: chance that a parameter comes from the second parent. Default 0.5. */
  readonly swappingProb?: number;
  /** Seeds every random choice; the same seed and trials give the same parameters. */
  readonly seed?: number;
  /**
   * Constraints of a finished trial (Optuna's `constraints_func`): one finite number per
   * constraint, the same count for every trial; a value ≤ 0 means the constraint holds. Called
   * for trials about to be COMPLETE or PRUNED, with their values; the result is kept in
   * `systemAttrs.constraints`. A throw, a non-list, NaN or ±Infinity, or a different count
   * fails the trial, saying why. With constraints, NSGA-II ranks by constrained domination:
   * a feasible trial beats an infeasible one, of two infeasible ones the smaller total
   * violation (sum of the positive values) wins, and two feasible ones compare by their values.
   */
  readonly constraintsFunc?: (trial: FrozenTrial) => readonly number[];
}

/** What `beforeTrial` worked out for one trial, used by `sampleRelative` and `trialSystemAttrs`. */
interface Plan {
  readonly generation: number;
  readonly parents: readonly FrozenTrial[];
}

/**
 * NSGA-II (Deb et al. 2002), as Optuna 3.1's `NSGAIISampler` runs it: the multi-objective
 * sampler and the default of studies with several `directions`. Trials are grouped in
 * generations of `populationSize`; the first generation is random. Once a generation has
 * `populationSize` COMPLETE trials, it and the previous parents are ranked by non-dominated
 * sorting, the last front that fits is cut by crowding distance, and the survivors are the
 * parents of the next generation. Each child picks two parents by binary tournament (the
 * dominating one of two random picks), mixes them by uniform crossover (probability
 * `crossoverProb`, else it copies one random parent), then redraws each parameter at random
 * with probability `mutationProb`. Parameters outside the common search space are drawn at
 * random. With `constraintsFunc`, ranking and tournaments use constrained domination, as
 * Optuna 3.1's `NSGAIISampler(constraints_func=...)` does.
 *
 * Each trial's generation is kept in its system attributes (`nsga2:generation`), so a study
 * resumed from a durable storage continues where it stopped. Random draws come from one
 * stream per trial number: a seeded study with `nJobs: 1` gives the same trials every run.
 *
 * @example
 * ```ts
 * const study = await createStudy({
 *   directions: ["minimize", "minimize"],
 *   sampler: new NsgaIiSampler({ populationSize: 20, seed: 1 }),
 * });
 * await study.optimize((t) => {
 *   const x = t.suggestFloat("x", 0, 5);
 *   const y = t.suggestFloat("y", 0, 3);
 *   return [4 * x * x + 4 * y * y, (x - 5) ** 2 + (y - 5) ** 2];
 * }, { nTrials: 200 });
 * study.bestTrials.length; // the Pareto front found
 * ```
 */
export class NsgaIiSampler implements Sampler {
  readonly multiObjective = true;
  readonly #rngs: TrialRngs;
  readonly #populationSize: number;
  readonly #mutationProb: number | undefined;
  readonly #crossoverProb: number;
  readonly #swappingProb: number;
  readonly #plans = new Map<number, Plan>();
  readonly #elites = new Map<string, FrozenTrial[]>();
  readonly #constraintsFunc: ((trial: FrozenTrial) => readonly number[]) | undefined;
  readonly #dominates: Dominance;

  constructor(options: NsgaIiSamplerOptions = {}) {
    const populationSize = options.populationSize ?? 50;
    if (!(Number.isInteger(populationSize) && populationSize >= 2)) {
      throw new KeelError(
        "KEEL_ERR_INVALID_ARGUMENT",
        `NsgaIiSampler: populationSize must be an integer >= 2 (crossover needs two parents). Got ${describeValue(options.populationSize)}.`,
        { details: { parameter: "populationSize" } },
      );
    }
    for (const key of ["mutationProb", "crossoverProb", "swappingProb"] as const) {
      const p = options[key];
      if (p !== undefined && !(typeof p === "number" && p >= 0 && p <= 1)) {
        throw new KeelError(
          "KEEL_ERR_INVALID_ARGUMENT",
          `NsgaIiSampler: ${key} must be a probability in [0, 1]. Got ${describeValue(p)}.`,
          { details: { parameter: key } },
        );
      }
    }
    this.#populationSize = populationSize;
    this.#mutationProb = options.mutationProb;
    this.#crossoverProb = options.crossoverProb ?? 0.9;
    this.#swappingProb = options.swappingProb ?? 0.5;
    this.#rngs = new TrialRngs(options.seed);
    if (options.constraintsFunc !== undefined && typeof options.constraintsFunc !== "function") {
      throw new KeelError(
        "KEEL_ERR_INVALID_ARGUMENT",
        `NsgaIiSampler: constraintsFunc must be a function (trial) => number[]. Got ${describeValue(options.constraintsFunc)}.`,
        { details: { parameter: "constraintsFunc" } },
      );
    }
    this.#constraintsFunc = options.constraintsFunc;
    this.#dominates = options.constraintsFunc === undefined ? dominates : constrainedDominates;
  }

  beforeTrial(study: StudyView, trial: FrozenTrial): void {
    const { generation, population } = this.#parentPopulation(study);
    this.#plans.set(trial.number, { generation: generation + 1, parents: population });
  }

  inferRelativeSearchSpace(study: StudyView): Record<string, Distribution> {
    return intersectionSearchSpace(study.trials.filter((t) => t.state === "COMPLETE"));
  }

  sampleRelative(
    study: StudyView,
    trial: FrozenTrial,
    searchSpace: Readonly<Record<string, Distribution>>,
  ): Record<string, ParamValue> {
    const plan = this.#plans.get(trial.number);
    if (plan === undefined || plan.parents.length === 0) return {};
    const rng = this.#rngs.get(trial.number);
    const names = Object.keys(searchSpace);
    let child: Record<string, ParamValue>;
    if (rng.next() < this.#crossoverProb) {
      const first = tournament(plan.parents, rng, study.directions, this.#dominates);
      const rest = plan.parents.filter((t) => t !== first);
      const second =
        rest.length === 0 ? first : tournament(rest, rng, study.directions, this.#dominates);
      child = {};
      for (const name of names) {
        const from = rng.next() >= this.#swappingProb ? first : second;
        if (name in from.params) child[name] = from.params[name] as ParamValue;
      }
    } else {
      const parent = plan.parents[rng.int(plan.parents.length)] as FrozenTrial;
      child = {};
      for (const name of names)
        if (name in parent.params) child[name] = parent.params[name] as ParamValue;
    }
    const inherited = Object.keys(child);
    const mutationProb = this.#mutationProb ?? 1 / Math.max(1, inherited.length);
    const out: Record<string, ParamValue> = {};
    for (const name of inherited) {
      const value = child[name] as ParamValue;
      // A mutated parameter is left out: sampleIndependent draws it at random.
      if (rng.next() >= mutationProb && contains(searchSpace[name] as Distribution, value))
        out[name] = value;
    }
    return out;
  }

  sampleIndependent(
    _study: StudyView,
    trial: FrozenTrial,
    _name: string,
    distribution: Distribution,
  ): ParamValue {
    return sampleUniform(this.#rngs.get(trial.number), distribution);
  }

  trialSystemAttrs(_study: StudyView, trial: FrozenTrial): Record<string, JsonValue> {
    const plan = this.#plans.get(trial.number);
    this.#plans.delete(trial.number);
    return plan === undefined ? {} : { [GENERATION_ATTR]: plan.generation };
  }

  resultSystemAttrs(study: StudyView, trial: FrozenTrial): Record<string, JsonValue> {
    if (this.#constraintsFunc === undefined) return {};
    const got: unknown = this.#constraintsFunc(trial);
    if (
      !Array.isArray(got) ||
      got.length === 0 ||
      !got.every((v) => typeof v === "number" && Number.isFinite(v))
    ) {
      throw new KeelError(
        "KEEL_ERR_INVALID_ARGUMENT",
        `NsgaIiSampler constraintsFunc: expected a non-empty list of finite numbers (≤ 0 = satisfied) for trial ${trial.number}. Got ${describeValue(got)}.`,
        { details: { parameter: "constraintsFunc", trial: trial.number } },
      );
    }
    const earlier = study.trials.find((t) => Array.isArray(t.systemAttrs[CONSTRAINTS_ATTR]));
    const count = (earlier?.systemAttrs[CONSTRAINTS_ATTR] as JsonValue[] | undefined)?.length;
    if (count !== undefined && count !== got.length) {
      throw new KeelError(
        "KEEL_ERR_INVALID_ARGUMENT",
        `NsgaIiSampler constraintsFunc: trial ${trial.number} has ${got.length} constraint values, trial ${earlier?.number} had ${count}; every trial needs the same number.`,
        { details: { parameter: "constraintsFunc", trial: trial.number } },
      );
    }
    return { [CONSTRAINTS_ATTR]: [...(got as number[])] };
  }

  afterTrial(_study: StudyView, trial: FrozenTrial): void {
    this.#rngs.release(trial.number);
    this.#plans.delete(trial.number);
  }

  /**
   * The parents of the next generation: walk the generations that have `populationSize`
   * COMPLETE trials, each time keeping the elite of that generation plus the previous parents.
   * Generation -1 (no full generation yet) has no parents.
   */
  #parentPopulation(study: StudyView): { generation: number; population: FrozenTrial[] } {
    const byGeneration = new Map<number, FrozenTrial[]>();
    for (const t of study.trials) {
      const g = t.systemAttrs[GENERATION_ATTR];
      if (t.state !== "COMPLETE" || typeof g !== "number") continue;
      const list = byGeneration.get(g);
      if (list === undefined) byGeneration.set(g, [t]);
      else list.push(t);
    }
    let generation = -1;
    let population: FrozenTrial[] = [];
    let key = "";
    for (;;) {
      const members = byGeneration.get(generation + 1) ?? [];
      if (members.length < this.#populationSize) break;
      // A generation's elite depends only on its members and the previous elite, and COMPLETE
      // trials never change: remember it instead of re-sorting every generation per trial.
      key = `${key}|${members.map((t) => t.number).join(",")}`;
      const cached = this.#elites.get(key);
      population =
        cached ??
        eliteOf(
          [...members, ...population],
          this.#populationSize,
          study.directions,
          this.#dominates,
        );
      if (cached === undefined) this.#elites.set(key, population);
      generation++;
    }
    return { generation, population };
  }
}

/** Binary tournament: of two random picks, the one that dominates the other, else the second. */
function tournament(
  population: readonly FrozenTrial[],
  rng: Rng,
  directions: readonly StudyDirection[],
  dominance: Dominance,
): FrozenTrial {
  const a = population[rng.int(population.length)] as FrozenTrial;
  const b = population[rng.int(population.length)] as FrozenTrial;
  return dominance(a, b, directions) ? a : b;
}

/** The constraint values a trial carries, or `undefined` when it has none. */
function constraintsOf(t: FrozenTrial): number[] | undefined {
  const c = t.systemAttrs[CONSTRAINTS_ATTR];
  return Array.isArray(c) ? (c as number[]) : undefined;
}

/**
 * Constrained domination (Deb 2002, Optuna 3.1's rule): a trial with constraint values beats
 * one without; a feasible trial (every value ≤ 0) beats an infeasible one; of two infeasible
 * trials the smaller total violation wins; two feasible trials compare by ordinary domination.
 *
 * @example
 * ```ts
 * constrainedDominates(feasible, infeasible, ["minimize", "minimize"]); // true
 * ```
 */
export function constrainedDominates(
  a: FrozenTrial,
  b: FrozenTrial,
  directions: readonly StudyDirection[],
): boolean {
  const ca = constraintsOf(a);
  const cb = constraintsOf(b);
  if (ca === undefined && cb === undefined) return dominates(a, b, directions);
  if (cb === undefined) return true;
  if (ca === undefined) return false;
  if (a.state !== "COMPLETE") return false;
  if (b.state !== "COMPLETE") return true;
  const violation = (c: number[]) => c.reduce((s, v) => s + Math.max(v, 0), 0);
  const va = violation(ca);
  const vb = violation(cb);
  if (va === 0 && vb === 0) return dominates(a, b, directions);
  return va < vb;
}

/**
 * NSGA-II survivor selection: whole fronts in rank order while they fit, then the most
 * isolated (largest crowding distance) members of the first front that does not.
 *
 * @example
 * ```ts
 * eliteOf(trials, 50, ["minimize", "maximize"]).length; // min(50, trials.length)
 * ```
 */
export function eliteOf(
  population: readonly FrozenTrial[],
  size: number,
  directions: readonly StudyDirection[],
  dominance: Dominance = dominates,
): FrozenTrial[] {
  const elite: FrozenTrial[] = [];
  for (const front of nonDominatedSort(population, directions, dominance)) {
    if (elite.length + front.length <= size) {
      elite.push(...front);
      if (elite.length === size) break;
      continue;
    }
    const distance = crowdingDistance(front);
    const ranked = [...front].sort(
      (a, b) => (distance.get(b.number) ?? 0) - (distance.get(a.number) ?? 0),
    );
    elite.push(...ranked.slice(0, size - elite.length));
    break;
  }
  return elite;
}

/**
 * Fast non-dominated sorting: the population split into fronts, the first not dominated by
 * anyone, the second dominated only by the first, and so on. Each front keeps trial order.
 *
 * @example
 * ```ts
 * nonDominatedSort(trials, ["minimize", "minimize"])[0]; // the Pareto front
 * ```
 */
export function nonDominatedSort(
  population: readonly FrozenTrial[],
  directions: readonly StudyDirection[],
  dominance: Dominance = dominates,
): FrozenTrial[][] {
  const n = population.length;
  const dominatedBy = new Array<number>(n).fill(0);
  const dominating: number[][] = population.map(() => []);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const a = population[i] as FrozenTrial;
      const b = population[j] as FrozenTrial;
      if (dominance(a, b, directions)) {
        dominating[i]?.push(j);
        dominatedBy[j] = (dominatedBy[j] as number) + 1;
      } else if (dominance(b, a, directions)) {
        dominating[j]?.push(i);
        dominatedBy[i] = (dominatedBy[i] as number) + 1;
      }
    }
  }
  const fronts: FrozenTrial[][] = [];
  let current = [...Array(n).keys()].filter((i) => dominatedBy[i] === 0);
  while (current.length > 0) {
    fronts.push(current.map((i) => population[i] as FrozenTrial));
    const next: number[] = [];
    for (const i of current) {
      for (const j of dominating[i] ?? []) {
        dominatedBy[j] = (dominatedBy[j] as number) - 1;
        if (dominatedBy[j] === 0) next.push(j);
      }
    }
    current = next.sort((a, b) => a - b);
  }
  return fronts;
}

/**
 * Crowding distance by trial number: per objective, the gap between a trial's two neighbours
 * divided by the objective's range, summed; the extremes of each objective get infinity.
 * An objective on which all trials are equal adds nothing (Optuna's rule).
 *
 * @example
 * ```ts
 * crowdingDistance(front).get(trial.number);
 * ```
 */
export function crowdingDistance(front: readonly FrozenTrial[]): Map<number, number> {
  const distance = new Map<number, number>(front.map((t) => [t.number, 0]));
  const m = front[0]?.values?.length ?? 0;
  for (let k = 0; k < m; k++) {
    const sorted = [...front].sort((a, b) => valueAt(a, k) - valueAt(b, k));
    const low = valueAt(sorted[0] as FrozenTrial, k);
    const high = valueAt(sorted[sorted.length - 1] as FrozenTrial, k);
    if (low === high) continue;
    const width = high - low;
    for (let i = 0; i < sorted.length; i++) {
      const below = i === 0 ? Number.NEGATIVE_INFINITY : valueAt(sorted[i - 1] as FrozenTrial, k);
      const above =
        i === sorted.length - 1
          ? Number.POSITIVE_INFINITY
          : valueAt(sorted[i + 1] as FrozenTrial, k);
      const number = (sorted[i] as FrozenTrial).number;
      distance.set(number, (distance.get(number) ?? 0) + (above - below) / width);
    }
  }
  return distance;
}

function valueAt(t: FrozenTrial, k: number): number {
  return t.values?.[k] ?? Number.NaN;
}
