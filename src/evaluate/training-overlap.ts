import type { Column, Frame } from "../core/index.js";

/**
 * A compact record of which rows a model was trained on, kept in the bundle's lineage so an
 * evaluation can tell a holdout from training data, whatever file format or row order the
 * rows come in. Each row's input values hash to 32 bits; the sketch keeps every hash up to
 * `threshold`, the 4,096th smallest — all rows of a small table, a uniform sample of a large
 * one (the same rows are always sampled, since a row's hash decides).
 *
 * @example
 * ```ts
 * const fingerprint: RowFingerprint = rowFingerprint(trainX);
 * fingerprint.rows; // 7043
 * ```
 */
export interface RowFingerprint {
  /** Rows in the training data. */
  readonly rows: number;
  /** The columns hashed, sorted. */
  readonly columns: readonly string[];
  /** Hashes ≤ this are all kept. */
  readonly threshold: number;
  /** True when every training row's hash is kept (an exact record, not a sample). */
  readonly complete: boolean;
  /**
   * The share of training rows that repeat another training row: how often a new row from
   * the same source matches a training row by chance (tables without an id repeat rows).
   */
  readonly duplicateShare: number;
  /** The kept hashes, sorted ascending, as base64 of a little-endian Uint32Array. */
  readonly hashes: string;
}

/**
 * How much of an evaluation frame is training data, by a {@link RowFingerprint}.
 *
 * @example
 * ```ts
 * const { share, how } = trainingOverlap(bundle.lineage.rows, holdout);
 * ```
 */
export interface TrainingOverlap {
  /**
   * The share of evaluation rows that are training rows; 0 when no more rows match than
   * chance duplicates explain (see {@link OVERLAP_TOLERANCE}).
   */
  readonly share: number;
  /** The measured share, before the tolerance. */
  readonly measured: number;
  /** How it was found, in words. */
  readonly how: string;
}

/**
 * An evaluation set counts as a holdout while the share of its rows matching training rows
 * exceeds the training data's own duplicate share by less than this: tables without an id
 * repeat rows by chance (Telco's features repeat for about 1% of customers), and such matches
 * are how the model meets new customers too, not a leak.
 *
 * @example
 * ```ts
 * OVERLAP_TOLERANCE; // 0.02
 * ```
 */
export const OVERLAP_TOLERANCE = 0.02;

const SKETCH_SIZE = 4096;

/**
 * Fingerprints the rows of `frame` over `columns` (default all) for the bundle's lineage.
 *
 * @example
 * ```ts
 * saveModel(out, { model, inputSignature, lineage: { ...lineage, rows: rowFingerprint(x) } });
 * ```
 */
export function rowFingerprint(frame: Frame, columns?: readonly string[]): RowFingerprint {
  const names = [...(columns ?? frame.columnNames)].sort();
  const sorted = rowHashes(frame, names).sort();
  let repeated = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (sorted[i] === sorted[i - 1] || sorted[i] === sorted[i + 1]) repeated++;
  }
  const distinct = unique(sorted);
  const kept = distinct.subarray(0, Math.min(SKETCH_SIZE, distinct.length));
  const complete = kept.length === distinct.length;
  return {
    rows: frame.nRows,
    columns: names,
    threshold: complete ? 0xffffffff : kept[kept.length - 1]!,
    complete,
    duplicateShare: frame.nRows === 0 ? 0 : repeated / frame.nRows,
    hashes: Buffer.from(kept.buffer, kept.byteOffset, kept.byteLength).toString("base64"),
  };
}

/**
 * The share of `frame`'s rows found in the training rows a fingerprint records: exact when the
 * fingerprint is complete, else estimated from the evaluation rows whose hash falls in the
 * sketch's range. A share that chance duplicates explain (within {@link OVERLAP_TOLERANCE} of
 * the training data's own duplicate share) counts as 0.
 *
 * @example
 * ```ts
 * trainingOverlap(rowFingerprint(train), train).share; // 1
 * trainingOverlap(rowFingerprint(train), holdout).share; // 0
 * ```
 */
export function trainingOverlap(fingerprint: RowFingerprint, frame: Frame): TrainingOverlap {
  const missing = fingerprint.columns.filter((c) => !frame.has(c));
  if (missing.length > 0) {
    return {
      share: 0,
      measured: 0,
      how: `the rows cannot be matched to the training rows: the data lacks ${missing.join(", ")}`,
    };
  }
  const bytes = Buffer.from(fingerprint.hashes, "base64");
  const kept = new Set(new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4));
  const hashes = rowHashes(frame, fingerprint.columns);
  let sampled = 0;
  let found = 0;
  for (const h of hashes) {
    if (h > fingerprint.threshold) continue;
    sampled++;
    if (kept.has(h)) found++;
  }
  const measured = fingerprint.complete ? found / frame.nRows : sampled > 0 ? found / sampled : 0;
  const counted = fingerprint.complete
    ? `${found} of ${frame.nRows} rows match the ${fingerprint.rows} training rows in the bundle's lineage`
    : `${found} of ${sampled} sampled rows match the training rows' sample in the bundle's lineage`;
  const chance = fingerprint.duplicateShare ?? 0;
  const leak = measured - chance >= OVERLAP_TOLERANCE;
  return {
    share: leak ? measured : 0,
    measured,
    how:
      measured > 0 && !leak
        ? `${counted}, no more than chance: ${pct(chance)} of the training rows repeat one another`
        : counted,
  };
}

function pct(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}

/** One 32-bit hash per row over the named columns (in the given order). */
function rowHashes(frame: Frame, names: readonly string[]): Uint32Array {
  const out = new Uint32Array(frame.nRows).fill(0x9747b28c);
  for (const name of names) {
    const values = valueHashes(frame.column(name));
    for (let i = 0; i < out.length; i++) out[i] = mix(out[i]! ^ values[i]!);
  }
  return out;
}

/** A hash per cell; missing values hash alike in every kind. */
function valueHashes(column: Column): Uint32Array {
  const MISSING = 0x5bd1e995;
  switch (column.kind) {
    case "categorical": {
      const byCode = column.categories.map(stringHash);
      return Uint32Array.from(column.codes, (c) => (c < 0 ? MISSING : byCode[c]!));
    }
    case "string":
      return Uint32Array.from(column.values, (v) => (v === null ? MISSING : stringHash(v)));
    case "boolean":
      return Uint32Array.from(column.values, (v) => (v < 0 ? MISSING : v + 1));
    default: {
      const words = new Uint32Array(2);
      const view = new Float64Array(words.buffer);
      return Uint32Array.from(column.values, (v) => {
        if (Number.isNaN(v)) return MISSING;
        view[0] = v === 0 ? 0 : v; // -0 and 0 are the same value
        return mix(words[0]! ^ mix(words[1]!));
      });
    }
  }
}

function stringHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return mix(h >>> 0);
}

/** MurmurHash3's finaliser: every input bit moves every output bit. */
function mix(h: number): number {
  let x = h >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

function unique(sorted: Uint32Array): Uint32Array {
  let n = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[n++] = sorted[i]!;
  }
  return sorted.subarray(0, n);
}
