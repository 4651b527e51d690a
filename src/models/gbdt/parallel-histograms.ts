import { availableParallelism } from "node:os";
import {
  isMainThread,
  MessageChannel,
  type MessagePort,
  receiveMessageOnPort,
  Worker,
} from "node:worker_threads";
import { waitForHelpers } from "../../core/index.js";
import type { BinnedData } from "./binning.js";
import { helperFailure, helpersStalled } from "./helper-failure.js";
import { type GbdtKernelExports, instantiateKernels, kernelsModule } from "./kernel-memory.js";
import type { HistogramBuilder } from "./tree-learner.js";

/**
 * A histogram builder that may own worker threads: `close` ends them.
 *
 * @example
 * ```ts
 * const builder: ClosableHistogramBuilder = createHistogramBuilder(data, 2);
 * ```
 */
export interface ClosableHistogramBuilder extends HistogramBuilder {
  binaryGradients(score: Float64Array, y: Float64Array, w: Float64Array, gh: Float64Array): void;
  close(): void;
}

/** Rows per unit of gradient work taken from the shared counter. */
const GRADIENT_CHUNK = 16_384;

/** Below this many cells (rows × features) thread hand-offs cost more than they save. */
const MIN_CELLS_PER_THREAD = 2_000_000;
/** Rows per lane: nodes of at least two lanes' rows are built lane by lane (see below). */
const LANE_ROWS = 16384;
/** At most this many lanes (partial histograms) per node. */
const MAX_LANES = 8;

/**
 * Overrides of when threads and lanes are used (tests lower them to reach those paths on small
 * data).
 *
 * @example
 * ```ts
 * createHistogramBuilder(data, 2, { minCellsPerThread: 1, laneRows: 400 });
 * ```
 */
export interface HistogramPlan {
  readonly minCellsPerThread?: number;
  readonly laneRows?: number;
}

/**
 * Builds histograms with the WebAssembly kernel on `nThreads` threads (0 = one per core).
 *
 * Large nodes are cut into LANES: up to 8 consecutive runs of the node's rows, each summed into
 * its own partial histogram by whichever thread takes it, then added up in lane order. A node
 * deep in the tree holds rows scattered over the data, so building it is bound by memory
 * latency; lanes give each thread its own rows to fetch, where splitting the features would
 * have both threads wait on the same rows. Smaller nodes are split by FEATURE across threads.
 * Either way the number of lanes and the order of every sum depend on the node's size alone,
 * never on the thread count, so the model is identical for any `nThreads`.
 *
 * Every buffer lives in the fit's shared {@link BinnedData.memory}; helper threads write in
 * place and meet the calling thread on an Atomics barrier (no message per node).
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
  plan: HistogramPlan = {},
): ClosableHistogramBuilder {
  // 0 means every core on the main thread, one inside a worker thread (already one of the
  // application's many, as keel tune --jobs runs its trials).
  const wanted = nThreads === 0 ? (isMainThread ? availableParallelism() : 1) : nThreads;
  const threads = Math.max(
    1,
    Math.min(
      wanted,
      Math.floor((data.nRows * data.nFeatures) / (plan.minCellsPerThread ?? MIN_CELLS_PER_THREAD)),
    ),
  );
  return new LaneHistogramBuilder(data, threads, plan.laneRows ?? LANE_ROWS);
}

/** Control words shared with the helpers; pointers are stored as int32 and read back unsigned. */
const CONTROL = {
  GENERATION: 0,
  PENDING: 1,
  STOP: 2,
  /**
   * 0: split features; 1: take lanes from NEXT_LANE; 2: binary gradients, taking row chunks of
   * BEGIN rows from NEXT_LANE over rows [0, END).
   */
  MODE: 3,
  NEXT_LANE: 4,
  LANES: 5,
  BEGIN: 6,
  END: 7,
  GH: 8,
  ROWS: 9,
  HIST: 10,
  /** Pointer to the lanes' histogram pointers (u32 each; lane 0 is HIST). */
  LANE_HISTS: 11,
  /** Set by a helper whose work threw (its message follows on its error port). */
  FAILED: 12,
  /** Binary gradients mode (MODE 2): scores, labels, weights; rows [0, END) in chunks. */
  SCORE: 13,
  Y: 14,
  W: 15,
  /** Units of work helpers finished (their sign of life, see waitForHelpers). */
  PROGRESS: 16,
} as const;

interface HelperSetup {
  readonly errors: MessagePort;
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly control: Int32Array;
  readonly bins: number;
  readonly nFeatures: number;
  readonly slots: number;
  /** This helper's share of the features in feature mode. */
  readonly featureBegin: number;
  readonly featureEnd: number;
}

