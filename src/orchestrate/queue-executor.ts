import PgBoss from "pg-boss";
import { KeelError, type Logger, nullLogger } from "../core/index.js";
import type { Tracking } from "../track/index.js";
import { downstreamOf } from "./dag.js";
import type { PipelineDefinition } from "./define-pipeline.js";
import { executeStep, type StepEnvironment } from "./execute-step.js";
import { newLeaseOwner } from "./lease-owner.js";
import type { PipelineRun, PipelineStore } from "./pipeline-store.js";
import {
  openRun,
  type PipelineResult,
  type RunPipelineOptions,
  trackingFor,
} from "./run-pipeline.js";
import type { StepRunner } from "./step-runner.js";

/** The pg-boss queue steps travel on. */
const QUEUE = "keel-pipeline-step";
const FINISHED: readonly string[] = ["succeeded", "cached"];

/** One queued step. */
interface StepJob {
  readonly runId: string;
  readonly pipeline: string;
  readonly step: string;
}

/**
 * Options of {@link QueueExecutor.open}.
 *
 * @example
 * ```ts
 * const options: QueueExecutorOptions = { url: "postgres://keel@db/ml", schema: "keel_queue", leaseMs: 30_000 };
 * ```
 */
export interface QueueExecutorOptions {
  /** The PostgreSQL server pg-boss keeps its queue in. */
  readonly url: string;
  /** pg-boss's schema. Default "pgboss". */
  readonly schema?: string;
  /**
   * How long a step's lease holds without a heartbeat (ms; heartbeats every third). A worker
   * killed mid-step has its step taken over once the lease lapses (at once on the same host,
   * when its process is gone). pg-boss's job expiry is twice this. Default 30000.
   */
  readonly leaseMs?: number;
  /** How often an idle worker polls the queue, in seconds (pg-boss's minimum is 0.5). Default 1. */
  readonly pollingIntervalSeconds?: number;
  readonly log?: Logger;
}

/**
 * The distributed executor: pipeline steps as jobs of a pg-boss queue on PostgreSQL, run by
 * `keel worker` processes on any number of machines. pg-boss delivers jobs (with its own
 * expiry and retry for workers that vanish); keel's step lease in the metadata store decides
 * who may run a step: a worker runs a step only while it holds the lease (heartbeats renew it,
 * a lost lease aborts the step), so the same step never runs twice at once, and a worker killed
 * mid-step has its step retried by another when the lease lapses. The worker that finishes a
 * step queues the steps it unblocks and closes the run when every step is done, so no
 * coordinator has to stay up.
 *
 * @example
 * ```ts
 * const queue = await QueueExecutor.open({ url: process.env.KEEL_DB_URL! });
 * const run = await queue.submit(retrain, { store });
 * const result = await queue.waitFor(store, run.runId);
 * await queue.close();
 * ```
 */
export class QueueExecutor {
  readonly #boss: PgBoss;
  readonly #leaseMs: number;
  readonly #polling: number;
  readonly #log: Logger;
  #stopped = false;

  private constructor(boss: PgBoss, options: QueueExecutorOptions) {
    this.#boss = boss;
    this.#leaseMs = options.leaseMs ?? 30_000;
    this.#polling = options.pollingIntervalSeconds ?? 1;
    this.#log = options.log ?? nullLogger;
  }

