import type { ColumnKind, Frame } from "../../core/index.js";
import { type DataSource, type ReadOptions, readFrame } from "../../data/index.js";
import type { InputSignature } from "./bundle-format.js";

/**
 * Options of {@link readBundleData}: those of `readFrame` but the schema, which the bundle gives.
 *
 * @example
 * ```ts
 * const options: BundleReadOptions = { sql: "SELECT * FROM data WHERE tenure > 0" };
 * ```
 */
export type BundleReadOptions = Omit<ReadOptions, "schema">;

/**
 * The query that yields only a source's column names: the same rows the real read sees, none
 * of them fetched.
 */
function headerQuery(source: DataSource, options: BundleReadOptions): DataSource | string {
  if (typeof source === "string")
    return `SELECT * FROM (${options.sql ?? "SELECT * FROM data"}) AS keel_header LIMIT 0`;
  return { ...source, sql: `SELECT * FROM (${source.sql}) AS keel_header LIMIT 0` };
}

/**
 * Reads data to score with a model bundle, typing the columns the model knows by the kinds in
 * its input signature instead of re-inferring them from this batch. A batch whose values happen
 * to look different from training (every `total_charges` blank, a categorical whose values here
 * all look numeric, a boolean column left empty) still reads as the model expects: blanks become
 * missing values and numeric-looking text stays categorical. Columns the model does not know
 * (the target, ids) are inferred as usual; a column the model needs but the data lacks is left
 * for {@link ModelBundle.prepare} to report with every other missing one.
 *
 * `keel predict`, `keel eval` and serving all read through this, so one batch reads the same
 * everywhere.
 *
 * @example
 * ```ts
 * const bundle = await loadModel("models/churn");
 * const frame = await readBundleData(bundle.inputSignature, "new-customers.csv");
 * bundle.predictProba(frame);
 * ```
 */
export async function readBundleData(
  signature: InputSignature,
  source: DataSource,
  options: BundleReadOptions = {},
): Promise<Frame> {
  const header = headerQuery(source, options);
  const names = new Set(
    (typeof source === "string"
      ? await readFrame(source, { ...options, sql: header as string })
      : await readFrame(header)
    ).columnNames,
  );
  const schema: Record<string, ColumnKind> = {};
  for (const column of signature.columns)
    if (names.has(column.name)) schema[column.name] = column.kind;
  return readFrame(source, { ...options, schema });
}
