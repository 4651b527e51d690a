import type { FrameRecord } from "../../core/index.js";
import { compiledForestOf, rankedForestOf, type TreeEnsemble } from "./ensemble.js";
import { type FeatureSpec, recordInto, recordsIntoColumns } from "./feature-input.js";
import { copyForest, encodeCategoryBits, type ForestPointers } from "./forest-kernel.js";
import { KernelMemory } from "./kernel-memory.js";
import { copyRankedBatch } from "./ranked-kernel.js";
import { runWalk, type WalkJob } from "./walk-job.js";

/** Rows one call lays out and walks at most; longer runs go in pieces of this many. */
const CAPACITY = 512;

/**
 * A model's forest kept in its own kernel memory together with input columns for
 * {@link CAPACITY} rows: the serving batch path. The forest is copied once per model, not per
 * batch, and records are written straight into the kernel's inputs (no frame, no matrix copy),
 * then walked on the calling thread by the ranked WebAssembly walk (the padded one when the
 * ranked layout does not fit the model). Margins are bit-identical to `predictMargins` on the
 * same rows.
 *
 * @example
 * ```ts
 * const batch = ResidentBatch.create(ensemble, specs);
 * batch?.margins(records, 0, records.length, lookups, "GbdtClassifier", out);
 * ```
 */
export class ResidentBatch {
  readonly #e: TreeEnsemble;
  readonly #specs: readonly FeatureSpec[];
  readonly #memory: KernelMemory;
  readonly #walk: WalkJob;
  readonly #out: Float64Array;
  /** Ranked walk: one column per feature the trees read. */
  readonly #columns: readonly (Float64Array | Int32Array | undefined)[];
  /** Padded walk: the row-major inputs, and a view of each row for `recordInto`. */
  readonly #rows: readonly Float64Array[];
  readonly #padded: ForestPointers | undefined;
  readonly #x: Float64Array | undefined;

  private constructor(e: TreeEnsemble, specs: readonly FeatureSpec[], memory: KernelMemory) {
    const forest = compiledForestOf(e)!;
    this.#e = e;
    this.#specs = specs;
    this.#memory = memory;
    const K = e.nOutputs;
    const candidate = rankedForestOf(e);
    const ranked = candidate?.inputs.every((input) => specs[input.feature]?.kind === input.kind)
      ? candidate
      : undefined;
    if (ranked !== undefined) {
      const read = new Set(ranked.inputs.map((input) => input.feature));
      const columns = specs.map((spec, f) => {
        if (!read.has(f)) return undefined;
        if (spec.kind === "numeric") return memory.float64(CAPACITY);
        const bytes = memory.uint32(CAPACITY);
        return new Int32Array(bytes.buffer, bytes.byteOffset, CAPACITY);
      });
      // copyRankedBatch reads every input's column; unread features get none.
      const sources = columns.map((c) => c ?? new Float64Array(0));
      const at = copyRankedBatch(memory, e, ranked, sources, 1, true);
      this.#out = memory.float64(CAPACITY * K, false);
      this.#walk = { kind: "ranked", at, nTrees: ranked.nTrees, out: this.#out.byteOffset };
      this.#columns = columns;
      this.#rows = [];
    } else {
      const at = copyForest(memory, e, forest);
      const x = memory.float64(CAPACITY * e.nFeatures, false);
      this.#out = memory.float64(CAPACITY * K, false);
      this.#walk = {
        kind: "padded",
        at,
        x: x.byteOffset,
        nTrees: forest.nTrees,
        out: this.#out.byteOffset,
      };
      this.#padded = at;
      this.#x = x;
      this.#columns = [];
      this.#rows = Array.from({ length: CAPACITY }, (_, i) =>
        x.subarray(i * e.nFeatures, (i + 1) * e.nFeatures),
      );
    }
  }

  /**
   * The resident batch of an ensemble, or undefined when its trees are too deep to pad (the
   * node-by-node walk serves those). Laid out in `memory` when given (only added to, never
   * reset: a model's single-record forest may share it), else in a new kernel memory.
   *
   * @example
   * ```ts
   * const batch = ResidentBatch.create(model.ensemble, model.features);
   * ```
   */
  static create(
    e: TreeEnsemble,
    specs: readonly FeatureSpec[],
    memory?: KernelMemory,
  ): ResidentBatch | undefined {
    if (compiledForestOf(e) === undefined) return undefined;
    return new ResidentBatch(e, specs, memory ?? KernelMemory.create(1 << 20));
  }

  /**
   * Raw margins of `records[from..to)` into `out` (row-major `(to - from) × nOutputs`).
   *
   * @example
   * ```ts
   * batch.margins(records, 0, 1000, lookups, "GbdtClassifier", out);
   * ```
   */
  margins(
    records: readonly FrameRecord[],
    from: number,
    to: number,
    lookups: readonly (ReadonlyMap<string, number> | undefined)[],
    owner: string,
    out: Float64Array,
  ): void {
    const K = this.#e.nOutputs;
    const base = this.#e.baseScore;
    for (let begin = from; begin < to; begin += CAPACITY) {
      const end = Math.min(to, begin + CAPACITY);
      const n = end - begin;
      if (this.#padded === undefined)
        recordsIntoColumns(records, begin, end, this.#specs, lookups, this.#columns, owner);
      else {
        for (let i = begin; i < end; i++)
          recordInto(records[i]!, this.#specs, lookups, this.#rows[i - begin]!, owner);
        encodeCategoryBits(this.#padded, this.#x!, 0, n);
      }
      const margins = this.#out;
      for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) margins[i * K + k] = base[k]!;
      runWalk(this.#memory.kernels, this.#walk, 0, n, 0);
      out.set(margins.subarray(0, n * K), (begin - from) * K);
    }
  }
}
