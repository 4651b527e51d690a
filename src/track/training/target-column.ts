import { type Column, columnNotFound, type Frame, KeelError } from "../../core/index.js";

/**
 * The target column of a training frame, or `KEEL_ERR_TARGET_INVALID` naming where the target
 * was given and the closest column names.
 *
 * @example
 * ```ts
 * const y = targetColumnOf(frame, "churn", "--target in telco.csv");
 * ```
 */
export function targetColumnOf(frame: Frame, target: string, where: string): Column {
  const column = frame.get(target);
  if (column === undefined) {
    const notFound = columnNotFound(target, frame.columnNames, where);
    throw new KeelError("KEEL_ERR_TARGET_INVALID", notFound.message, {
      details: notFound.details,
    });
  }
  return column;
}
