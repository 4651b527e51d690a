import { KeelError } from "../core/index.js";
import type { ResolvedView } from "./feature-repo.js";
import { type DescribedColumn, typeFamily } from "./sql-text.js";

/**
 * Checks that a view's source has its join keys, timestamp field, created-timestamp field and
 * every feature, with types that fit the declared kinds (numeric from numbers, boolean from
 * booleans, timestamp from dates/timestamps or text; categorical and string from anything).
 * Throws one `KEEL_ERR_FEATURE_DEFINITION` listing every mismatch, naming the view and column.
 *
 * @example
 * ```ts
 * checkSourceColumns(view, [{ name: "customer_id", type: "BIGINT" }, …]);
 * ```
 */
export function checkSourceColumns(view: ResolvedView, columns: readonly DescribedColumn[]): void {
  const types = new Map(columns.map((c) => [c.name, c.type]));
  const issues: string[] = [];
  const where = view.definition.definedAt === undefined ? "" : `${view.definition.definedAt}: `;
  const need = (
    name: string,
    role: string,
    fits: (family: ReturnType<typeof typeFamily>) => boolean,
  ) => {
    const type = types.get(name);
    if (type === undefined) {
      issues.push(
        `${where}feature view '${view.name}': ${role} '${name}' is not a column of its source (columns: ${[...types.keys()].join(", ")})`,
      );
    } else if (!fits(typeFamily(type))) {
      issues.push(
        `${where}feature view '${view.name}': ${role} '${name}' has source type ${type}, which does not fit`,
      );
    }
  };
  for (const key of view.joinKeys) need(key, "join key", () => true);
  const time = (f: string) => f === "time" || f === "text" || f === "number";
  need(view.definition.timestampField, "timestampField", time);
  if (view.definition.createdTimestampField !== undefined)
    need(view.definition.createdTimestampField, "createdTimestampField", time);
  for (const feature of view.features) {
    need(feature.name, `${feature.kind} feature`, (family) => {
      switch (feature.kind) {
        case "numeric":
          return family === "number" || family === "boolean";
        case "boolean":
          return family === "boolean" || family === "text" || family === "number";
        case "timestamp":
          return family === "time" || family === "text";
        default:
          return true;
      }
    });
  }
  if (issues.length > 0) {
    throw new KeelError("KEEL_ERR_FEATURE_DEFINITION", issues.join("\n"), {
      details: { view: view.name, issues },
    });
  }
}

/**
 * Checks only that a view's source has every column the view names (join keys, timestamps,
 * features): the cheap check every retrieval makes before its query runs.
 *
 * @example
 * ```ts
 * checkSourceColumnsPresent(view, await describe(relation));
 * ```
 */
export function checkSourceColumnsPresent(
  view: ResolvedView,
  columns: readonly DescribedColumn[],
): void {
  const names = new Set(columns.map((c) => c.name));
  const needed = [
    ...view.joinKeys,
    view.definition.timestampField,
    ...(view.definition.createdTimestampField ? [view.definition.createdTimestampField] : []),
    ...view.features.map((f) => f.name),
  ];
  const missing = needed.filter((n) => !names.has(n));
  if (missing.length > 0) {
    throw new KeelError(
      "KEEL_ERR_FEATURE_DEFINITION",
      `feature view '${view.name}': its source has no column${missing.length > 1 ? "s" : ""} ${missing.map((m) => `'${m}'`).join(", ")} (it has ${[...names].join(", ")})`,
      { details: { view: view.name, missing, columns: [...names] } },
    );
  }
}
