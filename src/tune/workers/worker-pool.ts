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
  readonly worker: Worker;
  readonly shared: SharedArrayBuffer;
  trial: Trial | undefined;
  /** An error from a call the worker did not wait for (report, setUserAttr); fails the trial. */
  callError: Error | undefined;
  settle: ((result: number | Error) => void) | undefined;
}

/**
 * A fixed pool of worker threads that run trials of a module objective, for CPU-bound
 * objectives. The main thread keeps the sampler and pruner; workers ask it for each
 * suggestion synchronously (see `RemoteTrial`).
 *
 * @example
 * ```ts
 * const pool = await WorkerPool.start({ module: "./objective.js" }, 4);
 * const value = await pool.run(trial); // number, or the Error the objective threw
 * await pool.close();
 * ```
 */
export class WorkerPool {
  readonly #slots: Slot[];

  private constructor(slots: Slot[]) {
    this.#slots = slots;
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
    const script = new URL("./trial-worker.js", import.meta.url);
    const slots = await Promise.all(
      Array.from({ length: size }, async () => {
        const shared = new SharedArrayBuffer(ANSWER_BYTES);
        const worker = new Worker(script, {
          workerData: {
            module: href,
            exportName: objective.exportName ?? "objective",
            context: objective.context,
            shared,
          },
        });
        const slot: Slot = {
          worker,
          shared,
          trial: undefined,
          callError: undefined,
          settle: undefined,
        };
        await new Promise<void>((ready, fail) => {
          worker.once("message", () => ready());
          worker.once("error", (error) =>
            fail(
              new KeelError(
                "KEEL_ERR_INVALID_ARGUMENT",
                `Cannot load the objective module ${href} in a worker: ${error.message}`,
                {
                  cause: error,
                },
              ),
            ),
          );
        });
        worker.on("message", (message: WorkerMessage) => handle(slot, message));
        worker.on("error", (error) => slot.settle?.(error));
        worker.on("exit", (code) =>
          slot.settle?.(new Error(`The worker thread exited with code ${code} during the trial.`)),
        );
        return slot;
      }),
    );
    return new WorkerPool(slots);
  }

  /** Runs one trial on an idle worker; resolves with its value or the error it ended with. */
  run(trial: Trial, signal: AbortSignal): Promise<number | Error> {
    const slot = this.#slots.find((s) => s.trial === undefined);
    if (slot === undefined) {
      return Promise.resolve(new KeelError("KEEL_ERR_INTERNAL", "No idle worker for the trial."));
    }
    slot.trial = trial;
    return new Promise<number | Error>((settle) => {
      const onAbort = () => {
        // A trial that outlives the study's timeout is stopped for real: its thread is terminated.
        void slot.worker.terminate();
      };
      signal.addEventListener("abort", onAbort, { once: true });
      slot.settle = (result) => {
        signal.removeEventListener("abort", onAbort);
        slot.trial = undefined;
        slot.settle = undefined;
        slot.callError = undefined;
        settle(result);
      };
      slot.worker.postMessage({ type: "run", trialNumber: trial.number });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.#slots.map((s) => s.worker.terminate()));
  }
}

type WorkerMessage =
  | { type: "call"; trialNumber: number; method: string; args: unknown[]; wait: boolean }
  | {
      type: "result";
      trialNumber: number;
      value?: number;
      error?: { name: string; message: string };
    };

function handle(slot: Slot, message: WorkerMessage): void {
  const trial = slot.trial;
  if (trial === undefined || message.trialNumber !== trial.number) return;
  if (message.type === "result") {
    const error = message.error;
    if (slot.callError !== undefined) slot.settle?.(slot.callError);
    else if (error === undefined) slot.settle?.(message.value as number);
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
