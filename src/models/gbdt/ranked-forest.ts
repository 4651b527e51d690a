import { treeDepth } from "./compiled-forest.js";
import type { TreeEnsemble } from "./ensemble.js";

/** Depth-wise models (`maxDepth` ≤ 10) fit; deeper trees are not padded (as compiled-forest.ts). */
const MAX_RANKED_DEPTH = 10;
/** Input bytes 0..254 are ranks or codes; 255 is missing. */
const MISSING = 255;
/** At most this many distinct thresholds per feature, so every rank (0..n) fits below 255. */
const MAX_THRESHOLDS = 254;

/**
 * One model input the forest reads, and how the kernel turns its values into bytes.
 *
 * @example
 * ```ts
 * const input: RankedInput = compileRankedForest(ensemble)!.inputs[0];
 * ```
 */
export interface RankedInput {
  /** The model feature (column of the feature specs). */
  readonly feature: number;
  readonly kind: "numeric" | "categorical";
  /**
   * Numeric: the feature's distinct split thresholds in ascending order, padded with +Infinity
   * to a power of two (the kernel's binary search). Empty for categorical inputs.
   */
  readonly thresholds: Float64Array;
  /** Categorical: codes at or above this (in no category set) all encode as this byte. */
  readonly clamp: number;
}

/**
 * A forest compiled for the ranked WebAssembly walk (`rankedForestMargins` in
 * wasm/gbdt-kernels.ts). Every input a split reads becomes one byte per row: for a numeric
 * feature its rank among that feature's thresholds (`v > t_j` exactly when `rank > j`, so no
 * comparison changes), for a categorical one its code, and 255 when missing. Every split is then
 * "go right when the byte lies in `[low, low + width)`" (interval mode) or, when some category
 * set is not an interval in either orientation, "when bit `byte` of the node's 256-bit mask is
 * set" (mask mode). A split whose right side is not an interval but whose left side is gets its
 * subtrees swapped. Trees are padded to one depth in heap order, as in compiled-forest.ts, and
 * leaf values are the ensemble's own, so margins are bit-identical to the node walk.
 *
 * @example
 * ```ts
 * const ranked: RankedForest | undefined = compileRankedForest(ensemble);
 * ```
 */
export interface RankedForest {
  readonly depth: number;
  readonly nTrees: number;
  /** `2^depth - 1` node slots per tree. */
  readonly nInternal: number;
  /** 0: interval mode; 1: mask mode. */
  readonly mode: 0 | 1;
  readonly inputs: readonly RankedInput[];
  /**
   * 4 bytes per slot: the input's byte offset within a group of eight rows (`8 × input index`,
   * u16), then `low` and `width` (u8). Padding slots send every row left.
   */
  readonly nodes: Uint8Array;
  /** Mask mode: 32 bytes per slot, bit `b` set when input byte `b` goes right; else empty. */
  readonly masks: Uint8Array;
  /** `2^depth` leaf values per tree. */
  readonly leaf: Float64Array;
}

interface FeatureUse {
  numeric: boolean;
  categorical: boolean;
  thresholds: number[];
  /** Each distinct threshold's index in `thresholds` (-0 and 0 are one key). */
  rankOf: Map<number, number>;
  /** 1 + the highest code in any of the feature's category sets. */
  clamp: number;
}

/** Highest code in node `n`'s category set, or -1 when the set is empty. */
function highestCode(e: TreeEnsemble, n: number): number {
  for (let w = e.catWords[n]! - 1; w >= 0; w--) {
    const word = e.catBits[e.catStart[n]! + w]!;
    if (word !== 0) return 32 * w + 31 - Math.clz32(word);
  }
  return -1;
}

function inSet(e: TreeEnsemble, n: number, code: number): boolean {
  const w = code >>> 5;
  return w < e.catWords[n]! && ((e.catBits[e.catStart[n]! + w]! >>> (code & 31)) & 1) === 1;
}

/** Each feature's splits, or undefined when some feature cannot be ranked in a byte. */
function featureUses(e: TreeEnsemble): Map<number, FeatureUse> | undefined {
  const uses = new Map<number, FeatureUse>();
  for (let n = 0; n < e.feature.length; n++) {
    const f = e.feature[n]!;
    if (f < 0) continue;
    let use = uses.get(f);
    if (use === undefined) {
      use = { numeric: false, categorical: false, thresholds: [], rankOf: new Map(), clamp: 0 };
      uses.set(f, use);
    }
    if (e.catStart[n]! >= 0) {
      use.categorical = true;
      use.clamp = Math.max(use.clamp, highestCode(e, n) + 1);
    } else {
      if (Number.isNaN(e.threshold[n]!)) return undefined;
      use.numeric = true;
      use.thresholds.push(e.threshold[n]!);
    }
  }
  for (const use of uses.values()) {
    // A feature split both ways would need both its rank and its code.
    if (use.numeric && use.categorical) return undefined;
    if (use.clamp >= MISSING) return undefined;
    if (use.numeric) {
      // Distinct by value: -0 and 0 compare equal, so one rank boundary serves both.
      const sorted = Float64Array.from(use.thresholds).sort();
      const distinct: number[] = [];
      for (const t of sorted) if (distinct.length === 0 || distinct.at(-1)! !== t) distinct.push(t);
      if (distinct.length > MAX_THRESHOLDS) return undefined;
      use.thresholds = distinct;
      use.rankOf = new Map(distinct.map((t, j) => [t, j]));
    }
  }
  return uses;
}

/**
 * Whether each byte that can occur at node `n` (ranks or codes `0..top`, then missing last)
 * goes right: 1 or 0.
 */
