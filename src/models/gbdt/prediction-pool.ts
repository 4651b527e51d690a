import { availableParallelism } from "node:os";
import { isMainThread, MessageChannel, type MessagePort, Worker } from "node:worker_threads";
import { waitForHelpers } from "../../core/index.js";
import { helperFailure, helpersStalled } from "./helper-failure.js";
import { KernelMemory, kernelsModule } from "./kernel-memory.js";
import { runWalk, type WalkJob } from "./walk-job.js";

/** Rows per unit of work: small enough to balance threads, large enough to amortise the hand-off. */
const CHUNK_ROWS = 2048;

// Shared words of one batch: the next chunk to take, helpers still working, a helper's failure,
// chunks finished by helpers (their sign of life).
const NEXT = 0;
const PENDING = 1;
const FAILED = 2;
const PROGRESS = 3;

/** What a helper thread gets for one batch; `memory` comes only with a new memory's first job. */
interface Job {
  readonly memoryId: number;
  readonly memory?: WebAssembly.Memory;
  readonly module?: WebAssembly.Module;
  readonly control: Int32Array;
  readonly walk: WalkJob;
  /** This helper's thread number within the batch (1, 2, …; the caller is 0). */
  readonly thread: number;
  readonly nRows: number;
  readonly chunkRows: number;
}

/**
 * A helper's job loop, run as eval'd source: take chunks until none are left, then count down.
 * It instantiates the kernels once per memory (the pool's memory lives as long as the process),
 * and reports a failure on `errors` before counting down, so the caller is never left waiting.
 */
function helperMain(run: typeof runWalk): void {
  const { parentPort, workerData } =
    require("node:worker_threads") as typeof import("node:worker_threads");
  const errors = (workerData as { errors: MessagePort }).errors;
  let memoryId = -1;
  let kernels: Parameters<typeof runWalk>[0] | undefined;
  parentPort?.on("message", (job: Job) => {
    const { control } = job;
    try {
      if (job.memory !== undefined && job.module !== undefined) {
        kernels = new WebAssembly.Instance(job.module, { env: { memory: job.memory } })
          .exports as unknown as Parameters<typeof runWalk>[0];
        memoryId = job.memoryId;
      }
      if (kernels === undefined || memoryId !== job.memoryId)
        throw new Error(`no kernels for memory ${job.memoryId}`);
      for (;;) {
        const begin = Atomics.add(control, 0, 1) * job.chunkRows;
        if (begin >= job.nRows) break;
        const end = Math.min(job.nRows, begin + job.chunkRows);
        run(kernels, job.walk, begin, end, job.thread);
        Atomics.add(control, 3, 1);
      }
    } catch (error) {
      errors.postMessage(error instanceof Error ? error.message : String(error));
      Atomics.store(control, 2, 1);
    } finally {
      if (Atomics.sub(control, 1, 1) === 1) Atomics.notify(control, 1);
    }
  });
}

interface Helper {
  readonly worker: Worker;
  readonly errors: MessagePort;
  /** The pool memory this helper has kernels for. */
  memoryId: number;
}

const helpers: Helper[] = [];
let pool: { memory: KernelMemory; id: number } | undefined;
let nextMemoryId = 0;

function helperThreads(count: number): Helper[] {
  while (helpers.length < count) {
    const channel = new MessageChannel();
    const source = `(${helperMain.toString()})(${runWalk.toString()});`;
    const worker = new Worker(source, {
      eval: true,
      workerData: { errors: channel.port1 },
      transferList: [channel.port1],
    });
    // Idle helpers must not keep the process alive.
    worker.unref();
    channel.port2.unref();
    helpers.push({ worker, errors: channel.port2, memoryId: -1 });
  }
  return helpers.slice(0, count);
}

/** Ends every helper (after a failure: the next batch starts fresh ones). */
function dropHelpers(): void {
  for (const helper of helpers.splice(0)) {
    helper.errors.close();
    void helper.worker.terminate();
  }
}

