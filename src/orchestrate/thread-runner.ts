import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { KeelError, type Logger } from "../core/index.js";
import type { OpenDatabaseOptions } from "../store/index.js";
import type { StepTry } from "./build-step-context.js";
import type { StepRunner, TryHooks } from "./step-runner.js";
import {
  type FromThread,
  fromThreadError,
  type ThreadInit,
  type ToThread,
} from "./thread-protocol.js";

/**
 * Options of {@link ThreadRunner}.
 *
 * @example
 * ```ts
 * const options: ThreadRunnerOptions = { entry: pipelineThreadEntry(), configFile: loaded.file, database: { root }, root };
 * ```
 */
export interface ThreadRunnerOptions {
  /**
   * The worker threads' entry module: one that calls {@link serveStepThread} with a way to load
   * the pipelines of `configFile` (keel's own is `pipelineThreadEntry()` from the config
   * module). It must be JavaScript: Node cannot start a thread on TypeScript sources.
   */
  readonly entry: URL | string;
  /** The `keel.config.ts` the threads load the pipelines from (the file the run's pipelines came from). */
  readonly configFile: string;
  /** How each thread opens the metadata store: the same database as the run's store. */
  readonly database: OpenDatabaseOptions;
  /** The project directory. */
  readonly root: string;
  /** Most threads alive at once; a try waits for a free one. Default 4. */
  readonly size?: number;
  /**
   * After a try is aborted (its timeout, a lost lease, Ctrl-C), how long its code gets to
   * notice `ctx.signal` and return before the thread is terminated, in ms. Default 1000.
   */
  readonly stopGraceMs?: number;
}

/** One worker thread and the try it is running. */
interface PooledThread {
  readonly worker: Worker;
  /** Set while a try runs: where its messages go. */
  current?: {
    readonly id: number;
    readonly log: Logger;
    readonly started: () => void;
    readonly settle: (outcome: { outputs: string } | { error: Error }) => void;
  };
  /** Exited or terminated: never reused. */
  dead: boolean;
}

/**
 * Runs step tries in a pool of worker threads (the default executor of the `keel` CLI, the
 * scheduler in `keel server`, and `keel worker`). Each thread loads the project's
 * `keel.config.ts` itself, opens its own connection to the metadata store and runs the named
 * step with a full `ctx`; outputs, errors (with their `KeelError` code) and log lines come back
 * over the message port. When a try is aborted — `timeoutMs` passed, the lease was lost, the
 * run was interrupted — the thread is told (`ctx.signal` aborts), given `stopGraceMs` to
 * return, then terminated, so code that ignores the signal (a busy loop, a stuck native call)
 * is really stopped before the try counts as failed and a retry starts.
 *
 * @example
 * ```ts
 * const runner = new ThreadRunner({ entry: pipelineThreadEntry(), configFile: loaded.file, database: { root: loaded.root }, root: loaded.root });
 * try {
 *   await runPipeline(pipeline, { store, root: loaded.root, runner });
 * } finally {
 *   await runner.close();
 * }
 * ```
 */
export class ThreadRunner implements StepRunner {
  readonly kind = "threads";
  readonly #options: ThreadRunnerOptions;
  readonly #size: number;
  readonly #idle: PooledThread[] = [];
  readonly #all = new Set<PooledThread>();
  readonly #waiting: ((thread: PooledThread) => void)[] = [];
  #nextId = 1;
  #closed = false;

  constructor(options: ThreadRunnerOptions) {
    const entry = String(
      options.entry instanceof URL ? fileURLToPath(options.entry) : options.entry,
    );
    if (!/\.[cm]?js$/.test(entry))
      throw new KeelError(
        "KEEL_ERR_UNSUPPORTED",
        `worker threads need keel's compiled JavaScript; the thread entry is ${entry} (keel is running from its TypeScript sources). Run steps inline instead (keel run --executor inline)`,
        { details: { entry } },
      );
    if (options.database.dbUrl === ":memory:")
      throw new KeelError(
        "KEEL_ERR_UNSUPPORTED",
        "worker threads cannot share an in-memory SQLite store; use a file or PostgreSQL, or run steps inline",
        { details: { dbUrl: options.database.dbUrl } },
      );
    this.#options = options;
    this.#size = Math.max(1, options.size ?? 4);
  }

