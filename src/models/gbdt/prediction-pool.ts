import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { KeelError } from "../../core/index.js";
import { type ForestPointers, runForest } from "./forest-kernel.js";
import { type KernelMemory, kernelsModule } from "./kernel-memory.js";

/** Rows per unit of work: small enough to balance threads, large enough to amortise the hand-off. */
const CHUNK_ROWS = 2048;

// Shared words of one batch: the next chunk to take, helpers still working, a helper's failure.
const NEXT = 0;
const PENDING = 1;
const FAILED = 2;

/** What a helper thread gets for one batch. */
interface Job {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly control: Int32Array;
  readonly at: ForestPointers;
  readonly x: number;
  readonly nRows: number;
  readonly nTrees: number;
  readonly out: number;
  readonly chunkRows: number;
}

/**
 * A helper's job loop, run as eval'd source: take chunks until none are left, then count down.
 * The instance is made per job and dropped, so a helper never keeps a batch's memory alive.
 */
function helperMain(run: typeof runForest, instantiate: (job: Job) => unknown): void {
  const { parentPort } = require("node:worker_threads") as typeof import("node:worker_threads");
  parentPort?.on("message", (job: Job) => {
    const { control } = job;
    try {
      const kernels = instantiate(job) as Parameters<typeof runForest>[0];
      for (;;) {
        const begin = Atomics.add(control, 0, 1) * job.chunkRows;
        if (begin >= job.nRows) break;
        run(
          kernels,
          job.at,
          job.x,
          begin,
          Math.min(job.nRows, begin + job.chunkRows),
          job.nTrees,
          job.out,
        );
      }
    } catch {
      Atomics.store(control, 2, 1);
    } finally {
      if (Atomics.sub(control, 1, 1) === 1) Atomics.notify(control, 1);
    }
  });
}

const helpers: Worker[] = [];

function helperThreads(count: number): Worker[] {
  while (helpers.length < count) {
    const source = `(${helperMain.toString()})(${runForest.toString()}, (job) => new WebAssembly.Instance(job.module, { env: { memory: job.memory } }).exports);`;
    const worker = new Worker(source, { eval: true });
    // Idle helpers must not keep the process alive.
    worker.unref();
    helpers.push(worker);
  }
  return helpers.slice(0, count);
}

/**
 * Walks a forest copied into `memory` over `nRows` rows of `x` on up to `nThreads` threads
 * (0 = one per core): the calling thread and helper threads (started on first use, kept for
 * later batches) take chunks of rows from a shared counter, so a busy core does not hold the
 * others up. Rows are independent, so margins are the same for any thread count.
 *
 * @example
 * ```ts
 * walkOnThreads(memory, at, x.byteOffset, nRows, nTrees, out.byteOffset, 0);
 * ```
 */
export function walkOnThreads(
  memory: KernelMemory,
  at: ForestPointers,
  x: number,
  nRows: number,
  nTrees: number,
  out: number,
  nThreads: number,
): void {
  const threads = Math.min(
    nThreads === 0 ? availableParallelism() : nThreads,
    Math.ceil(nRows / CHUNK_ROWS),
  );
  const control = new Int32Array(new SharedArrayBuffer(12));
  const workers = helperThreads(Math.max(0, threads - 1));
  control[PENDING] = workers.length;
  const job: Job = {
    module: kernelsModule(),
    memory: memory.memory,
    control,
    at,
    x,
    nRows,
    nTrees,
    out,
    chunkRows: CHUNK_ROWS,
  };
  for (const worker of workers) worker.postMessage(job);
  for (;;) {
    const begin = Atomics.add(control, NEXT, 1) * CHUNK_ROWS;
    if (begin >= nRows) break;
    runForest(memory.kernels, at, x, begin, Math.min(nRows, begin + CHUNK_ROWS), nTrees, out);
  }
  for (;;) {
    const pending = Atomics.load(control, PENDING);
    if (pending === 0) break;
    Atomics.wait(control, PENDING, pending);
  }
  if (control[FAILED] === 1) {
    throw new KeelError(
      "KEEL_ERR_INTERNAL",
      "A prediction thread failed; run again with nThreads: 1 to predict on the calling thread only.",
    );
  }
}
