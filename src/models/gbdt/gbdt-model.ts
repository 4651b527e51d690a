import {
  type EstimatorState,
  type FittedModel,
  type Frame,
  type FrameRecord,
  KeelError,
  type Logger,
  type StateValue,
  type Task,
} from "../../core/index.js";
import {
  compiledForestOf,
  featureImportance,
  predictRowMargins,
  type TreeEnsemble,
} from "./ensemble.js";
import { checkEnsemble } from "./ensemble-checks.js";
import { type FeatureSpec, featureMatrix, recordInto } from "./feature-input.js";
import { ResidentForest } from "./forest-kernel.js";
import { frameMargins } from "./frame-margins.js";
import { KernelMemory } from "./kernel-memory.js";
import { type ObjectiveName, transformMargins } from "./objectives.js";
import { ResidentBatch } from "./resident-batch.js";
import { treeShap } from "./tree-shap.js";

/** Format version of {@link FittedGbdt} state. */
export const GBDT_STATE_VERSION = 1;

/** What a fitted GBDT is made of (also what importers such as XGBoost JSON produce). */
export interface GbdtModelParts {
  readonly type: "GbdtClassifier" | "GbdtRegressor";
  readonly task: Task;
  readonly classes: readonly string[];
  readonly features: readonly FeatureSpec[];
  /** Input columns seen at fit, including any dropped (all-missing) ones. */
  readonly featureNamesIn: readonly string[];
  readonly objective: ObjectiveName;
  readonly ensemble: TreeEnsemble;
  readonly params: { readonly [key: string]: StateValue };
  /** Validation metric per round, when trained with a validation set. */
  readonly evalHistory?: readonly number[];
  /**
   * Raw margins of the training rows as the booster held them at the end of the fit (not
   * saved with the model): what the training metrics need without walking the forest again.
   */
  readonly trainingMargins?: Float64Array;
}

/** Predictions of a batch: class probabilities (classifiers) and labels or values. */
export interface BatchPredictions {
  /** Row-major `nRows × classes.length`; classifiers only. */
  readonly proba?: Float64Array;
  /** Class indices (classifiers) or predicted values (regressors). */
  readonly predicted: Float64Array;
}

/** Options of the predict methods. */
export interface PredictOptions {
  /** Receives a warning when categories unseen at training are treated as missing. */
  readonly logger?: Logger;
  /**
   * Threads for large batches: 0, the default, uses every core when called on the main thread
   * and one inside a worker thread (already one of the application's many). Results do not
   * depend on it.
   */
  readonly nThreads?: number;
}

/**
 * A trained gradient-boosted tree model: batch and single-record prediction, raw margins,
 * feature importance and TreeSHAP contributions.
 *
 * @example
 * ```ts
 * const model = await new GbdtClassifier({ nEstimators: 200 }).fit(x, y);
 * model.predictProba(x);          // [P(class 0), P(class 1)] per row
 * model.featureImportance("gain"); // { tenure: 812.4, … }
 * ```
 */
export class FittedGbdt implements FittedModel {
  readonly type: "GbdtClassifier" | "GbdtRegressor";
  readonly task: Task;
  readonly classes: readonly string[];
  readonly featureNamesIn: readonly string[];
  readonly features: readonly FeatureSpec[];
  readonly objective: ObjectiveName;
  readonly ensemble: TreeEnsemble;
  readonly params: { readonly [key: string]: StateValue };
  readonly evalHistory: readonly number[];
  readonly #trainingMargins: Float64Array | undefined;
  readonly #lookups: (ReadonlyMap<string, number> | undefined)[];
  readonly #row: Float64Array;
  readonly #margins: Float64Array;
  #resident: ResidentForest | null | undefined;
  #residentBatch: ResidentBatch | null | undefined;
  /** The kernel memory both resident forests live in (one WebAssembly memory per model). */
  #residentMemory: KernelMemory | undefined;

