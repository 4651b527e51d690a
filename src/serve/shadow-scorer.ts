import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { FrameRecord } from "../core/index.js";
import { type ModelBundle, saveModel } from "../models/index.js";
import type { PredictionOutput } from "./prediction-output.js";
import type { ShadowReply, ShadowRequest } from "./shadow-protocol.js";

/**
 * What {@link ShadowScorer} takes.
 *
 * @example
 * ```ts
 * const options: ShadowScorerOptions = { timeoutMs: 2000, maxQueuedRows: 10_000 };
 * ```
 */
export interface ShadowScorerOptions {
  /** How long one shadow job may run before its thread is terminated (default 2,000 ms). */
  readonly timeoutMs?: number;
  /** Rows waiting for the shadow thread at most; a copy past it is skipped (default 10,000). */
  readonly maxQueuedRows?: number;
  /** Heap limit of the shadow thread in MB (default 1,024): a runaway shadow dies alone. */
  readonly maxHeapMb?: number;
  /**
   * The module the shadow thread runs, as a file path (default: keel's `shadow-worker`). A
   * replacement answers the same messages (`ShadowRequest`, `ShadowReply`), usually by wrapping
   * the default one: the isolation tests wrap it with one that makes a chosen shadow's scoring
   * block, which no valid bundle does. A `.ts` path is loaded through jiti, as the default is
   * when keel runs from its sources.
   */
  readonly workerModule?: string;
}

/**
 * A shadow's outputs for the rows of one request, or why there are none (it failed, timed
 * out, or was skipped because the shadow thread was behind).
 *
 * @example
 * ```ts
 * const result: ShadowResult = { error: "shadow timed out after 2000 ms" };
 * ```
 */
export type ShadowResult = readonly PredictionOutput[] | { readonly error: string };

interface Job {
  readonly bundle: ModelBundle;
  readonly records: readonly FrameRecord[];
  readonly done: (result: ShadowResult) => void;
}

interface Pending {
  readonly resolve: (reply: ShadowReply) => void;
  readonly reject: (error: Error) => void;
}

const DEFAULT_TIMEOUT_MS = 2_000;
const DEFAULT_MAX_QUEUED_ROWS = 10_000;
/** Rows sent to the thread in one message at most (more requests' rows wait for the next). */
const BATCH_ROWS = 1024;
/** Loading a bundle into the thread (parsing, not scoring) gets a longer, fixed limit. */
const LOAD_TIMEOUT_MS = 60_000;
/** Starting the thread (module loading; from TypeScript sources it compiles them) likewise. */
const START_TIMEOUT_MS = 120_000;

// Under vitest the sources are TypeScript, which a worker thread cannot load: a small
// CommonJS bootstrap then loads the worker module through jiti (a dependency already, for
// configs). From `dist` the compiled worker module is started directly.
const TS_BOOTSTRAP = `
const { workerData } = require("node:worker_threads");
const { createJiti } = require(workerData.jiti);
createJiti(workerData.entry, { fsCache: workerData.cache })
  .import(workerData.entry)
  .catch((error) => setImmediate(() => { throw error; }));
`;

/**
 * Scores shadow models on a worker thread, one job at a time, so that a shadow never costs
 * the event loop that answers requests anything but a message: a shadow that is slow, or whose
 * scoring never returns, cannot delay a primary answer. A job running past `timeoutMs` has the
 * thread terminated (a fresh one starts for the next job) and is reported as timed out, as
 * are the jobs queued behind it for the same model; when more than `maxQueuedRows` rows wait,
 * further copies are skipped and reported as such rather than queued without bound.
 * {@link ShadowScorer.score} never rejects.
 *
 * @example
 * ```ts
 * const shadows = new ShadowScorer({ timeoutMs: 2000 });
 * const result = await shadows.score(handle.bundle, records); // outputs, or { error }
 * await shadows.close();
 * ```
 */
export class ShadowScorer {
  readonly #timeoutMs: number;
  readonly #maxQueuedRows: number;
  readonly #maxHeapMb: number;
  readonly #workerModule: string | undefined;
  readonly #queue: Job[] = [];
  #queuedRows = 0;
  #running = false;
  #scheduled = false;
  #closed = false;
  #worker: Worker | undefined;
  #ready: Promise<void> | undefined;
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;
  /** Bundle ids the current thread has loaded (a fresh thread starts with none). */
  #loaded = new Set<number>();
  readonly #bundleIds = new WeakMap<ModelBundle, number>();
  #nextBundleId = 0;

