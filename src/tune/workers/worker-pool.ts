import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { isKeelError, KeelError } from "../../core/index.js";
import { type Trial, TrialPruned } from "../trial.js";
import { ANSWER_BYTES, answer } from "./remote-trial.js";

/**
 * An objective that lives in a module, so that worker threads can load it: `module` is a path
 * or URL, `exportName` the exported function (default `"objective"`), called as
 * `objective(trial, context)`. `context` (anything structured clone copies: data paths,
 * settings) reaches every worker once, at start.
 *
 * @example
 * ```ts
 * await study.optimize(
 *   { module: new URL("./objective.js", import.meta.url), context: { data: "train.csv" } },
 *   { nTrials: 40, nJobs: 4 },
 * );
 * ```
 */
export interface ObjectiveModule {
  readonly module: string | URL;
  readonly exportName?: string;
  readonly context?: unknown;
}

interface Slot {
  worker: Worker;
  /** Resolves once the worker has loaded the objective module. */
  ready: Promise<void>;
  readonly shared: SharedArrayBuffer;
  trial: Trial | undefined;
  /** An error from a call the worker did not wait for (report, setUserAttr); fails the trial. */
  callError: Error | undefined;
  settle: ((result: number | readonly number[] | Error) => void) | undefined;
}

interface WorkerScript {
  readonly href: string;
  readonly exportName: string;
  readonly context: unknown;
}

/**
 * A fixed pool of worker threads that run trials of a module objective, for CPU-bound
 * objectives. The main thread keeps the sampler and pruner; workers ask it for each
 * suggestion synchronously (see `RemoteTrial`). A trial stopped from outside (its signal
 * aborted: a timeout or an interrupt) has its thread terminated, and a fresh thread takes the
 * slot, so the pool keeps its size.
 *
 * @example
 * ```ts
 * const pool = await WorkerPool.start({ module: "./objective.js" }, 4);
 * const value = await pool.run(trial, trial.signal); // number, or the Error the objective threw
 * await pool.close();
 * ```
 */
export class WorkerPool {
  readonly #slots: Slot[];
  readonly #script: WorkerScript;
  #closed = false;

  private constructor(slots: Slot[], script: WorkerScript) {
    this.#slots = slots;
    this.#script = script;
  }

