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
import type { GrownNode, HistogramBuilder } from "./tree-learner.js";

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
  /**
   * Softmax gradients of `nClasses` outputs: class-major scores (class k's at `k * nRows`),
   * class-major (gradient, hessian) pairs in `gh` (class k's at `2 * nRows * k`); every buffer
   * in the fit's kernel memory.
   */
  softmaxGradients(
    score: Float64Array,
    y: Float64Array,
    w: Float64Array,
    gh: Float64Array,
    nClasses: number,
  ): void;
  /**
   * Adds a grown tree's leaf values to the scores of its rows: `leaves` left to right, as
   * {@link leavesOf} lists them, tiling positions `[0, nRows)` of the row order `rows`;
   * `score[offset + row] += value`. Shared with the helper threads from `minSharedRows` rows.
   */
  addLeaves(
    rows: Uint32Array,
    nRows: number,
    leaves: readonly GrownNode[],
    score: Float64Array,
    offset: number,
  ): void;
  close(): void;
}

/** Rows per unit of gradient work taken from the shared counter. */
const GRADIENT_CHUNK = 16_384;

/**
 * Smallest rows × features of the data per thread: below it helper threads are not started.
 * Work is claimed and taken over (see createHistogramBuilder), so a helper slow to wake costs
 * the calling thread little; the crossover measured by bench/gbdt/thread-crossover.mjs lies
 * between 100k and 200k cells (25k and 50k rows of four features).
 */
const MIN_CELLS_PER_THREAD = 150_000;
/** A build of fewer rows × features than this runs on the calling thread alone. */
const MIN_SHARED_CELLS = 32_768;
/** Rows per lane: nodes of at least two lanes' rows are built lane by lane (see below). */
const LANE_ROWS = 16384;
/** At most this many lanes (partial histograms) per node. */
const MAX_LANES = 8;
/** Feature-mode builds are cut into at most this many feature ranges. */
const MAX_FEATURE_UNITS = 8;
/** Units of one build are counted in 13 bits of the claim word. */
const MAX_UNITS = 8191;
/**
 * Partitions and score updates of at least this many rows are shared with the helper threads
 * (chunks of CHUNK_ROWS rows or more). Below it one thread does them: a shared partition wakes
 * the helpers twice (tens of microseconds each) and copies every row once more, while one
 * thread partitions 64k rows in about 70 µs (`bench/gbdt/thread-crossover.mjs --nodes`). On the
 * loaded machine where this was set, fits of bench/gbdt's 204k table sharing from 16k, 32k,
 * 64k and 128k rows differed within noise (`bench/gbdt/fit-ab.mjs`); remeasure when quiet.
 */
const MIN_SHARED_ROWS = 65_536;
/** Smallest chunk of a shared partition or score update. */
const CHUNK_ROWS = 8192;
/** At most this many chunks per shared partition (the chunk table's size). */
const MAX_CHUNKS = 1024;

/**
 * Overrides of when threads and lanes are used (tests lower them to reach those paths on small
 * data).
 *
 * @example
 * ```ts
 * createHistogramBuilder(data, 2, { minCellsPerThread: 1, minSharedCells: 1, laneRows: 400 });
 * ```
 */
export interface HistogramPlan {
  readonly minCellsPerThread?: number;
  /**
   * Trees grown per round (one per class for softmax): each is a pass over the data, so the
   * data's cells count this many times when deciding on threads.
   */
  readonly treesPerRound?: number;
  /** Builds of fewer rows × features than this stay on the calling thread. */
  readonly minSharedCells?: number;
  /**
   * Tests: the calling thread leaves every unit of a shared build to the helpers, so that they
   * surely do some work (normally a small build is often done before a helper wakes).
   */
  readonly helpersOnly?: boolean;
  readonly laneRows?: number;
  /** Partitions and score updates of fewer rows than this stay on the calling thread. */
  readonly minSharedRows?: number;
  /** Smallest chunk of a shared partition or score update (tests lower it). */
  readonly chunkRows?: number;
}

