import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { BinnedData } from "./binning.js";
import { buildHistogram } from "./histogram.js";
import type { HistogramBuilder } from "./tree-learner.js";

/** A histogram builder that may own worker threads: `close` ends them. */
export interface ClosableHistogramBuilder extends HistogramBuilder {
  close(): void;
}

/** Below this many cells (rows × features) thread hand-offs cost more than they save. */
const MIN_CELLS_PER_THREAD = 2_000_000;

/**
 * Builds histograms on `nThreads` threads (0 = one per core). Threads split the FEATURES, not the
 * rows: every bin is still summed by one thread in row order, so the model is identical for any
 * thread count. The main thread takes the first share, workers the others, and they meet on an
 * Atomics barrier over SharedArrayBuffers (no message per node).
 *
 * @example
 * ```ts
 * const histograms = createHistogramBuilder(data, 2, ghAll, rows);
 * histograms.build(gh, rows, 0, rows.length, hist);
 * histograms.close();
 * ```
 */
export function createHistogramBuilder(
  data: BinnedData,
  nThreads: number,
  ghAll: Float64Array,
  rows: Uint32Array,
  minCellsPerThread = MIN_CELLS_PER_THREAD,
): ClosableHistogramBuilder {
  const wanted = nThreads === 0 ? availableParallelism() : nThreads;
  const threads = Math.max(
    1,
    Math.min(wanted, data.nFeatures, Math.floor((data.nRows * data.nFeatures) / minCellsPerThread)),
  );
  if (threads <= 1) {
    return {
      build: (gh, rowsIn, begin, end, hist) =>
        buildHistogram(
          data.histBins,
          data.nFeatures,
          gh,
          rowsIn,
          begin,
          end,
          0,
          data.nFeatures,
          hist,
          0,
          hist.length,
        ),
      close() {},
    };
  }
  return new WorkerHistogramBuilder(data, threads, ghAll, rows);
}

// Control words shared with the workers.
const GENERATION = 0;
const PENDING = 1;
const BEGIN = 2;
const END = 3;
const GH_OFFSET = 4;
const STOP = 5;

/** The worker's loop: wait for a new generation, build its feature range, count down. */
function workerMain(workerData: unknown, kernel: typeof buildHistogram): void {
  const {
    control,
    histBins,
    nFeatures,
    ghAll,
    rows,
    scratch,
    featureBegin,
    featureEnd,
    histBegin,
    histEnd,
  } = workerData as {
    control: Int32Array;
    histBins: Uint16Array;
    nFeatures: number;
    histBegin: number;
    histEnd: number;
    ghAll: Float64Array;
    rows: Uint32Array;
    scratch: Float64Array;
    featureBegin: number;
    featureEnd: number;
  };
  let seen = 0;
  for (;;) {
    Atomics.wait(control, 0, seen);
    seen = Atomics.load(control, 0);
    if (Atomics.load(control, 5) === 1) return;
    const ghOffset = control[4]!;
    const gh = ghAll.subarray(ghOffset);
    kernel(
      histBins,
      nFeatures,
      gh,
      rows,
      control[2]!,
      control[3]!,
      featureBegin,
      featureEnd,
      scratch,
      histBegin,
      histEnd,
    );
    if (Atomics.sub(control, 1, 1) === 1) Atomics.notify(control, 1);
  }
}

class WorkerHistogramBuilder implements ClosableHistogramBuilder {
  readonly #data: BinnedData;
  readonly #control = new Int32Array(new SharedArrayBuffer(64));
  readonly #scratch: Float64Array;
  readonly #ghAll: Float64Array;
  readonly #rows: Uint32Array;
  readonly #workers: Worker[] = [];
  readonly #mainEnd: number;

  constructor(data: BinnedData, threads: number, ghAll: Float64Array, rows: Uint32Array) {
    this.#data = data;
    this.#ghAll = ghAll;
    this.#rows = rows;
    this.#scratch = new Float64Array(new SharedArrayBuffer(16 * data.totalBins));
    const bounds = Array.from({ length: threads + 1 }, (_, t) =>
      Math.round((t * data.nFeatures) / threads),
    );
    this.#mainEnd = bounds[1]!;
    const source = `const { workerData } = require("node:worker_threads");
(${workerMain.toString()})(workerData, ${buildHistogram.toString()});`;
    for (let t = 1; t < threads; t++) {
      this.#workers.push(
        new Worker(source, {
          eval: true,
          workerData: {
            control: this.#control,
            histBins: data.histBins,
            nFeatures: data.nFeatures,
            histBegin: 2 * data.binOffsets[bounds[t]!]!,
            histEnd: t + 1 < threads ? 2 * data.binOffsets[bounds[t + 1]!]! : 2 * data.totalBins,
            ghAll,
            rows,
            scratch: this.#scratch,
            featureBegin: bounds[t],
            featureEnd: bounds[t + 1],
          },
        }),
      );
    }
    for (const worker of this.#workers) worker.unref();
  }

  build(gh: Float64Array, rows: Uint32Array, begin: number, end: number, hist: Float64Array): void {
    const { histBins, nFeatures, binOffsets } = this.#data;
    if (rows !== this.#rows || gh.buffer !== this.#ghAll.buffer) {
      // Only the registered shared buffers are visible to workers.
      buildHistogram(histBins, nFeatures, gh, rows, begin, end, 0, nFeatures, hist, 0, hist.length);
      return;
    }
    const control = this.#control;
    control[BEGIN] = begin;
    control[END] = end;
    control[GH_OFFSET] = (gh.byteOffset - this.#ghAll.byteOffset) / 8;
    Atomics.store(control, PENDING, this.#workers.length);
    Atomics.add(control, GENERATION, 1);
    Atomics.notify(control, GENERATION);
    const mainHistEnd = 2 * binOffsets[this.#mainEnd]!;
    buildHistogram(
      histBins,
      nFeatures,
      gh,
      rows,
      begin,
      end,
      0,
      this.#mainEnd,
      hist,
      0,
      mainHistEnd,
    );
    for (;;) {
      const pending = Atomics.load(control, PENDING);
      if (pending === 0) break;
      Atomics.wait(control, PENDING, pending);
    }
    hist.set(this.#scratch.subarray(mainHistEnd), mainHistEnd);
  }

  close(): void {
    Atomics.store(this.#control, STOP, 1);
    Atomics.add(this.#control, GENERATION, 1);
    Atomics.notify(this.#control, GENERATION);
    for (const worker of this.#workers) void worker.terminate();
  }
}
