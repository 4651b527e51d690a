import type { CompiledForest } from "./compiled-forest.js";
import type { TreeEnsemble } from "./ensemble.js";
import { KernelMemory } from "./kernel-memory.js";

/**
 * Where a padded forest lies inside a {@link KernelMemory}, in the layout of
 * wasm/gbdt-kernels.ts: 16-byte nodes (8 bytes of split: the threshold, or for a categorical
 * split its 64-bit category set in narrow mode or the index of its set in `catBits` in wide
 * mode; the feature; flags), the category bitsets, the leaves, and each tree's output.
 *
 * @example
 * ```ts
 * const at: ForestPointers = copyForest(memory, ensemble, forest);
 * ```
 */
export interface ForestPointers {
  readonly nOutputs: number;
  readonly nFeatures: number;
  readonly nTrees: number;
  readonly depth: number;
  readonly nodes: number;
  readonly catBits: number;
  readonly leaf: number;
  readonly treeOutput: number;
  /**
   * How categorical splits are stored: 0 none, 1 every category set fits in 64 bits (kept in
   * the node), 2 some set is wider (nodes point into `catBits`). The kernel takes the cheapest.
   */
  readonly mode: 0 | 1 | 2;
  /** Features whose inputs {@link encodeCategoryBits} must re-encode first (narrow mode only). */
  readonly categoricalFeatures: Int32Array;
}

/**
 * Re-encodes categorical inputs of rows `[rowBegin, rowEnd)` of row-major `x` in place for the
 * kernel's narrow mode: category code `c` becomes the double whose bits are `1 << c` (0 when
 * `c` ≥ 64: in no set), so set membership is one AND; missing (NaN) stays missing.
 *
 * @example
 * ```ts
 * encodeCategoryBits(at, matrix.values, 0, nRows);
 * ```
 */
export function encodeCategoryBits(
  at: ForestPointers,
  x: Float64Array,
  rowBegin: number,
  rowEnd: number,
): void {
  const features = at.categoricalFeatures;
  if (features.length === 0) return;
  const words = new Uint32Array(x.buffer, x.byteOffset, 2 * x.length);
  const F = at.nFeatures;
  for (let i = rowBegin; i < rowEnd; i++) {
    for (let j = 0; j < features.length; j++) {
      const at64 = i * F + features[j]!;
      const v = x[at64]!;
      if (Number.isNaN(v)) continue;
      // Codes are whole numbers ≥ 0 (featureMatrix and recordInto give NaN for anything else);
      // a negative one, in no set, must not alias a real category's bit.
      const code = v < 0 ? 64 : v | 0;
      // Little-endian: the low word first.
      words[2 * at64] = code < 32 ? 1 << code : 0;
      words[2 * at64 + 1] = code >= 32 && code < 64 ? 1 << (code - 32) : 0;
    }
  }
}

const NUMERIC_ONLY = 0;
const NARROW = 1;
const WIDE = 2;

/**
 * Bytes {@link copyForest} needs (with alignment padding).
 *
 * @example
 * ```ts
 * const memory = KernelMemory.create(forestBytes(forest) + inputBytes);
 * ```
 */
export function forestBytes(forest: CompiledForest): number {
  return (
    16 * forest.feature.length +
    forest.catBits.byteLength +
    forest.leaf.byteLength +
    4 * forest.nTrees +
    64
  );
}

/**
 * Copies a padded forest into kernel memory in the kernel's node layout.
 *
 * @example
 * ```ts
 * const at = copyForest(memory, ensemble, compileForest(ensemble)!);
 * ```
 */
