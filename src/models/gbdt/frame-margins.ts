import { type Frame, KeelError } from "../../core/index.js";
import { compiledForestOf, predictMargins, rankedForestOf, type TreeEnsemble } from "./ensemble.js";
import {
  checkFiniteFeatures,
  type FeatureSpec,
  featureColumns,
  featureMatrix,
} from "./feature-input.js";
import { copyForest, encodeCategoryBits } from "./forest-kernel.js";
import { batchMemory, walkOnThreads, walkThreads } from "./prediction-pool.js";
import { copyRankedBatch } from "./ranked-kernel.js";
import type { WalkJob } from "./walk-job.js";

/**
 * Batches from this many rows go to the WebAssembly walk: below it, setting up a kernel memory
 * costs more than the faster walk saves.
 */
const KERNEL_MIN_ROWS = 512;
/** Inputs and margins per slice of a large frame: bounds the batch memory kept between batches. */
const BATCH_BYTES = 256 * 2 ** 20;

/**
 * Margins of a frame and the unseen categories met on the way.
 *
 * @example
 * ```ts
 * const { margins, unseenCategories }: FrameMargins = frameMargins(e, specs, frame, 0);
 * ```
 */
export interface FrameMargins {
  /** Row-major `nRows × nOutputs`. */
  readonly margins: Float64Array;
  readonly unseenCategories: Readonly<Record<string, number>>;
}

/**
 * Raw margins of every row of `frame`. Large batches are laid out straight into the calling
 * thread's batch memory ({@link batchMemory}) with the forest and walked by the WebAssembly
 * kernel on `nThreads` threads (0 = all cores);
 * small ones, and trees too deep to pad, by the JavaScript walk. Both give bit-identical
 * margins, whatever the thread count.
 *
 * @example
 * ```ts
 * const { margins } = frameMargins(model.ensemble, model.features, frame, 0, model.type);
 * ```
 */
export function frameMargins(
  e: TreeEnsemble,
  specs: readonly FeatureSpec[],
  frame: Frame,
  nThreads: number,
  owner: string,
): FrameMargins {
  if (!Number.isInteger(nThreads) || nThreads < 0) {
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `PredictOptions.nThreads must be a whole number ≥ 0 (0 uses every core). Got ${nThreads} instead.`,
      { details: { option: "nThreads", expected: "integer >= 0", received: String(nThreads) } },
    );
  }
  const nRows = frame.nRows;
  const K = e.nOutputs;
  const forest = compiledForestOf(e);
  if (forest === undefined || nRows < KERNEL_MIN_ROWS) {
    const matrix = featureMatrix(frame, specs, owner);
    return {
      margins: predictMargins(e, matrix.values, nRows),
      unseenCategories: matrix.unseenCategories,
    };
  }
  // Slices of at most BATCH_BYTES of inputs and margins, so the batch memory (kept for the
  // next batch) stays bounded whatever the frame's size.
  const sliceRows = Math.max(KERNEL_MIN_ROWS, Math.floor(BATCH_BYTES / (8 * (specs.length + K))));
  // Checked on the whole frame first, so an infinite value is reported at its frame row.
  if (sliceRows < nRows) checkFiniteFeatures(frame, specs, owner);
  const margins = new Float64Array(nRows * K);
  const unseenCategories: Record<string, number> = {};
  // The ranked walk reads numeric features as numbers and categorical ones as codes, as they
  // were at training; a forest split otherwise (an imported one, say) takes the padded walk.
  const candidate = rankedForestOf(e);
  const ranked = candidate?.inputs.every((input) => specs[input.feature]?.kind === input.kind)
    ? candidate
    : undefined;
  for (let begin = 0; begin < nRows; begin += sliceRows) {
    const slice = begin === 0 && sliceRows >= nRows ? frame : frame.slice(begin, begin + sliceRows);
    const n = slice.nRows;
    const memory = batchMemory();
    let walk: WalkJob;
    let out: Float64Array;
    if (ranked !== undefined) {
      // The columns the trees read go in as they are; the kernel ranks them a block at a time.
      const columns = featureColumns(slice, specs, owner);
      addCounts(unseenCategories, columns.unseenCategories);
      const at = copyRankedBatch(memory, e, ranked, columns.sources, walkThreads(n, nThreads));
      out = memory.float64(n * K, false);
      walk = { kind: "ranked", at, nTrees: ranked.nTrees, out: out.byteOffset };
    } else {
      const at = copyForest(memory, e, forest);
      // featureMatrix writes every cell and the base scores every margin: no need to clear first.
      const matrix = featureMatrix(slice, specs, owner, (length) => memory.float64(length, false));
      addCounts(unseenCategories, matrix.unseenCategories);
      encodeCategoryBits(at, matrix.values, 0, n);
      out = memory.float64(n * K, false);
      walk = {
        kind: "padded",
        at,
        x: matrix.values.byteOffset,
        nTrees: forest.nTrees,
        out: out.byteOffset,
      };
    }
    for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) out[i * K + k] = e.baseScore[k]!;
    walkOnThreads(memory, walk, n, nThreads);
    margins.set(out, begin * K);
  }
  return { margins, unseenCategories };
}

function addCounts(total: Record<string, number>, counts: Readonly<Record<string, number>>): void {
  for (const [name, count] of Object.entries(counts)) total[name] = (total[name] ?? 0) + count;
}
