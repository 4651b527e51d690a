import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import {
  decodeState,
  type EstimatorState,
  encodeState,
  type Fitted,
  type FittedModel,
  type FittedTransformer,
  Frame,
  type FrameRecord,
  KeelError,
  type Logger,
  type StateLoaders,
  type StateValue,
  type Task,
} from "../../core/index.js";
import { loadFitted, transformLoaders } from "../../transform/index.js";
import { FittedGbdt } from "../gbdt/gbdt-model.js";
import { modelLoaders } from "../loaders.js";
import {
  BUNDLE_BUFFERS,
  BUNDLE_FORMAT_VERSION,
  BUNDLE_JSON,
  type BundleManifest,
  type InputSignature,
  type Lineage,
} from "./bundle-format.js";
import { conformRecord, type RecordIssue, recordIssuesError } from "./record-check.js";

/** What a bundle holds: the preprocessing that ran in training, the model, and its record. */
export interface ModelBundleParts {
  readonly model: FittedModel;
  readonly preprocessor?: FittedTransformer;
  readonly inputSignature: InputSignature;
  readonly positiveClass?: string;
  readonly metrics?: Readonly<Record<string, number>>;
  readonly lineage: Lineage;
  /**
   * The training data's reference profile for drift monitoring (`buildProfile` of the monitor
   * module), kept as opaque state: the bundle stores it, the monitor module reads it.
   */
  readonly referenceProfile?: StateValue;
}

/** Options of the bundle's predict methods. */
export interface BundlePredictOptions {
  readonly logger?: Logger;
}

/**
 * Options of the bundle's record methods.
 *
 * @example
 * ```ts
 * const options: RecordPredictOptions = { checked: true };
 * ```
 */
export interface RecordPredictOptions {
  /**
   * The record already went through `conformRecord` with this bundle's signature (serving
   * checks a whole request first, to list every bad field at once), so it is not checked again.
   */
  readonly checked?: boolean;
}

/**
 * Options of the bundle's batch record methods: which records of the array to score.
 *
 * @example
 * ```ts
 * const options: RecordsPredictOptions = { checked: true, from: 512, to: 1000 };
 * ```
 */
export interface RecordsPredictOptions extends RecordPredictOptions {
  /** First record scored (default 0). */
  readonly from?: number;
  /** One past the last record scored (default: all). */
  readonly to?: number;
}

/** A model with a single-record path (GBDT and the linear models have one). */
interface RecordModel {
  predictRecord(record: FrameRecord): ArrayLike<number>;
}

function hasRecordPath(model: FittedModel): model is FittedModel & RecordModel {
  return typeof (model as Partial<RecordModel>).predictRecord === "function";
}

/** A model that scores many records at once without a frame (GBDT has one). */
interface RecordsModel {
  predictRecords(records: readonly FrameRecord[], from: number, to: number): Float64Array;
}

function hasRecordsPath(model: FittedModel): model is FittedModel & RecordsModel {
  return typeof (model as Partial<RecordsModel>).predictRecords === "function";
}

/**
 * A loaded model bundle: raw input frame in, predictions out, running exactly the fitted
 * preprocessing that ran at training before the model.
 *
 * @example
 * ```ts
 * const bundle = await loadModel("models/churn");
 * const proba = bundle.predictProba(frame); // nRows × classes.length
 * ```
 */
export class ModelBundle {
  readonly model: FittedModel;
  readonly preprocessor: FittedTransformer | undefined;
  readonly inputSignature: InputSignature;
  readonly positiveClass: string | undefined;
  readonly metrics: Readonly<Record<string, number>>;
  readonly lineage: Lineage;
  readonly referenceProfile: StateValue | undefined;

  constructor(parts: ModelBundleParts) {
    this.model = parts.model;
    this.preprocessor = parts.preprocessor;
    this.inputSignature = parts.inputSignature;
    this.positiveClass = parts.positiveClass;
    this.metrics = parts.metrics ?? {};
    this.lineage = parts.lineage;
    this.referenceProfile = parts.referenceProfile;
  }

  /** The task of the model. */
  get task(): Task {
    return this.model.task;
  }

