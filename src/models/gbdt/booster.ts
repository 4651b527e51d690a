import { type Logger, nullLogger, nullProgress, type Progress, Rng } from "../../core/index.js";
import type { BinnedData } from "./binning.js";
import { EnsembleBuilder, type TreeEnsemble } from "./ensemble.js";
import { type EvalMetricName, evalMetric, higherIsBetter } from "./eval-metrics.js";
import { type Objective, transformMargins } from "./objectives.js";
import { createHistogramBuilder } from "./parallel-histograms.js";
import { Timers } from "./timers.js";
import {
  type GrownNode,
  type GrowthRules,
  growTree,
  HistogramPool,
  leavesOf,
} from "./tree-learner.js";

/** Everything one boosting run needs, already binned and validated. */
export interface BoosterInput {
  readonly data: BinnedData;
  readonly y: Float64Array;
  readonly weight: Float64Array;
  readonly objective: Objective;
  readonly rules: GrowthRules;
  readonly nEstimators: number;
  readonly subsample: number;
  readonly colsampleBytree: number;
  readonly seed: number;
  readonly nThreads: number;
  /** Smallest rows × features per thread worth a thread hand-off (tests lower it). */
  readonly minCellsPerThread?: number;
  /** Smallest rows × features of a histogram build shared with helper threads (tests lower it). */
  readonly minSharedCells?: number;
  /** Tests: the calling thread leaves shared work to the helper threads. */
  readonly helpersOnly?: boolean;
  /** Rows per histogram lane (tests lower it to reach the lane path on small data). */
  readonly laneRows?: number;
  /** Smallest partition or score update shared with helper threads, in rows (tests lower it). */
  readonly minSharedRows?: number;
  /** Smallest chunk of a shared partition or score update (tests lower it). */
  readonly chunkRows?: number;
  readonly validation?: {
    readonly bins: Uint8Array;
    readonly y: Float64Array;
    readonly weight: Float64Array;
  };
  readonly evalMetric: EvalMetricName;
  readonly earlyStoppingRounds?: number;
  readonly logger?: Logger;
  readonly progress?: Progress;
  readonly signal?: AbortSignal;
}

/** The trained forest plus what happened while training it. */
export interface BoosterResult {
  readonly ensemble: TreeEnsemble;
  /** Rounds kept (after early stopping, the best round + 1). */
  readonly nRounds: number;
  /** Validation metric per round, when a validation set was given. */
  readonly evalHistory: number[];
  /** Milliseconds per phase. */
  readonly timers: Record<string, number>;
  /**
   * Raw scores of the training rows (row-major `nRows × nOutputs`) as boosting left them, when
   * they are exactly the returned ensemble's: undefined after early stopping dropped rounds.
   */
  readonly trainingScores?: Float64Array;
}

/**
 * Gradient boosting, the algorithm at the top level: start from a constant score; each round,
 * take gradients of the loss, sample rows and features, grow one tree per output on the
 * gradients, add its leaves to the scores, and stop early when the validation metric stalls.
 *
 * @example
 * ```ts
 * const { ensemble } = boost({ data, y, weight, objective, rules, nEstimators: 100, … });
 * ```
 */
