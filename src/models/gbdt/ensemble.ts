import type { BinMapper } from "./binning.js";
import { type CompiledForest, compileForest, forestMargins } from "./compiled-forest.js";
import { compileRankedForest, type RankedForest } from "./ranked-forest.js";
import type { GrownNode } from "./tree-learner.js";

/**
 * A trained forest as flat typed arrays, one entry per node across all trees: what prediction,
 * TreeSHAP, serialisation and ONNX export read. A node with `feature[n] === -1` is a leaf with
 * output `value[n]`. Numeric splits send `x <= threshold` left; categorical splits send the
 * categories in the node's bitset left; missing values follow `defaultLeft`.
 */
export interface TreeEnsemble {
  readonly nFeatures: number;
  /** Raw scores per row: classes for softmax, otherwise 1. */
  readonly nOutputs: number;
  /** The starting margin per output. */
  readonly baseScore: Float64Array;
  /** Root node of each tree. */
  readonly roots: Int32Array;
  /** The output (class) each tree adds to. */
  readonly treeOutput: Int32Array;
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly defaultLeft: Uint8Array;
  /** First word of the node's category bitset in `catBits`, or -1 for numeric splits. */
  readonly catStart: Int32Array;
  readonly catWords: Int32Array;
  readonly catBits: Uint32Array;
  readonly value: Float64Array;
  /** Sum of hessians of the training rows that reached the node (TreeSHAP's cover). */
  readonly cover: Float64Array;
  /** Loss reduction of the node's split (0 for leaves). */
  readonly gain: Float64Array;
}

/**
 * Collects grown trees into a {@link TreeEnsemble}, translating bin-level splits into raw
 * thresholds and category bitsets so prediction never needs the bin mappers.
 *
 * @example
 * ```ts
 * const builder = new EnsembleBuilder(nFeatures, 1, baseScore);
 * builder.addGrown(root, 0, data.mappers);
 * const ensemble = builder.finish();
 * ```
 */
export class EnsembleBuilder {
  readonly #nFeatures: number;
  readonly #nOutputs: number;
  readonly #baseScore: Float64Array;
  readonly #roots: number[] = [];
  readonly #treeOutput: number[] = [];
  readonly #feature: number[] = [];
  readonly #threshold: number[] = [];
  readonly #left: number[] = [];
  readonly #right: number[] = [];
  readonly #defaultLeft: number[] = [];
  readonly #catStart: number[] = [];
  readonly #catWords: number[] = [];
  readonly #catBits: number[] = [];
  readonly #value: number[] = [];
  readonly #cover: number[] = [];
  readonly #gain: number[] = [];

  constructor(nFeatures: number, nOutputs: number, baseScore: Float64Array) {
    this.#nFeatures = nFeatures;
    this.#nOutputs = nOutputs;
    this.#baseScore = baseScore;
  }

  /** Trees added so far. */
  get nTrees(): number {
    return this.#roots.length;
  }