  constructor(parts: GbdtModelParts) {
    this.type = parts.type;
    this.task = parts.task;
    this.classes = parts.classes;
    this.featureNamesIn = parts.featureNamesIn;
    this.features = parts.features;
    this.objective = parts.objective;
    this.ensemble = parts.ensemble;
    this.params = parts.params;
    this.evalHistory = parts.evalHistory ?? [];
    this.#trainingMargins = parts.trainingMargins;
    this.#lookups = parts.features.map((f) =>
      f.kind === "categorical" ? new Map((f.categories ?? []).map((c, i) => [c, i])) : undefined,
    );
    this.#row = new Float64Array(parts.features.length);
    this.#margins = new Float64Array(parts.ensemble.nOutputs);
  }

  /** Number of trees. */
  get nTrees(): number {
    return this.ensemble.roots.length;
  }

  /**
   * Raw margins (log-odds, softmax logits, or the regression value before any link), row-major
   * `nRows × nOutputs`.
   *
   * @example
   * ```ts
   * model.predictMargins(frame)[0]; // log-odds of the first row (binary)
   * ```
   */
  predictMargins(x: Frame, options: PredictOptions = {}): Float64Array {
    const { margins, unseenCategories } = frameMargins(
      this.ensemble,
      this.features,
      x,
      options.nThreads ?? 0,
      this.type,
    );
    warnUnseen(unseenCategories, options.logger);
    return margins;
  }

  /**
   * Class probabilities, row-major `nRows × classes.length` (binary: column 1 is the positive class).
   *
   * @example
   * ```ts
   * const p = model.predictProba(frame); p[2 * i + 1]; // P(positive) of row i
   * ```
   */
  predictProba(x: Frame, options: PredictOptions = {}): Float64Array {
    this.#requireClassifier("predictProba");
    return this.#probaFromMargins(this.predictMargins(x, options), x.nRows);
  }

  /**
   * Probabilities (classifiers) and labels or values of a batch from one walk of the forest,
   * where `predictProba` then `predict` would walk it twice.
   *
   * @example
   * ```ts
   * const { proba, predicted } = model.predictBatch(frame);
   * ```
   */
  predictBatch(x: Frame, options: PredictOptions = {}): BatchPredictions {
    return this.#fromMargins(this.predictMargins(x, options), x.nRows);
  }

  /**
   * Class indices into `classes` for classifiers, predicted values for regressors.
   *
   * @example
   * ```ts
   * model.classes[model.predict(frame)[0]]; // the label of the first row
   * ```
   */
  predict(x: Frame, options: PredictOptions = {}): Float64Array {
    return this.#fromMargins(this.predictMargins(x, options), x.nRows).predicted;
  }

  /**
   * Predictions of the rows this model was fitted on, from the scores the booster already held
   * (no second walk of the forest over the training set): what `keel train` prints its
   * training metrics from. Undefined on a loaded model, or when early stopping dropped rounds.
   *
   * @example
   * ```ts
   * const model = new GbdtClassifier().fit(x, y);
   * model.trainingPredictions()?.proba; // as model.predictProba(x), without predicting again
   * ```
   */
  trainingPredictions(): BatchPredictions | undefined {
    const margins = this.#trainingMargins;
    if (margins === undefined) return undefined;
    return this.#fromMargins(margins.slice(), margins.length / this.ensemble.nOutputs);
  }

  /** Probabilities and labels (or values) from raw margins, which it may overwrite. */
  #fromMargins(margins: Float64Array, nRows: number): BatchPredictions {
    if (this.task === "regression")
      return { predicted: transformMargins(this.objective, 1, margins) };
    const proba = this.#probaFromMargins(margins, nRows);
    const k = this.classes.length;
    const predicted = new Float64Array(nRows);
    for (let i = 0; i < nRows; i++) {
      let best = 0;
      for (let c = 1; c < k; c++) if (proba[i * k + c]! > proba[i * k + best]!) best = c;
      predicted[i] = best;
    }
    return { proba, predicted };
  }

  /**
   * One record's probabilities (classifiers) or value (regressors), without building a frame:
   * the serving fast path. The returned array is reused by the next call.
   *
   * @example
   * ```ts
   * model.predictRecord({ tenure: 3, contract: "One year" }); // Float64Array [0.71, 0.29]
   * ```
   */
  predictRecord(record: FrameRecord): Float64Array {
    const resident = this.#residentForest();
    if (resident) {
      recordInto(record, this.features, this.#lookups, resident.row, this.type);
      resident.margins(this.#margins);
    } else {
      recordInto(record, this.features, this.#lookups, this.#row, this.type);
      predictRowMargins(this.ensemble, this.#row, this.#margins);
    }
    if (this.task === "binary") {
      const p = 1 / (1 + Math.exp(-this.#margins[0]!));
      return Float64Array.of(1 - p, p);
    }
    return transformMargins(this.objective, this.ensemble.nOutputs, this.#margins.slice());
  }

  /**
   * Probabilities (classifiers, row-major `n × classes.length`) or values (regressors) of
   * `records[from..to)`, without building a frame: the serving batch path. Records are written
   * straight into the inputs of a forest kept in kernel memory (copied there once per model),
   * so a batch costs no frame, no matrix and no forest copy. Equal to {@link predictProba} /
   * {@link predict} on the same rows, bit for bit.
   *
   * @example
   * ```ts
   * const proba = model.predictRecords(records); // [P(no), P(yes)] per record
   * ```
   */
  predictRecords(records: readonly FrameRecord[], from = 0, to = records.length): Float64Array {
    const n = to - from;
    const margins = new Float64Array(n * this.ensemble.nOutputs);
    if (this.#residentBatch === undefined)
      this.#residentBatch =
        ResidentBatch.create(this.ensemble, this.features, this.#kernelMemory()) ?? null;
    if (this.#residentBatch !== null)
      this.#residentBatch.margins(records, from, to, this.#lookups, this.type, margins);
    else {
      const K = this.ensemble.nOutputs;
      for (let i = from; i < to; i++) {
        recordInto(records[i]!, this.features, this.#lookups, this.#row, this.type);
        predictRowMargins(this.ensemble, this.#row, this.#margins);
        margins.set(this.#margins, (i - from) * K);
      }
    }
    if (this.task === "regression") return transformMargins(this.objective, 1, margins);
    return this.#probaFromMargins(margins, n);
  }

  #kernelMemory(): KernelMemory {
    this.#residentMemory ??= KernelMemory.create(1 << 20);
    return this.#residentMemory;
  }

  /** The forest in kernel memory for single records, made on first use (null: not paddable). */
  #residentForest(): ResidentForest | undefined {
    if (this.#resident === undefined) {
      const forest = compiledForestOf(this.ensemble);
      this.#resident = forest
        ? ResidentForest.create(this.ensemble, forest, this.#kernelMemory())
        : null;
    }
    return this.#resident ?? undefined;
  }

  /**
   * Total split gain or number of splits per feature.
   *
   * @example
   * ```ts
   * model.featureImportance("split"); // { tenure: 120, contract: 31, … }
   * ```
   */
  featureImportance(kind: "gain" | "split" = "gain"): Record<string, number> {
    const values = featureImportance(this.ensemble, kind);
    return Object.fromEntries(this.features.map((f, i) => [f.name, values[i]!]));
  }

  /**
   * TreeSHAP contributions per row and output: `nRows × nOutputs × (nFeatures + 1)`, the last
   * entry of each group being the bias (expected margin). Each group sums to the raw margin.
   *
   * @example
   * ```ts
   * const phi = model.shapValues(frame); // binary: phi[i * (F + 1) + j]
   * ```
   */
  shapValues(x: Frame): Float64Array {
    const matrix = featureMatrix(x, this.features, this.type);
    return treeShap(this.ensemble, matrix.values, matrix.nRows);
  }

  /**
   * Serialisable state; typed arrays become binary buffers in a model bundle.
   *
   * @example
   * ```ts
   * const same = loadFittedGbdt(model.toState());
   * ```
   */
  toState(): EstimatorState {
    const e = this.ensemble;
    return {
      type: this.type,
      version: GBDT_STATE_VERSION,
      params: this.params,
      state: {
        task: this.task,
        classes: [...this.classes],
        featureNamesIn: [...this.featureNamesIn],
        features: this.features.map(
          (f): StateValue =>
            f.categories === undefined
              ? { name: f.name, kind: f.kind }
              : { name: f.name, kind: f.kind, categories: [...f.categories] },
        ),
        objective: this.objective,
        evalHistory: Float64Array.from(this.evalHistory),
        ensemble: {
          nFeatures: e.nFeatures,
          nOutputs: e.nOutputs,
          baseScore: e.baseScore,
          roots: e.roots,
          treeOutput: e.treeOutput,
          feature: e.feature,
          threshold: e.threshold,
          left: e.left,
          right: e.right,
          defaultLeft: e.defaultLeft,
          catStart: e.catStart,
          catWords: e.catWords,
          catBits: e.catBits,
          value: e.value,
          cover: e.cover,
          gain: e.gain,
        },
      },
    };
  }

  #probaFromMargins(margins: Float64Array, nRows: number): Float64Array {
    if (this.task === "binary") {
      const out = new Float64Array(2 * nRows);
      for (let i = 0; i < nRows; i++) {
        const p = 1 / (1 + Math.exp(-margins[i]!));
        out[2 * i] = 1 - p;
        out[2 * i + 1] = p;
      }
      return out;
    }
    return transformMargins("softmax", this.ensemble.nOutputs, margins);
  }

  #requireClassifier(method: string): void {
    if (this.task === "regression") {
      throw new KeelError(
        "KEEL_ERR_UNSUPPORTED",
        `${method} needs a classifier; this ${this.type} is a regression model.`,
        { details: { method, task: this.task } },
      );
    }
  }
}

function warnUnseen(unseen: Readonly<Record<string, number>>, logger: Logger | undefined): void {
  const entries = Object.entries(unseen);
  if (entries.length === 0 || logger === undefined) return;
  const total = entries.reduce((s, [, n]) => s + n, 0);
  logger.warn(
    `${total} categorical value(s) unseen at training were treated as missing (${entries
      .map(([c, n]) => `${c}: ${n}`)
      .join(", ")}).`,
    { unseenCategories: unseen },
  );
}

function invalidState(path: string, expected: string): KeelError {
  return new KeelError("KEEL_ERR_STATE_INVALID", `${path}: expected ${expected}.`, {
    details: { path, expected },
  });
}

function typed<T>(value: unknown, ctor: new (n: number) => T, path: string): T {
  if (!(value instanceof ctor)) throw invalidState(path, `a ${ctor.name}`);
  return value;
}

function count(value: unknown, path: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0)
    throw invalidState(path, `a whole number ≥ 0, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * Rebuilds a {@link FittedGbdt} from {@link FittedGbdt.toState} output.
 *
 * @example
 * ```ts
 * const model = loadFittedGbdt(state);
 * ```
 */
export function loadFittedGbdt(state: EstimatorState): FittedGbdt {
  if (state.type !== "GbdtClassifier" && state.type !== "GbdtRegressor")
    throw invalidState("$.type", "'GbdtClassifier' or 'GbdtRegressor'");
  if (state.version > GBDT_STATE_VERSION) {
    throw new KeelError(
      "KEEL_ERR_BUNDLE_VERSION",
      `GBDT state version ${state.version} is newer than this keel supports (${GBDT_STATE_VERSION}); upgrade keel.`,
      { details: { version: state.version, supported: GBDT_STATE_VERSION } },
    );
  }
  const s = state.state as Record<string, unknown> | null;
  const e = (typeof s === "object" && s !== null ? s.ensemble : undefined) as
    | Record<string, unknown>
    | null
    | undefined;
  if (s === null || typeof e !== "object" || e === null)
    throw invalidState("$.state", "an object with an ensemble");
  const ensemble: TreeEnsemble = {
    nFeatures: count(e.nFeatures, "$.state.ensemble.nFeatures"),
    nOutputs: count(e.nOutputs, "$.state.ensemble.nOutputs"),
    baseScore: typed(e.baseScore, Float64Array, "$.state.ensemble.baseScore"),
    roots: typed(e.roots, Int32Array, "$.state.ensemble.roots"),
    treeOutput: typed(e.treeOutput, Int32Array, "$.state.ensemble.treeOutput"),
    feature: typed(e.feature, Int32Array, "$.state.ensemble.feature"),
    threshold: typed(e.threshold, Float64Array, "$.state.ensemble.threshold"),
    left: typed(e.left, Int32Array, "$.state.ensemble.left"),
    right: typed(e.right, Int32Array, "$.state.ensemble.right"),
    defaultLeft: typed(e.defaultLeft, Uint8Array, "$.state.ensemble.defaultLeft"),
    catStart: typed(e.catStart, Int32Array, "$.state.ensemble.catStart"),
    catWords: typed(e.catWords, Int32Array, "$.state.ensemble.catWords"),
    catBits: typed(e.catBits, Uint32Array, "$.state.ensemble.catBits"),
    value: typed(e.value, Float64Array, "$.state.ensemble.value"),
    cover: typed(e.cover, Float64Array, "$.state.ensemble.cover"),
    gain: typed(e.gain, Float64Array, "$.state.ensemble.gain"),
  };
  const shape = {
    task: s.task as Task,
    classes: s.classes as string[],
    features: s.features as FeatureSpec[],
    objective: s.objective as ObjectiveName,
  };
  // A malformed forest (a cycle, a child out of range) would hang or misread at the first
  // prediction; it is refused here, naming the tree and node, in one pass over the nodes.
  checkEnsemble(ensemble, shape);
  if ((shape.task === "regression") !== (state.type === "GbdtRegressor"))
    throw invalidState("$.type", `a model type that fits its task '${shape.task}'`);
  if (!Array.isArray(s.featureNamesIn) || s.featureNamesIn.some((n) => typeof n !== "string"))
    throw invalidState("$.state.featureNamesIn", "an array of column names");
  return new FittedGbdt({
    type: state.type,
    ...shape,
    featureNamesIn: s.featureNamesIn as string[],
    ensemble,
    params: state.params,
    evalHistory: Array.from(typed(s.evalHistory, Float64Array, "$.state.evalHistory")),
  });
}