export function boost(input: BoosterInput): BoosterResult {
  const { data, y, weight, objective, rules, validation } = input;
  const logger = input.logger ?? nullLogger;
  const progress = input.progress ?? nullProgress;
  const timers = new Timers();
  const nRows = data.nRows;
  const K = objective.nOutputs;
  const baseScore = objective.initScore(y, weight);
  // Scores, labels and weights in the kernel memory: the binary objective's gradients are a
  // WebAssembly kernel run on the histogram threads.
  // Class-major (output k's scores at k * nRows): adding a tree's leaves to its class then
  // writes one contiguous block, where row-major scores of 26 classes would touch a cache line
  // per row (bench/gbdt's 26-class table spent a sixth of its fit there).
  const score = data.memory.float64(nRows * K, false);
  for (let k = 0; k < K; k++) score.fill(baseScore[k]!, k * nRows, (k + 1) * nRows);
  // Binary gradients are a WebAssembly kernel, softmax ones a JavaScript unit; both run on the
  // histogram threads, reading labels and weights from the kernel memory.
  const kernelGradients = objective.name === "binary" || objective.name === "softmax";
  const yKernel = kernelGradients ? data.memory.float64(nRows, false) : y;
  const wKernel = kernelGradients ? data.memory.float64(nRows, false) : weight;
  if (kernelGradients) {
    yKernel.set(y);
    wKernel.set(weight);
  }
  const validScore = validation
    ? constantScores(new Float64Array(validation.y.length * K), validation.y.length, baseScore)
    : undefined;
  // One shared block for every output's (gradient, hessian) pairs and one for the row order,
  // so histogram workers see them without copies.
  const ghAll = data.memory.float64(2 * nRows * K);
  const gh = Array.from({ length: K }, (_, k) =>
    ghAll.subarray(2 * nRows * k, 2 * nRows * (k + 1)),
  );
  const rows = data.memory.uint32(nRows);
  // Every tree starts from all rows in order: one copy, where a JavaScript loop writing them
  // showed in the calling thread's profile on bench/gbdt's 204k table.
  const identity = Uint32Array.from({ length: nRows }, (_, i) => i);
  const scratch = data.memory.uint32(nRows);
  const pool = new HistogramPool(data);
  const histograms = createHistogramBuilder(data, input.nThreads, {
    treesPerRound: K,
    ...(input.minCellsPerThread !== undefined
      ? { minCellsPerThread: input.minCellsPerThread }
      : {}),
    ...(input.minSharedCells !== undefined ? { minSharedCells: input.minSharedCells } : {}),
    ...(input.laneRows !== undefined ? { laneRows: input.laneRows } : {}),
    ...(input.helpersOnly !== undefined ? { helpersOnly: input.helpersOnly } : {}),
    ...(input.minSharedRows !== undefined ? { minSharedRows: input.minSharedRows } : {}),
    ...(input.chunkRows !== undefined ? { chunkRows: input.chunkRows } : {}),
  });
  const rng = new Rng(input.seed);
  const builder = new EnsembleBuilder(data.nSourceFeatures, K, baseScore);
  const evalHistory: number[] = [];
  let best = { round: -1, value: Number.NaN };
  progress.start(input.nEstimators, "boosting");
  try {
    for (let round = 0; round < input.nEstimators; round++) {
      input.signal?.throwIfAborted();
      const stopGradients = timers.start("gradients");
      if (objective.name === "binary") histograms.binaryGradients(score, yKernel, wKernel, gh[0]!);
      else if (objective.name === "softmax")
        histograms.softmaxGradients(score, yKernel, wKernel, ghAll, K);
      else objective.gradients(score, y, weight, gh);
      stopGradients();
      const bag = sampleRows(rng, nRows, input.subsample);
      const outOfBag = bag ? complement(bag, nRows) : undefined;
      const featureMask = sampleFeatures(rng, data.nFeatures, input.colsampleBytree);
      for (let k = 0; k < K; k++) {
        rows.set(bag ?? identity);
        const nBag = bag ? bag.length : nRows;
        const root = growTree({
          data,
          gh: gh[k]!,
          rows,
          nRows: nBag,
          scratch,
          featureMask,
          rules,
          histograms,
          pool,
          timers,
        });
        if (objective.renewLeaf) renewLeaves(root, rows, objective, y, weight, score, rules);
        const stopUpdate = timers.start("update scores");
        // In-bag rows by the leaves that hold them; out-of-bag rows walk the tree.
        histograms.addLeaves(rows, bag ? bag.length : nRows, leavesOf(root), score, k * nRows);
        if (outOfBag)
          addTreeByTraversal(root, data.columnBins, nRows, score, 1, k * nRows, outOfBag);
        if (validation && validScore)
          addTreeByTraversal(root, validation.bins, validation.y.length, validScore, K, k);
        stopUpdate();
        builder.addGrown(root, k, data.mappers);
      }
      let status: Record<string, number> = {};
      if (validation && validScore) {
        const value = evaluate(
          input.evalMetric,
          objective,
          validScore,
          validation.y,
          validation.weight,
        );
        evalHistory.push(value);
        status = { [input.evalMetric]: value };
        const better = higherIsBetter(input.evalMetric) ? value > best.value : value < best.value;
        if (best.round < 0 || better) best = { round, value };
        else if (
          input.earlyStoppingRounds !== undefined &&
          round - best.round >= input.earlyStoppingRounds
        ) {
          logger.info("early stopping", {
            round,
            bestRound: best.round,
            [input.evalMetric]: best.value,
          });
          progress.advance(1, status);
          break;
        }
      }
      progress.advance(1, status);
    }
  } finally {
    histograms.close();
    progress.finish();
  }
  const nRounds =
    input.earlyStoppingRounds !== undefined && best.round >= 0
      ? best.round + 1
      : builder.nTrees / K;
  const complete = nRounds * K === builder.nTrees;
  const ensemble = truncate(builder.finish(), nRounds * K);
  logger.debug("boosting timers", timers.report());
  return {
    ensemble,
    nRounds,
    evalHistory,
    timers: timers.report(),
    // Row-major, as predictions are; a copy either way: the kernel memory is the fit's scratch.
    ...(complete ? { trainingScores: rowMajor(score, nRows, K) } : {}),
  };
}

function constantScores(out: Float64Array, nRows: number, base: Float64Array): Float64Array {
  const K = base.length;
  for (let i = 0; i < nRows; i++) for (let k = 0; k < K; k++) out[i * K + k] = base[k]!;
  return out;
}