/**
 * The calling thread's memory for prediction batches, reset for a new batch: one memory for
 * the life of the process, grown to the largest batch so far, so helper threads keep their
 * kernels and no batch's memory outlives it in a helper. Only the batch being predicted uses
 * it (prediction is synchronous).
 *
 * @example
 * ```ts
 * const memory = batchMemory();
 * const at = copyForest(memory, ensemble, forest);
 * ```
 */
export function batchMemory(): KernelMemory {
  if (pool === undefined) {
    pool = { memory: KernelMemory.create(1 << 20), id: nextMemoryId++ };
    // Helpers take tens of milliseconds to start: start them with the first batch (they boot
    // while it is laid out and walked), so the next, larger batch finds them ready. Not inside
    // a worker thread, which predicts on one thread by default.
    if (isMainThread) helperThreads(availableParallelism() - 1);
  }
  pool.memory.reset();
  return pool.memory;
}

/**
 * How many threads {@link walkOnThreads} uses for `nRows` rows when asked for `nThreads`
 * (0 = one per core on the main thread, one inside a worker thread: that thread is already one
 * of the application's many, as `keel tune --jobs` runs trials): no more than there are chunks.
 *
 * @example
 * ```ts
 * const threads = walkThreads(200_000, 0); // 2 on a 2-core machine
 * ```
 */
export function walkThreads(nRows: number, nThreads: number): number {
  const automatic = isMainThread ? availableParallelism() : 1;
  return Math.max(
    1,
    Math.min(nThreads === 0 ? automatic : nThreads, Math.ceil(nRows / CHUNK_ROWS)),
  );
}

/**
 * Walks a forest copied into the {@link batchMemory} over `nRows` rows on up to `nThreads`
 * threads ({@link walkThreads}): the calling thread and helper threads (started on first use,
 * kept for later batches) take chunks of rows from a shared counter, so a busy core does not
 * hold the others up. Rows are independent, so margins are the same for any thread count.
 *
 * @example
 * ```ts
 * walkOnThreads(batchMemory(), { kind: "padded", at, x: x.byteOffset, nTrees, out: out.byteOffset }, nRows, 0);
 * ```
 */
export function walkOnThreads(
  memory: KernelMemory,
  walk: WalkJob,
  nRows: number,
  nThreads: number,
): void {
  const threads = walkThreads(nRows, nThreads);
  const isPool = pool !== undefined && pool.memory === memory;
  const workers = isPool ? helperThreads(Math.max(0, threads - 1)) : [];
  const control = new Int32Array(new SharedArrayBuffer(16));
  control[PENDING] = workers.length;
  for (const [i, helper] of workers.entries()) {
    const fresh = helper.memoryId !== pool!.id;
    helper.worker.postMessage({
      memoryId: pool!.id,
      ...(fresh ? { memory: memory.memory, module: kernelsModule() } : {}),
      control,
      walk,
      thread: i + 1,
      nRows,
      chunkRows: CHUNK_ROWS,
    } satisfies Job);
    helper.memoryId = pool!.id;
  }
  let failure: unknown;
  try {
    for (;;) {
      const begin = Atomics.add(control, NEXT, 1) * CHUNK_ROWS;
      if (begin >= nRows) break;
      runWalk(memory.kernels, walk, begin, Math.min(nRows, begin + CHUNK_ROWS), 0);
    }
  } catch (error) {
    failure = error;
    // Stop the helpers taking more chunks.
    Atomics.store(control, NEXT, Math.ceil(nRows / CHUNK_ROWS) + 1);
  }
  // Whatever happened here, the helpers are still using the memory: wait for them.
  const what = `Predicting ${nRows} rows`;
  const details = { nRows, nThreads: threads };
  if (!waitForHelpers(control, PENDING, PROGRESS)) {
    dropHelpers();
    throw helpersStalled(what, "Predict with nThreads: 1", details);
  }
  if (failure !== undefined || control[FAILED] === 1) {
    const error = helperFailure(
      what,
      "Predict with nThreads: 1",
      failure,
      workers.map((h) => h.errors),
      details,
    );
    dropHelpers();
    throw error;
  }
}