/**
 * Builds histograms with the WebAssembly kernel on `nThreads` threads (0 = one per core).
 *
 * Large nodes are cut into LANES: up to 8 consecutive runs of the node's rows, each summed into
 * its own partial histogram by whichever thread takes it, then added up in lane order. A node
 * deep in the tree holds rows scattered over the data, so building it is bound by memory
 * latency; lanes give each thread its own rows to fetch, where splitting the features would
 * have both threads wait on the same rows. Smaller nodes are split by FEATURE ranges. Either
 * way the number of lanes and the order of every sum depend on the node's size alone, never on
 * the thread count or on which thread took which unit, so the model is identical for any
 * `nThreads`.
 *
 * Every buffer lives in the fit's shared {@link BinnedData.memory}. The units of a build are
 * CLAIMED by whichever thread gets there first, the calling thread included. Histogram units
 * (lanes, feature ranges) have state words: helpers sum into their own buffers and mark the
 * unit done; the calling thread waits about two units' time for units helpers hold, then takes
 * over any still unfinished (a late helper's result is dropped), so on a loaded machine a
 * helper that has lost its core never holds a build back for its time slice. Gradient units
 * (row chunks, written in place) are claimed from one word and waited for.
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
      Math.floor(
        (data.nRows * data.nFeatures * (plan.treesPerRound ?? 1)) /
          (plan.minCellsPerThread ?? MIN_CELLS_PER_THREAD),
      ),
    ),
  );
  return new LaneHistogramBuilder(data, threads, {
    laneRows: plan.laneRows ?? LANE_ROWS,
    minSharedCells: plan.minSharedCells ?? MIN_SHARED_CELLS,
    helpersOnly: plan.helpersOnly ?? false,
    minSharedRows: plan.minSharedRows ?? MIN_SHARED_ROWS,
    chunkRows: plan.chunkRows ?? CHUNK_ROWS,
  });
}

/** Control words shared with the helpers; pointers are stored as int32 and read back unsigned. */
const CONTROL = {
  /** Bumped to wake the helpers for a build. */
  GENERATION: 0,
  /** The claim word: units << 13 | next unclaimed unit (see claimUnit). */
  CLAIM: 1,
  STOP: 2,
  /**
   * 0: feature ranges; 1: lanes; 2: binary gradients, row chunks of BEGIN rows over [0, END);
   * 3: softmax gradients of LANES classes, chunked as in 2; 4: partition, first step (chunks of
   * CHUNK rows of [BEGIN, END)); 5: partition, second step (the same chunks); 6: adding LANES
   * leaves to the scores, chunks of CHUNK positions of [0, END).
   */
  MODE: 3,
  /** Units of this build not yet finished (the calling thread waits for 0). */
  REMAINING: 4,
  LANES: 5,
  BEGIN: 6,
  END: 7,
  GH: 8,
  ROWS: 9,
  HIST: 10,
  /** Pointer to the lanes' histogram pointers (u32 each; lane 0 is HIST). */
  LANE_HISTS: 11,
  /** Set by a thread whose unit threw (a helper's message follows on its error port). */
  FAILED: 12,
  /** Binary gradients mode (MODE 2): scores, labels, weights; rows [0, END) in chunks. */
  SCORE: 13,
  Y: 14,
  W: 15,
  /** Units of work helpers finished (their sign of life, see waitForHelpers). */
  PROGRESS: 16,
  /** Feature mode: the number of feature ranges. */
  FEATURE_UNITS: 17,
  /** The open histogram build's number (unit states carry it, see STATE_*). */
  BUILD: 18,
  /** Units of the open histogram build. */
  UNITS: 19,
  /** Bumped and notified by a helper that finished a histogram unit. */
  FINISHED: 20,
  /**
   * Partition: the split feature's bin column, the per-bin direction, where chunks put their
   * left rows (the caller's scratch) and their right rows (RIGHTS).
   */
  COLUMN: 21,
  GO_LEFT: 22,
  SCRATCH: 23,
  /**
   * Partition: three u32 per chunk (rows sent left, where its left and right rows go); score
   * update: the leaves' end positions (u32).
   */
  TABLE: 24,
  /** Score update: the leaves' values (f64). */
  VALUES: 25,
  /** Rows per chunk of a partition or score update. */
  CHUNK: 26,
  RIGHTS: 27,
  /** First of MAX_STATES unit state words: build << 8 | owner << 2 | status. */
  STATES: 28,
} as const;

/** Unit states of histogram builds (status bits of a state word). */
const STATE = { OPEN: 0, CLAIMED: 1, DONE: 2, TAKEN_OVER: 3 } as const;
/** A unit's owner when this thread summed it straight into the target histogram. */
const IN_PLACE = -1;
/** Who holds a finished unit's sum: a helper's buffers, or in place (this thread's units). */
function ownerOf(state: number): number {
  const owner = (state >> 2) & 0x3f;
  return owner === 0 ? IN_PLACE : owner;
}
/** Histogram builds have at most this many units (lanes or feature ranges). */
const MAX_STATES = Math.max(MAX_LANES, MAX_FEATURE_UNITS);

