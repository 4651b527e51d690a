import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { KeelError } from "../../core/index.js";
import { exportOnnx, FittedGbdt, ONNX_OPSET, onnxVersions } from "../../models/index.js";
import { openModelBundle } from "../../serve/index.js";
import { defineCommand, read } from "../command.js";
import { keelVersion } from "../run.js";

/**
 * `keel models export --format onnx DIR --out FILE.onnx`: writes a GBDT bundle's model as an ONNX
 * graph (`ai.onnx.ml` TreeEnsemble) that ONNX Runtime and other ONNX runtimes score. Only
 * bundles without a preprocessing pipeline export, since the graph holds the trees alone.
 *
 * @example
 * ```sh
 * keel models export --format onnx models/churn --out churn.onnx
 * ```
 */
export const modelsExportCommand = defineCommand({
  path: ["models", "export"],
  summary: "Export a GBDT model bundle to ONNX",
  usage: "--format onnx DIR|models:/NAME@ALIAS --out FILE.onnx",
  positionals: [1, 1],
  description:
    'One graph input per model feature, named after it: [N,1] double for numeric features (NaN is missing), [N,1] string for categorical ones (a string unseen at training, e.g. "", is missing). Outputs: probabilities and label (classifiers) or prediction (regression), plus margins.',
  options: {
    format: { type: "string", valueName: "FORMAT", description: "onnx" },
    out: { type: "string", valueName: "FILE", description: "where to write the .onnx file" },
    "target-opset": {
      type: "string",
      valueName: "N",
      description:
        "ai.onnx opset, 11 to 21 (default 17: classic TreeEnsembleRegressor, ai.onnx.ml 3, IR 8); 21 writes ai.onnx.ml 5 TreeEnsemble (IR 10)",
    },
  },
  examples: [
    "keel models export --format onnx models/churn --out churn.onnx",
    "keel models export --format onnx models/churn --target-opset 21 --out churn-v21.onnx",
  ],
  async run(ctx) {
    const format = read.string(ctx.options, "format");
    if (format !== "onnx") {
      throw new KeelError(
        "KEEL_ERR_USAGE",
        `--format must be 'onnx'. Got ${format === undefined ? "nothing" : `'${format}'`} instead.`,
        { details: { option: "format", received: format ?? null } },
      );
    }
    const out = read.string(ctx.options, "out");
    if (out === undefined || out === "") {
      throw new KeelError(
        "KEEL_ERR_USAGE",
        `keel models export needs --out FILE.onnx, the file to write. Got ${out === undefined ? "no --out" : "an empty --out"} instead. See 'keel models export --help'.`,
        { details: { option: "out", expected: "FILE.onnx", received: out ?? null } },
      );
    }
    const opsetText = read.string(ctx.options, "target-opset");
    const targetOpset = opsetText === undefined ? ONNX_OPSET : Number(opsetText);
    if (!Number.isInteger(targetOpset)) {
      throw new KeelError(
        "KEEL_ERR_USAGE",
        `--target-opset must be an integer from 11 to 21. Got '${opsetText}' instead.`,
        { details: { option: "target-opset", received: opsetText ?? null } },
      );
    }
    const versions = onnxVersions(targetOpset);
    const ref = ctx.positionals[0] ?? "";
    const bundle = await openModelBundle(ctx.cwd, ref);
    const model = bundle.model;
    if (!(model instanceof FittedGbdt) || bundle.preprocessor !== undefined) {
      const got = bundle.preprocessor
        ? `a ${model.toState().type} with a preprocessing pipeline`
        : `a ${model.toState().type}`;
      throw new KeelError(
        "KEEL_ERR_UNSUPPORTED",
        `${ref}: only GBDT bundles without preprocessing export to ONNX; this bundle holds ${got}.`,
        {
          details: {
            bundle: ref,
            model: model.toState().type,
            preprocessing: !!bundle.preprocessor,
          },
        },
      );
    }
    const bytes = exportOnnx(model, {
      targetOpset,
      producerVersion: keelVersion(),
      ...(bundle.positiveClass === undefined
        ? {}
        : { metadata: { "keel.positive_class": bundle.positiveClass } }),
    });
    const file = resolve(ctx.cwd, out);
    try {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, bytes);
    } catch (error) {
      throw new KeelError(
        "KEEL_ERR_WRITE_FAILED",
        `Could not write the ONNX model to '${out}': ${error instanceof Error ? error.message : String(error)}`,
        { details: { file }, cause: error },
      );
    }
    const summary = {
      out: file,
      task: model.task,
      trees: model.nTrees,
      features: model.features.length,
      bytes: bytes.length,
      opset: versions.opset,
      mlOpset: versions.mlOpset,
      irVersion: versions.irVersion,
      treeOperator: versions.trees,
    };
    if (ctx.json) ctx.out(`${JSON.stringify(summary)}\n`);
    else
      ctx.out(
        `Exported ${model.nTrees} trees (${model.task}, ${model.features.length} features) from ${ref} → ${file} (${bytes.length.toLocaleString("en-US")} bytes; opset ${versions.opset}, ai.onnx.ml ${versions.mlOpset} ${versions.trees}, IR ${versions.irVersion})\n`,
      );
    return 0;
  },
});