  static async start(objective: ObjectiveModule, size: number): Promise<WorkerPool> {
    try {
      structuredClone(objective.context);
    } catch (error) {
      throw new KeelError(
        "KEEL_ERR_INVALID_ARGUMENT",
        `ObjectiveModule.context must be plain data that worker threads can receive (numbers, strings, arrays, objects, typed arrays). Got a value that cannot be copied: ${error instanceof Error ? error.message : String(error)}`,
        { details: { path: "context", expected: "structured-clone data" }, cause: error },
      );
    }
    const href =
      objective.module instanceof URL
        ? objective.module.href
        : /^[a-z]+:/i.test(objective.module)
          ? objective.module
          : pathToFileURL(resolve(objective.module)).href;
    const script: WorkerScript = {
      href,
      exportName: objective.exportName ?? "objective",
      context: objective.context,
    };
    const slots = Array.from({ length: size }, () => {
      const slot = {
        shared: new SharedArrayBuffer(ANSWER_BYTES),
        trial: undefined,
        callError: undefined,
        settle: undefined,
      } as unknown as Slot;
      spawn(slot, script);
      return slot;
    });
    const pool = new WorkerPool(slots, script);
    try {
      await Promise.all(slots.map((s) => s.ready));
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  /** Runs one trial on an idle worker; resolves with its value or the error it ended with. */
  async run(trial: Trial, signal: AbortSignal): Promise<number | readonly number[] | Error> {
    const slot = this.#slots.find((s) => s.trial === undefined);
    if (slot === undefined) {
      return new KeelError("KEEL_ERR_INTERNAL", "No idle worker for the trial.");
    }
    slot.trial = trial;
    try {
      await slot.ready;
    } catch (error) {
      slot.trial = undefined;
      return error as Error;
    }
    return new Promise<number | readonly number[] | Error>((settle) => {
      const onAbort = () => {
        // A trial stopped from outside is stopped for real: its thread is terminated, and a
        // fresh one takes the slot so the next trial does not wait.
        const stopped = slot.worker;
        slot.settle?.(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
        void stopped.terminate();
        if (!this.#closed) spawn(slot, this.#script);
      };
      slot.settle = (result) => {
        signal.removeEventListener("abort", onAbort);
        slot.trial = undefined;
        slot.settle = undefined;
        slot.callError = undefined;
        settle(result);
      };
      if (signal.aborted) {
        onAbort();
        return;
      }
      signal.addEventListener("abort", onAbort, { once: true });
      slot.worker.postMessage({ type: "run", trialNumber: trial.number });
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#slots.map((s) => s.worker.terminate()));
  }
}

/** Starts a worker thread in a slot; `slot.ready` settles when it has loaded the module. */
function spawn(slot: Slot, script: WorkerScript): void {
  const worker = new Worker(new URL("./trial-worker.js", import.meta.url), {
    workerData: {
      module: script.href,
      exportName: script.exportName,
      context: script.context,
      shared: slot.shared,
    },
  });
  slot.worker = worker;
  slot.ready = new Promise<void>((ready, fail) => {
    worker.once("message", () => ready());
    worker.once("error", (error) =>
      fail(
        new KeelError(
          "KEEL_ERR_INVALID_ARGUMENT",
          `Cannot load the objective module ${script.href} in a worker: ${error.message}`,
          { cause: error },
        ),
      ),
    );
  });
  // A load failure is reported by whoever awaits `ready`; keep it from being unhandled here.
  slot.ready.catch(() => {});
  worker.on("message", (message: WorkerMessage) => {
    if (slot.worker === worker) handle(slot, message);
  });
  worker.on("error", (error) => {
    if (slot.worker === worker) slot.settle?.(error);
  });
  worker.on("exit", (code) => {
    if (slot.worker === worker)
      slot.settle?.(new Error(`The worker thread exited with code ${code} during the trial.`));
  });
}

type WorkerMessage =
  | { type: "call"; trialNumber: number; method: string; args: unknown[]; wait: boolean }
  | {
      type: "result";
      trialNumber: number;
      value?: number | number[];
      error?: { name: string; message: string };
    };

function handle(slot: Slot, message: WorkerMessage): void {
  const trial = slot.trial;
  if (trial === undefined || message.trialNumber !== trial.number) return;
  if (message.type === "result") {
    const error = message.error;
    if (slot.callError !== undefined) slot.settle?.(slot.callError);
    else if (error === undefined) slot.settle?.(message.value as number | number[]);
    else if (error.name === "TrialPruned") slot.settle?.(new TrialPruned(error.message));
    else {
      const e = new Error(error.message);
      e.name = error.name;
      slot.settle?.(e);
    }
    return;
  }
  let payload: unknown;
  try {
    const method = (trial as unknown as Record<string, (...args: unknown[]) => unknown>)[
      message.method
    ];
    if (typeof method !== "function" || !ALLOWED.has(message.method)) {
      throw new KeelError("KEEL_ERR_INTERNAL", `Unknown trial method '${message.method}'.`);
    }
    payload = { ok: true, value: method.apply(trial, message.args) ?? null };
  } catch (error) {
    payload = {
      ok: false,
      code: isKeelError(error) ? error.code : "KEEL_ERR_INTERNAL",
      message: error instanceof Error ? error.message : String(error),
    };
  }
  if (message.wait) answer(slot.shared, payload);
  else if (!(payload as { ok: boolean }).ok) {
    slot.callError ??= new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `trial.${message.method}: ${(payload as { message: string }).message}`,
    );
  }
}

const ALLOWED = new Set([
  "suggestFloat",
  "suggestInt",
  "suggestCategorical",
  "shouldPrune",
  "report",
  "setUserAttr",
]);