interface HelperSetup {
  readonly errors: MessagePort;
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly control: Int32Array;
  readonly bins: number;
  readonly nFeatures: number;
  readonly slots: number;
  /** This helper's number (1, 2, …; the calling thread is 0). */
  readonly owner: number;
  /** Where this helper sums its histogram units: one buffer per lane, then one for features. */
  readonly buffers: readonly number[];
  /** This helper's spare histogram (the kernel's second chain of sums). */
  readonly spare: number;
}

/**
 * Takes the next unit of the open build, or -1 when none is left. The claim word holds the
 * build's unit count and the next unclaimed unit, so a compare-exchange that succeeds has
 * claimed an unclaimed unit of the build that is open NOW (a helper that read the word of an
 * earlier build fails the exchange), whose parameters stay put until that unit is finished.
 */
function claimUnit(control: Int32Array, c: typeof CONTROL): number {
  for (;;) {
    const word = Atomics.load(control, c.CLAIM);
    const next = word & 0x1fff;
    if (next >= word >>> 13) return -1;
    if (Atomics.compareExchange(control, c.CLAIM, word, word + 1) === word) return next;
  }
}

/** Does one unit of the open build, as the control words describe it. */
function runUnit(
  kernels: GbdtKernelExports,
  control: Int32Array,
  memory: WebAssembly.Memory,
  unit: number,
  bins: number,
  nFeatures: number,
  slots: number,
  c: typeof CONTROL,
  into: number,
  spare: number,
): void {
  const mode = control[c.MODE]!;
  if (mode >= 4) {
    const chunk = control[c.CHUNK]!;
    const rows = control[c.ROWS]! >>> 0;
    if (mode === 6) {
      const n = control[c.END]!;
      kernels.addLeaves(
        rows,
        control[c.SCORE]! >>> 0,
        control[c.TABLE]! >>> 0,
        control[c.VALUES]! >>> 0,
        control[c.LANES]!,
        unit * chunk,
        Math.min(n, (unit + 1) * chunk),
      );
      return;
    }
    const begin = control[c.BEGIN]! + unit * chunk;
    const end = Math.min(control[c.END]!, begin + chunk);
    const table = new Uint32Array(memory.buffer, control[c.TABLE]! >>> 0, 3 * (unit + 1));
    const lefts = control[c.SCRATCH]! >>> 0;
    const rights = control[c.RIGHTS]! >>> 0;
    if (mode === 4) {
      const column = control[c.COLUMN]! >>> 0;
      const goLeft = control[c.GO_LEFT]! >>> 0;
      table[3 * unit] = kernels.partitionChunk(rows, begin, end, column, goLeft, lefts, rights);
    } else {
      const at = 3 * unit;
      const nLeft = table[at]!;
      kernels.partitionPlace(
        lefts,
        rights,
        begin,
        end,
        nLeft,
        rows,
        table[at + 1]!,
        table[at + 2]!,
      );
    }
    return;
  }
  if (mode === 3) {
    // Softmax gradients in JavaScript (WebAssembly has no exp): the arithmetic of
    // objectives.ts's softmax, row by row, so any split of the rows gives the same numbers.
    const n = control[c.END]!;
    const chunk = control[c.BEGIN]!;
    const k = control[c.LANES]!;
    const buffer = memory.buffer;
    const score = new Float64Array(buffer, control[c.SCORE]! >>> 0, n * k);
    const y = new Float64Array(buffer, control[c.Y]! >>> 0, n);
    const w = new Float64Array(buffer, control[c.W]! >>> 0, n);
    const gh = new Float64Array(buffer, control[c.GH]! >>> 0, 2 * n * k);
    const p = new Float64Array(k);
    const end = Math.min(n, (unit + 1) * chunk);
    for (let i = unit * chunk; i < end; i++) {
      let max = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < k; j++) max = Math.max(max, score[j * n + i]!);
      let sum = 0;
      for (let j = 0; j < k; j++) {
        p[j] = Math.exp(score[j * n + i]! - max);
        sum += p[j]!;
      }
      const label = y[i]!;
      const wi = w[i]!;
      for (let j = 0; j < k; j++) {
        const pj = p[j]! / sum;
        const at = 2 * (n * j + i);
        gh[at] = (pj - (label === j ? 1 : 0)) * wi;
        // XGBoost's softmax hessian 2p(1-p), floored (1e-16) so leaves stay finite.
        gh[at + 1] = Math.max(2 * pj * (1 - pj), 1e-16) * wi;
      }
    }
    return;
  }
  if (mode === 2) {
    const n = control[c.END]!;
    const chunk = control[c.BEGIN]!;
    const begin = unit * chunk;
    kernels.binaryGradients(
      control[c.SCORE]! >>> 0,
      control[c.Y]! >>> 0,
      control[c.W]! >>> 0,
      control[c.GH]! >>> 0,
      begin,
      Math.min(n, begin + chunk),
    );
    return;
  }
  const begin = control[c.BEGIN]!;
  const end = control[c.END]!;
  if (mode === 1) {
    const lanes = control[c.LANES]!;
    kernels.histogram(
      bins,
      nFeatures,
      control[c.GH]! >>> 0,
      control[c.ROWS]! >>> 0,
      begin + Math.floor((unit * (end - begin)) / lanes),
      begin + Math.floor(((unit + 1) * (end - begin)) / lanes),
      0,
      nFeatures,
      into,
      slots,
      spare,
    );
    return;
  }
  const units = control[c.FEATURE_UNITS]!;
  kernels.histogram(
    bins,
    nFeatures,
    control[c.GH]! >>> 0,
    control[c.ROWS]! >>> 0,
    begin,
    end,
    Math.floor((unit * nFeatures) / units),
    Math.floor(((unit + 1) * nFeatures) / units),
    into,
    slots,
    spare,
  );
}