  constructor(options: ShadowScorerOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#maxQueuedRows = options.maxQueuedRows ?? DEFAULT_MAX_QUEUED_ROWS;
    this.#maxHeapMb = options.maxHeapMb ?? 1024;
    this.#workerModule = options.workerModule;
  }

  /** Rows queued and not yet scored. */
  get queuedRows(): number {
    return this.#queuedRows;
  }

  /**
   * Scores the records with a shadow bundle on the shadow thread. Resolves with the outputs
   * (one per record) or `{ error }`; never rejects and never blocks the caller's thread.
   *
   * @example
   * ```ts
   * const out = await shadows.score(bundle, [{ tenure: 3, contract: "One year" }]);
   * ```
   */
  score(bundle: ModelBundle, records: readonly FrameRecord[]): Promise<ShadowResult> {
    if (this.#closed) return Promise.resolve({ error: "the shadow scorer is closed" });
    if (records.length > this.#maxQueuedRows)
      return Promise.resolve({
        error: `skipped: the request's ${records.length} rows are more than a shadow takes at once (${this.#maxQueuedRows})`,
      });
    if (this.#queuedRows + records.length > this.#maxQueuedRows)
      return Promise.resolve({
        error: `skipped: the shadow thread is behind (${this.#queuedRows} rows waiting, at most ${this.#maxQueuedRows})`,
      });
    return new Promise<ShadowResult>((done) => {
      this.#queue.push({ bundle, records, done });
      this.#queuedRows += records.length;
      this.#schedule();
    });
  }

  /**
   * Pumps on the next turn of the loop, not now: the caller's answer goes out first, and the
   * requests of the same turn travel in one message.
   */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#pump();
    });
  }

