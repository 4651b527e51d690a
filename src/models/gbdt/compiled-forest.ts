import type { TreeEnsemble } from "./ensemble.js";

/**
 * Trees deeper than this are not padded (2^depth leaves each); prediction walks them node by
 * node instead. Depth-wise models (`maxDepth` ≤ 10) always fit.
 */
const MAX_COMPILED_DEPTH = 10;

/**
 * A forest re-laid out for fast prediction: every tree padded to the same depth `depth` as a
 * complete binary tree in heap order (children of `n` are `2n + 1` and `2n + 2`), so a walk is
 * exactly `depth` steps with no leaf test and no child-index loads. A leaf reached above the full
 * depth becomes a padding split whose subtrees all hold its value, so every route through the
 * padding gives the same leaf value and margins stay bit-identical to the node-by-node walk.
 */
export interface CompiledForest {
  readonly depth: number;
  readonly nTrees: number;
  /** `2^depth - 1` split slots per tree. */
  readonly nInternal: number;
  /** Split feature per slot (0 for padding). */
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  /**
   * Per slot: bit 0 set when a missing value goes right, bit 1 set for a categorical split, and
   * the category bitset's length in words from bit 2 up.
   */
  readonly info: Int32Array;
  /** Per slot: first word of its category bitset in `catBits` (0, an empty word, if numeric). */
  readonly catStart: Int32Array;
  /** All category bitsets, after one leading zero word. */
  readonly catBits: Uint32Array;
  /** `2^depth` leaf values per tree. */
  readonly leaf: Float64Array;
}

/**
 * The depth of the tree rooted at `root` (a lone leaf has depth 0).
 *
 * @example
 * ```ts
 * treeDepth(ensemble, ensemble.roots[0]); // 6 for a full depth-6 tree
 * ```
 */
export function treeDepth(e: TreeEnsemble, root: number): number {
  let deepest = 0;
  const stack = [root, 0];
  while (stack.length > 0) {
    const depth = stack.pop()!;
    const node = stack.pop()!;
    if (e.feature[node]! < 0) deepest = Math.max(deepest, depth);
    else stack.push(e.left[node]!, depth + 1, e.right[node]!, depth + 1);
  }
  return deepest;
}

/**
 * Pads and flattens an ensemble's trees for {@link forestMargins}, or returns undefined when a
 * tree is deeper than 10 (leaf-wise growth) and padding would cost too much memory.
 *
 * @example
 * ```ts
 * const forest = compileForest(ensemble); // undefined → walk the ensemble node by node
 * ```
 */
export function compileForest(e: TreeEnsemble): CompiledForest | undefined {
  const nTrees = e.roots.length;
  let depth = 0;
  for (let t = 0; t < nTrees; t++) depth = Math.max(depth, treeDepth(e, e.roots[t]!));
  if (depth > MAX_COMPILED_DEPTH) return undefined;
  const nInternal = (1 << depth) - 1;
  const nLeaves = 1 << depth;
  const feature = new Int32Array(nTrees * nInternal);
  const threshold = new Float64Array(nTrees * nInternal);
  const info = new Int32Array(nTrees * nInternal);
  const catStart = new Int32Array(nTrees * nInternal);
  const catBits = new Uint32Array(e.catBits.length + 1);
  catBits.set(e.catBits, 1);
  const leaf = new Float64Array(nTrees * nLeaves);
  for (let t = 0; t < nTrees; t++) {
    const splitBase = t * nInternal;
    const leafBase = t * nLeaves;
    // (ensemble node, heap slot) pairs; a leaf above full depth fills its whole leaf range.
    const stack = [e.roots[t]!, 0];
    while (stack.length > 0) {
      const slot = stack.pop()!;
      const node = stack.pop()!;
      if (e.feature[node]! < 0) {
        let first = slot;
        let count = 1;
        while (first < nInternal) {
          first = 2 * first + 1;
          count *= 2;
        }
        leaf.fill(
          e.value[node]!,
          leafBase + first - nInternal,
          leafBase + first - nInternal + count,
        );
        continue;
      }
      feature[splitBase + slot] = e.feature[node]!;
      threshold[splitBase + slot] = e.threshold[node]!;
      const missingRight = e.defaultLeft[node] === 1 ? 0 : 1;
      if (e.catStart[node]! >= 0) {
        info[splitBase + slot] = missingRight | 2 | (e.catWords[node]! << 2);
        catStart[splitBase + slot] = e.catStart[node]! + 1;
      } else {
        info[splitBase + slot] = missingRight;
      }
      stack.push(e.left[node]!, 2 * slot + 1, e.right[node]!, 2 * slot + 2);
    }
  }
  return { depth, nTrees, nInternal, feature, threshold, info, catStart, catBits, leaf };
}