/**
 * Claims an open unit of histogram build `build` for `owner`: a compare-exchange on the unit's
 * state word, which carries the build's number, so a helper still looking at an earlier build
 * claims nothing. Returns the unit, or -1 when none is open.
 */
function claimState(
  control: Int32Array,
  c: typeof CONTROL,
  build: number,
  owner: number,
  units: number,
): number {
  for (let unit = 0; unit < units; unit++) {
    const open = (build << 8) | 0;
    if (Atomics.compareExchange(control, c.STATES + unit, open, open | (owner << 2) | 1) === open)
      return unit;
  }
  return -1;
}

/** Finishes a unit: counts it, and wakes the calling thread when it was the last. */
function unitDone(control: Int32Array, c: typeof CONTROL): void {
  Atomics.add(control, c.PROGRESS, 1);
  if (Atomics.sub(control, c.REMAINING, 1) === 1) Atomics.notify(control, c.REMAINING);
}

/**
 * A helper's loop: wait for a new generation, then take units until none are left. Gradient
 * units are claimed from the claim word and written in place; histogram units by their state
 * words and summed into this helper's own buffers, then marked done, unless the calling thread
 * took the unit over meanwhile (then the result is dropped). Runs as eval'd source, so it may
 * only use what it is given.
 */
function helperMain(
  setup: HelperSetup,
  instantiate: typeof instantiateKernels,
  claim: typeof claimUnit,
  claimHistogram: typeof claimState,
  run: typeof runUnit,
  done: typeof unitDone,
  c: typeof CONTROL,
  maxLanes: number,
): void {
  const { control, owner, buffers } = setup;
  const kernels = instantiate(setup.module, setup.memory);
  let seen = 0;
  for (;;) {
    Atomics.wait(control, c.GENERATION, seen);
    seen = Atomics.load(control, c.GENERATION);
    if (Atomics.load(control, c.STOP) === 1) return;
    const mode = Atomics.load(control, c.MODE);
    if (mode >= 2) {
      for (let unit = claim(control, c); unit >= 0; unit = claim(control, c)) {
        try {
          run(
            kernels,
            control,
            setup.memory,
            unit,
            setup.bins,
            setup.nFeatures,
            setup.slots,
            c,
            0,
            setup.spare,
          );
        } catch (error) {
          setup.errors.postMessage(error instanceof Error ? error.message : String(error));
          Atomics.store(control, c.FAILED, 1);
        } finally {
          done(control, c);
        }
      }
      continue;
    }
    const build = Atomics.load(control, c.BUILD);
    const units = Atomics.load(control, c.UNITS);
    for (
      let unit = claimHistogram(control, c, build, owner, units);
      unit >= 0;
      unit = claimHistogram(control, c, build, owner, units)
    ) {
      const claimed = (build << 8) | (owner << 2) | 1;
      try {
        // The build's words stay put while this unit is unfinished, unless the calling thread
        // took it over and moved on: then they may be another build's, even a gradient one's
        // (which writes shared memory, so it is not run), and the result is dropped.
        const mode = control[c.MODE];
        if (mode === 0 || mode === 1) {
          const into = mode === 1 ? buffers[unit]! : buffers[maxLanes]!;
          run(
            kernels,
            control,
            setup.memory,
            unit,
            setup.bins,
            setup.nFeatures,
            setup.slots,
            c,
            into,
            setup.spare,
          );
          Atomics.compareExchange(control, c.STATES + unit, claimed, claimed + 1);
        }
      } catch {
        // Left claimed: the calling thread takes it over and meets the error itself.
      }
      Atomics.add(control, c.FINISHED, 1);
      Atomics.notify(control, c.FINISHED);
    }
  }
}

