import { resolve } from "node:path";
import { KeelError, type Logger, nullLogger } from "../core/index.js";
import { ArtifactStore } from "../store/index.js";
import { Tracking } from "../track/index.js";
import { downstreamOf, topologicalOrder } from "./dag.js";
import type { PipelineDefinition } from "./define-pipeline.js";
import {
  describeThrown,
  executeStep,
  type StepEnvironment,
  type StepOutcome,
} from "./execute-step.js";
import { canonicalJson, sha256 } from "./hashing.js";
import { isOwnerDead, newLeaseOwner } from "./lease-owner.js";
import type { PipelineRun, PipelineStore, StepState, StepStatus } from "./pipeline-store.js";
import { runParamsOf } from "./run-params.js";
import type { StepRunner } from "./step-runner.js";

/**
 * Options of {@link runPipeline}.
 *
 * @example
 * ```ts
 * const options: RunPipelineOptions = { store, root: ".", logicalDate: new Date("2026-01-05"), resume: true };
 * ```
 */
export interface RunPipelineOptions {
  readonly store: PipelineStore;
  /** The project directory (input files, artifacts). Default: the current directory. */
  readonly root?: string;
  /** The date the run is for. Default: now. Ignored on resume (the run keeps its own). */
  readonly logicalDate?: Date;
  /** Overrides of the pipeline's params. Ignored on resume. */
  readonly params?: Readonly<Record<string, unknown>>;
  /** Rerun steps whose outputs are cached. */
  readonly force?: boolean;
  /** Continue a run instead of starting one: its id, or true for the latest unfinished run of the pipeline. */
  readonly resume?: string | true;
  /** Why the run starts: manual (default), schedule, backfill, trigger:<source>. */
  readonly trigger?: string;
  /** Steps run at once. Default 4. */
  readonly concurrency?: number;
  /** Step lease length in ms (heartbeats every third). Default 30000. */
  readonly leaseMs?: number;
  /** The tracking SDK steps get. Default: tracking on the same metadata store. */
  readonly tracking?: Tracking;
  readonly log?: Logger;
  /** Called as steps change state (the CLI's progress view). */
  readonly onStep?: (event: StepEvent) => void;
  /** Waits between retries. Default: a timer. */
  readonly sleep?: StepEnvironment["sleep"];
  /**
   * Where step code runs. Default: inline, on this event loop (the pipeline objects passed
   * here hold the step functions). A {@link ThreadRunner} runs each try in a worker thread that
   * loads the same `keel.config.ts`: a CPU-heavy step no longer stalls this process, and a
   * timeout really stops it. The `keel` CLI and `keel server` use threads by default.
   */
  readonly runner?: StepRunner;
  /**
   * Interrupts the run (the CLI aborts it on Ctrl-C): no further step starts, running tries
   * fail at once with the abort reason (their code may still be running if it ignores
   * `ctx.signal`), and the run ends `failed`, resumable with `resume`.
   */
  readonly signal?: AbortSignal;
}

/**
 * A step's state change during a run.
 *
 * @example
 * ```ts
 * const e: StepEvent = { runId, step: "train", status: "running", elapsedMs: 0 };
 * ```
 */
export interface StepEvent {
  readonly runId: string;
  readonly step: string;
  readonly status: StepStatus;
  readonly elapsedMs: number;
  readonly error?: string;
}

/**
 * What a finished {@link runPipeline} call returns: the run and every step's state.
 *
 * @example
 * ```ts
 * const { run, steps } = await runPipeline(retrain, { store });
 * run.status; // "succeeded"
 * ```
 */
export interface PipelineResult {
  readonly run: PipelineRun;
  readonly steps: readonly StepState[];
}

const FINISHED: readonly string[] = ["succeeded", "cached"];

/**
 * The run's params hash (key-sorted JSON), used to find an earlier identical run.
 *
 * @example
 * ```ts
 * paramsHashOf({ b: 1, a: 2 }) === paramsHashOf({ a: 2, b: 1 }); // true
 * ```
 */
export function paramsHashOf(params: Readonly<Record<string, unknown>>): string {
  return sha256(canonicalJson(params, "pipeline params"));
}