  /** Class labels in probability-column order (classifiers). */
  get classes(): readonly string[] {
    return this.model.classes;
  }

  /**
   * The model's input for a raw frame: checks that the signature's columns are there (one error
   * naming every missing one), ignores extra columns, and runs the preprocessing.
   *
   * @example
   * ```ts
   * const x = bundle.prepare(frame);
   * ```
   */
  prepare(frame: Frame): Frame {
    const missing = this.inputSignature.columns
      .map((c) => c.name)
      .filter((name) => !frame.has(name));
    if (missing.length > 0) {
      throw new KeelError(
        "KEEL_ERR_SCHEMA_MISMATCH",
        `The data lacks ${missing.length} column(s) the model needs: ${missing.map((m) => `'${m}'`).join(", ")}.`,
        { details: { missing } },
      );
    }
    const x = frame.select(this.inputSignature.columns.map((c) => c.name));
    return this.preprocessor ? this.preprocessor.transform(x) : x;
  }

  /**
   * Class probabilities, row-major `nRows × classes.length`.
   *
   * @example
   * ```ts
   * bundle.predictProba(frame);
   * ```
   */
  predictProba(frame: Frame, options: BundlePredictOptions = {}): Float64Array {
    const x = this.prepare(frame);
    return this.model instanceof FittedGbdt
      ? this.model.predictProba(x, options)
      : this.model.predictProba(x);
  }

  /**
   * Class indices (classifiers) or values (regressors).
   *
   * @example
   * ```ts
   * bundle.predict(frame);
   * ```
   */
  predict(frame: Frame, options: BundlePredictOptions = {}): Float64Array {
    const x = this.prepare(frame);
    // GBDT models take a logger for their unseen-category warning; other models have none.
    return this.model instanceof FittedGbdt
      ? this.model.predict(x, options)
      : this.model.predict(x);
  }

  /**
   * One record's class probabilities (`classes.length` numbers), the serving path: the record
   * is checked against the input signature (a string in a numeric field, a missing field: one
   * `KEEL_ERR_RECORD_INVALID` naming each), run through the fitted preprocessing with
   * `transformRecord` and the model's record path, with no frame built. The numbers equal
   * {@link predictProba}'s for the same row.
   *
   * @example
   * ```ts
   * bundle.predictProbaRecord({ tenure: 3, contract: "One year", … })[1]; // P(positive)
   * ```
   */
  predictProbaRecord(record: FrameRecord, options: RecordPredictOptions = {}): Float64Array {
    if (this.task === "regression")
      throw new KeelError(
        "KEEL_ERR_UNSUPPORTED",
        `predictProbaRecord needs a classifier; this bundle's ${this.model.type} is a regression model (use predictRecord).`,
      );
    return this.#recordOutput(record, options);
  }

  /**
   * One record's class index into `classes` (classifiers) or value (regressors), through the
   * same path as {@link predictProbaRecord}; equal to {@link predict} for the same row.
   *
   * @example
   * ```ts
   * bundle.classes[bundle.predictRecord(record)]; // "Yes"
   * ```
   */
  predictRecord(record: FrameRecord, options: RecordPredictOptions = {}): number {
    const out = this.#recordOutput(record, options);
    if (this.task === "regression") return out[0]!;
    let best = 0;
    for (let c = 1; c < out.length; c++) if (out[c]! > out[best]!) best = c;
    return best;
  }

  /**
   * Class probabilities of many records, row-major `n × classes.length`: what
   * {@link predictProbaRecord} gives for each, and {@link predictProba} for the same rows, from
   * one pass (a GBDT without preprocessing writes the records straight into its kernel's inputs;
   * other bundles score one frame built from the records).
   *
   * @example
   * ```ts
   * const proba = bundle.predictProbaRecords(records, { checked: true });
   * ```
   */
  predictProbaRecords(
    records: readonly FrameRecord[],
    options: RecordsPredictOptions = {},
  ): Float64Array {
    if (this.task === "regression")
      throw new KeelError(
        "KEEL_ERR_UNSUPPORTED",
        `predictProbaRecords needs a classifier; this bundle's ${this.model.type} is a regression model (use predictValueRecords).`,
      );
    return this.#recordsOutput(records, options);
  }

