import { KeelError } from "../../core/index.js";
import type { FeedbackLabel, ModelHandle } from "../../serve/index.js";

interface Issue {
  readonly path: string;
  readonly expected: string;
  readonly received: unknown;
}

/** Labels A/B analysis reads as positive/negative for any binary model. */
const BINARY_CODES: readonly FeedbackLabel[] = [0, 1, true, false, "0", "1", "true", "false"];

/** What a label must be for the deployment's models, or undefined when it is one. */
function labelExpectation(
  label: FeedbackLabel,
  models: readonly ModelHandle[],
): string | undefined {
  const tasks = new Set(models.map((m) => m.bundle.task));
  // No model loaded yet, or variants of different tasks: nothing to check the label against.
  if (tasks.size !== 1 && !(tasks.size === 2 && !tasks.has("regression"))) return undefined;
  if (tasks.has("regression")) return typeof label === "number" ? undefined : "a finite number";
  const classes = [...new Set(models.flatMap((m) => m.bundle.classes))];
  if (typeof label !== "boolean" && classes.includes(String(label))) return undefined;
  if (tasks.has("binary") && BINARY_CODES.includes(label)) return undefined;
  const codes = tasks.has("binary") ? ", or 0/1/true/false" : "";
  return `one of the model's classes (${classes.map((c) => JSON.stringify(c)).join(", ")}${codes})`;
}

/**
 * Reads a feedback body `{ requestId, label }`, checking the label against the deployment's
 * models: one of a classifier's classes (or 0/1/true/false for a binary one), a finite number
 * for a regressor. A label no analysis can read would otherwise be stored and silently counted
 * as a negative. Every problem is listed with its JSON path in one `KEEL_ERR_INVALID_ARGUMENT`.
 *
 * @example
 * ```ts
 * const { requestId, label } = feedbackBody(request.body, Object.values(runtime.variantModels("churn")));
 * ```
 */
export function feedbackBody(
  body: unknown,
  models: readonly ModelHandle[],
): { requestId: string; label: FeedbackLabel } {
  const b = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  const issues: Issue[] = [];
  if (typeof b.requestId !== "string" || b.requestId === "")
    issues.push({
      path: "$.requestId",
      expected: "a request id string",
      received: b.requestId ?? null,
    });
  const label = b.label;
  if (
    !(
      typeof label === "string" ||
      typeof label === "boolean" ||
      (typeof label === "number" && Number.isFinite(label))
    )
  )
    issues.push({
      path: "$.label",
      expected: "a class label, a finite number or a boolean",
      // JSON.parse reads 1e400 as Infinity, which JSON cannot carry back.
      received: typeof label === "number" ? String(label) : (label ?? null),
    });
  else {
    const expected = labelExpectation(label, models);
    if (expected !== undefined) issues.push({ path: "$.label", expected, received: label });
  }
  if (issues.length > 0)
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `feedback needs { requestId, label }: ${issues.map((i) => `${i.path} must be ${i.expected}, got ${JSON.stringify(i.received)}`).join("; ")}`,
      { details: { errors: issues } },
    );
  return { requestId: b.requestId as string, label: label as FeedbackLabel };
}