/**
 * Starts (or resumes) a run and opens what a step environment needs.
 *
 * @example
 * ```ts
 * const run = await openRun(pipeline, { store, resume: true }, "local");
 * ```
 */
export async function openRun(
  pipeline: PipelineDefinition<unknown>,
  options: Pick<RunPipelineOptions, "store" | "resume" | "logicalDate" | "params" | "trigger">,
  executor: string,
): Promise<PipelineRun> {
  const { store } = options;
  if (options.resume !== undefined) {
    const run =
      options.resume === true
        ? await store.latestUnfinished(pipeline.name)
        : await store.getRun(options.resume);
    if (run === undefined)
      throw new KeelError(
        "KEEL_ERR_PIPELINE_NOT_FOUND",
        `pipeline '${pipeline.name}' has no unfinished run to resume`,
        { details: { pipeline: pipeline.name } },
      );
    if (run.pipeline !== pipeline.name)
      throw new KeelError(
        "KEEL_ERR_INVALID_ARGUMENT",
        `run '${run.runId}' belongs to pipeline '${run.pipeline}', not '${pipeline.name}'`,
        { details: { runId: run.runId, pipeline: pipeline.name } },
      );
    if (run.status === "succeeded")
      throw new KeelError(
        "KEEL_ERR_INVALID_STATE",
        `run ${run.runId} of pipeline '${pipeline.name}' already succeeded: nothing to resume; start a new run (keel run ${pipeline.name} --force reruns cached steps)`,
        { details: { runId: run.runId, pipeline: pipeline.name } },
      );
    await store.reopenRun(run.runId, isOwnerDead);
    return store.getRun(run.runId);
  }
  const params = runParamsOf(pipeline, options.params);
  const logicalDate = options.logicalDate ?? new Date();
  const paramsHash = paramsHashOf(params);
  // Two `keel run`s of one date at once would each run every step (same work, same side
  // effects, at the same time): the second one is refused, naming the first.
  const live = await store.liveRunFor(pipeline.name, logicalDate, paramsHash, isOwnerDead, 30_000);
  if (live !== undefined)
    throw new KeelError(
      "KEEL_ERR_CONFLICT",
      `pipeline '${pipeline.name}' is already running for ${logicalDate.toISOString()} with these params: run ${live.runId} (${live.holder}); wait for it, or resume it if its runner died (keel run ${pipeline.name} --resume ${live.runId})`,
      { details: { pipeline: pipeline.name, runId: live.runId } },
    );
  return store.createRun({
    pipeline: pipeline.name,
    logicalDate,
    params,
    paramsHash,
    trigger: options.trigger ?? "manual",
    executor,
    steps: topologicalOrder(pipeline.steps),
  });
}

/**
 * The default tracking SDK for steps: tracking on the pipeline store's own database, with
 * artifacts under `KEEL_ARTIFACT_ROOT` or `<root>/.keel/artifacts`.
 *
 * @example
 * ```ts
 * const tracking = trackingFor(store, root);
 * ```
 */
export function trackingFor(store: PipelineStore, root: string): Tracking {
  const artifacts = process.env.KEEL_ARTIFACT_ROOT ?? resolve(root, ".keel", "artifacts");
  return new Tracking(store.database, new ArtifactStore(resolve(root, artifacts)), root);
}

/** How the error of a run that `signal` interrupted begins. */
const INTERRUPTED = "interrupted: ";

/**
 * Whether a run ended because it was interrupted (Ctrl-C, a scheduler's shutdown) rather than
 * because a step failed: such a run is resumable as it stands, and the scheduler resumes its
 * own interrupted runs when it starts again.
 *
 * @example
 * ```ts
 * if (wasInterrupted(run)) await runPipeline(pipeline, { store, resume: run.runId });
 * ```
 */
export function wasInterrupted(run: Pick<PipelineRun, "status" | "error">): boolean {
  return run.status === "failed" && (run.error ?? "").startsWith(INTERRUPTED);
}

