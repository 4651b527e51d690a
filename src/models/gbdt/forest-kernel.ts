import type { CompiledForest } from "./compiled-forest.js";
import type { TreeEnsemble } from "./ensemble.js";
import type { GbdtKernelExports, KernelMemory } from "./kernel-memory.js";

/**
 * Where a padded forest lies inside a {@link KernelMemory}, in the layout of
 * wasm/gbdt-kernels.ts: 16-byte nodes (threshold, or bitset start for categorical splits; feature;
 * flags), the category bitsets, the leaves, and each tree's output.
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
  /** Whether any split is categorical (otherwise the kernel skips the bitset work). */
  readonly categorical: boolean;
}

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
  let categorical = false;
  for (let n = 0; n < nNodes; n++) {
    const info = forest.info[n]!;
    const isCategorical = (info & 2) !== 0;
    categorical ||= isCategorical;
    // A categorical split keeps its bitset's index where a numeric one keeps its threshold.
    if (isCategorical) words[4 * n] = forest.catStart[n]!;
    else nodes[2 * n] = forest.threshold[n]!;
    words[4 * n + 2] = forest.feature[n]!;
    words[4 * n + 3] = info;
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
    categorical,
  };
}

/**
 * Runs the WebAssembly forest walk for rows `[rowBegin, rowEnd)` of `x` (in the same memory),
 * adding into `out` (`nRows × nOutputs`, holding the base scores).
 *
 * @example
 * ```ts
 * runForest(memory.kernels, at, x.byteOffset, 0, nRows, nTrees, out.byteOffset);
 * ```
 */
export function runForest(
  kernels: GbdtKernelExports,
  at: ForestPointers,
  x: number,
  rowBegin: number,
  rowEnd: number,
  nTrees: number,
  out: number,
): void {
  kernels.forestMargins(
    x,
    rowBegin,
    rowEnd,
    at.nFeatures,
    at.nOutputs,
    nTrees,
    at.depth,
    at.nodes,
    at.catBits,
    at.leaf,
    at.treeOutput,
    out,
    at.categorical ? 1 : 0,
  );
}
