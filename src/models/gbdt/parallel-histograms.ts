import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { BinnedData } from "./binning.js";
import { instantiateKernels, kernelsModule } from "./kernel-memory.js";
import type { HistogramBuilder } from "./tree-learner.js";

/** A histogram builder that may own worker threads: `close` ends them. */
export interface ClosableHistogramBuilder extends HistogramBuilder {
  close(): void;
}

/** Below this many cells (rows × features) thread hand-offs cost more than they save. */
const MIN_CELLS_PER_THREAD = 2_000_000;

/**
 * Builds histograms with the WebAssembly kernel on `nThreads` threads (0 = one per core).
 * Threads split the FEATURES, not the rows: every bin is still summed by one thread in row
 * order, so the model is identical for any thread count. Every buffer lives in the fit's shared
 * {@link BinnedData.memory}, so workers write their features' part of the histogram in place;
 * the main thread takes the first share and they meet on an Atomics barrier (no message per
 * node).
 *
 * @example
 * ```ts
 * const histograms = createHistogramBuilder(data, 2);
 * histograms.build(gh, rows, 0, rows.length, hist);
 * histograms.close();
 * ```
 */
export function createHistogramBuilder(
  data: BinnedData,
  nThreads: number,
  minCellsPerThread = MIN_CELLS_PER_THREAD,
): ClosableHistogramBuilder {
  const wanted = nThreads === 0 ? availableParallelism() : nThreads;
  const threads = Math.max(
    1,
    Math.min(wanted, data.nFeatures, Math.floor((data.nRows * data.nFeatures) / minCellsPerThread)),
  );
  if (threads <= 1) {
    const { kernels } = data.memory;
    return {
      build: (gh, rows, begin, end, hist) =>
        kernels.histogram(
          data.rowBins.byteOffset,
          data.nFeatures,
          gh.byteOffset,
          rows.byteOffset,
          begin,
          end,
          0,
          data.nFeatures,
          hist.byteOffset,
          data.histSlots.byteOffset,
        ),
      close() {},
    };
  }
  return new WorkerHistogramBuilder(data, threads);
}

/** Control words shared with the workers; pointers are stored as int32 and read back unsigned. */
const CONTROL = {
  GENERATION: 0,
  PENDING: 1,
  BEGIN: 2,
  END: 3,
  GH: 4,
  ROWS: 5,
  HIST: 6,
  STOP: 7,
} as const;

interface WorkerSetup {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly control: Int32Array;
  readonly bins: number;
  readonly nFeatures: number;
  readonly featureBegin: number;
  readonly featureEnd: number;
  readonly slots: number;
}

/**
 * The worker's loop: wait for a new generation, build its feature range, count down. Runs as
 * eval'd source, so it may only use what it is given.
 */
function workerMain(
  setup: WorkerSetup,
  instantiate: typeof instantiateKernels,
  c: typeof CONTROL,
): void {
  const { control } = setup;
  const kernels = instantiate(setup.module, setup.memory);
  let seen = 0;
  for (;;) {
    Atomics.wait(control, c.GENERATION, seen);
    seen = Atomics.load(control, c.GENERATION);
    if (Atomics.load(control, c.STOP) === 1) return;
    kernels.histogram(
      setup.bins,
      setup.nFeatures,
      control[c.GH]! >>> 0,
      control[c.ROWS]! >>> 0,
      control[c.BEGIN]!,
      control[c.END]!,
      setup.featureBegin,
      setup.featureEnd,
      control[c.HIST]! >>> 0,
      setup.slots,
    );
    if (Atomics.sub(control, c.PENDING, 1) === 1) Atomics.notify(control, c.PENDING);
  }
}

class WorkerHistogramBuilder implements ClosableHistogramBuilder {
  readonly #data: BinnedData;
  readonly #control = new Int32Array(new SharedArrayBuffer(64));
  readonly #workers: Worker[] = [];
  readonly #mainEnd: number;

  constructor(data: BinnedData, threads: number) {
    this.#data = data;
    const bounds = Array.from({ length: threads + 1 }, (_, t) =>
      Math.round((t * data.nFeatures) / threads),
    );
    this.#mainEnd = bounds[1]!;
    const source = `const { workerData } = require("node:worker_threads");
(${workerMain.toString()})(workerData, ${instantiateKernels.toString()}, ${JSON.stringify(CONTROL)});`;
    for (let t = 1; t < threads; t++) {
      const setup: WorkerSetup = {
        module: kernelsModule(),
        memory: data.memory.memory,
        control: this.#control,
        bins: data.rowBins.byteOffset,
        nFeatures: data.nFeatures,
        featureBegin: bounds[t]!,
        featureEnd: bounds[t + 1]!,
        slots: data.histSlots.byteOffset,
      };
      this.#workers.push(new Worker(source, { eval: true, workerData: setup }));
    }
    for (const worker of this.#workers) worker.unref();
  }

  build(gh: Float64Array, rows: Uint32Array, begin: number, end: number, hist: Float64Array): void {
    const data = this.#data;
    const control = this.#control;
    const { BEGIN, END, GH, ROWS, HIST, PENDING, GENERATION } = CONTROL;
    control[BEGIN] = begin;
    control[END] = end;
    control[GH] = gh.byteOffset | 0;
    control[ROWS] = rows.byteOffset | 0;
    control[HIST] = hist.byteOffset | 0;
    Atomics.store(control, PENDING, this.#workers.length);
    Atomics.add(control, GENERATION, 1);
    Atomics.notify(control, GENERATION);
    data.memory.kernels.histogram(
      data.rowBins.byteOffset,
      data.nFeatures,
      gh.byteOffset,
      rows.byteOffset,
      begin,
      end,
      0,
      this.#mainEnd,
      hist.byteOffset,
      data.histSlots.byteOffset,
    );
    for (;;) {
      const pending = Atomics.load(control, PENDING);
      if (pending === 0) break;
      Atomics.wait(control, PENDING, pending);
    }
  }

  close(): void {
    Atomics.store(this.#control, CONTROL.STOP, 1);
    Atomics.add(this.#control, CONTROL.GENERATION, 1);
    Atomics.notify(this.#control, CONTROL.GENERATION);
    for (const worker of this.#workers) void worker.terminate();
  }
}
