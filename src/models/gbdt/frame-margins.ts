import type { Frame } from "../../core/index.js";
import { compiledForestOf, predictMargins, type TreeEnsemble } from "./ensemble.js";
import { type FeatureSpec, featureMatrix } from "./feature-input.js";
import { copyForest, encodeCategoryBits, forestBytes } from "./forest-kernel.js";
import { KernelMemory } from "./kernel-memory.js";
import { walkOnThreads } from "./prediction-pool.js";

/**
 * Batches from this many rows go to the WebAssembly walk: below it, setting up a kernel memory
 * costs more than the faster walk saves.
 */
const KERNEL_MIN_ROWS = 512;
/** Larger batches are walked in JavaScript rather than over one kernel memory's 4 GiB. */
const KERNEL_MAX_BYTES = 2 ** 31;

/** Margins of a frame and the unseen categories met on the way. */
export interface FrameMargins {
  /** Row-major `nRows × nOutputs`. */
  readonly margins: Float64Array;
  readonly unseenCategories: Readonly<Record<string, number>>;
}

/**
 * Raw margins of every row of `frame`. Large batches are laid out straight into a kernel memory
 * with the forest and walked by the WebAssembly kernel on `nThreads` threads (0 = all cores);
 * small ones, and trees too deep to pad, by the JavaScript walk. Both give bit-identical
 * margins, whatever the thread count.
 *
 * @example
 * ```ts
 * const { margins } = frameMargins(model.ensemble, model.features, frame, 0);
 * ```
 */
export function frameMargins(
  e: TreeEnsemble,
  specs: readonly FeatureSpec[],
  frame: Frame,
  nThreads: number,
): FrameMargins {
  const nRows = frame.nRows;
  const K = e.nOutputs;
  const forest = compiledForestOf(e);
  const bytes = forest ? forestBytes(forest) + 8 * nRows * (specs.length + K) + 64 : 0;
  if (forest === undefined || nRows < KERNEL_MIN_ROWS || bytes > KERNEL_MAX_BYTES) {
    const matrix = featureMatrix(frame, specs);
    return {
      margins: predictMargins(e, matrix.values, nRows),
      unseenCategories: matrix.unseenCategories,
    };
  }
  const memory = KernelMemory.create(bytes);
  const at = copyForest(memory, e, forest);
  const matrix = featureMatrix(frame, specs, (length) => memory.float64(length));
  encodeCategoryBits(at, matrix.values, 0, nRows);
  const out = memory.float64(nRows * K);
  for (let i = 0; i < nRows; i++) for (let k = 0; k < K; k++) out[i * K + k] = e.baseScore[k]!;
  walkOnThreads(
    memory,
    at,
    matrix.values.byteOffset,
    nRows,
    forest.nTrees,
    out.byteOffset,
    nThreads,
  );
  // Copied out so the kernel memory, input and all, goes with this call.
  return { margins: out.slice(), unseenCategories: matrix.unseenCategories };
}
