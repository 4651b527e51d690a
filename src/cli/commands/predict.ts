import { mkdir } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { type Column, categoricalColumn, Frame, numericColumn } from "../../core/index.js";
import { writeFrame } from "../../data/index.js";
import { type ModelBundle, readBundleData } from "../../models/index.js";
import { openModelBundle } from "../../serve/index.js";
import { type CommandContext, defineCommand, requireOption } from "../command.js";
import { dataPath } from "./data-profile.js";
import { cliLogger } from "./train.js";

/**
 * `keel predict`: scores a data file with a model bundle (a directory or a registry URI
 * `models:/NAME@ALIAS`) and writes predictions in input order. Binary: `prediction` =
 * P(positive class); multiclass: `p_<class>` per class and `prediction` = the most likely
 * class; regression: `prediction`.
 *
 * @example
 * ```sh
 * keel predict --model models/churn --data new.csv --out scores.csv
 * ```
 */
export const predictCommand = defineCommand({
  path: ["predict"],
  summary: "Score a data file with a model bundle",
  usage: "--model DIR|models:/NAME@ALIAS --data FILE --out FILE.csv",
  positionals: [0, 0],
  options: {
    model: {
      type: "string",
      valueName: "DIR",
      description: "model bundle directory or models:/NAME@ALIAS",
    },
    data: {
      type: "string",
      valueName: "FILE",
      description: "rows to score (extra columns are ignored)",
    },
    out: {
      type: "string",
      valueName: "FILE",
      description: "where to write the predictions (CSV, TSV or Parquet)",
    },
  },
  examples: ["keel predict --model models/churn --data telco.csv --out scores.csv"],
  async run(ctx) {
    const modelRef = requireOption(ctx, "model");
    const dataFile = dataPath(ctx, requireOption(ctx, "data"));
    const out = resolve(ctx.cwd, requireOption(ctx, "out"));
    const bundle = await openModelBundle(ctx.cwd, modelRef);
    // The bundle's own column kinds, not ones re-inferred from this batch.
    const frame = await readBundleData(bundle.inputSignature, dataFile);
    const started = performance.now();
    const predictions = predictionFrame(bundle, frame, ctx);
    const seconds = (performance.now() - started) / 1000;
    await mkdir(dirname(out), { recursive: true });
    await writeFrame(predictions, out);
    const summary = {
      rows: frame.nRows,
      out,
      task: bundle.task,
      columns: predictions.columnNames,
      seconds,
    };
    if (ctx.json) ctx.out(`${JSON.stringify(summary)}\n`);
    else
      ctx.out(
        `Wrote ${frame.nRows.toLocaleString("en-US")} predictions (${bundle.task}) to ${out} in ${seconds.toFixed(2)} s\n`,
      );
    return 0;
  },
});

/**
 * The prediction file's columns, per DESIGN.md's contract, rows in input order.
 *
 * @example
 * ```ts
 * const out = predictionFrame(bundle, frame, ctx); // binary: one column "prediction"
 * ```
 */
export function predictionFrame(bundle: ModelBundle, frame: Frame, ctx: CommandContext): Frame {
  const logger = cliLogger(ctx);
  const n = frame.nRows;
  if (bundle.task === "regression") {
    return Frame.fromColumns({ prediction: numericColumn(bundle.predict(frame, { logger })) });
  }
  const proba = bundle.predictProba(frame, { logger });
  const classes = bundle.classes;
  const k = classes.length;
  if (bundle.task === "binary") {
    const positive = new Float64Array(n);
    for (let i = 0; i < n; i++) positive[i] = proba[2 * i + 1]!;
    return Frame.fromColumns({ prediction: numericColumn(positive) });
  }
  const columns: [string, Column][] = classes.map((c, j) => {
    const p = new Float64Array(n);
    for (let i = 0; i < n; i++) p[i] = proba[i * k + j]!;
    return [`p_${c}`, numericColumn(p)];
  });
  const best = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let top = 0;
    for (let j = 1; j < k; j++) if (proba[i * k + j]! > proba[i * k + top]!) top = j;
    best[i] = top;
  }
  columns.push(["prediction", categoricalColumn(best, classes)]);
  return Frame.fromColumns(columns);
}