/**
 * Runs a pipeline in this process: each step once its dependencies finished (up to
 * `concurrency` at once), skipping steps whose content-hash key matches a recorded run,
 * retrying failures with backoff, filing a step that still fails in the dead-letter table and
 * marking its dependants `upstream_failed`; independent branches still run. Every finished
 * step is a checkpoint: `resume` continues a failed or killed run from its first unfinished
 * step. Resolves with the run (succeeded or failed); throws only for bad input.
 *
 * @example
 * ```ts
 * const store = new PipelineStore(await openDatabase({ root: "." }));
 * const { run } = await runPipeline(retrain, { store, logicalDate: new Date("2026-01-05") });
 * if (run.status === "failed") console.error(run.error);
 * ```
 */
export async function runPipeline(
  pipeline: PipelineDefinition<unknown>,
  options: RunPipelineOptions,
): Promise<PipelineResult> {
  const { store } = options;
  const root = resolve(options.root ?? process.cwd());
  const run = await openRun(pipeline, options, "local");
  const env: StepEnvironment = {
    store,
    root,
    tracking: options.tracking ?? trackingFor(store, root),
    owner: newLeaseOwner(),
    leaseMs: options.leaseMs ?? 30_000,
    force: options.force ?? false,
    log: options.log ?? nullLogger,
    ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.runner === undefined ? {} : { runner: options.runner }),
  };
  const status = new Map((await store.steps(run.runId)).map((s) => [s.step, s.status as string]));
  const order = topologicalOrder(pipeline.steps);
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const running = new Map<string, Promise<void>>();
  const errors: string[] = [];
  const started = Date.now();
  const emit = (step: string, s: StepStatus, error?: string) =>
    options.onStep?.({
      runId: run.runId,
      step,
      status: s,
      elapsedMs: Date.now() - started,
      ...(error ? { error } : {}),
    });
  const settle = async (name: string, outcome: StepOutcome) => {
    if (outcome.status === "busy")
      throw new KeelError(
        "KEEL_ERR_CONFLICT",
        `step '${name}' of run ${run.runId} is being run by another live runner; wait for it or for its lease to lapse`,
        { details: { runId: run.runId, step: name } },
      );
    if (outcome.status === "failed") {
      status.set(name, "failed");
      errors.push(`step '${name}' failed: ${outcome.error}`);
      const blocked = [...downstreamOf(pipeline.steps, name)];
      await store.markSteps(run.runId, blocked, "upstream_failed");
      for (const b of blocked) status.set(b, "upstream_failed");
      emit(name, "failed", outcome.error);
      return;
    }
    const s = outcome.status === "cached" ? "cached" : "succeeded";
    status.set(name, s);
    emit(name, s);
  };
  // Downstream of a step that failed before this resume are blocked until a replay fixes it.
  for (const [name, s] of status)
    if (s === "failed" || s === "upstream_failed")
      for (const b of downstreamOf(pipeline.steps, name)) status.set(b, "upstream_failed");
  let fatal: unknown;
  for (;;) {
    for (const name of order) {
      if (running.size >= concurrency || fatal !== undefined || options.signal?.aborted) break;
      if (status.get(name) !== "pending" || running.has(name)) continue;
      const deps = pipeline.steps[name]?.after ?? [];
      if (!deps.every((d) => FINISHED.includes(status.get(d) ?? ""))) continue;
      status.set(name, "running");
      emit(name, "running");
      running.set(
        name,
        executeStep(env, pipeline, run, name)
          .then((outcome) => settle(name, outcome))
          .catch((error: unknown) => {
            fatal ??= error;
          })
          .finally(() => running.delete(name)),
      );
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  if (fatal !== undefined) {
    await store.finishRun(
      run.runId,
      "failed",
      fatal instanceof Error ? fatal.message : String(fatal),
    );
    throw fatal;
  }
  const rank = new Map(order.map((name, i) => [name, i]));
  const steps = (await store.steps(run.runId)).sort(
    (a, b) => (rank.get(a.step) ?? 0) - (rank.get(b.step) ?? 0),
  );
  const done = steps.every((s) => FINISHED.includes(s.status));
  await store.finishRun(
    run.runId,
    done ? "succeeded" : "failed",
    done
      ? null
      : [
          ...(options.signal?.aborted
            ? [`${INTERRUPTED}${describeThrown(options.signal.reason)}`]
            : []),
          ...errors,
        ].join("; ") || "steps did not finish",
  );
  return { run: await store.getRun(run.runId), steps };
}
