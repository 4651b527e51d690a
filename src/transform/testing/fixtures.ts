import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  booleanColumn,
  type Column,
  categoricalFromValues,
  Frame,
  numericColumn,
  timestampColumn,
} from "../../core/index.js";

/** A column as the fixture script writes it. */
export interface FixtureColumn {
  readonly kind: "numeric" | "categorical" | "timestamp" | "boolean";
  /** Numbers, strings or booleans; null is missing; "Infinity" / "-Infinity" in numeric columns. */
  readonly values: readonly (number | string | boolean | null)[];
}

/** A dataset as the fixture script writes it. */
export interface FixtureFrame {
  readonly names: readonly string[];
  readonly columns: readonly FixtureColumn[];
}

/** One scikit-learn comparison case. */
export interface FixtureCase {
  readonly name: string;
  readonly estimator: string;
  readonly params: Record<string, unknown>;
  readonly fit: { readonly dataset: string; readonly columns: readonly string[] };
  readonly apply: { readonly dataset: string; readonly columns: readonly string[] };
  readonly y?: FixtureColumn;
  readonly expected: {
    readonly names: readonly string[];
    readonly columns: readonly (readonly (number | null)[])[];
  };
  readonly expectedFitTransform?: FixtureCase["expected"];
}

/** An input scikit-learn refuses; keel must refuse it too, with a KeelError of `keelCode`. */
export interface FixtureRefusal {
  readonly name: string;
  readonly estimator: string;
  readonly params: Record<string, unknown>;
  readonly fit: { readonly dataset: string; readonly columns: readonly string[] };
  readonly sklearnError: string;
  readonly keelCode: string;
}

/** `np.sum` and `np.nansum` of one fixture column, bit for bit. */
export interface FixtureSum {
  readonly dataset: string;
  readonly column: string;
  readonly sum: number | null;
  readonly nansum: number;
}

/** The committed fixture file produced by gen-sklearn.py. */
export interface Fixtures {
  readonly sklearn: string;
  readonly datasets: Readonly<Record<string, FixtureFrame>>;
  readonly cases: readonly FixtureCase[];
  readonly refusals: readonly FixtureRefusal[];
  readonly sums: readonly FixtureSum[];
}

/**
 * Loads src/transform/fixtures/sklearn.json.
 *
 * @example
 * ```ts
 * const { cases } = loadFixtures();
 * ```
 */
export function loadFixtures(): Fixtures {
  const path = fileURLToPath(new URL("../fixtures/sklearn.json", import.meta.url));
  return JSON.parse(readFileSync(path, "utf8")) as Fixtures;
}

/**
 * A fixture column as a keel column.
 *
 * @example
 * ```ts
 * fixtureColumn({ kind: "numeric", values: [1, null] });
 * ```
 */
export function fixtureColumn(column: FixtureColumn): Column {
  if (column.kind === "categorical")
    return categoricalFromValues(column.values.map((v) => (v === null ? null : String(v))));
  if (column.kind === "boolean") return booleanColumn(column.values.map((v) => v === true));
  const numbers = column.values.map((v) => (v === null ? Number.NaN : Number(v)));
  return column.kind === "timestamp" ? timestampColumn(numbers) : numericColumn(numbers);
}

/**
 * The named columns of a fixture dataset as a Frame.
 *
 * @example
 * ```ts
 * fixtureFrame(fixtures, { dataset: "telco_fit", columns: ["tenure"] });
 * ```
 */
export function fixtureFrame(
  fixtures: Fixtures,
  ref: { dataset: string; columns: readonly string[] },
): Frame {
  const data = fixtures.datasets[ref.dataset];
  if (data === undefined) throw new Error(`fixture dataset '${ref.dataset}' is missing`);
  return Frame.fromColumns(
    ref.columns.map((name) => {
      const column = data.columns[data.names.indexOf(name)];
      if (column === undefined) throw new Error(`fixture column '${name}' is missing`);
      return [name, fixtureColumn(column)] as const;
    }),
  );
}