/**
 * 1 when value `v` goes right at split slot `at`, else 0, computed without branches: a tree
 * walk's left/right choices are unpredictable, and a mispredicted branch per node costs more
 * than evaluating both the numeric and the categorical rule and masking one out.
 * Number(comparison) compiles to a flag-to-integer move (a ternary here is a branch, ~2.5x
 * slower). A missing value fails `v > threshold` and misses every bitset, so it goes right only
 * where the split says so. Matches {@link nextNode} exactly.
 */
function goesRight(forest: CompiledForest, at: number, v: number): number {
  const info = forest.info[at]!;
  const missing = Number(Number.isNaN(v));
  const isCategorical = (info >>> 1) & 1;
  const code = v | 0;
  const word = code >>> 5;
  // Codes outside the bitset (negative ones wrap to huge words) read the slot's first word and
  // are masked out: they are not in the set.
  const inRange = Number(word < info >>> 2);
  const inSet =
    (forest.catBits[forest.catStart[at]! + Math.imul(word, inRange)]! >>> (code & 31)) & inRange;
  return (
    (missing & info) |
    (isCategorical & (inSet ^ 1) & (missing ^ 1)) |
    ((isCategorical ^ 1) & Number(v > forest.threshold[at]!))
  );
}

/** Rows walked together through one tree: their row data and the tree stay in cache. */
const ROW_BLOCK = 128;

/**
 * Adds trees `0..nTrees-1` of `forest` to `out` (`nRows × nOutputs`, already holding the base
 * scores) for row-major `x`, tree by tree within blocks of rows, in the same order as a plain
 * per-row walk so every sum is bit-identical. Four rows descend each tree together: a single
 * walk is a chain of dependent loads, and four independent chains keep the CPU busy.
 *
 * @example
 * ```ts
 * forestMargins(e, compileForest(e)!, matrix.values, matrix.nRows, e.roots.length, out);
 * ```
 */
export function forestMargins(
  e: TreeEnsemble,
  forest: CompiledForest,
  x: Float64Array,
  nRows: number,
  nTrees: number,
  out: Float64Array,
): void {
  const K = e.nOutputs;
  const F = e.nFeatures;
  const { depth, nInternal, feature, leaf } = forest;
  const nLeaves = nInternal + 1;
  const treeOutput = e.treeOutput;
  for (let b0 = 0; b0 < nRows; b0 += ROW_BLOCK) {
    const b1 = Math.min(nRows, b0 + ROW_BLOCK);
    const quadEnd = b0 + ((b1 - b0) & ~3);
    for (let t = 0; t < nTrees; t++) {
      const base = t * nInternal;
      const leafBase = t * nLeaves - nInternal;
      const k = treeOutput[t]!;
      let i = b0;
      for (; i < quadEnd; i += 4) {
        const r0 = i * F;
        const r1 = r0 + F;
        const r2 = r1 + F;
        const r3 = r2 + F;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let d = 0; d < depth; d++) {
          const a0 = base + s0;
          const a1 = base + s1;
          const a2 = base + s2;
          const a3 = base + s3;
          s0 = 2 * s0 + 1 + goesRight(forest, a0, x[r0 + feature[a0]!]!);
          s1 = 2 * s1 + 1 + goesRight(forest, a1, x[r1 + feature[a1]!]!);
          s2 = 2 * s2 + 1 + goesRight(forest, a2, x[r2 + feature[a2]!]!);
          s3 = 2 * s3 + 1 + goesRight(forest, a3, x[r3 + feature[a3]!]!);
        }
        const o = i * K + k;
        out[o] = out[o]! + leaf[leafBase + s0]!;
        out[o + K] = out[o + K]! + leaf[leafBase + s1]!;
        out[o + 2 * K] = out[o + 2 * K]! + leaf[leafBase + s2]!;
        out[o + 3 * K] = out[o + 3 * K]! + leaf[leafBase + s3]!;
      }
      for (; i < b1; i++) {
        const row = i * F;
        let slot = 0;
        for (let d = 0; d < depth; d++) {
          const at = base + slot;
          slot = 2 * slot + 1 + goesRight(forest, at, x[row + feature[at]!]!);
        }
        const o = i * K + k;
        out[o] = out[o]! + leaf[leafBase + slot]!;
      }
    }
  }
}
