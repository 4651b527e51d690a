import type { Distribution, ParamValue } from "../distributions.js";
import type { FrozenTrial } from "../frozen-trial.js";
import { type Sampler, type StudyView, sampleUniform, TrialRngs } from "./sampler.js";

/**
 * Samples every parameter independently and uniformly (log-uniformly for `log` ranges).
 *
 * @example
 * ```ts
 * const study = await createStudy({ direction: "minimize", sampler: new RandomSampler({ seed: 7 }) });
 * ```
 */
export class RandomSampler implements Sampler {
  /** Random search needs no ranking, so it serves multi-objective studies too. */
  readonly multiObjective = true;
  readonly #rngs: TrialRngs;

  constructor(options: { seed?: number } = {}) {
    this.#rngs = new TrialRngs(options.seed);
  }

  inferRelativeSearchSpace(): Record<string, Distribution> {
    return {};
  }

  sampleRelative(): Record<string, ParamValue> {
    return {};
  }

  sampleIndependent(
    _study: StudyView,
    trial: FrozenTrial,
    _name: string,
    distribution: Distribution,
  ): ParamValue {
    return sampleUniform(this.#rngs.get(trial.number), distribution);
  }

  afterTrial(_study: StudyView, trial: FrozenTrial): void {
    this.#rngs.release(trial.number);
  }
}
