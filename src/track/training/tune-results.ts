import type { Task } from "../../core/index.js";
import type { FrozenTrial } from "../../tune/index.js";

/**
 * The metric {@link tuneGbdt} optimises when none is given: AUC for a binary task, log loss for
 * a multiclass one, RMSE for regression.
 *
 * @example
 * ```ts
 * defaultTuneMetric("binary"); // "rocAuc"
 * ```
 */
export function defaultTuneMetric(task: Task): "rocAuc" | "logLoss" | "rmse" {
  return task === "regression" ? "rmse" : task === "binary" ? "rocAuc" : "logLoss";
}

/**
 * Trials by final state (running and waiting ones are not counted).
 *
 * @example
 * ```ts
 * countTrialStates(study.trials); // { COMPLETE: 44, PRUNED: 6, FAIL: 0 }
 * ```
 */
export function countTrialStates(
  trials: readonly FrozenTrial[],
): Record<"COMPLETE" | "PRUNED" | "FAIL", number> {
  const counts = { COMPLETE: 0, PRUNED: 0, FAIL: 0 };
  for (const t of trials) if (t.state in counts) counts[t.state as keyof typeof counts]++;
  return counts;
}