/** Class-major scores (`k * nRows + i`) as a row-major copy (`i * K + k`). */
function rowMajor(score: Float64Array, nRows: number, K: number): Float64Array {
  if (K === 1) return score.slice();
  const out = new Float64Array(nRows * K);
  for (let k = 0; k < K; k++)
    for (let i = 0; i < nRows; i++) out[i * K + k] = score[k * nRows + i]!;
  return out;
}

/** Bernoulli row sampling (sorted, so memory is read forwards); `undefined` means all rows. */
function sampleRows(rng: Rng, nRows: number, fraction: number): Uint32Array | undefined {
  if (fraction >= 1) return undefined;
  const out = new Uint32Array(nRows);
  let n = 0;
  for (let i = 0; i < nRows; i++) if (rng.next() < fraction) out[n++] = i;
  return out.subarray(0, Math.max(n, 1));
}

/** The rows of `[0, nRows)` not in the sorted `bag`, in order. */
function complement(bag: Uint32Array, nRows: number): Uint32Array {
  const out = new Uint32Array(nRows - bag.length);
  let n = 0;
  let at = 0;
  for (let r = 0; r < nRows; r++) {
    if (at < bag.length && bag[at] === r) at++;
    else out[n++] = r;
  }
  return out;
}

/** Picks `ceil(fraction * nFeatures)` features for this tree. */
function sampleFeatures(rng: Rng, nFeatures: number, fraction: number): Uint8Array {
  const mask = new Uint8Array(nFeatures);
  if (fraction >= 1) return mask.fill(1);
  const k = Math.max(1, Math.ceil(fraction * nFeatures));
  const order = rng.permutation(nFeatures);
  for (let i = 0; i < k; i++) mask[order[i]!] = 1;
  return mask;
}

/** Absolute-error style objectives refit each leaf on its rows' residuals. */
function renewLeaves(
  root: GrownNode,
  rows: Uint32Array,
  objective: Objective,
  y: Float64Array,
  weight: Float64Array,
  score: Float64Array,
  rules: GrowthRules,
): void {
  for (const leaf of leavesOf(root)) {
    if (leaf.end <= leaf.begin) continue;
    leaf.value =
      objective.renewLeaf!(rows.subarray(leaf.begin, leaf.end), y, weight, score) *
      rules.learningRate;
  }
}

/**
 * Walks feature-major binned rows down the tree (out-of-bag rows, validation rows), adding each
 * row's leaf to `score[offset + r * stride]`: the rows in `only`, or every row.
 */
function addTreeByTraversal(
  root: GrownNode,
  bins: Uint8Array,
  nRows: number,
  score: Float64Array,
  stride: number,
  offset: number,
  only?: Uint32Array,
): void {
  const n = only ? only.length : nRows;
  for (let i = 0; i < n; i++) {
    const r = only ? only[i]! : i;
    let node = root;
    while (node.left && node.right && node.split) {
      node =
        node.split.goLeft[bins[node.split.feature * nRows + r]!] === 1 ? node.left : node.right;
    }
    const at = offset + r * stride;
    score[at] = score[at]! + node.value;
  }
}

function evaluate(
  metric: EvalMetricName,
  objective: Objective,
  margins: Float64Array,
  y: Float64Array,
  weight: Float64Array,
): number {
  const onPredictions = metric === "rmse" || metric === "mae";
  const input = onPredictions
    ? transformMargins(objective.name, objective.nOutputs, margins.slice())
    : margins;
  return evalMetric(metric, input, y, objective.nOutputs, weight);
}

/** Keeps the first `nTrees` trees; each tree's nodes are contiguous, starting at its root. */
function truncate(e: TreeEnsemble, nTrees: number): TreeEnsemble {
  if (nTrees >= e.roots.length) return e;
  const nNodes = e.roots[nTrees]!;
  let nWords = 0;
  for (let n = 0; n < nNodes; n++)
    if (e.catStart[n]! >= 0) nWords = Math.max(nWords, e.catStart[n]! + e.catWords[n]!);
  return {
    ...e,
    roots: e.roots.slice(0, nTrees),
    treeOutput: e.treeOutput.slice(0, nTrees),
    feature: e.feature.slice(0, nNodes),
    threshold: e.threshold.slice(0, nNodes),
    left: e.left.slice(0, nNodes),
    right: e.right.slice(0, nNodes),
    defaultLeft: e.defaultLeft.slice(0, nNodes),
    catStart: e.catStart.slice(0, nNodes),
    catWords: e.catWords.slice(0, nNodes),
    catBits: e.catBits.slice(0, nWords),
    value: e.value.slice(0, nNodes),
    cover: e.cover.slice(0, nNodes),
    gain: e.gain.slice(0, nNodes),
  };
}