class LaneHistogramBuilder implements ClosableHistogramBuilder {
  readonly #data: BinnedData;
  readonly #laneRows: number;
  readonly #minSharedCells: number;
  readonly #helpersOnly: boolean;
  readonly #minSharedRows: number;
  readonly #chunkRows: number;
  /** Per chunk of a shared partition: rows sent left, where its left and right rows go. */
  readonly #chunkTable: Uint32Array | undefined;
  /** Where the chunks of a shared partition put their right rows (the left ones: scratch). */
  readonly #rights: Uint32Array | undefined;
  /** Leaf end positions and values for {@link addLeaves} (grown when a tree has more leaves). */
  #leafEnds: Uint32Array;
  #leafValues: Float64Array;
  readonly #control = new Int32Array(new SharedArrayBuffer(4 * (CONTROL.STATES + MAX_STATES)));
  readonly #helpers: Worker[] = [];
  readonly #errorPorts: MessagePort[] = [];
  /** Per owner (0 = this thread, then each helper): a buffer per lane, then one for features. */
  readonly #buffers: number[][] = [];
  /** Per owner: the spare histogram its kernel calls use. */
  readonly #spares: number[] = [];
  #build = 0;
  /** This thread's average time per histogram unit (ms), for how long to wait for a helper. */
  #unitMs = 0.05;

