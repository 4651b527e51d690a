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
  /**
   * The objective value; set only when `state` is `COMPLETE` and the study has one objective
   * (a multi-objective trial has `values` only, as Optuna's `trial.value` refuses them).
   */
  readonly value: number | undefined;
  /** Every objective value, one per study direction; set only when `state` is `COMPLETE`. */
  readonly values: readonly number[] | undefined;
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

/**
 * The directions of a study as a list: one direction becomes a list of one.
 *
 * @example
 * ```ts
 * toDirections("minimize"); // ["minimize"]
 * ```
 */
export function toDirections(
  direction: StudyDirection | readonly StudyDirection[],
): StudyDirection[] {
  return typeof direction === "string" ? [direction] : [...direction];
}

/**
 * True when trial `a` dominates trial `b` under the directions: both COMPLETE, `a` at least as
 * good in every objective and better in one (equal values dominate neither way, as in Optuna).
 *
 * @example
 * ```ts
 * dominates(a, b, ["minimize", "maximize"]);
 * ```
 */
export function dominates(
  a: FrozenTrial,
  b: FrozenTrial,
  directions: readonly StudyDirection[],
): boolean {
  const va = a.values;
  const vb = b.values;
  if (a.state !== "COMPLETE" || b.state !== "COMPLETE" || va === undefined || vb === undefined)
    return false;
  let better = false;
  for (let i = 0; i < directions.length; i++) {
    const sign = directions[i] === "maximize" ? -1 : 1;
    const x = sign * (va[i] as number);
    const y = sign * (vb[i] as number);
    if (x > y) return false;
    if (x < y) better = true;
  }
  return better;
}

/**
 * The Pareto front of the COMPLETE trials: those no other trial dominates, ordered by number.
 * Trials with identical values are all kept (neither dominates the other).
 *
 * @example
 * ```ts
 * paretoFront(study.trials, ["minimize", "maximize"]).map((t) => t.values);
 * ```
 */
export function paretoFront(
  trials: readonly FrozenTrial[],
  directions: readonly StudyDirection[],
): FrozenTrial[] {
  const complete = trials.filter((t) => t.state === "COMPLETE" && t.values !== undefined);
  return complete
    .filter((t) => !complete.some((other) => dominates(other, t, directions)))
    .sort((a, b) => a.number - b.number);
}
