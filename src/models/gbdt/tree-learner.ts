import type { BinnedData } from "./binning.js";
import { findBestSplit, leafValue, type SplitInfo, type SplitRules } from "./split.js";
import type { Timers } from "./timers.js";

/**
 * The row work of growing a tree (single- or multi-threaded): histograms of `rows[begin..end)`
 * into `hist`, and the stable partition of a node's rows by a split.
 */
export interface HistogramBuilder {
  build(gh: Float64Array, rows: Uint32Array, begin: number, end: number, hist: Float64Array): void;
  /**
   * Reorders `rows[begin..end)` so the rows whose bin in `column` (the split feature's bins,
   * one byte per row) has `goLeft[bin] === 1` come first, each side in its original order;
   * returns the index of the first right row. `scratch` is as long as `rows`.
   */
  partition(
    rows: Uint32Array,
    begin: number,
    end: number,
    column: Uint8Array,
    goLeft: Uint8Array,
    scratch: Uint32Array,
  ): number;
}

/** A node of a tree being grown; leaves keep their row range so scores update without traversal. */
export interface GrownNode {
  readonly id: number;
  readonly depth: number;
  readonly begin: number;
  readonly end: number;
  readonly grad: number;
  readonly hess: number;
  split?: SplitInfo;
  left?: GrownNode;
  right?: GrownNode;
  /** Leaf output after shrinkage (leaves only). */
  value: number;
}

/** How trees grow and what stops them. */
export interface GrowthRules extends SplitRules {
  readonly growPolicy: "depthwise" | "lossguide";
  /** 0 means unlimited. */
  readonly maxDepth: number;
  /** Leaves per tree, for both policies (depthwise stops mid-level, as XGBoost's max_leaves); Infinity for none. */
  readonly maxLeaves: number;
  readonly learningRate: number;
}

/** What growing one tree needs: binned data, this output's gradients, the rows in the bag. */
export interface TreeContext {
  readonly data: BinnedData;
  readonly gh: Float64Array;
  /** Row indices of the bag; reordered in place so every node owns a contiguous range. */
  readonly rows: Uint32Array;
  readonly nRows: number;
  readonly scratch: Uint32Array;
  readonly featureMask: Uint8Array;
  readonly rules: GrowthRules;
  readonly histograms: HistogramBuilder;
  readonly pool: HistogramPool;
  readonly timers: Timers;
}

/**
 * Reuses histogram buffers between nodes and trees: a tree of depth 6 needs a few dozen, and
 * the fit's kernel memory only grows. Buffers come from {@link BinnedData.memory}, where the
 * WebAssembly kernels and histogram threads can write them.
 *
 * @example
 * ```ts
 * const pool = new HistogramPool(data);
 * const hist = pool.acquire();
 * pool.release(hist);
 * ```
 */
export class HistogramPool {
  readonly #free: Float64Array[] = [];
  readonly #data: BinnedData;
  /** A split's per-bin direction, copied where the partition kernel reads it. */
  readonly goLeft: Uint8Array;
  /** Where the gradient-sums kernel writes its three sums. */
  readonly sums: Float64Array;

  constructor(data: BinnedData) {
    this.#data = data;
    this.goLeft = data.memory.uint8(256);
    this.sums = data.memory.float64(3);
  }

  /** A buffer of `2 * totalBins` doubles (contents unspecified; builders overwrite it). */
  acquire(): Float64Array {
    return this.#free.pop() ?? this.#data.memory.float64(2 * this.#data.totalBins);
  }

  /** The larger child's histogram from its parent's: `parent -= small`, in place. */
  subtract(parent: Float64Array, small: Float64Array): void {
    this.#data.memory.kernels.subtract(parent.byteOffset, small.byteOffset, parent.length);
  }

  /** Gives a buffer back for reuse. */
  release(hist: Float64Array): void {
    this.#free.push(hist);
  }
}

/**
 * Grows one regression tree on gradients: find the root's best split, then repeatedly split an
 * open node (level by level, or best gain first), building the smaller child's histogram and
 * getting the larger one by subtraction. Leaf values are Newton steps times the learning rate.
 *
 * @example
 * ```ts
 * const root = growTree(context);
 * ```
 */
