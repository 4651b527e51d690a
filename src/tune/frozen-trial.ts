import type { Distribution, ParamValue } from "./distributions.js";

/**
 * The life of a trial. `RUNNING` becomes exactly one of the finished states, once:
 * `COMPLETE` (has a value), `PRUNED` (stopped early by a pruner), `FAIL` (threw, returned NaN,
 * timed out, or its process died). `WAITING` is a trial enqueued but not yet started.
 *
 * @example
 * ```ts
 * const done = study.trials.filter((t) => t.state === "COMPLETE");
 * ```
 */
export type TrialState = "WAITING" | "RUNNING" | "COMPLETE" | "PRUNED" | "FAIL";

/**
 * Whether a study looks for the smallest or the largest value.
 *
 * @example
 * ```ts
 * const direction: StudyDirection = metric.higherIsBetter ? "maximize" : "minimize";
 * ```
 */
export type StudyDirection = "minimize" | "maximize";

/** A JSON value, for user and system attributes (core's type, re-exported for tune's users). */
import type { JsonValue } from "../core/index.js";

export type { JsonValue };

/**
 * A read-only snapshot of one trial, as storages return it and samplers, pruners and
 * callbacks see it. Snapshots never change after they are returned.
 *
 * @example
 * ```ts
 * for (const t of study.trials) console.log(t.number, t.state, t.value, t.params);
 * ```
 */
export interface FrozenTrial {
  /** Storage-wide id. */
  readonly trialId: string;
  /** 0, 1, 2, … within the study, in creation order, without gaps or duplicates. */
  readonly number: number;
  readonly state: TrialState;
  /** The objective value; set only when `state` is `COMPLETE`. */
  readonly value: number | undefined;
  readonly params: Readonly<Record<string, ParamValue>>;
  readonly distributions: Readonly<Record<string, Distribution>>;
  /** Values reported with `trial.report(value, step)`, by step. */
  readonly intermediateValues: ReadonlyMap<number, number>;
  readonly userAttrs: Readonly<Record<string, JsonValue>>;
  /** Attributes for keel's own bookkeeping (pruner rungs, owner process, failure reason). */
  readonly systemAttrs: Readonly<Record<string, JsonValue>>;
  /** Epoch ms. */
  readonly datetimeStart: number | undefined;
  readonly datetimeComplete: number | undefined;
}

/**
 * True when the state is final (`COMPLETE`, `PRUNED` or `FAIL`).
 *
 * @example
 * ```ts
 * isFinished("RUNNING"); // false
 * ```
 */
export function isFinished(state: TrialState): boolean {
  return state === "COMPLETE" || state === "PRUNED" || state === "FAIL";
}

/**
 * The highest step a trial reported, or `undefined` when it reported nothing.
 *
 * @example
 * ```ts
 * lastStep(trial); // e.g. 9
 * ```
 */
export function lastStep(trial: FrozenTrial): number | undefined {
  let last: number | undefined;
  for (const step of trial.intermediateValues.keys())
    if (last === undefined || step > last) last = step;
  return last;
}

/**
 * The best of several trials' values for a direction; `undefined` when none completed.
 *
 * @example
 * ```ts
 * bestOf(study.trials, "minimize")?.number;
 * ```
 */
export function bestOf(
  trials: readonly FrozenTrial[],
  direction: StudyDirection,
): FrozenTrial | undefined {
  let best: FrozenTrial | undefined;
  for (const t of trials) {
    if (t.state !== "COMPLETE" || t.value === undefined) continue;
    if (
      best === undefined ||
      (direction === "minimize"
        ? t.value < (best.value as number)
        : t.value > (best.value as number))
    )
      best = t;
  }
  return best;
}