  /**
   * The predicted values of many records (regressors), as {@link predictRecord} gives each
   * and {@link predict} the same rows.
   *
   * @example
   * ```ts
   * const values = bundle.predictValueRecords(records, { checked: true });
   * ```
   */
  predictValueRecords(
    records: readonly FrameRecord[],
    options: RecordsPredictOptions = {},
  ): Float64Array {
    if (this.task !== "regression")
      throw new KeelError(
        "KEEL_ERR_UNSUPPORTED",
        `predictValueRecords needs a regression model; this bundle's ${this.model.type} is a classifier (use predictProbaRecords).`,
      );
    return this.#recordsOutput(records, options);
  }

  #recordsOutput(records: readonly FrameRecord[], options: RecordsPredictOptions): Float64Array {
    const from = options.from ?? 0;
    const to = options.to ?? records.length;
    let input = records;
    let start = from;
    let end = to;
    if (options.checked !== true) {
      const issues: RecordIssue[] = [];
      input = [];
      for (let i = from; i < to; i++)
        (input as FrameRecord[]).push(
          conformRecord(this.inputSignature, records[i], `$[${i}]`, issues),
        );
      if (issues.length > 0) throw recordIssuesError(issues);
      start = 0;
      end = input.length;
    }
    if (this.preprocessor === undefined && hasRecordsPath(this.model))
      return this.model.predictRecords(input, start, end);
    const frame = Frame.fromRecords(input.slice(start, end), this.inputSignature.columns);
    return this.task === "regression" ? this.predict(frame) : this.predictProba(frame);
  }

  /** Probabilities (classifiers) or the one value (regressors) of one record. */
  #recordOutput(record: FrameRecord, options: RecordPredictOptions): Float64Array {
    let input = record;
    if (options.checked !== true) {
      const issues: RecordIssue[] = [];
      input = conformRecord(this.inputSignature, record, "$", issues);
      if (issues.length > 0) throw recordIssuesError(issues);
    }
    const x = this.preprocessor ? this.preprocessor.transformRecord(input) : input;
    // The GBDT record path reuses its output array; callers keep what they get.
    if (hasRecordPath(this.model)) return Float64Array.from(this.model.predictRecord(x));
    // A model type from outside keel without a record path: a one-row frame.
    const frame = Frame.fromRecords([x]);
    return this.task === "regression" ? this.model.predict(frame) : this.model.predictProba(frame);
  }
}

function stateToJson(state: EstimatorState, buffers: Uint8Array[]): unknown {
  return encodeState(state as unknown as StateValue, buffers);
}

/**
 * Writes a model bundle directory: `keel-model.json` (format version, task, input signature,
 * fitted preprocessing, model, metrics, lineage) and `keel-model.bin` (the typed arrays). The
 * bundle is written to a temporary sibling directory and renamed into place, so readers never
 * see half a bundle; an existing bundle at `dir` is replaced.
 *
 * @example
 * ```ts
 * await saveModel("models/churn", { model, inputSignature: { columns: frame.schema() }, lineage });
 * ```
 */