  /**
   * Runs one try in a thread (see {@link StepRunner.runTry}).
   *
   * @example
   * ```ts
   * const outputs = await runner.runTry(stepTry, stepCodeHash(definition), { log, signal, started });
   * ```
   */
  async runTry(t: StepTry, codeHash: string, around: TryHooks): Promise<string> {
    const { log, signal, started } = around;
    if (signal.aborted) throw signal.reason;
    const thread = await this.#acquire(signal);
    const id = this.#nextId++;
    const grace = this.#options.stopGraceMs ?? 1000;
    return new Promise<string>((resolve, reject) => {
      let aborted = false;
      let killer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        aborted = true;
        this.#post(thread, {
          type: "abort",
          id,
          reason: signal.reason instanceof Error ? signal.reason.message : String(signal.reason),
        });
        killer = setTimeout(() => {
          thread.dead = true;
          void thread.worker.terminate();
        }, grace);
      };
      thread.current = {
        id,
        log,
        started,
        settle: (outcome) => {
          thread.current = undefined;
          clearTimeout(killer);
          signal.removeEventListener("abort", onAbort);
          this.#release(thread);
          // An aborted try fails with the abort's reason even if its code returned in the grace.
          if (aborted) reject(signal.reason);
          else if ("error" in outcome) reject(outcome.error);
          else resolve(outcome.outputs);
        },
      };
      signal.addEventListener("abort", onAbort, { once: true });
      thread.worker.ref();
      this.#post(thread, { type: "run", id, try: t, codeHash });
    });
  }

  #post(thread: PooledThread, message: ToThread): void {
    if (!thread.dead) thread.worker.postMessage(message);
  }

  /** An idle thread, a new one while under `size`, else the next one released. */
  async #acquire(signal: AbortSignal): Promise<PooledThread> {
    if (this.#closed)
      throw new KeelError("KEEL_ERR_INVALID_STATE", "the thread runner is closed", {
        details: {},
      });
    const idle = this.#idle.pop();
    if (idle !== undefined) return idle;
    if (this.#all.size < this.#size) return this.#spawn();
    return new Promise<PooledThread>((resolve, reject) => {
      const take = (thread: PooledThread) => {
        signal.removeEventListener("abort", onAbort);
        resolve(thread);
      };
      const onAbort = () => {
        this.#waiting.splice(this.#waiting.indexOf(take), 1);
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.#waiting.push(take);
    });
  }

  #release(thread: PooledThread): void {
    if (thread.dead) {
      this.#all.delete(thread);
      // A terminated thread frees a place: a waiting try gets a new thread.
      const next = this.#waiting.shift();
      if (next !== undefined && !this.#closed) next(this.#spawn());
      return;
    }
    thread.worker.unref();
    const next = this.#waiting.shift();
    if (next !== undefined) next(thread);
    else this.#idle.push(thread);
  }

  #spawn(): PooledThread {
    const init: ThreadInit = {
      configFile: this.#options.configFile,
      database: this.#options.database,
      root: this.#options.root,
    };
    const worker = new Worker(this.#options.entry, { workerData: init });
    const thread: PooledThread = { worker, dead: false };
    worker.on("message", (message: FromThread) => {
      const current = thread.current;
      if (current === undefined || message.id !== current.id) return;
      if (message.type === "log") {
        const r = message.record;
        current.log[r.level](r.message, r.fields);
      } else if (message.type === "started") current.started();
      else if (message.type === "result") current.settle({ outputs: message.outputs });
      else current.settle({ error: fromThreadError(message.error) });
    });
    // An exception no step awaited (a throwing timer callback) ends the thread: the try fails.
    worker.on("error", (error: Error) => {
      thread.dead = true;
      thread.current?.settle({
        error: new Error(`the step's worker thread crashed: ${error.message}`),
      });
    });
    worker.on("exit", (code) => {
      thread.dead = true;
      const idle = this.#idle.indexOf(thread);
      if (idle >= 0) this.#idle.splice(idle, 1);
      thread.current?.settle({
        error: new Error(`the step's worker thread exited (code ${code}) before the step returned`),
      });
      this.#all.delete(thread);
    });
    this.#all.add(thread);
    return thread;
  }

  /**
   * Asks every thread to close its store and exit, and terminates those still busy or slow
   * after two seconds.
   *
   * @example
   * ```ts
   * await runner.close();
   * ```
   */
  async close(): Promise<void> {
    this.#closed = true;
    const threads = [...this.#all];
    await Promise.all(
      threads.map(
        (thread) =>
          new Promise<void>((resolve) => {
            if (thread.dead) return resolve();
            const timer = setTimeout(() => void thread.worker.terminate(), 2000);
            thread.worker.once("exit", () => {
              clearTimeout(timer);
              resolve();
            });
            if (thread.current !== undefined) void thread.worker.terminate();
            else this.#post(thread, { type: "close" });
          }),
      ),
    );
    this.#idle.length = 0;
  }
}