  /** Appends a node and returns its index; children are patched in later. */
  addNode(node: {
    feature: number;
    threshold?: number;
    defaultLeft?: boolean;
    categories?: readonly number[];
    value?: number;
    cover: number;
    gain?: number;
  }): number {
    const id = this.#feature.length;
    this.#feature.push(node.feature);
    this.#threshold.push(node.threshold ?? 0);
    this.#left.push(-1);
    this.#right.push(-1);
    this.#defaultLeft.push(node.defaultLeft ? 1 : 0);
    if (node.categories === undefined) {
      this.#catStart.push(-1);
      this.#catWords.push(0);
    } else {
      const words = Math.floor(Math.max(-1, ...node.categories) / 32) + 1;
      const start = this.#catBits.length;
      for (let w = 0; w < words; w++) this.#catBits.push(0);
      for (const c of node.categories)
        this.#catBits[start + (c >>> 5)] =
          (this.#catBits[start + (c >>> 5)]! | (1 << (c & 31))) >>> 0;
      this.#catStart.push(start);
      this.#catWords.push(words);
    }
    this.#value.push(node.value ?? 0);
    this.#cover.push(node.cover);
    this.#gain.push(node.gain ?? 0);
    return id;
  }

  /** Links a node to its children. */
  setChildren(node: number, left: number, right: number): void {
    this.#left[node] = left;
    this.#right[node] = right;
  }

  /** Starts a new tree whose root is `root`, adding to output `output`. */
  addTree(root: number, output: number): void {
    this.#roots.push(root);
    this.#treeOutput.push(output);
  }

  /** Appends a tree grown on bins, converting its splits to raw thresholds and categories. */
  addGrown(root: GrownNode, output: number, mappers: readonly BinMapper[]): void {
    const visit = (node: GrownNode): number => {
      const split = node.split;
      if (!(node.left && node.right && split)) {
        return this.addNode({ feature: -1, value: node.value, cover: node.hess });
      }
      const mapper = mappers[split.feature]!;
      let id: number;
      if (mapper.kind === "numeric") {
        id = this.addNode({
          feature: mapper.source,
          threshold: mapper.upperBounds[split.thresholdBin]!,
          defaultLeft: split.defaultLeft,
          cover: node.hess,
          gain: split.gain,
        });
      } else {
        const categories: number[] = [];
        for (let b = 0; b < mapper.missingBin; b++)
          if (split.goLeft[b] === 1) categories.push(mapper.binToCategory[b]!);
        id = this.addNode({
          feature: mapper.source,
          categories,
          defaultLeft: split.defaultLeft,
          cover: node.hess,
          gain: split.gain,
        });
      }
      const l = visit(node.left);
      const r = visit(node.right);
      this.setChildren(id, l, r);
      return id;
    };
    this.addTree(visit(root), output);
  }

  /** The finished ensemble. */
  finish(): TreeEnsemble {
    return {
      nFeatures: this.#nFeatures,
      nOutputs: this.#nOutputs,
      baseScore: this.#baseScore,
      roots: Int32Array.from(this.#roots),
      treeOutput: Int32Array.from(this.#treeOutput),
      feature: Int32Array.from(this.#feature),
      threshold: Float64Array.from(this.#threshold),
      left: Int32Array.from(this.#left),
      right: Int32Array.from(this.#right),
      defaultLeft: Uint8Array.from(this.#defaultLeft),
      catStart: Int32Array.from(this.#catStart),
      catWords: Int32Array.from(this.#catWords),
      catBits: Uint32Array.from(this.#catBits),
      value: Float64Array.from(this.#value),
      cover: Float64Array.from(this.#cover),
      gain: Float64Array.from(this.#gain),
    };
  }
}

/**
 * The child a value goes to at an internal node: the decision rule shared by prediction,
 * TreeSHAP and every exporter.
 *
 * @example
 * ```ts
 * let node = e.roots[0]; while (e.feature[node] >= 0) node = nextNode(e, node, x[e.feature[node]]);
 * ```
 */
export function nextNode(e: TreeEnsemble, node: number, v: number): number {
  if (Number.isNaN(v)) return e.defaultLeft[node] === 1 ? e.left[node]! : e.right[node]!;
  const start = e.catStart[node]!;
  if (start < 0) return v <= e.threshold[node]! ? e.left[node]! : e.right[node]!;
  const c = v | 0;
  const inSet =
    c >= 0 &&
    c >>> 5 < e.catWords[node]! &&
    ((e.catBits[start + (c >>> 5)]! >>> (c & 31)) & 1) === 1;
  return inSet ? e.left[node]! : e.right[node]!;
}

/** Compiled layouts per ensemble (ensembles are immutable), built on first prediction. */
const compiledForests = new WeakMap<TreeEnsemble, CompiledForest | null>();

/**
 * The padded layout of an ensemble ({@link compileForest}), built once and cached, or undefined
 * when its trees are too deep to pad.
 *
 * @example
 * ```ts
 * const forest = compiledForestOf(ensemble);
 * ```
 */
export function compiledForestOf(e: TreeEnsemble): CompiledForest | undefined {
  let forest = compiledForests.get(e);
  if (forest === undefined) {
    forest = compileForest(e) ?? null;
    compiledForests.set(e, forest);
  }
  return forest ?? undefined;
}

/** Ranked layouts per ensemble, built on first large batch. */
const rankedForests = new WeakMap<TreeEnsemble, RankedForest | null>();

/**
 * The ranked layout of an ensemble ({@link compileRankedForest}), built once and cached, or
 * undefined when it does not fit the byte encoding.
 *
 * @example
 * ```ts
 * const ranked = rankedForestOf(ensemble);
 * ```
 */
export function rankedForestOf(e: TreeEnsemble): RankedForest | undefined {
  let forest = rankedForests.get(e);
  if (forest === undefined) {
    forest = compileRankedForest(e) ?? null;
    rankedForests.set(e, forest);
  }
  return forest ?? undefined;
}

/**
 * Raw margins for a row-major matrix: `out[i * nOutputs + k]` = base score + the sum of the
 * trees of output k. Trees beyond `nTrees` are ignored (early-stopping truncation, staged use).
 * Uses the padded layout of {@link compileForest} when the trees are shallow enough.
 *
 * @example
 * ```ts
 * const margins = predictMargins(ensemble, matrix.values, matrix.nRows);
 * ```
 */
export function predictMargins(
  e: TreeEnsemble,
  x: Float64Array,
  nRows: number,
  nTrees = e.roots.length,
): Float64Array {
  const forest = compiledForestOf(e);
  if (forest === undefined) return walkMargins(e, x, nRows, nTrees);
  const K = e.nOutputs;
  const out = new Float64Array(nRows * K);
  for (let i = 0; i < nRows; i++) for (let k = 0; k < K; k++) out[i * K + k] = e.baseScore[k]!;
  forestMargins(e, forest, x, nRows, nTrees, out);
  return out;
}

/**
 * {@link predictMargins} by walking the ensemble's nodes one by one: the reference the compiled
 * layout must match bit for bit, and the path for trees too deep to pad.
 *
 * @example
 * ```ts
 * const margins = walkMargins(ensemble, matrix.values, matrix.nRows);
 * ```
 */
export function walkMargins(
  e: TreeEnsemble,
  x: Float64Array,
  nRows: number,
  nTrees = e.roots.length,
): Float64Array {
  const K = e.nOutputs;
  const F = e.nFeatures;
  const out = new Float64Array(nRows * K);
  const { feature, threshold, left, right, defaultLeft, catStart, value, roots, treeOutput } = e;
  // Row blocks keep a block's feature values in cache while every tree walks them.
  const BLOCK = 64;
  for (let b0 = 0; b0 < nRows; b0 += BLOCK) {
    const b1 = Math.min(nRows, b0 + BLOCK);
    for (let i = b0; i < b1; i++) for (let k = 0; k < K; k++) out[i * K + k] = e.baseScore[k]!;
    for (let t = 0; t < nTrees; t++) {
      const root = roots[t]!;
      const k = treeOutput[t]!;
      for (let i = b0; i < b1; i++) {
        const base = i * F;
        let node = root;
        let f = feature[node]!;
        while (f >= 0) {
          const v = x[base + f]!;
          if (catStart[node]! < 0 && !Number.isNaN(v))
            node = v <= threshold[node]! ? left[node]! : right[node]!;
          else if (Number.isNaN(v)) node = defaultLeft[node] === 1 ? left[node]! : right[node]!;
          else node = nextNode(e, node, v);
          f = feature[node]!;
        }
        out[i * K + k] = out[i * K + k]! + value[node]!;
      }
    }
  }
  return out;
}

/**
 * Raw margins of one row into `out` (length nOutputs), allocation-free, walking node by node:
 * the single-record path for trees too deep to pad (padded forests go through the resident
 * WebAssembly walk, `ResidentForest`).
 *
 * @example
 * ```ts
 * const out = new Float64Array(ensemble.nOutputs);
 * predictRowMargins(ensemble, row, out);
 * ```
 */
export function predictRowMargins(e: TreeEnsemble, row: Float64Array, out: Float64Array): void {
  for (let k = 0; k < e.nOutputs; k++) out[k] = e.baseScore[k]!;
  const { feature, threshold, left, right, defaultLeft, catStart, value, roots, treeOutput } = e;
  for (let t = 0; t < roots.length; t++) {
    let node = roots[t]!;
    let f = feature[node]!;
    while (f >= 0) {
      const v = row[f]!;
      if (catStart[node]! < 0 && !Number.isNaN(v))
        node = v <= threshold[node]! ? left[node]! : right[node]!;
      else if (Number.isNaN(v)) node = defaultLeft[node] === 1 ? left[node]! : right[node]!;
      else node = nextNode(e, node, v);
      f = feature[node]!;
    }
    const k = treeOutput[t]!;
    out[k] = out[k]! + value[node]!;
  }
}

/**
 * Feature importance summed over all splits: total gain, or the number of splits.
 *
 * @example
 * ```ts
 * featureImportance(ensemble, "gain"); // Float64Array, one entry per feature
 * ```
 */
export function featureImportance(e: TreeEnsemble, kind: "gain" | "split"): Float64Array {
  const out = new Float64Array(e.nFeatures);
  for (let n = 0; n < e.feature.length; n++) {
    const f = e.feature[n]!;
    if (f >= 0) out[f] = out[f]! + (kind === "gain" ? e.gain[n]! : 1);
  }
  return out;
}
