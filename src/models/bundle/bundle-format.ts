import type { ColumnSpec, Task } from "../../core/index.js";

/**
 * The bundle format this keel writes; loading a newer one is a `KEEL_ERR_BUNDLE_VERSION` error.
 * Version 2 added the optional `referenceProfile` (monitoring's summary of the training data);
 * version 1 bundles, which lack it, still load.
 */
export const BUNDLE_FORMAT_VERSION = 2;

/** The JSON file at the root of a bundle. */
export const BUNDLE_JSON = "keel-model.json";

/** The binary file holding the typed arrays the JSON references by index. */
export const BUNDLE_BUFFERS = "keel-model.bin";

/** Where a model came from: enough to reproduce or audit it. */
export interface Lineage {
  /** Content hash of the training data (e.g. `datasetVersion` of the data module). */
  readonly dataHash?: string;
  /** The model params as given (after validation). */
  readonly params: Readonly<Record<string, unknown>>;
  /** The keel version and, when known, the git commit that trained the model. */
  readonly codeVersion: string;
  /** The tracked run that produced the model, when tracking was on. */
  readonly runId?: string;
  /**
   * Which rows the model was trained on: a row count and a sketch of row hashes
   * (`rowFingerprint` of the evaluate module), so an evaluation can tell a holdout from
   * training data whatever the file.
   */
  readonly rows?: {
    readonly rows: number;
    readonly columns: readonly string[];
    readonly threshold: number;
    readonly complete: boolean;
    readonly duplicateShare: number;
    readonly hashes: string;
  };
  /** Training file or source name, for people. */
  readonly trainedOn?: string;
  /**
   * Set when the model was imported rather than trained by keel (e.g. "xgboost binary:logistic"):
   * its `params` are empty and it cannot be refitted from this record.
   */
  readonly importedFrom?: string;
  /** ISO-8601 time the bundle was written. */
  readonly createdAt: string;
}

/** The columns a bundle expects at prediction time, and the target it was trained for. */
export interface InputSignature {
  readonly columns: readonly ColumnSpec[];
  readonly target?: string;
}

/**
 * The parsed `keel-model.json` manifest (state objects still encoded, see `encodeState`).
 *
 * @example
 * ```ts
 * const manifest: BundleManifest = JSON.parse(await readFile("model/keel-model.json", "utf8"));
 * manifest.formatVersion; // 1
 * ```
 */
export interface BundleManifest {
  readonly formatVersion: number;
  readonly task: Task;
  readonly classes: readonly string[];
  readonly positiveClass?: string;
  readonly inputSignature: InputSignature;
  readonly preprocessor: unknown;
  readonly model: unknown;
  readonly metrics: Readonly<Record<string, number>>;
  readonly lineage: Lineage;
  /** The reference profile of the training data (format 2+), state-encoded; absent in format 1. */
  readonly referenceProfile?: unknown;
  /** Byte offset and length of each buffer inside `keel-model.bin`. */
  readonly buffers: readonly (readonly [number, number])[];
}
