import { describeValue, KeelError } from "../../core/index.js";
import { checkNotEmpty, checkSameLength } from "../internal/validate.js";

/**
 * What each kind of mistake (or hit) costs, by true class then predicted class, with the
 * classes named as the model names them. Pairs left out cost 0, so a binary churn policy
 * only lists its two mistakes.
 *
 * @example
 * ```ts
 * // a missed churner costs 5, a needless retention offer 1
 * const costs: CostMatrix = { Yes: { No: 5 }, No: { Yes: 1 } };
 * ```
 */
export type CostMatrix = Readonly<Record<string, Readonly<Record<string, number>>>>;

/**
 * The mean cost per row of a model's decisions: Σ cost[true][predicted] over rows, divided by
 * the number of rows — the business metric behind "a missed churner costs five times a wasted
 * offer". Lower is better. `yTrue` and `yPred` are class indices into `classes`; binary
 * decisions come from the decision threshold, so the cost moves with it.
 *
 * @example
 * ```ts
 * expectedCost([1, 0, 1, 0], [0, 0, 1, 1], ["No", "Yes"], { Yes: { No: 5 }, No: { Yes: 1 } }); // (5 + 1) / 4 = 1.5
 * ```
 */
export function expectedCost(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  classes: readonly string[],
  costs: CostMatrix,
): number {
  checkSameLength("expectedCost", yTrue, yPred, "yPred");
  checkNotEmpty("expectedCost", yTrue);
  const matrix = costMatrixOf(costs, classes);
  const k = classes.length;
  let total = 0;
  for (let i = 0; i < yTrue.length; i++) {
    total += matrix[(yTrue[i] as number) * k + (yPred[i] as number)]!;
  }
  return total / yTrue.length;
}

/**
 * The cost matrix as a dense row-major `k × k` array over `classes` (true class × predicted
 * class), refusing class names the model does not have and costs that are not finite numbers.
 *
 * @example
 * ```ts
 * costMatrixOf({ Yes: { No: 5 } }, ["No", "Yes"]); // Float64Array [0, 0, 5, 0]
 * ```
 */
export function costMatrixOf(costs: CostMatrix, classes: readonly string[]): Float64Array {
  const k = classes.length;
  const matrix = new Float64Array(k * k);
  const index = (label: string, role: string): number => {
    const at = classes.indexOf(label);
    if (at < 0) {
      throw new KeelError(
        "KEEL_ERR_INVALID_ARGUMENT",
        `expectedCost: the cost matrix names ${role} class '${label}', which is not one of the model's classes (${classes.map((c) => `'${c}'`).join(", ")}).`,
        { details: { parameter: "costMatrix", label, classes } },
      );
    }
    return at;
  };
  for (const [actual, row] of Object.entries(costs)) {
    const i = index(actual, "true");
    for (const [predicted, cost] of Object.entries(row)) {
      if (typeof cost !== "number" || !Number.isFinite(cost)) {
        throw new KeelError(
          "KEEL_ERR_INVALID_ARGUMENT",
          `expectedCost: costMatrix.${actual}.${predicted} must be a finite number. Got ${describeValue(cost)} instead.`,
          { details: { parameter: "costMatrix", actual, predicted } },
        );
      }
      matrix[i * k + index(predicted, "predicted")] = cost;
    }
  }
  return matrix;
}