export function copyForest(
  memory: KernelMemory,
  e: TreeEnsemble,
  forest: CompiledForest,
): ForestPointers {
  const nNodes = forest.feature.length;
  const nodes = memory.float64(2 * nNodes);
  const words = new Int32Array(nodes.buffer, nodes.byteOffset, 4 * nNodes);
  // Narrow mode needs every set within 64 bits and no feature split both ways (its inputs are
  // re-encoded as bit patterns, which only categorical splits read). Read from the ensemble:
  // the padded forest's filler splits are numeric on feature 0 but never decide anything.
  const splitKinds = new Uint8Array(e.nFeatures);
  let mode: number = NUMERIC_ONLY;
  for (let n = 0; n < e.feature.length; n++) {
    const f = e.feature[n]!;
    if (f < 0) continue;
    const categorical = e.catStart[n]! >= 0;
    splitKinds[f] = splitKinds[f]! | (categorical ? 2 : 1);
    if (categorical) mode = Math.max(mode, e.catWords[n]! <= 2 ? NARROW : WIDE);
  }
  if (mode === NARROW && splitKinds.includes(3)) mode = WIDE;
  const categoricalFeatures: number[] = [];
  splitKinds.forEach((kind, f) => {
    if (kind === 2) categoricalFeatures.push(f);
  });
  for (let n = 0; n < nNodes; n++) {
    const info = forest.info[n]!;
    words[4 * n + 2] = forest.feature[n]!;
    words[4 * n + 3] = info;
    if ((info & 2) === 0) {
      nodes[2 * n] = forest.threshold[n]!;
    } else if (mode === NARROW) {
      // The category set itself, in place of the threshold.
      const start = forest.catStart[n]!;
      const nWords = info >>> 2;
      words[4 * n] = nWords > 0 ? forest.catBits[start]! : 0;
      words[4 * n + 1] = nWords > 1 ? forest.catBits[start + 1]! : 0;
    } else {
      words[4 * n] = forest.catStart[n]!;
    }
  }
  return {
    nOutputs: e.nOutputs,
    nFeatures: e.nFeatures,
    nTrees: forest.nTrees,
    depth: forest.depth,
    nodes: nodes.byteOffset,
    catBits: memory.copyOf(forest.catBits),
    leaf: memory.copyOf(forest.leaf),
    treeOutput: memory.copyOf(e.treeOutput.subarray(0, forest.nTrees)),
    mode: mode as ForestPointers["mode"],
    categoricalFeatures: Int32Array.from(mode === NARROW ? categoricalFeatures : []),
  };
}

/**
 * A forest kept in its own small kernel memory with room for one row: the single-record
 * (serving) path, where setting up memory per call would cost more than the walk.
 *
 * @example
 * ```ts
 * const resident = ResidentForest.create(ensemble, compileForest(ensemble)!);
 * resident.row.set(features);
 * resident.margins(out); // out[k] = margin of output k
 * ```
 */
export class ResidentForest {
  /** Write the row's model inputs here before calling {@link margins}. */
  readonly row: Float64Array;
  readonly #memory: KernelMemory;
  readonly #at: ForestPointers;
  readonly #out: Float64Array;
  readonly #baseScore: Float64Array;

  private constructor(memory: KernelMemory, e: TreeEnsemble, forest: CompiledForest) {
    this.#memory = memory;
    this.#at = copyForest(memory, e, forest);
    this.row = memory.float64(e.nFeatures);
    this.#out = memory.float64(e.nOutputs);
    this.#baseScore = e.baseScore;
  }

  /**
   * Copies `forest` into `memory`, or a new kernel memory of its size. A memory given is only
   * added to (a model's single-record and batch forests share one): it must never be reset.
   */
  static create(e: TreeEnsemble, forest: CompiledForest, memory?: KernelMemory): ResidentForest {
    const bytes = forestBytes(forest) + 8 * (e.nFeatures + e.nOutputs) + 64;
    return new ResidentForest(memory ?? KernelMemory.create(bytes), e, forest);
  }

  /** The margins of {@link row} into `out` (length nOutputs). */
  margins(out: Float64Array): void {
    const at = this.#at;
    encodeCategoryBits(at, this.row, 0, 1);
    this.#out.set(this.#baseScore);
    this.#memory.kernels.rowMargins(
      this.row.byteOffset,
      at.nTrees,
      at.depth,
      at.nodes,
      at.catBits,
      at.leaf,
      at.treeOutput,
      this.#out.byteOffset,
      at.mode,
    );
    out.set(this.#out);
  }
}
