import type { TreeEnsemble } from "./ensemble.js";
import type { KernelMemory } from "./kernel-memory.js";
import type { RankedForest } from "./ranked-forest.js";

/**
 * Rows the kernel encodes and walks at once: their encoded inputs (one byte per input) stay in
 * L1 while every tree walks them. Sizes each thread's scratch.
 */
const BLOCK_ROWS = 256;

/**
 * A batch laid out for `rankedForestMargins` (wasm/gbdt-kernels.ts) inside a
 * {@link KernelMemory}: the input table (16 bytes per input: the column's pointer, its kind, the
 * thresholds' pointer and padded length or the clamp code), the ranked forest, and per-thread
 * scratch for the encoded rows.
 *
 * @example
 * ```ts
 * const at: RankedPointers = copyRankedBatch(memory, ensemble, ranked, columns, 4);
 * ```
 */
export interface RankedPointers {
  readonly nOutputs: number;
  readonly nInputs: number;
  readonly nTrees: number;
  readonly depth: number;
  readonly inputs: number;
  readonly nodes: number;
  readonly masks: number;
  readonly leaf: number;
  readonly treeOutput: number;
  readonly mode: 0 | 1;
  /** Scratch of thread `i` starts at `scratch + i * scratchBytes`. */
  readonly scratch: number;
  readonly scratchBytes: number;
  /** Rows encoded at once: `scratchBytes` holds this many rows' bytes. */
  readonly blockRows: number;
}

/**
 * Copies a ranked forest and the columns it reads (`columns[f]` for model feature `f`: numbers
 * with NaN missing, or category codes with -1 missing) into `memory`, with scratch for
 * `nThreads` threads. With `placed`, the columns are views of `memory` itself (allocated from
 * it) and are read in place, not copied: whoever placed them can refill them and walk again.
 *
 * @example
 * ```ts
 * const at = copyRankedBatch(batchMemory(), ensemble, compileRankedForest(ensemble)!, columns, 2);
 * ```
 */
export function copyRankedBatch(
  memory: KernelMemory,
  e: TreeEnsemble,
  forest: RankedForest,
  columns: readonly (Float64Array | Int32Array)[],
  nThreads: number,
  placed = false,
): RankedPointers {
  const table = new Int32Array(4 * forest.inputs.length);
  forest.inputs.forEach((input, u) => {
    const column = columns[input.feature]!;
    table[4 * u] = placed ? column.byteOffset : memory.copyOf(column);
    table[4 * u + 1] = input.kind === "numeric" ? 0 : 1;
    if (input.kind === "numeric") {
      table[4 * u + 2] = memory.copyOf(input.thresholds);
      table[4 * u + 3] = input.thresholds.length;
    } else {
      table[4 * u + 2] = input.clamp;
    }
  });
  const scratchBytes = Math.ceil((BLOCK_ROWS * forest.inputs.length) / 64) * 64 || 64;
  return {
    nOutputs: e.nOutputs,
    nInputs: forest.inputs.length,
    nTrees: forest.nTrees,
    depth: forest.depth,
    inputs: memory.copyOf(table),
    nodes: memory.copyOf(forest.nodes),
    masks: memory.copyOf(forest.masks),
    leaf: memory.copyOf(forest.leaf),
    treeOutput: memory.copyOf(e.treeOutput.subarray(0, forest.nTrees)),
    mode: forest.mode,
    scratch: memory.uint8(scratchBytes * nThreads).byteOffset,
    scratchBytes,
    blockRows: BLOCK_ROWS,
  };
}