export async function saveModel(dir: string, parts: ModelBundleParts): Promise<void> {
  const buffers: Uint8Array[] = [];
  const model = stateToJson(parts.model.toState(), buffers);
  const preprocessor = parts.preprocessor
    ? stateToJson(parts.preprocessor.toState(), buffers)
    : null;
  const referenceProfile =
    parts.referenceProfile !== undefined ? encodeState(parts.referenceProfile, buffers) : undefined;
  const layout: [number, number][] = [];
  let offset = 0;
  for (const b of buffers) {
    // 8-byte alignment lets a reader map Float64 arrays straight out of the file.
    offset = Math.ceil(offset / 8) * 8;
    layout.push([offset, b.byteLength]);
    offset += b.byteLength;
  }
  const bin = new Uint8Array(offset);
  buffers.forEach((b, i) => {
    bin.set(b, layout[i]![0]);
  });
  const manifest: BundleManifest = {
    formatVersion: BUNDLE_FORMAT_VERSION,
    task: parts.model.task,
    classes: parts.model.classes,
    ...(parts.positiveClass !== undefined ? { positiveClass: parts.positiveClass } : {}),
    inputSignature: parts.inputSignature,
    preprocessor,
    model,
    metrics: parts.metrics ?? {},
    lineage: parts.lineage,
    ...(referenceProfile !== undefined ? { referenceProfile } : {}),
    buffers: layout,
  };
  const parent = dirname(dir);
  const temp = join(parent, `.${basename(dir)}.tmp-${randomBytes(6).toString("hex")}`);
  try {
    await mkdir(temp, { recursive: true });
    await writeFile(join(temp, BUNDLE_JSON), `${JSON.stringify(manifest, null, 1)}\n`);
    await writeFile(join(temp, BUNDLE_BUFFERS), bin);
    await rm(dir, { recursive: true, force: true });
    await rename(temp, dir);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw new KeelError(
      "KEEL_ERR_WRITE_FAILED",
      `Could not write the model bundle to '${dir}': ${error instanceof Error ? error.message : String(error)}`,
      { details: { dir }, cause: error },
    );
  }
}

function bundleError(
  dir: string,
  message: string,
  details: Record<string, unknown> = {},
): KeelError {
  return new KeelError("KEEL_ERR_BUNDLE_INVALID", `${join(dir, BUNDLE_JSON)}: ${message}`, {
    details: { dir, ...details },
  });
}

/**
 * The manifest's task, classes and positive class are those of the model it holds: serving
 * and `keel predict` read the labels from one and the probabilities from the other.
 */
function checkManifestAgrees(dir: string, manifest: BundleManifest, model: FittedModel): void {
  if (manifest.task !== undefined && manifest.task !== model.task)
    throw bundleError(dir, `$.task is '${manifest.task}' but the model is a ${model.task} model.`);
  const classes = manifest.classes;
  if (
    classes !== undefined &&
    (!Array.isArray(classes) ||
      classes.length !== model.classes.length ||
      classes.some((c, i) => c !== model.classes[i]))
  )
    throw bundleError(
      dir,
      `$.classes (${JSON.stringify(classes)}) differ from the model's classes (${JSON.stringify(model.classes)}).`,
    );
  if (manifest.positiveClass !== undefined && !model.classes.includes(manifest.positiveClass))
    throw bundleError(
      dir,
      `$.positiveClass '${manifest.positiveClass}' is not one of the model's classes (${model.classes.join(", ")}).`,
    );
}

/**
 * The input signature must name every column the first stage reads: the record path checks
 * records against the signature and drops other keys, so a column missing from it would reach
 * the model as "missing" on every request — wrong scores, no error.
 */
function checkSignatureCovers(dir: string, signature: InputSignature, first: Fitted): void {
  const named = new Set(signature.columns.map((c) => c.name));
  const missing = first.featureNamesIn.filter((name) => !named.has(name));
  if (missing.length > 0)
    throw bundleError(
      dir,
      `$.inputSignature.columns lacks ${missing.map((m) => `'${m}'`).join(", ")}, which the model's first stage reads; a record without ${missing.length === 1 ? "it" : "them"} would be scored as missing.`,
      { missing },
    );
}

/**
 * Loads a bundle written by {@link saveModel}. A missing or malformed bundle is
 * `KEEL_ERR_BUNDLE_INVALID`, naming the file and, for a malformed model, where in it (a GBDT's
 * tree and node: every structural invariant its scoring relies on is checked here, in one pass,
 * so a broken bundle is refused at load rather than hanging or crashing a prediction); one from a newer format is `KEEL_ERR_BUNDLE_VERSION`. Extra loaders
 * let bundles hold estimator types from outside keel.
 *
 * @example
 * ```ts
 * const bundle = await loadModel("models/churn");
 * bundle.lineage.runId;
 * ```
 */
