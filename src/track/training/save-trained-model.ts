import {
  type FittedModel,
  type FittedTransformer,
  type Frame,
  numericColumn,
} from "../../core/index.js";
import { datasetVersion } from "../../data/index.js";
import { rowFingerprint } from "../../evaluate/index.js";
import { type BatchPredictions, predictBatch, saveModel } from "../../models/index.js";
import { buildProfile, profileToState } from "../../monitor/index.js";
import type { ActiveRun } from "../active-run.js";
import { keelVersion } from "../code-version.js";

/**
 * What {@link saveTrainedModel} writes besides the model: the feature columns it was trained
 * on and where they came from.
 *
 * @example
 * ```ts
 * const options: SaveTrainedModelOptions = { model, x: train.drop(["churn"]), target: "churn",
 *   positive: "Yes", metrics: { "cv.rocAuc": 0.87 }, run, trainedOn: "data/train.csv" };
 * ```
 */
export interface SaveTrainedModelOptions {
  readonly model: FittedModel;
  /** The training features, without the target: the bundle's input signature and row fingerprint. */
  readonly x: Frame;
  readonly target: string;
  readonly positive?: string;
  /** Fitted preprocessing that ran before the model (it is saved in the bundle and runs per request). */
  readonly preprocessor?: FittedTransformer;
  readonly metrics?: Readonly<Record<string, number>>;
  /** The estimator's parameters, for the lineage and the run. */
  readonly params: Readonly<Record<string, unknown>>;
  /**
   * The rows monitoring compares live traffic with (features; the model's scores are added as
   * the `prediction` column). Default: the training rows. A holdout is the better reference
   * when the training rows span weeks: in-sample scores would make the prediction baseline
   * drift with time alone.
   */
  readonly reference?: Frame;
  /** The model's predictions on `x` when already computed (the training metrics' scores): not predicted again. */
  readonly trainingPredictions?: BatchPredictions;
  /** The training data, for the lineage's content hash: a file path (hashes its bytes) or a frame. Default: `x`. */
  readonly data?: string | Frame;
  /** Training file or source name, for people (`lineage.trainedOn`). */
  readonly trainedOn?: string;
  /** Default: keel's version. */
  readonly codeVersion?: string;
  /** Default: now. A pipeline step passes its logical date, so a replayed week records that week. */
  readonly createdAt?: Date;
  /**
   * The tracked run that trained the model: the lineage names it, and it gets the params,
   * metrics, the training data as input and the bundle as artifact `model` (so
   * `runs:/<id>/model` resolves). The caller ends it.
   */
  readonly run?: ActiveRun;
}

/**
 * The implementation of the track module's `saveTrainedModel` (loaded on its first call; see
 * load-on-call.ts).
 *
 * @example
 * ```ts
 * await (await import("./save-trained-model.js")).saveTrainedModel("models/churn", options);
 * ```
 */
export async function saveTrainedModel(
  dir: string,
  options: SaveTrainedModelOptions,
): Promise<{ dataHash: string }> {
  const { model, x, target, preprocessor, run } = options;
  const metrics = options.metrics ?? {};
  const modelInput = (f: Frame): Frame => (preprocessor ? preprocessor.transform(f) : f);
  const reference = (options.reference ?? x).select(x.columnNames);
  const scores =
    options.reference === undefined && options.trainingPredictions !== undefined
      ? options.trainingPredictions
      : predictBatch(model, modelInput(reference));
  const referenceProfile = profileToState(
    buildProfile(withPredictionColumn(reference, model, scores)),
  );
  const dataHash = await datasetVersion(options.data ?? x);
  await saveModel(dir, {
    model,
    referenceProfile,
    ...(preprocessor ? { preprocessor } : {}),
    inputSignature: { columns: x.schema(), target },
    ...(options.positive === undefined ? {} : { positiveClass: options.positive }),
    metrics,
    lineage: {
      dataHash,
      rows: rowFingerprint(x),
      params: options.params,
      codeVersion: options.codeVersion ?? keelVersion(),
      ...(run ? { runId: run.id } : {}),
      ...(options.trainedOn === undefined ? {} : { trainedOn: options.trainedOn }),
      createdAt: (options.createdAt ?? new Date()).toISOString(),
    },
  });
  if (run) {
    await run.logParams(loggableParams(options.params));
    run.logMetrics(metrics);
    await run.logInput({
      name: target,
      digest: dataHash.slice(0, 12),
      source: options.trainedOn ?? (typeof options.data === "string" ? options.data : "frame"),
      context: "training",
    });
    await run.logArtifact(dir, "model");
  }
  return { dataHash };
}

/**
 * The features plus the model's scores on them as a `prediction` column (P(positive class) for
 * binary tasks, the value for regression; none for multiclass), for the reference profile that
 * monitoring compares live traffic and its predictions against.
 */
function withPredictionColumn(
  x: Frame,
  model: FittedModel,
  { proba, predicted }: BatchPredictions,
): Frame {
  if (x.has("prediction") || model.task === "multiclass") return x;
  if (model.task === "regression" || !proba)
    return x.withColumn("prediction", numericColumn(predicted));
  const k = model.classes.length;
  // Column 1 is P(positive class), as `keel predict` writes it.
  const scores = new Float64Array(x.nRows);
  for (let i = 0; i < x.nRows; i++) scores[i] = proba[i * k + 1] as number;
  return x.withColumn("prediction", numericColumn(scores));
}

/** Params as MLflow takes them: scalars as they are, anything else as JSON; undefined left out. */
function loggableParams(
  params: Readonly<Record<string, unknown>>,
): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    out[k] =
      typeof v === "number" || typeof v === "boolean" || typeof v === "string"
        ? v
        : JSON.stringify(v);
  }
  return out;
}