/** The lanes' work, shared by the calling thread and helpers: take lanes until none are left. */
function takeLanes(
  kernels: GbdtKernelExports,
  control: Int32Array,
  laneHists: Uint32Array,
  bins: number,
  nFeatures: number,
  slots: number,
  c: typeof CONTROL,
): void {
  const lanes = control[c.LANES]!;
  const begin = control[c.BEGIN]!;
  const n = control[c.END]! - begin;
  for (;;) {
    const lane = Atomics.add(control, c.NEXT_LANE, 1);
    if (lane >= lanes) return;
    kernels.histogram(
      bins,
      nFeatures,
      control[c.GH]! >>> 0,
      control[c.ROWS]! >>> 0,
      begin + Math.floor((lane * n) / lanes),
      begin + Math.floor(((lane + 1) * n) / lanes),
      0,
      nFeatures,
      laneHists[lane]!,
      slots,
    );
  }
}

/** Gradient work shared by the calling thread and helpers: take row chunks until none are left. */
function takeGradientChunks(
  kernels: GbdtKernelExports,
  control: Int32Array,
  c: typeof CONTROL,
): void {
  const n = control[c.END]!;
  const chunk = control[c.BEGIN]!;
  for (;;) {
    const begin = Atomics.add(control, c.NEXT_LANE, 1) * chunk;
    if (begin >= n) return;
    kernels.binaryGradients(
      control[c.SCORE]! >>> 0,
      control[c.Y]! >>> 0,
      control[c.W]! >>> 0,
      control[c.GH]! >>> 0,
      begin,
      Math.min(n, begin + chunk),
    );
  }
}

/**
 * A helper's loop: wait for a new generation, do its part, count down. Runs as eval'd source,
 * so it may only use what it is given.
 */
function helperMain(
  setup: HelperSetup,
  instantiate: typeof instantiateKernels,
  lanes: typeof takeLanes,
  gradients: typeof takeGradientChunks,
  c: typeof CONTROL,
): void {
  const { control } = setup;
  const kernels = instantiate(setup.module, setup.memory);
  let seen = 0;
  for (;;) {
    Atomics.wait(control, c.GENERATION, seen);
    seen = Atomics.load(control, c.GENERATION);
    if (Atomics.load(control, c.STOP) === 1) return;
    try {
      if (control[c.MODE] === 2) {
        gradients(kernels, control, c);
      } else if (control[c.MODE] === 1) {
        const laneHists = new Uint32Array(
          setup.memory.buffer,
          control[c.LANE_HISTS]! >>> 0,
          control[c.LANES]!,
        );
        lanes(kernels, control, laneHists, setup.bins, setup.nFeatures, setup.slots, c);
      } else if (setup.featureEnd > setup.featureBegin) {
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
      }
    } catch (error) {
      setup.errors.postMessage(error instanceof Error ? error.message : String(error));
      Atomics.store(control, c.FAILED, 1);
    } finally {
      Atomics.add(control, c.PROGRESS, 1);
      if (Atomics.sub(control, c.PENDING, 1) === 1) Atomics.notify(control, c.PENDING);
    }
  }
}

class LaneHistogramBuilder implements ClosableHistogramBuilder {
  readonly #data: BinnedData;
  readonly #laneRows: number;
  readonly #control = new Int32Array(new SharedArrayBuffer(4 * 17));
  readonly #helpers: Worker[] = [];
  readonly #errorPorts: MessagePort[] = [];
  /** Where feature mode's calling thread stops (helpers take the rest). */
  readonly #mainFeatureEnd: number;
  /** Partial histograms of lanes 1..7 (lane 0 sums into the target), made on first use. */
  #laneHists: Uint32Array | undefined;

  constructor(data: BinnedData, threads: number, laneRows: number) {
    this.#data = data;
    this.#laneRows = laneRows;
    const featureThreads = Math.min(threads, data.nFeatures);
    const bounds = Array.from({ length: threads + 1 }, (_, t) =>
      Math.min(data.nFeatures, Math.round((t * data.nFeatures) / featureThreads)),
    );
    this.#mainFeatureEnd = bounds[1]!;
    const source = `const { workerData } = require("node:worker_threads");
(${helperMain.toString()})(workerData, ${instantiateKernels.toString()}, ${takeLanes.toString()}, ${takeGradientChunks.toString()}, ${JSON.stringify(CONTROL)});`;
    for (let t = 1; t < threads; t++) {
      const channel = new MessageChannel();
      channel.port2.unref();
      this.#errorPorts.push(channel.port2);
      const setup: HelperSetup = {
        errors: channel.port1,
        module: kernelsModule(),
        memory: data.memory.memory,
        control: this.#control,
        bins: data.rowBins.byteOffset,
        nFeatures: data.nFeatures,
        slots: data.histSlots.byteOffset,
        featureBegin: bounds[t]!,
        featureEnd: bounds[t + 1]!,
      };
      this.#helpers.push(
        new Worker(source, { eval: true, workerData: setup, transferList: [channel.port1] }),
      );
    }
    for (const worker of this.#helpers) worker.unref();
  }

