import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { KeelError } from "../../core/index.js";
import { importXgboostJson, parseXgboostJsonText, saveModel } from "../../models/index.js";
import { defineCommand, read } from "../command.js";
import { keelVersion } from "../run.js";

/**
 * `keel models import --format xgboost-json FILE --out DIR`: turns a model saved by XGBoost's
 * `Booster.save_model("m.json")` into a keel bundle that `keel predict` and serving load.
 *
 * @example
 * ```sh
 * keel models import --format xgboost-json churn.json --out models/churn-xgb
 * ```
 */
export const modelsImportCommand = defineCommand({
  path: ["models", "import"],
  summary: "Import a model from another system (XGBoost JSON) as a keel bundle",
  usage: "--format xgboost-json FILE --out DIR",
  positionals: [1, 1],
  options: {
    format: { type: "string", valueName: "FORMAT", description: "xgboost-json" },
    out: { type: "string", valueName: "DIR", description: "where to write the bundle" },
  },
  examples: ["keel models import --format xgboost-json m.json --out models/m"],
  async run(ctx) {
    const format = read.string(ctx.options, "format");
    if (format !== "xgboost-json") {
      throw new KeelError(
        "KEEL_ERR_USAGE",
        `--format must be 'xgboost-json'. Got ${format === undefined ? "nothing" : `'${format}'`} instead.`,
        { details: { option: "format", received: format ?? null } },
      );
    }
    const out = read.string(ctx.options, "out");
    if (out === undefined) throw new KeelError("KEEL_ERR_USAGE", "keel models import needs --out.");
    const file = resolve(ctx.cwd, ctx.positionals[0] ?? "");
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      throw new KeelError(
        "KEEL_ERR_MODEL_IMPORT",
        `${ctx.positionals[0]}: not a readable file (${error instanceof Error ? error.message : String(error)}).`,
        { details: { file }, cause: error },
      );
    }
    const json = parseXgboostJsonText(text, ctx.positionals[0] ?? file);
    const model = importXgboostJson(json);
    const dir = resolve(ctx.cwd, out);
    await saveModel(dir, {
      model,
      inputSignature: {
        columns: model.features.map((f) => ({ name: f.name, kind: "numeric" as const })),
      },
      lineage: {
        params: {},
        importedFrom: `XGBoost JSON (${model.task})`,
        codeVersion: keelVersion(),
        trainedOn: ctx.positionals[0],
        createdAt: new Date().toISOString(),
      },
    });
    const summary = {
      bundle: dir,
      task: model.task,
      trees: model.nTrees,
      features: model.features.length,
    };
    if (ctx.json) ctx.out(`${JSON.stringify(summary)}\n`);
    else
      ctx.out(
        `Imported ${model.nTrees} trees (${model.task}) from ${ctx.positionals[0]} → ${dir}\n`,
      );
    return 0;
  },
});
