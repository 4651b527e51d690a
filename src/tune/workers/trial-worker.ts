/**
 * The worker-thread side of {@link WorkerPool}: loads the objective module once, then runs one
 * trial per `run` message. The objective gets a {@link RemoteTrial} (and the study's context): its `suggest*` and
 * `shouldPrune` calls are answered synchronously by the main thread (which owns the sampler
 * and the pruner) through a shared buffer, so define-by-run objectives work unchanged.
 *
 * @module
 */
import { parentPort, workerData } from "node:worker_threads";
import { RemoteTrial, type WorkerChannel } from "./remote-trial.js";

interface WorkerInput {
  readonly module: string;
  readonly exportName: string;
  /** The study's `ObjectiveModule.context`, passed to every call. */
  readonly context: unknown;
  readonly shared: SharedArrayBuffer;
}

const input = workerData as WorkerInput;
const port = parentPort;
if (port === null) throw new Error("trial-worker.js must run in a worker thread");

const loaded = (await import(input.module)) as Record<string, unknown>;
const objective = loaded[input.exportName];
const channel: WorkerChannel = { port, shared: input.shared };

port.on("message", (message: { type: "run"; trialNumber: number }) => {
  const trial = new RemoteTrial(message.trialNumber, channel);
  const finish = (
    result: { value: number | number[] } | { error: { name: string; message: string } },
  ) => port.postMessage({ type: "result", trialNumber: message.trialNumber, ...result });
  if (typeof objective !== "function") {
    finish({
      error: {
        name: "KeelError",
        message: `${input.module} has no exported function '${input.exportName}'.`,
      },
    });
    return;
  }
  Promise.resolve()
    .then(() => objective(trial, input.context) as unknown)
    .then(
      // A list (a multi-objective result) crosses as a list; anything else as one number.
      (value) => finish({ value: Array.isArray(value) ? value.map(Number) : Number(value) }),
      (error: unknown) =>
        finish({
          error: {
            name: error instanceof Error ? error.name : "Error",
            message: error instanceof Error ? error.message : String(error),
          },
        }),
    );
});
port.postMessage({ type: "ready" });