  /**
   * Sends the next jobs: the oldest and every queued job for the same model, up to
   * {@link BATCH_ROWS} rows, in one message (one round trip, one clone, instead of one per
   * request: at thousands of requests a second the per-message cost is what counts).
   */
  #pump(): void {
    if (this.#running || this.#closed) return;
    const head = this.#queue[0];
    if (head === undefined) return;
    const batch: Job[] = [];
    let rows = 0;
    const keep: Job[] = [];
    for (const job of this.#queue) {
      if (
        job.bundle === head.bundle &&
        (batch.length === 0 || rows + job.records.length <= BATCH_ROWS)
      ) {
        batch.push(job);
        rows += job.records.length;
      } else keep.push(job);
    }
    this.#queue.splice(0, this.#queue.length, ...keep);
    this.#running = true;
    this.#run(head.bundle, batch).then(
      (results) => this.#finish(batch, results),
      (error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        this.#finish(
          batch,
          batch.map(() => ({ error: message })),
        );
      },
    );
  }

  #finish(batch: readonly Job[], results: readonly ShadowResult[]): void {
    this.#running = false;
    batch.forEach((job, i) => {
      this.#queuedRows -= job.records.length;
      job.done(results[i] ?? { error: "the shadow thread gave no result for this request" });
    });
    this.#pump();
  }

  async #run(bundle: ModelBundle, batch: readonly Job[]): Promise<readonly ShadowResult[]> {
    await this.#start();
    const bundleId = this.#bundleId(bundle);
    if (!this.#loaded.has(bundleId)) await this.#load(bundleId, bundle);
    const reply = await this.#call(
      (id) => ({ type: "score", id, bundleId, jobs: batch.map((j) => j.records) }),
      this.#timeoutMs,
      () => this.#timedOut(bundle),
    );
    if (reply.type === "scored") return reply.results;
    const message =
      reply.type === "failed"
        ? reply.message
        : `unexpected reply '${reply.type}' from the shadow thread`;
    return batch.map(() => ({ error: message }));
  }

  /** A job ran too long: its thread goes, and so do the jobs queued for the same model. */
  #timedOut(bundle: ModelBundle): string {
    const message = `the shadow ran past its ${this.#timeoutMs} ms limit; its thread was stopped`;
    const keep: Job[] = [];
    for (const queued of this.#queue) {
      if (queued.bundle !== bundle) keep.push(queued);
      else {
        this.#queuedRows -= queued.records.length;
        queued.done({ error: `skipped: ${message} on an earlier request` });
      }
    }
    this.#queue.splice(0, this.#queue.length, ...keep);
    return message;
  }

  #bundleId(bundle: ModelBundle): number {
    let id = this.#bundleIds.get(bundle);
    if (id === undefined) {
      id = this.#nextBundleId++;
      this.#bundleIds.set(bundle, id);
    }
    return id;
  }

  /** Writes the bundle where the thread can load it (the thread shares no objects). */
  async #load(bundleId: number, bundle: ModelBundle): Promise<void> {
    const dir = await mkdtemp(join(tmpdir(), "keel-shadow-"));
    try {
      await saveModel(join(dir, "bundle"), {
        model: bundle.model,
        ...(bundle.preprocessor ? { preprocessor: bundle.preprocessor } : {}),
        inputSignature: bundle.inputSignature,
        ...(bundle.positiveClass !== undefined ? { positiveClass: bundle.positiveClass } : {}),
        lineage: bundle.lineage,
      });
      const reply = await this.#call(
        (id) => ({ type: "load", id, bundleId, dir: join(dir, "bundle") }),
        LOAD_TIMEOUT_MS,
        () => `loading the shadow model took over ${LOAD_TIMEOUT_MS} ms`,
      );
      if (reply.type === "failed") throw new Error(reply.message);
      this.#loaded.add(bundleId);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Sends one request and waits for its reply; past `limitMs` the thread is terminated. */
  #call(
    request: (id: number) => ShadowRequest,
    limitMs: number,
    onTimeout: () => string,
  ): Promise<ShadowReply> {
    const worker = this.#worker;
    if (worker === undefined) return Promise.reject(new Error("the shadow thread is not running"));
    const id = this.#nextId++;
    return new Promise<ShadowReply>((resolve, reject) => {
      const timer = setTimeout(() => this.#stop(onTimeout()), limitMs);
      this.#pending.set(id, {
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      worker.postMessage(request(id));
    });
  }

  /** Starts the thread when none runs; resolves once it has loaded its modules. */
  #start(): Promise<void> {
    if (this.#ready !== undefined) return this.#ready;
    const here = fileURLToPath(import.meta.url);
    const entry =
      this.#workerModule ?? join(here, "..", `shadow-worker.${here.endsWith(".ts") ? "ts" : "js"}`);
    const fromSources = entry.endsWith(".ts");
    const resourceLimits = { maxOldGenerationSizeMb: this.#maxHeapMb };
    const worker = fromSources
      ? new Worker(TS_BOOTSTRAP, {
          eval: true,
          resourceLimits,
          workerData: {
            entry,
            jiti: createRequire(import.meta.url).resolve("jiti"),
            cache: join(tmpdir(), "keel-jiti-cache"),
          },
        })
      : new Worker(entry, { resourceLimits });
    // An idle shadow thread must not keep a finished process alive; close() stops it.
    worker.unref();
    this.#worker = worker;
    this.#loaded = new Set();
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => this.#stop(`the shadow thread did not start within ${START_TIMEOUT_MS} ms`),
        START_TIMEOUT_MS,
      );
      this.#pending.set(-1, {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });
    worker.on("message", (reply: ShadowReply) => {
      const key = reply.type === "ready" ? -1 : reply.id;
      const waiting = this.#pending.get(key);
      if (waiting === undefined || this.#worker !== worker) return;
      this.#pending.delete(key);
      waiting.resolve(reply);
    });
    worker.on("error", (error) => {
      if (this.#worker === worker) this.#stop(`the shadow thread failed: ${error.message}`);
    });
    worker.on("exit", (code) => {
      if (this.#worker === worker) this.#stop(`the shadow thread exited with code ${code}`);
    });
    this.#ready = ready;
    return ready;
  }

  /** Terminates the thread and fails what waited on it; the next job starts a fresh one. */
  #stop(why: string): void {
    const worker = this.#worker;
    this.#worker = undefined;
    this.#ready = undefined;
    for (const [id, waiting] of this.#pending) {
      this.#pending.delete(id);
      waiting.reject(new Error(why));
    }
    if (worker !== undefined) void worker.terminate();
  }

  /**
   * Reports every queued job as not scored and terminates the thread.
   *
   * @example
   * ```ts
   * await runtime.settle(); await shadows.close();
   * ```
   */
  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) {
      this.#queuedRows -= job.records.length;
      job.done({ error: "the server shut down before the shadow ran" });
    }
    const worker = this.#worker;
    this.#stop("the shadow scorer closed");
    if (worker !== undefined) await worker.terminate();
  }
}