  build(gh: Float64Array, rows: Uint32Array, begin: number, end: number, hist: Float64Array): void {
    const data = this.#data;
    const { kernels } = data.memory;
    const lanes = Math.min(MAX_LANES, Math.floor((end - begin) / this.#laneRows));
    const c = CONTROL;
    const control = this.#control;
    control[c.BEGIN] = begin;
    control[c.END] = end;
    control[c.GH] = gh.byteOffset | 0;
    control[c.ROWS] = rows.byteOffset | 0;
    control[c.HIST] = hist.byteOffset | 0;
    let laneHists: Uint32Array | undefined;
    if (lanes >= 2) {
      laneHists = this.#lanePointers();
      laneHists[0] = hist.byteOffset;
      control[c.MODE] = 1;
      control[c.LANES] = lanes;
      control[c.NEXT_LANE] = 0;
      control[c.LANE_HISTS] = laneHists.byteOffset | 0;
    } else {
      control[c.MODE] = 0;
    }
    const bins = data.rowBins.byteOffset;
    const slots = data.histSlots.byteOffset;
    this.#together(`Building a histogram of ${end - begin} rows`, () => {
      if (laneHists) {
        takeLanes(kernels, control, laneHists, bins, data.nFeatures, slots, c);
      } else {
        kernels.histogram(
          bins,
          data.nFeatures,
          gh.byteOffset,
          rows.byteOffset,
          begin,
          end,
          0,
          this.#mainFeatureEnd,
          hist.byteOffset,
          slots,
        );
      }
    });
    if (laneHists) {
      for (let lane = 1; lane < lanes; lane++)
        kernels.accumulate(hist.byteOffset, laneHists[lane]!, 2 * data.totalBins);
    }
  }

  binaryGradients(score: Float64Array, y: Float64Array, w: Float64Array, gh: Float64Array): void {
    const c = CONTROL;
    const control = this.#control;
    control[c.MODE] = 2;
    control[c.NEXT_LANE] = 0;
    control[c.BEGIN] = GRADIENT_CHUNK;
    control[c.END] = y.length;
    control[c.SCORE] = score.byteOffset | 0;
    control[c.Y] = y.byteOffset | 0;
    control[c.W] = w.byteOffset | 0;
    control[c.GH] = gh.byteOffset | 0;
    const { kernels } = this.#data.memory;
    this.#together(`Computing gradients of ${y.length} rows`, () =>
      takeGradientChunks(kernels, control, c),
    );
  }

  /**
   * Runs the calling thread's `share` while the helpers do theirs (as the control words say),
   * then waits for them, whatever happened: they are still using the memory. A failure anywhere
   * becomes one KeelError naming `what`.
   */
  #together(what: string, share: () => void): void {
    const c = CONTROL;
    const control = this.#control;
    // A fresh start: no failure flag or message left from an earlier call.
    Atomics.store(control, c.FAILED, 0);
    for (const port of this.#errorPorts) while (receiveMessageOnPort(port) !== undefined);
    if (this.#helpers.length > 0) {
      Atomics.store(control, c.PENDING, this.#helpers.length);
      Atomics.add(control, c.GENERATION, 1);
      Atomics.notify(control, c.GENERATION);
    }
    let failure: unknown;
    try {
      share();
    } catch (error) {
      failure = error;
      // Nothing left to take for the helpers in lane and gradient mode.
      Atomics.store(control, c.NEXT_LANE, 2 ** 30);
    }
    const details = { helpers: this.#helpers.length };
    if (!waitForHelpers(control, c.PENDING, c.PROGRESS))
      throw helpersStalled(what, "Train with nThreads: 1", details);
    if (failure !== undefined || control[c.FAILED] === 1)
      throw helperFailure(what, "Train with nThreads: 1", failure, this.#errorPorts, details);
  }

  #lanePointers(): Uint32Array {
    if (this.#laneHists === undefined) {
      const memory = this.#data.memory;
      const pointers = memory.uint32(MAX_LANES);
      for (let lane = 1; lane < MAX_LANES; lane++)
        pointers[lane] = memory.float64(2 * this.#data.totalBins).byteOffset;
      this.#laneHists = pointers;
    }
    return this.#laneHists;
  }

  close(): void {
    for (const port of this.#errorPorts) port.close();
    Atomics.store(this.#control, CONTROL.STOP, 1);
    Atomics.add(this.#control, CONTROL.GENERATION, 1);
    Atomics.notify(this.#control, CONTROL.GENERATION);
    for (const worker of this.#helpers) void worker.terminate();
  }
}