  /**
   * Connects to pg-boss (installing its schema when missing) and makes sure the step queue exists.
   *
   * @example
   * ```ts
   * const queue = await QueueExecutor.open({ url, schema: "keel_queue" });
   * ```
   */
  static async open(options: QueueExecutorOptions): Promise<QueueExecutor> {
    const leaseMs = options.leaseMs ?? 30_000;
    const boss = new PgBoss({
      connectionString: options.url,
      schema: options.schema ?? "pgboss",
      max: 4,
      // Expired jobs (a worker vanished) go back to the queue quickly.
      maintenanceIntervalSeconds: Math.max(1, Math.round(leaseMs / 2000)),
    });
    boss.on("error", (error: Error) =>
      (options.log ?? nullLogger).warn(`pg-boss: ${error.message}`),
    );
    try {
      await boss.start();
      await boss.createQueue(QUEUE, {
        name: QUEUE,
        retryLimit: 1000,
        retryDelay: 1,
        expireInSeconds: Math.max(2, Math.ceil((2 * leaseMs) / 1000)),
      });
    } catch (error) {
      await boss.stop({ graceful: false, wait: true }).catch(() => undefined);
      throw new KeelError(
        "KEEL_ERR_DB_CONNECTION",
        `cannot start the pg-boss queue: ${(error as Error).message}`,
        { cause: error },
      );
    }
    return new QueueExecutor(boss, options);
  }

  /**
   * Creates a run (or reopens one to resume) and queues the steps that can start.
   *
   * @example
   * ```ts
   * const run = await queue.submit(retrain, { store, logicalDate: new Date("2026-01-05") });
   * ```
   */
  async submit(
    pipeline: PipelineDefinition<unknown>,
    options: Pick<RunPipelineOptions, "store" | "resume" | "logicalDate" | "params" | "trigger">,
  ): Promise<PipelineRun> {
    const run = await openRun(pipeline, options, "queue");
    await this.#queueReady(options.store, pipeline, run.runId);
    await this.#closeIfDone(options.store, pipeline, run.runId);
    return options.store.getRun(run.runId);
  }

  /**
   * Waits until a run is no longer running, polling the store.
   *
   * @example
   * ```ts
   * const { run, steps } = await queue.waitFor(store, runId, { timeoutMs: 600_000 });
   * ```
   */
  async waitFor(
    store: PipelineStore,
    runId: string,
    options: { timeoutMs?: number; pollMs?: number } = {},
  ): Promise<PipelineResult> {
    const deadline = Date.now() + (options.timeoutMs ?? Number.POSITIVE_INFINITY);
    for (;;) {
      const run = await store.getRun(runId);
      if (run.status !== "running") return { run, steps: await store.steps(runId) };
      if (Date.now() > deadline)
        throw new KeelError(
          "KEEL_ERR_STEP_TIMEOUT",
          `run ${runId} did not finish within ${options.timeoutMs} ms`,
          { details: { runId } },
        );
      await new Promise((r) => setTimeout(r, options.pollMs ?? 100));
    }
  }

  /**
   * Starts `concurrency` workers in this process that take steps of `pipelines` off the queue
   * until `stop` is called.
   *
   * @example
   * ```ts
   * const stop = await queue.work(config.pipelines, { store, root: ".", concurrency: 2 });
   * process.once("SIGTERM", () => void stop());
   * ```
   */
  async work(
    pipelines: readonly PipelineDefinition<unknown>[],
    options: {
      store: PipelineStore;
      root: string;
      concurrency?: number;
      tracking?: Tracking;
      force?: boolean;
      /** Where tries run (a ThreadRunner: worker threads); default inline. */
      runner?: StepRunner;
    },
  ): Promise<() => Promise<void>> {
    const byName = new Map(pipelines.map((p) => [p.name, p]));
    const env: StepEnvironment = {
      store: options.store,
      root: options.root,
      tracking: options.tracking ?? trackingFor(options.store, options.root),
      owner: newLeaseOwner(),
      leaseMs: this.#leaseMs,
      force: options.force ?? false,
      log: this.#log,
      ...(options.runner === undefined ? {} : { runner: options.runner }),
    };
    const ids: string[] = [];
    for (let i = 0; i < Math.max(1, options.concurrency ?? 1); i++)
      ids.push(
        await this.#boss.work<StepJob>(
          QUEUE,
          { batchSize: 1, pollingIntervalSeconds: this.#polling },
          async ([job]) => {
            if (job === undefined) return;
            await this.#runJob(env, byName, job.data);
            // pg-boss sleeps a polling interval between fetches unless told there is work; a
            // worker that just ran a step has likely queued the next one, so fetch at once.
            for (const id of ids) this.#boss.notifyWorker(id);
          },
        ),
      );
    return async () => {
      await this.#boss.offWork(QUEUE);
    };
  }

