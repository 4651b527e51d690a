import { parentPort, workerData } from "node:worker_threads";
import { createLogger, type JsonValue, KeelError } from "../core/index.js";
import { type MetadataDatabase, openDatabase } from "../store/index.js";
import type { Tracking } from "../track/index.js";
import { buildStepContext } from "./build-step-context.js";
import type { PipelineDefinition, StepDefinition } from "./define-pipeline.js";
import { canonicalJson } from "./hashing.js";
import { PipelineStore } from "./pipeline-store.js";
import { trackingFor } from "./run-pipeline.js";
import { stepCodeHash } from "./step-runner.js";
import {
  type FromThread,
  jsonSafe,
  type ThreadInit,
  type ToThread,
  toThreadError,
} from "./thread-protocol.js";

/** What a step thread opens once, on its first try. */
interface ThreadSetup {
  readonly database: MetadataDatabase;
  readonly store: PipelineStore;
  readonly tracking: Tracking;
  readonly pipelines: ReadonlyMap<string, PipelineDefinition<unknown>>;
}

/**
 * The worker-thread side of {@link ThreadRunner}: call it from a thread's entry module with a
 * way to load the pipelines of a config file. As it starts the thread loads the config,
 * opens its own connection to the metadata store and a tracking SDK on it; then it runs each
 * try it is sent with a full `ctx` (logs, `rejectRecords`, `trackedRun`, `registerModel` all
 * reach the store from here) and posts back the outputs as canonical JSON or the error. An
 * `abort` message aborts `ctx.signal`; the runner terminates the thread if the step ignores it.
 *
 * @example
 * ```ts
 * // pipeline-thread.ts, the entry module keel's CLI starts threads on:
 * serveStepThread(async (file) => (await loadConfig({ path: file })).pipelines);
 * ```
 */
export function serveStepThread(
  loadPipelines: (configFile: string) => Promise<readonly PipelineDefinition<unknown>[]>,
): void {
  const port = parentPort;
  if (port === null)
    throw new KeelError(
      "KEEL_ERR_INVALID_STATE",
      "serveStepThread runs in a worker thread started by ThreadRunner, not in the main thread",
      { details: {} },
    );
  const init = workerData as ThreadInit;
  let running: { id: number; controller: AbortController } | undefined;
  const post = (message: FromThread) => port.postMessage(message);

  const open = async (): Promise<ThreadSetup> => {
    const pipelines = await loadPipelines(init.configFile);
    const database = await openDatabase(init.database);
    const store = new PipelineStore(database);
    return {
      database,
      store,
      tracking: trackingFor(store, init.root),
      pipelines: new Map(pipelines.map((p) => [p.name, p])),
    };
  };

  // Load the config and open the store as soon as the thread starts, while the runner is still
  // working out the try (cache key, claim); a failure is the first try's error.
  const setup = open();
  setup.catch(() => {});

  const runTry = async (message: Extract<ToThread, { type: "run" }>) => {
    const { id, codeHash } = message;
    const t = message.try;
    const controller = new AbortController();
    running = { id, controller };
    try {
      const { store, tracking, pipelines } = await setup;
      const pipeline = pipelines.get(t.pipeline);
      const definition = pipeline?.steps[t.step] as StepDefinition<unknown> | undefined;
      if (definition === undefined)
        throw new KeelError(
          "KEEL_ERR_PIPELINE_NOT_FOUND",
          `${init.configFile} (as the worker thread loaded it) has no step '${t.step}' in pipeline '${t.pipeline}'; was the config changed while the run was in progress?`,
          { details: { pipeline: t.pipeline, step: t.step, config: init.configFile } },
        );
      if (stepCodeHash(definition as StepDefinition<never>) !== codeHash)
        throw new KeelError(
          "KEEL_ERR_INVALID_STATE",
          `step '${t.step}' of pipeline '${t.pipeline}': its code in ${init.configFile} differs from the code the run started with (the config changed while the run was in progress); run it again to use the new code`,
          { details: { pipeline: t.pipeline, step: t.step, config: init.configFile } },
        );
      const log = createLogger({
        level: "debug",
        sink: (record) =>
          post({ type: "log", id, record: { ...record, fields: jsonSafe(record.fields) } }),
      });
      const { ctx, close } = buildStepContext(t, {
        tracking,
        store,
        log,
        signal: controller.signal,
        ...(pipeline?.featureStore === undefined ? {} : { features: pipeline.featureStore }),
      });
      post({ type: "started", id });
      let value: JsonValue | undefined;
      try {
        value = await definition.run(ctx);
      } finally {
        await close();
      }
      post({
        type: "result",
        id,
        outputs: canonicalJson(
          value ?? null,
          `step '${t.step}' of pipeline '${t.pipeline}': its outputs`,
        ),
      });
    } catch (error) {
      post({ type: "error", id, error: toThreadError(error) });
    } finally {
      if (running?.id === id) running = undefined;
    }
  };

  const close = async () => {
    try {
      await (await setup).database.close();
    } catch {
      // The thread is going away; a store that failed to open has nothing to close.
    }
    port.close();
  };

  port.on("message", (message: ToThread) => {
    if (message.type === "run") void runTry(message);
    else if (message.type === "abort") {
      if (running?.id === message.id) running.controller.abort(new Error(message.reason));
    } else void close();
  });
}