  constructor(
    data: BinnedData,
    threads: number,
    plan: {
      laneRows: number;
      minSharedCells: number;
      helpersOnly: boolean;
      minSharedRows: number;
      chunkRows: number;
    },
  ) {
    this.#data = data;
    this.#laneRows = plan.laneRows;
    this.#minSharedCells = plan.minSharedCells;
    this.#helpersOnly = plan.helpersOnly;
    this.#minSharedRows = plan.minSharedRows;
    this.#chunkRows = plan.chunkRows;
    this.#chunkTable = threads > 1 ? data.memory.uint32(3 * MAX_CHUNKS) : undefined;
    this.#rights = threads > 1 ? data.memory.uint32(data.nRows) : undefined;
    this.#leafEnds = data.memory.uint32(64);
    this.#leafValues = data.memory.float64(64);
    for (let owner = 0; owner < threads; owner++) {
      this.#buffers.push(
        Array.from(
          { length: MAX_LANES + 1 },
          () => data.memory.float64(2 * data.totalBins).byteOffset,
        ),
      );
      this.#spares.push(data.memory.float64(2 * data.totalBins).byteOffset);
    }
    const source = `const { workerData } = require("node:worker_threads");
(${helperMain.toString()})(workerData, ${instantiateKernels.toString()}, ${claimUnit.toString()}, ${claimState.toString()}, ${runUnit.toString()}, ${unitDone.toString()}, ${JSON.stringify(CONTROL)}, ${MAX_LANES});`;
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
        owner: t,
        buffers: this.#buffers[t]!,
        spare: this.#spares[t]!,
      };
      this.#helpers.push(
        new Worker(source, { eval: true, workerData: setup, transferList: [channel.port1] }),
      );
    }
    for (const worker of this.#helpers) worker.unref();
  }

  build(gh: Float64Array, rows: Uint32Array, begin: number, end: number, hist: Float64Array): void {
    const data = this.#data;
    const lanes = Math.min(MAX_LANES, Math.floor((end - begin) / this.#laneRows));
    const c = CONTROL;
    const control = this.#control;
    control[c.BEGIN] = begin;
    control[c.END] = end;
    control[c.GH] = gh.byteOffset | 0;
    control[c.ROWS] = rows.byteOffset | 0;
    const share =
      this.#helpers.length > 0 && (end - begin) * data.nFeatures >= this.#minSharedCells;
    let units: number;
    if (lanes >= 2) {
      control[c.MODE] = 1;
      control[c.LANES] = lanes;
      units = lanes;
    } else {
      // Feature ranges only matter to who sums which feature, not to any sum. Each range reads
      // every row of the node again (its index, its gradients), so a range per thread: a build
      // in seven ranges on one thread took 4.6× as long as in one (bench/gbdt, 204k × 7).
      units = share ? Math.min(MAX_FEATURE_UNITS, data.nFeatures, this.#helpers.length + 1) : 1;
      control[c.MODE] = 0;
      control[c.FEATURE_UNITS] = units;
    }
    try {
      const owners = share ? this.#histogramTogether(units, hist) : this.#alone(units, hist);
      this.#gather(hist, lanes, units, owners);
    } catch (error) {
      throw helperFailure(
        `Building a histogram of ${end - begin} rows`,
        "Train with nThreads: 1",
        error,
        [],
        { helpers: this.#helpers.length },
      );
    }
  }

  /** Does every unit on this thread (a build too small to share). */
  #alone(units: number, hist: Float64Array): number[] {
    for (let unit = 0; unit < units; unit++) this.#runHere(unit, hist);
    return new Array<number>(units).fill(IN_PLACE);
  }

  /**
   * Does a unit on this thread: feature ranges and lane 0 straight into `hist`, other lanes
   * into this thread's lane buffers.
   */
  #runHere(unit: number, hist: Float64Array): void {
    const data = this.#data;
    const lanes = this.#control[CONTROL.MODE] === 1;
    runUnit(
      data.memory.kernels,
      this.#control,
      data.memory.memory,
      unit,
      data.rowBins.byteOffset,
      data.nFeatures,
      data.histSlots.byteOffset,
      CONTROL,
      lanes && unit > 0 ? this.#buffers[0]![unit]! : hist.byteOffset,
      this.#spares[0]!,
    );
  }

  /**
   * Puts the units' sums together into `hist`: helpers' feature ranges copied in, lanes added
   * in lane order wherever each was summed (the same sums on any threads).
   */
  #gather(hist: Float64Array, lanes: number, units: number, owners: readonly number[]): void {
    const data = this.#data;
    const buffer = data.memory.memory.buffer;
    const at = (owner: number, slot: number) =>
      owner === IN_PLACE ? this.#buffers[0]![slot]! : this.#buffers[owner]![slot]!;
    if (lanes >= 2) {
      if (owners[0] !== IN_PLACE)
        hist.set(new Float64Array(buffer, at(owners[0]!, 0), hist.length));
      for (let lane = 1; lane < lanes; lane++)
        data.memory.kernels.accumulate(hist.byteOffset, at(owners[lane]!, lane), hist.length);
      return;
    }
    const slots = data.histSlots;
    for (let unit = 0; unit < units; unit++) {
      const owner = owners[unit]!;
      if (owner === IN_PLACE) continue;
      const from = slots[Math.floor((unit * data.nFeatures) / units)]! / 8;
      const to = slots[Math.floor(((unit + 1) * data.nFeatures) / units)]! / 8;
      const source = new Float64Array(buffer, this.#buffers[owner]![MAX_LANES]!, hist.length);
      if (from < to) hist.set(source.subarray(from, to), from);
    }
  }

  /**
   * Runs an open histogram build's units on this thread and the helpers: claims and does open
   * units, then waits a little (about one unit's time) for units helpers still hold, and takes
   * over those they have not finished by then (a helper without a core would otherwise hold
   * the build back for its whole time slice). Returns who summed each unit.
   */
  #histogramTogether(units: number, hist: Float64Array): number[] {
    const c = CONTROL;
    const control = this.#control;
    this.#build = (this.#build + 1) & 0x3fffff;
    const build = this.#build;
    control[c.BUILD] = build;
    control[c.UNITS] = units;
    for (let unit = 0; unit < units; unit++)
      Atomics.store(control, c.STATES + unit, (build << 8) | STATE.OPEN);
    Atomics.add(control, c.GENERATION, 1);
    Atomics.notify(control, c.GENERATION);
    const run = (unit: number) => this.#runHere(unit, hist);
    let ran = 0;
    const started = performance.now();
    if (!this.#helpersOnly) {
      for (let u = claimState(control, c, build, 0, units); u >= 0; ) {
        run(u);
        ran++;
        Atomics.store(control, c.STATES + u, (build << 8) | STATE.DONE);
        u = claimState(control, c, build, 0, units);
      }
    }
    if (ran > 0) this.#unitMs = 0.8 * this.#unitMs + (0.2 * (performance.now() - started)) / ran;
    // Units helpers hold: wait up to about two units' time for them, then take the rest over
    // (tests that leave everything to the helpers wait for them).
    const patience = this.#helpersOnly ? 10_000 : Math.max(0.05, 2 * this.#unitMs);
    const deadline = performance.now() + patience;
    const owners = new Array<number>(units).fill(IN_PLACE);
    for (;;) {
      const seen = Atomics.load(control, c.FINISHED);
      let pending = 0;
      for (let unit = 0; unit < units; unit++) {
        const state = Atomics.load(control, c.STATES + unit);
        if ((state & 3) === STATE.CLAIMED || (state & 3) === STATE.OPEN) pending++;
      }
      if (pending === 0) break;
      const now = performance.now();
      if (now >= deadline) break;
      Atomics.wait(control, c.FINISHED, seen, deadline - now);
    }
    for (let unit = 0; unit < units; unit++) {
      const state = Atomics.load(control, c.STATES + unit);
      const status = state & 3;
      if (status === STATE.DONE) {
        owners[unit] = ownerOf(state);
        continue;
      }
      // Open (no helper came) or still claimed: this thread does it; a late helper's result
      // is dropped because its state no longer says "claimed".
      const took = Atomics.compareExchange(
        control,
        c.STATES + unit,
        state,
        (build << 8) | STATE.TAKEN_OVER,
      );
      if (took !== state) {
        // Finished between the load and the exchange.
        owners[unit] = ownerOf(took);
        continue;
      }
      run(unit);
    }
    return owners;
  }

  /**
   * Stable partition of `rows[begin..end)` by the split whose per-bin direction is `goLeft`
   * (`column`: the split feature's bins, one byte per row): left rows first, each side in its
   * original order. Returns the first right row's index. From `minSharedRows` rows the helper
   * threads share it, in two steps over chunks of the range: each chunk splits its rows into
   * its own part of `scratch` (left) and of a second buffer (right) and counts them, then each
   * copies its rows to where the running counts of the chunks before it say; the result is the
   * one-thread partition exactly.
   */
  partition(
    rows: Uint32Array,
    begin: number,
    end: number,
    column: Uint8Array,
    goLeft: Uint8Array,
    scratch: Uint32Array,
  ): number {
    const n = end - begin;
    const { kernels } = this.#data.memory;
    const table = this.#chunkTable;
    const rights = this.#rights;
    if (table === undefined || rights === undefined || n < this.#minSharedRows) {
      return kernels.partition(
        rows.byteOffset,
        begin,
        end,
        column.byteOffset,
        goLeft.byteOffset,
        scratch.byteOffset,
      );
    }
    const c = CONTROL;
    const control = this.#control;
    const chunk = Math.max(this.#chunkRows, Math.ceil(n / MAX_CHUNKS));
    const units = Math.ceil(n / chunk);
    control[c.MODE] = 4;
    control[c.BEGIN] = begin;
    control[c.END] = end;
    control[c.CHUNK] = chunk;
    control[c.ROWS] = rows.byteOffset | 0;
    control[c.COLUMN] = column.byteOffset | 0;
    control[c.GO_LEFT] = goLeft.byteOffset | 0;
    control[c.SCRATCH] = scratch.byteOffset | 0;
    control[c.RIGHTS] = rights.byteOffset | 0;
    control[c.TABLE] = table.byteOffset | 0;
    this.#together(`Partitioning ${n} rows`, units, true);
    let nLeft = 0;
    for (let unit = 0; unit < units; unit++) nLeft += table[3 * unit]!;
    let left = begin;
    let right = begin + nLeft;
    for (let unit = 0; unit < units; unit++) {
      const chunkLeft = table[3 * unit]!;
      table[3 * unit + 1] = left;
      table[3 * unit + 2] = right;
      left += chunkLeft;
      right += Math.min(chunk, end - begin - unit * chunk) - chunkLeft;
    }
    control[c.MODE] = 5;
    this.#together(`Partitioning ${n} rows`, units, true);
    return begin + nLeft;
  }

  addLeaves(
    rows: Uint32Array,
    nRows: number,
    leaves: readonly GrownNode[],
    score: Float64Array,
    offset: number,
  ): void {
    const data = this.#data;
    if (leaves.length > this.#leafEnds.length) {
      // Kernel memory is never freed during a fit: double, so this happens a few times at most.
      const size = Math.max(leaves.length, 2 * this.#leafEnds.length);
      this.#leafEnds = data.memory.uint32(size);
      this.#leafValues = data.memory.float64(size);
    }
    for (let l = 0; l < leaves.length; l++) {
      this.#leafEnds[l] = leaves[l]!.end;
      this.#leafValues[l] = leaves[l]!.value;
    }
    const scoreAt = score.byteOffset + 8 * offset;
    if (this.#helpers.length === 0 || nRows < this.#minSharedRows) {
      data.memory.kernels.addLeaves(
        rows.byteOffset,
        scoreAt,
        this.#leafEnds.byteOffset,
        this.#leafValues.byteOffset,
        leaves.length,
        0,
        nRows,
      );
      return;
    }
    const c = CONTROL;
    const control = this.#control;
    const chunk = Math.max(this.#chunkRows, Math.ceil(nRows / MAX_UNITS));
    control[c.MODE] = 6;
    control[c.END] = nRows;
    control[c.CHUNK] = chunk;
    control[c.LANES] = leaves.length;
    control[c.ROWS] = rows.byteOffset | 0;
    control[c.SCORE] = scoreAt | 0;
    control[c.TABLE] = this.#leafEnds.byteOffset | 0;
    control[c.VALUES] = this.#leafValues.byteOffset | 0;
    this.#together(`Adding a tree to the scores of ${nRows} rows`, Math.ceil(nRows / chunk), true);
  }

  binaryGradients(score: Float64Array, y: Float64Array, w: Float64Array, gh: Float64Array): void {
    const c = CONTROL;
    const control = this.#control;
    const chunk = Math.max(GRADIENT_CHUNK, Math.ceil(y.length / MAX_UNITS));
    control[c.MODE] = 2;
    control[c.BEGIN] = chunk;
    control[c.END] = y.length;
    control[c.SCORE] = score.byteOffset | 0;
    control[c.Y] = y.byteOffset | 0;
    control[c.W] = w.byteOffset | 0;
    control[c.GH] = gh.byteOffset | 0;
    const units = Math.ceil(y.length / chunk);
    this.#together(`Computing gradients of ${y.length} rows`, units, units > 1);
  }

  softmaxGradients(
    score: Float64Array,
    y: Float64Array,
    w: Float64Array,
    gh: Float64Array,
    nClasses: number,
  ): void {
    const c = CONTROL;
    const control = this.#control;
    // Rows of about as much work as a binary chunk.
    const chunk = Math.max(
      Math.ceil(GRADIENT_CHUNK / nClasses),
      Math.ceil(y.length / MAX_UNITS),
      256,
    );
    control[c.MODE] = 3;
    control[c.BEGIN] = chunk;
    control[c.END] = y.length;
    control[c.LANES] = nClasses;
    control[c.SCORE] = score.byteOffset | 0;
    control[c.Y] = y.byteOffset | 0;
    control[c.W] = w.byteOffset | 0;
    control[c.GH] = gh.byteOffset | 0;
    const units = Math.ceil(y.length / chunk);
    this.#together(`Computing softmax gradients of ${y.length} rows`, units, units > 1);
  }

  /**
   * Opens a build of `units` units (the control words say what they are), wakes the helpers
   * when `share`, claims and does units on this thread until none are left, then waits for the
   * units helpers took, whatever happened: they are still using the memory. A failure anywhere
   * becomes one KeelError naming `what`.
   */
  #together(what: string, units: number, share: boolean): void {
    const c = CONTROL;
    const control = this.#control;
    const data = this.#data;
    const { kernels } = data.memory;
    // A fresh start: no failure flag or message left from an earlier call.
    Atomics.store(control, c.FAILED, 0);
    for (const port of this.#errorPorts) while (receiveMessageOnPort(port) !== undefined);
    Atomics.store(control, c.REMAINING, units);
    // Publishes the build: every control word above is written before this store.
    Atomics.store(control, c.CLAIM, units << 13);
    if (share) {
      Atomics.add(control, c.GENERATION, 1);
      Atomics.notify(control, c.GENERATION);
    }
    const bins = data.rowBins.byteOffset;
    const slots = data.histSlots.byteOffset;
    let failure: unknown;
    const claim = () => (share && this.#helpersOnly ? -1 : claimUnit(control, c));
    for (let unit = claim(); unit >= 0; unit = claim()) {
      try {
        runUnit(kernels, control, data.memory.memory, unit, bins, data.nFeatures, slots, c, 0, 0);
      } catch (error) {
        failure = error;
        // Closes the build: the units nobody took will not be done by anyone.
        const word = Atomics.exchange(control, c.CLAIM, 0);
        Atomics.sub(control, c.REMAINING, Math.max(0, (word >>> 13) - (word & 0x1fff)));
      } finally {
        Atomics.sub(control, c.REMAINING, 1);
      }
    }
    const details = { helpers: this.#helpers.length };
    if (!waitForHelpers(control, c.REMAINING, c.PROGRESS))
      throw helpersStalled(what, "Train with nThreads: 1", details);
    if (failure !== undefined || control[c.FAILED] === 1)
      throw helperFailure(what, "Train with nThreads: 1", failure, this.#errorPorts, details);
  }

  close(): void {
    for (const port of this.#errorPorts) port.close();
    Atomics.store(this.#control, CONTROL.STOP, 1);
    Atomics.add(this.#control, CONTROL.GENERATION, 1);
    Atomics.notify(this.#control, CONTROL.GENERATION);
    for (const worker of this.#helpers) void worker.terminate();
  }
}
