import { KeelError } from "../core/index.js";
import type { FeatureRepo } from "./feature-repo.js";
import { INTERNAL } from "./sql-text.js";

/**
 * Checks that entity rows have `event_timestamp` and every join key of the requested views,
 * and no column named like keel's helper columns. Throws `KEEL_ERR_ENTITY_ROWS` naming the
 * view and the missing column.
 *
 * @example
 * ```ts
 * checkEntityColumns(frame.columnNames, [["customer_stats", "tenure"]], repo, "labels.csv");
 * ```
 */
export function checkEntityColumns(
  names: readonly string[],
  features: readonly (readonly [string, string])[],
  repo: FeatureRepo,
  label: string,
): void {
  const have = new Set(names);
  if (!have.has("event_timestamp")) {
    throw new KeelError(
      "KEEL_ERR_ENTITY_ROWS",
      `${label}: entity rows need an 'event_timestamp' column (the time each row's features are taken at); columns: ${names.join(", ")}`,
      { details: { source: label, column: "event_timestamp", columns: names } },
    );
  }
  for (const name of names) {
    if (name.startsWith(INTERNAL)) {
      throw new KeelError(
        "KEEL_ERR_ENTITY_ROWS",
        `${label}: column '${name}' uses the reserved prefix '${INTERNAL}'`,
        {
          details: { source: label, column: name },
        },
      );
    }
  }
  for (const viewName of new Set(features.map(([v]) => v))) {
    const view = repo.view(viewName);
    for (const key of view.joinKeys) {
      if (!have.has(key)) {
        throw new KeelError(
          "KEEL_ERR_ENTITY_ROWS",
          `${label}: entity rows lack join key '${key}' of feature view '${view.name}'; columns: ${names.join(", ")}`,
          { details: { source: label, view: view.name, column: key, columns: names } },
        );
      }
    }
  }
}

/**
 * The error for one bad entity row, numbered from 1 (and as a file line when the rows came from
 * a CSV file with a header).
 *
 * @example
 * ```ts
 * throw entityRowError("labels.csv", 4, "event_timestamp", "has no event_timestamp");
 * ```
 */
export function entityRowError(
  label: string,
  rowIndex: number,
  column: string,
  problem: string,
): KeelError {
  const line = /\.csv$/i.test(label) ? ` (${label}:${rowIndex + 2})` : "";
  return new KeelError(
    "KEEL_ERR_ENTITY_ROWS",
    `${label}: entity row ${rowIndex + 1}${line} ${problem}`,
    {
      details: { source: label, row: rowIndex + 1, column },
    },
  );
}