  async #runJob(
    env: StepEnvironment,
    byName: ReadonlyMap<string, PipelineDefinition<unknown>>,
    job: StepJob,
  ): Promise<void> {
    const pipeline = byName.get(job.pipeline);
    if (pipeline === undefined)
      throw new KeelError(
        "KEEL_ERR_PIPELINE_NOT_FOUND",
        `this worker's config has no pipeline '${job.pipeline}' (run ${job.runId})`,
        {
          details: { ...job },
        },
      );
    const run = await env.store.getRun(job.runId);
    if (run.status !== "running") return;
    const outcome = await executeStep(env, pipeline, run, job.step);
    // A live lease holds the step (another worker, or another slot of this one that pg-boss
    // handed the same job): fail the job so pg-boss delivers it again later.
    if (outcome.status === "busy")
      throw new Error(`step '${job.step}' of run ${job.runId} is held by a live lease`);
    if (outcome.status === "failed") {
      // A try that failed because it lost its lease says nothing about the step: whoever holds
      // it now settles it (and queues what it unblocks). Only a step recorded as failed blocks
      // its dependants.
      if ((await env.store.step(job.runId, job.step)).status === "failed")
        await env.store.markSteps(
          job.runId,
          [...downstreamOf(pipeline.steps, job.step)],
          "upstream_failed",
          ["pending", "queued"],
        );
    } else
      await this.#queueReady(
        env.store,
        pipeline,
        job.runId,
        Object.keys(pipeline.steps).filter((n) =>
          (pipeline.steps[n]?.after ?? []).includes(job.step),
        ),
      );
    await this.#closeIfDone(env.store, pipeline, job.runId);
  }

  /** Queues each pending step whose dependencies finished; the pending → queued change decides who sends it. */
  async #queueReady(
    store: PipelineStore,
    pipeline: PipelineDefinition<unknown>,
    runId: string,
    candidates: readonly string[] = Object.keys(pipeline.steps),
  ): Promise<void> {
    if (candidates.length === 0) return;
    const needed = new Set(candidates.flatMap((n) => [n, ...(pipeline.steps[n]?.after ?? [])]));
    const status = new Map(
      (await store.steps(runId, [...needed])).map((s) => [s.step, s.status as string]),
    );
    for (const name of candidates) {
      const definition = pipeline.steps[name];
      if (definition === undefined || status.get(name) !== "pending") continue;
      if (!(definition.after ?? []).every((d) => FINISHED.includes(status.get(d) ?? ""))) continue;
      if ((await store.markSteps(runId, [name], "queued", ["pending"])) !== 1) continue;
      await this.#boss.send(
        QUEUE,
        { runId, pipeline: pipeline.name, step: name } satisfies StepJob,
        {
          singletonKey: `${runId}/${name}`,
        },
      );
    }
  }

  async #closeIfDone(
    store: PipelineStore,
    pipeline: PipelineDefinition<unknown>,
    runId: string,
  ): Promise<void> {
    if ((await store.openSteps(runId)) > 0) return;
    const steps = await store.steps(runId);
    const failed = steps.filter((s) => !FINISHED.includes(s.status));
    await store.finishRun(
      runId,
      failed.length === 0 ? "succeeded" : "failed",
      failed.length === 0
        ? null
        : failed
            .map((s) => `step '${s.step}' ${s.status}${s.error ? `: ${s.error}` : ""}`)
            .join("; "),
    );
    this.#log.info(`run ${runId} of '${pipeline.name}' finished`);
  }

  /**
   * Stops the workers (letting running steps finish) and disconnects.
   *
   * @example
   * ```ts
   * await queue.close();
   * ```
   */
  async close(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await this.#boss.stop({ graceful: true, wait: true, timeout: 10_000 });
  }
}