export function growTree(ctx: TreeContext): GrownNode {
  const { rules, pool, timers } = ctx;
  const maxLeaves = rules.maxLeaves;
  const [grad, hess, gradSquares] = sumGradients(ctx, 0, ctx.nRows);
  const noise = hess > 0 ? gradSquares / hess : 0;
  let nextId = 0;
  const root: GrownNode = {
    id: nextId++,
    depth: 0,
    begin: 0,
    end: ctx.nRows,
    grad,
    hess,
    value: 0,
  };
  const hists = new Map<GrownNode, Float64Array>();
  if (canSplit(root, rules)) {
    const hist = pool.acquire();
    timed(timers, "histograms", () => ctx.histograms.build(ctx.gh, ctx.rows, 0, ctx.nRows, hist));
    hists.set(root, hist);
    root.split = timed(timers, "splits", () => bestSplit(ctx, root, hist, noise));
  }
  const open: GrownNode[] = root.split ? [root] : [];
  let nLeaves = 1;
  while (open.length > 0 && nLeaves < maxLeaves) {
    const node = takeNext(open, rules.growPolicy);
    const parentHist = hists.get(node)!;
    hists.delete(node);
    const split = node.split!;
    const mid = timed(timers, "partition", () => partitionRows(ctx, node, split));
    const left: GrownNode = {
      id: nextId++,
      depth: node.depth + 1,
      begin: node.begin,
      end: mid,
      grad: split.leftGrad,
      hess: split.leftHess,
      value: 0,
    };
    const right: GrownNode = {
      id: nextId++,
      depth: node.depth + 1,
      begin: mid,
      end: node.end,
      grad: split.rightGrad,
      hess: split.rightHess,
      value: 0,
    };
    node.left = left;
    node.right = right;
    nLeaves++;
    const splitLeft = canSplit(left, rules);
    const splitRight = canSplit(right, rules);
    if (!splitLeft && !splitRight) {
      pool.release(parentHist);
      continue;
    }
    // Build the smaller child, derive the larger one from the parent by subtraction.
    const leftSmaller = left.end - left.begin <= right.end - right.begin;
    const small = leftSmaller ? left : right;
    const large = leftSmaller ? right : left;
    const smallHist = pool.acquire();
    timed(timers, "histograms", () =>
      ctx.histograms.build(ctx.gh, ctx.rows, small.begin, small.end, smallHist),
    );
    timed(timers, "subtract", () => pool.subtract(parentHist, smallHist));
    hists.set(small, smallHist);
    hists.set(large, parentHist);
    for (const child of [left, right]) {
      const hist = hists.get(child)!;
      const split = canSplit(child, rules)
        ? timed(timers, "splits", () => bestSplit(ctx, child, hist, noise))
        : undefined;
      if (split) {
        child.split = split;
        open.push(child);
      } else {
        hists.delete(child);
        pool.release(hist);
      }
    }
  }
  for (const hist of hists.values()) pool.release(hist);
  setLeafValues(root, rules);
  return root;
}

function timed<T>(timers: Timers, phase: string, work: () => T): T {
  const stop = timers.start(phase);
  try {
    return work();
  } finally {
    stop();
  }
}

function canSplit(node: GrownNode, rules: GrowthRules): boolean {
  if (rules.maxDepth > 0 && node.depth >= rules.maxDepth) return false;
  return node.end - node.begin >= 2 * rules.minDataInLeaf;
}

function bestSplit(
  ctx: TreeContext,
  node: GrownNode,
  hist: Float64Array,
  noise: number,
): SplitInfo | undefined {
  return findBestSplit(
    hist,
    ctx.data.mappers,
    ctx.data.binOffsets,
    ctx.featureMask,
    {
      grad: node.grad,
      hess: node.hess,
      count: node.end - node.begin,
      noise,
    },
    ctx.rules,
  );
}

/** Depth-wise takes nodes in creation order (level by level); loss-guided takes the best gain. */
function takeNext(open: GrownNode[], policy: GrowthRules["growPolicy"]): GrownNode {
  let at = 0;
  if (policy === "lossguide") {
    for (let i = 1; i < open.length; i++) {
      const a = open[i]!;
      const b = open[at]!;
      if (a.split!.gain > b.split!.gain || (a.split!.gain === b.split!.gain && a.id < b.id)) at = i;
    }
  }
  return open.splice(at, 1)[0]!;
}

/** Sums of gradients, hessians and squared gradients over rows[begin..end) (a kernel). */
function sumGradients(ctx: TreeContext, begin: number, end: number): [number, number, number] {
  const out = ctx.pool.sums;
  ctx.data.memory.kernels.gradientSums(
    ctx.gh.byteOffset,
    ctx.rows.byteOffset,
    begin,
    end,
    out.byteOffset,
  );
  return [out[0]!, out[1]!, out[2]!];
}

/**
 * Stable in-place partition of the node's rows: left rows first, right rows after, each in
 * their original (ascending) order so histogram building keeps reading memory forwards.
 */
function partitionRows(ctx: TreeContext, node: GrownNode, split: SplitInfo): number {
  const { columnBins, nRows } = ctx.data;
  const goLeft = ctx.pool.goLeft;
  goLeft.set(split.goLeft);
  const column = columnBins.subarray(split.feature * nRows, (split.feature + 1) * nRows);
  return ctx.histograms.partition(ctx.rows, node.begin, node.end, column, goLeft, ctx.scratch);
}

function setLeafValues(node: GrownNode, rules: GrowthRules): void {
  if (node.left && node.right) {
    setLeafValues(node.left, rules);
    setLeafValues(node.right, rules);
    return;
  }
  node.value = leafValue(node.grad, node.hess, rules.lambda, rules.alpha) * rules.learningRate;
}

/**
 * The leaves of a grown tree, left to right.
 *
 * @example
 * ```ts
 * for (const leaf of leavesOf(root)) console.log(leaf.value, leaf.end - leaf.begin);
 * ```
 */
export function leavesOf(root: GrownNode): GrownNode[] {
  const out: GrownNode[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.left && node.right) stack.push(node.right, node.left);
    else out.push(node);
  }
  return out;
}
