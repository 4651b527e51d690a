import { Rng } from "../../core/index.js";
import type { Distribution, ParamValue } from "../distributions.js";
import type { FrozenTrial, JsonValue, StudyDirection, TrialState } from "../frozen-trial.js";

/**
 * The study as one trial sees it: the direction and the other trials as they stood when the
 * trial started. Trials still running in this process show as `RUNNING` with the parameters
 * they have drawn so far (what TPE's constant liar steers away from).
 *
 * @example
 * ```ts
 * const good = view.trials.filter((t) => t.state === "COMPLETE");
 * ```
 */
export interface StudyView {
  readonly studyName: string;
  /** The first (for a single-objective study, the only) direction. */
  readonly direction: StudyDirection;
  /** One direction per objective; more than one for a multi-objective study. */
  readonly directions: readonly StudyDirection[];
  /** Every other trial of the study, ordered by number. */
  readonly trials: readonly FrozenTrial[];
  /** Asks the study to start no new trial (a grid sampler calls it when the grid is used up). */
  stop(): void;
}

/**
 * Chooses parameter values, as Optuna's `BaseSampler` does. The study calls, for each trial:
 * `beforeTrial`, then `inferRelativeSearchSpace` and `sampleRelative` once (joint sampling of
 * the parameters every trial had so far; skipped when that space is empty), `trialSystemAttrs`,
 * then `sampleIndependent` for every suggested name
 * the relative sample did not cover, then `afterTrial`. Samplers are deterministic functions
 * of their seed, the trial number and the view, never of wall-clock time: what varies with
 * `nJobs > 1` is the view (which trials had finished).
 *
 * @example
 * ```ts
 * const study = await createStudy({ direction: "minimize", sampler: new TpeSampler({ seed: 1 }) });
 * ```
 */
export interface Sampler {
  /**
   * True when the sampler handles multi-objective studies (`directions` with more than one
   * entry); a study refuses a sampler that does not say so. Random, grid and NSGA-II do.
   */
  readonly multiObjective?: boolean;
  /**
   * System attributes the sampler wants kept on the trial it just sampled relatively (NSGA-II's
   * generation), written with the trial's result so every process sharing the study sees them.
   */
  trialSystemAttrs?(study: StudyView, trial: FrozenTrial): Record<string, JsonValue>;
  /**
   * System attributes the sampler derives from a trial's result (NSGA-II's constraint values,
   * as Optuna's `constraints_func`), written together with that result. Called for trials about
   * to be COMPLETE or PRUNED; `trial` shows the state and values it is about to get. A throw
   * fails the trial with the error's message as its reason.
   */
  resultSystemAttrs?(study: StudyView, trial: FrozenTrial): Record<string, JsonValue>;
  inferRelativeSearchSpace(study: StudyView, trial: FrozenTrial): Record<string, Distribution>;
  sampleRelative(
    study: StudyView,
    trial: FrozenTrial,
    searchSpace: Readonly<Record<string, Distribution>>,
  ): Record<string, ParamValue>;
  sampleIndependent(
    study: StudyView,
    trial: FrozenTrial,
    name: string,
    distribution: Distribution,
  ): ParamValue;
  beforeTrial?(study: StudyView, trial: FrozenTrial): void;
  afterTrial?(
    study: StudyView,
    trial: FrozenTrial,
    state: TrialState,
    value: number | undefined,
  ): void;
}

/**
 * One random stream per trial, forked from a seed by trial number: trial 7 draws the same
 * numbers whether it runs first or last, on one thread or four.
 *
 * @example
 * ```ts
 * const rngs = new TrialRngs(42);
 * rngs.get(7).next(); rngs.release(7);
 * ```
 */
export class TrialRngs {
  readonly #root: Rng;
  readonly #byTrial = new Map<number, Rng>();

  constructor(seed: number | undefined) {
    // Without a seed, runs differ on purpose (like Optuna's `seed=None`).
    this.#root = new Rng(seed ?? Math.floor(Math.random() * 2 ** 32));
  }

  get(trialNumber: number): Rng {
    let rng = this.#byTrial.get(trialNumber);
    if (rng === undefined) {
      rng = this.#root.fork(trialNumber);
      this.#byTrial.set(trialNumber, rng);
    }
    return rng;
  }

  release(trialNumber: number): void {
    this.#byTrial.delete(trialNumber);
  }
}

/**
 * Draws one value uniformly from a distribution (log-uniform when `log`, on the step grid
 * when `step`): the building block of random search and of TPE's startup trials.
 *
 * @example
 * ```ts
 * sampleUniform(new Rng(1), { kind: "int", low: 1, high: 6, log: false, step: 1 });
 * ```
 */
export function sampleUniform(rng: Rng, d: Distribution): ParamValue {
  if (d.kind === "categorical") return d.choices[rng.int(d.choices.length)] as ParamValue;
  if (d.kind === "float") {
    if (d.log) return Math.min(d.high, Math.exp(rng.uniform(Math.log(d.low), Math.log(d.high))));
    if (d.step === undefined) return d.low === d.high ? d.low : rng.uniform(d.low, d.high);
    const n = Math.round((d.high - d.low) / d.step);
    return snap(d.low + rng.int(n + 1) * d.step, d);
  }
  if (d.log) {
    const x = Math.exp(rng.uniform(Math.log(d.low - 0.5), Math.log(d.high + 0.5)));
    return Math.min(d.high, Math.max(d.low, Math.round(x)));
  }
  const n = Math.round((d.high - d.low) / d.step);
  return d.low + rng.int(n + 1) * d.step;
}

/**
 * Rounds a number onto a distribution's grid and clips it into range (keeps floats like
 * `0.1 + 0.2` from leaving the grid).
 *
 * @example
 * ```ts
 * snap(0.30000000000000004, { kind: "float", low: 0, high: 1, log: false, step: 0.1 }); // 0.3
 * ```
 */
export function snap(x: number, d: Exclude<Distribution, { kind: "categorical" }>): number {
  let v = x;
  if (d.step !== undefined) {
    v = d.low + Math.round((v - d.low) / d.step) * d.step;
    if (d.kind === "float") v = Number(v.toPrecision(14));
  } else if (d.kind === "int") v = Math.round(v);
  return Math.min(d.high, Math.max(d.low, v));
}
