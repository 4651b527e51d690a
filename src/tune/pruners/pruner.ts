import type { FrozenTrial, JsonValue } from "../frozen-trial.js";
import type { StudyView } from "../samplers/sampler.js";

/**
 * Decides whether a running trial should stop early, from its intermediate values and those of
 * the other trials in its {@link StudyView}. Called by `trial.shouldPrune()`.
 *
 * @example
 * ```ts
 * const study = await createStudy({ direction: "minimize", pruner: new MedianPruner() });
 * ```
 */
export interface Pruner {
  /**
   * @param record stores a system attribute on the running trial (successive halving keeps
   *   the value with which the trial reached each rung); it reaches the storage with the trial.
   */
  prune(
    study: StudyView,
    trial: FrozenTrial,
    record: (key: string, value: JsonValue) => void,
  ): boolean;
}

/**
 * A pruner that never prunes (the default).
 *
 * @example
 * ```ts
 * const study = await createStudy({ direction: "minimize", pruner: new NopPruner() });
 * ```
 */
export class NopPruner implements Pruner {
  prune(): boolean {
    return false;
  }
}