export async function loadModel(
  dir: string,
  extraLoaders: StateLoaders = {},
): Promise<ModelBundle> {
  let text: string;
  try {
    text = await readFile(join(dir, BUNDLE_JSON), "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new KeelError(
      code === "ENOENT" ? "KEEL_ERR_FILE_NOT_FOUND" : "KEEL_ERR_FILE_UNREADABLE",
      `'${dir}' is not a model bundle: ${join(dir, BUNDLE_JSON)} ${code === "ENOENT" ? "does not exist" : "cannot be read"}.`,
      { details: { dir }, cause: error },
    );
  }
  let manifest: BundleManifest;
  try {
    manifest = JSON.parse(text) as BundleManifest;
  } catch (error) {
    throw bundleError(dir, `not valid JSON (${error instanceof Error ? error.message : ""}).`);
  }
  if (
    typeof manifest !== "object" ||
    manifest === null ||
    typeof manifest.formatVersion !== "number"
  )
    throw bundleError(dir, "expected an object with a numeric 'formatVersion'.");
  if (manifest.formatVersion > BUNDLE_FORMAT_VERSION) {
    throw new KeelError(
      "KEEL_ERR_BUNDLE_VERSION",
      `${join(dir, BUNDLE_JSON)}: bundle format version ${manifest.formatVersion} is newer than this keel reads (${BUNDLE_FORMAT_VERSION}). Upgrade keel to load it.`,
      { details: { dir, formatVersion: manifest.formatVersion, supported: BUNDLE_FORMAT_VERSION } },
    );
  }
  let bin: Buffer;
  try {
    bin = await readFile(join(dir, BUNDLE_BUFFERS));
  } catch (error) {
    throw bundleError(dir, `its buffer file ${BUNDLE_BUFFERS} cannot be read.`, {
      cause: String(error),
    });
  }
  const layout = Array.isArray(manifest.buffers) ? manifest.buffers : [];
  const buffers = layout.map(([offset, length], i) => {
    if (offset + length > bin.byteLength)
      throw bundleError(dir, `$.buffers[${i}] points past the end of ${BUNDLE_BUFFERS}.`);
    return new Uint8Array(bin.buffer, bin.byteOffset + offset, length);
  });
  const loaders: StateLoaders = { ...transformLoaders, ...modelLoaders, ...extraLoaders };
  const decode = (json: unknown, path: string): EstimatorState => {
    const state = decodeState(json, buffers, path);
    if (typeof state !== "object" || state === null || !("type" in state))
      throw bundleError(dir, `${path} must be an estimator state with a 'type'.`);
    return state as unknown as EstimatorState;
  };
  // A loader's complaint (a malformed tree, a weight vector of the wrong length) names a path
  // inside the estimator's state; the reader also needs the file and which estimator.
  const load = (json: unknown, path: string) => {
    try {
      return loadFitted(decode(json, path), loaders);
    } catch (error) {
      if (!(error instanceof KeelError)) throw error;
      const code = error.code === "KEEL_ERR_STATE_INVALID" ? "KEEL_ERR_BUNDLE_INVALID" : error.code;
      throw new KeelError(code, `${join(dir, BUNDLE_JSON)}: ${path}: ${error.message}`, {
        details: { dir, estimator: path, ...error.details },
        cause: error,
      });
    }
  };
  const model = load(manifest.model, "$.model") as FittedModel;
  checkManifestAgrees(dir, manifest, model);
  const preprocessor =
    manifest.preprocessor === null || manifest.preprocessor === undefined
      ? undefined
      : (load(manifest.preprocessor, "$.preprocessor") as FittedTransformer);
  checkSignatureCovers(dir, manifest.inputSignature, preprocessor ?? model);
  return new ModelBundle({
    model,
    ...(preprocessor ? { preprocessor } : {}),
    inputSignature: manifest.inputSignature,
    ...(manifest.positiveClass !== undefined ? { positiveClass: manifest.positiveClass } : {}),
    metrics: manifest.metrics ?? {},
    lineage: manifest.lineage,
    ...(manifest.referenceProfile !== undefined && manifest.referenceProfile !== null
      ? { referenceProfile: decodeState(manifest.referenceProfile, buffers, "$.referenceProfile") }
      : {}),
  });
}