function rightBytes(e: TreeEnsemble, n: number, use: FeatureUse): Uint8Array {
  const top = use.numeric ? use.thresholds.length : use.clamp;
  const right = new Uint8Array(top + 2);
  right[top + 1] = e.defaultLeft[n] === 1 ? 0 : 1;
  if (use.numeric) {
    // Ranks above the threshold's: values greater than it.
    right.fill(1, use.rankOf.get(e.threshold[n]!)! + 1, top + 1);
  } else {
    for (let code = 0; code <= top; code++) right[code] = inSet(e, n, code) ? 0 : 1;
  }
  return right;
}

/** The byte a position of {@link rightBytes} stands for. */
const byteAt = (right: Uint8Array, at: number): number => (at === right.length - 1 ? MISSING : at);

/**
 * `[low, width]` of a byte range holding every occurring byte whose `right` entry is `want`
 * and no other, or undefined. Bytes that never occur (above `top`, below missing) may fall
 * inside.
 */
function interval(right: Uint8Array, want: 0 | 1): [number, number] | undefined {
  let first = -1;
  let last = -1;
  for (let at = 0; at < right.length; at++) {
    if (right[at] !== want) continue;
    if (first < 0) first = at;
    last = at;
  }
  if (first < 0) return [0, 0];
  for (let at = first; at <= last; at++) if (right[at] !== want) return undefined;
  const low = byteAt(right, first);
  const width = byteAt(right, last) - low + 1;
  // 256 would not fit in a byte: only a split sending every byte one way needs it.
  return width > 255 ? undefined : [low, width];
}

/**
 * Compiles an ensemble for the ranked walk, or returns undefined when it
 * does not fit the byte encoding (a tree deeper than 10, a feature split both numerically and
 * by category, more than 254 thresholds on one feature, a category code above 253, a NaN
 * threshold, or more than 8,191 features read); the padded f64 walk handles those.
 *
 * @example
 * ```ts
 * const ranked = compileRankedForest(ensemble); // undefined → compileForest's walk
 * ```
 */
export function compileRankedForest(e: TreeEnsemble): RankedForest | undefined {
  const nTrees = e.roots.length;
  let depth = 0;
  for (let t = 0; t < nTrees; t++) depth = Math.max(depth, treeDepth(e, e.roots[t]!));
  if (depth > MAX_RANKED_DEPTH) return undefined;
  const uses = featureUses(e);
  if (uses === undefined || uses.size * 8 > 0xffff) return undefined;
  const order = [...uses.keys()].sort((a, b) => a - b);
  const inputIndex = new Map(order.map((f, u) => [f, u]));
  const nInternal = (1 << depth) - 1;
  const nLeaves = 1 << depth;
  // Interval mode if every split has an interval on one side (the left one: swap subtrees).
  const rules = new Map<number, { right: Uint8Array; range?: [number, number]; swap: boolean }>();
  let mode: 0 | 1 = 0;
  for (let n = 0; n < e.feature.length; n++) {
    const f = e.feature[n]!;
    if (f < 0) continue;
    const right = rightBytes(e, n, uses.get(f)!);
    const range = interval(right, 1);
    const swapped = range === undefined ? interval(right, 0) : undefined;
    if (range === undefined && swapped === undefined) mode = 1;
    const found = range ?? swapped;
    rules.set(n, { right, swap: swapped !== undefined, ...(found ? { range: found } : {}) });
  }
  const nodes = new Uint8Array(4 * nTrees * nInternal);
  const view = new DataView(nodes.buffer);
  const masks = new Uint8Array(mode === 1 ? 32 * nTrees * nInternal : 0);
  const leaf = new Float64Array(nTrees * nLeaves);
  for (let t = 0; t < nTrees; t++) {
    const slotBase = t * nInternal;
    const leafBase = t * nLeaves;
    const stack = [e.roots[t]!, 0];
    while (stack.length > 0) {
      const slot = stack.pop()!;
      const n = stack.pop()!;
      const f = e.feature[n]!;
      if (f < 0) {
        // A leaf above full depth fills the leaves of its whole padded subtree.
        let first = slot;
        let count = 1;
        while (first < nInternal) {
          first = 2 * first + 1;
          count *= 2;
        }
        const at = leafBase + first - nInternal;
        leaf.fill(e.value[n]!, at, at + count);
        continue;
      }
      const { right, range, swap: swapped } = rules.get(n)!;
      const at = 4 * (slotBase + slot);
      view.setUint16(at, 8 * inputIndex.get(f)!, true);
      const swap = mode === 0 && swapped;
      if (mode === 0) {
        nodes[at + 2] = range![0];
        nodes[at + 3] = range![1];
      } else {
        const mask = masks.subarray(32 * (slotBase + slot), 32 * (slotBase + slot + 1));
        for (let at = 0; at < right.length; at++) {
          const b = byteAt(right, at);
          if (right[at] === 1) mask[b >>> 3] = mask[b >>> 3]! | (1 << (b & 7));
        }
      }
      const [first, second] = swap ? [e.right[n]!, e.left[n]!] : [e.left[n]!, e.right[n]!];
      stack.push(first, 2 * slot + 1, second, 2 * slot + 2);
    }
  }
  const inputs = order.map((feature): RankedInput => {
    const use = uses.get(feature)!;
    if (!use.numeric) {
      return { feature, kind: "categorical", thresholds: new Float64Array(0), clamp: use.clamp };
    }
    let size = 1;
    while (size < use.thresholds.length) size *= 2;
    const thresholds = new Float64Array(size).fill(Number.POSITIVE_INFINITY);
    thresholds.set(use.thresholds);
    return { feature, kind: "numeric", thresholds, clamp: 0 };
  });
  return { depth, nTrees, nInternal, mode, inputs, nodes, masks, leaf };
}
