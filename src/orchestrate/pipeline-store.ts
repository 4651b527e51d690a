import { randomUUID } from "node:crypto";
import type { Selectable } from "kysely";
import { KeelError } from "../core/index.js";
import type {
  DeadLetterRow,
  MetadataDatabase,
  PipelineRunRow,
  PipelineStepRow,
} from "../store/index.js";

/** A run's state. @example `const s: PipelineRunStatus = "running";` */
export type PipelineRunStatus = "running" | "succeeded" | "failed";

/**
 * A step's state: `pending` (not started), `queued` (handed to a worker queue), `running`
 * (leased by a runner), `retrying` (between tries), `succeeded`, `cached` (outputs reused from
 * an identical earlier step), `failed` (after its retries; a dead letter holds it) or
 * `upstream_failed`.
 *
 * @example
 * ```ts
 * const s: StepStatus = "cached";
 * ```
 */
export type StepStatus =
  | "pending"
  | "queued"
  | "running"
  | "retrying"
  | "succeeded"
  | "cached"
  | "failed"
  | "upstream_failed";

/**
 * One pipeline run as stored.
 *
 * @example
 * ```ts
 * const run: PipelineRun = await store.getRun(id);
 * run.logicalDate.toISOString();
 * ```
 */
export interface PipelineRun {
  readonly runId: string;
  readonly pipeline: string;
  readonly logicalDate: Date;
  readonly params: Record<string, unknown>;
  readonly paramsHash: string;
  readonly status: PipelineRunStatus;
  readonly trigger: string;
  readonly executor: string;
  readonly error: string | null;
  readonly createdAt: number;
  readonly finishedAt: number | null;
}

/**
 * One step of a run as stored.
 *
 * @example
 * ```ts
 * for (const s of await store.steps(runId)) console.log(s.step, s.status, s.attempts);
 * ```
 */
export interface StepState {
  readonly runId: string;
  readonly step: string;
  readonly status: StepStatus;
  readonly attempts: number;
  readonly cacheKey: string | null;
  /** The outputs' JSON text once finished. */
  readonly outputs: string | null;
  readonly error: string | null;
  readonly leaseOwner: string | null;
  readonly leaseUntil: number | null;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
}

/**
 * A dead letter: a step that failed after its retries (`kind: "step"`, payload: its inputs)
 * or a record a step rejected (`kind: "record"`, payload: the record).
 *
 * @example
 * ```ts
 * const [letter] = await store.deadLetters({ status: "open" });
 * ```
 */
export interface DeadLetter {
  readonly id: number;
  readonly kind: "step" | "record";
  readonly pipeline: string;
  readonly runId: string;
  readonly step: string;
  readonly error: string;
  readonly attempts: number;
  readonly payload: unknown;
  readonly status: "open" | "replayed";
  readonly createdAt: number;
  readonly replayedAt: number | null;
}

/** What claiming a step came to. @example `if ((await store.claimStep(...)) === "claimed") run();` */
export type ClaimResult = "claimed" | "done" | "busy";

const FINISHED: readonly string[] = ["succeeded", "cached"];

/**
 * Pipeline run and step state in the metadata store (SQLite or PostgreSQL, one SQL text via
 * Kysely). Contract: every state change is one transaction; a step is run only by the holder
 * of its lease (`claimStep`), which is taken atomically and only when the step is not finished
 * and no live owner holds it (a lease lapses at `leaseUntil`, or at once when `isDead` says its
 * owner process is gone); finishing a step writes its outputs, its cache entry and its state
 * together, and only while the caller still holds the lease, so a step's outputs are recorded
 * exactly once. Reads return committed state.
 *
 * @example
 * ```ts
 * const store = new PipelineStore(await openDatabase({ root: "." }));
 * const run = await store.createRun({ pipeline: "retrain", logicalDate: new Date(), params: {}, paramsHash: "", trigger: "manual", executor: "local", steps: ["a"] });
 * ```
 */
export class PipelineStore {
  readonly database: MetadataDatabase;

  constructor(database: MetadataDatabase) {
    this.database = database;
  }

  /**
   * Creates a run with every step pending.
   *
   * @example
   * ```ts
   * await store.createRun({ pipeline: "p", logicalDate: new Date(0), params: {}, paramsHash: "h", trigger: "manual", executor: "local", steps: ["a", "b"] });
   * ```
   */
  async createRun(request: {
    pipeline: string;
    logicalDate: Date;
    params: Record<string, unknown>;
    paramsHash: string;
    trigger: string;
    executor: string;
    steps: readonly string[];
    runId?: string;
  }): Promise<PipelineRun> {
    const runId = request.runId ?? randomUUID().replaceAll("-", "");
    const now = Date.now();
    await this.database.write(async (tx) => {
      await tx
        .insertInto("pipeline_runs")
        .values({
          run_id: runId,
          pipeline: request.pipeline,
          logical_date: request.logicalDate.getTime(),
          params: JSON.stringify(request.params),
          params_hash: request.paramsHash,
          status: "running",
          trigger: request.trigger,
          executor: request.executor,
          error: null,
          created_at: now,
          updated_at: now,
          finished_at: null,
        })
        .execute();
      if (request.steps.length > 0)
        for (let i = 0; i < request.steps.length; i += 500)
          await tx
            .insertInto("pipeline_steps")
            .values(
              request.steps.slice(i, i + 500).map((step) => ({
                run_id: runId,
                step,
                status: "pending",
                attempts: 0,
                cache_key: null,
                outputs: null,
                error: null,
                lease_owner: null,
                lease_until: null,
                started_at: null,
                finished_at: null,
              })),
            )
            .execute();
    });
    return this.getRun(runId);
  }

  /**
   * A run by id; `KEEL_ERR_PIPELINE_NOT_FOUND` naming the id when there is none.
   *
   * @example
   * ```ts
   * const run = await store.getRun("3f2a…");
   * ```
   */
  async getRun(runId: string): Promise<PipelineRun> {
    const row = await this.database.db
      .selectFrom("pipeline_runs")
      .selectAll()
      .where("run_id", "=", runId)
      .executeTakeFirst();
    if (row === undefined)
      throw new KeelError("KEEL_ERR_PIPELINE_NOT_FOUND", `no pipeline run with id '${runId}'`, {
        details: { runId },
      });
    return toRun(row);
  }

  /**
   * Runs, newest first, optionally of one pipeline or with one status.
   *
   * @example
   * ```ts
   * const recent = await store.listRuns({ pipeline: "retrain", limit: 20 });
   * ```
   */
  async listRuns(
    filter: { pipeline?: string; status?: PipelineRunStatus; limit?: number } = {},
  ): Promise<PipelineRun[]> {
    let query = this.database.db.selectFrom("pipeline_runs").selectAll();
    if (filter.pipeline !== undefined) query = query.where("pipeline", "=", filter.pipeline);
    if (filter.status !== undefined) query = query.where("status", "=", filter.status);
    const rows = await query
      .orderBy("created_at", "desc")
      .orderBy("run_id", "desc")
      .limit(filter.limit ?? 100)
      .execute();
    return rows.map(toRun);
  }

  /**
   * The newest run of a pipeline that did not succeed (to resume), if any.
   *
   * @example
   * ```ts
   * const run = await store.latestUnfinished("retrain");
   * ```
   */
  async latestUnfinished(pipeline: string): Promise<PipelineRun | undefined> {
    const row = await this.database.db
      .selectFrom("pipeline_runs")
      .selectAll()
      .where("pipeline", "=", pipeline)
      .where("status", "!=", "succeeded")
      .orderBy("created_at", "desc")
      .orderBy("run_id", "desc")
      .limit(1)
      .executeTakeFirst();
    return row === undefined ? undefined : toRun(row);
  }

  /**
   * The succeeded run of a pipeline for a logical date with the same params, if any.
   *
   * @example
   * ```ts
   * await store.findSucceeded("retrain", new Date("2026-01-05"), paramsHash);
   * ```
   */
  async findSucceeded(
    pipeline: string,
    logicalDate: Date,
    paramsHash: string,
  ): Promise<PipelineRun | undefined> {
    const row = await this.database.db
      .selectFrom("pipeline_runs")
      .selectAll()
      .where("pipeline", "=", pipeline)
      .where("logical_date", "=", logicalDate.getTime())
      .where("params_hash", "=", paramsHash)
      .where("status", "=", "succeeded")
      .limit(1)
      .executeTakeFirst();
    return row === undefined ? undefined : toRun(row);
  }

  /**
   * A run of the pipeline for the same logical date and params that is in progress now: a
   * step leased to an owner `isDead` does not declare gone, or created less than `graceMs` ago
   * and not yet leasing (its runner is starting). Undefined when there is none.
   *
   * @example
   * ```ts
   * const live = await store.liveRunFor("retrain", date, paramsHash, isOwnerDead, 30_000);
   * ```
   */
  async liveRunFor(
    pipeline: string,
    logicalDate: Date,
    paramsHash: string,
    isDead: (owner: string) => boolean,
    graceMs: number,
  ): Promise<{ runId: string; holder: string } | undefined> {
    const runs = await this.database.db
      .selectFrom("pipeline_runs")
      .select(["run_id", "created_at"])
      .where("pipeline", "=", pipeline)
      .where("logical_date", "=", logicalDate.getTime())
      .where("params_hash", "=", paramsHash)
      .where("status", "=", "running")
      .execute();
    const now = Date.now();
    for (const run of runs) {
      const leased = await this.database.db
        .selectFrom("pipeline_steps")
        .select(["step", "lease_owner", "lease_until"])
        .where("run_id", "=", run.run_id)
        .where("lease_owner", "is not", null)
        .where("status", "not in", FINISHED)
        .execute();
      const live = leased.find(
        (l) => l.lease_owner !== null && Number(l.lease_until) > now && !isDead(l.lease_owner),
      );
      if (live !== undefined)
        return { runId: run.run_id, holder: `step '${live.step}' is held by ${live.lease_owner}` };
      if (leased.length === 0 && Number(run.created_at) > now - graceMs)
        return { runId: run.run_id, holder: "its runner is starting" };
    }
    return undefined;
  }

  /**
   * The steps of a run (all, or the ones named in `only`).
   *
   * @example
   * ```ts
   * const steps = await store.steps(runId);
   * ```
   */
  async steps(runId: string, only?: readonly string[]): Promise<StepState[]> {
    if (only !== undefined && only.length === 0) return [];
    let query = this.database.db
      .selectFrom("pipeline_steps")
      .selectAll()
      .where("run_id", "=", runId);
    if (only !== undefined) query = query.where("step", "in", [...only]);
    const rows = await query.execute();
    return rows.map(toStep);
  }

  /**
   * How many steps of a run have not reached an end state (succeeded, cached, failed,
   * upstream_failed): one count, so a worker can tell cheaply whether the run is over.
   *
   * @example
   * ```ts
   * if ((await store.openSteps(runId)) === 0) await store.finishRun(runId, "succeeded");
   * ```
   */
  async openSteps(runId: string): Promise<number> {
    const row = await this.database.db
      .selectFrom("pipeline_steps")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("run_id", "=", runId)
      .where("status", "not in", ["succeeded", "cached", "failed", "upstream_failed"])
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * One step of a run.
   *
   * @example
   * ```ts
   * const s = await store.step(runId, "train");
   * ```
   */
  async step(runId: string, step: string): Promise<StepState> {
    const row = await this.database.db
      .selectFrom("pipeline_steps")
      .selectAll()
      .where("run_id", "=", runId)
      .where("step", "=", step)
      .executeTakeFirst();
    if (row === undefined)
      throw new KeelError("KEEL_ERR_PIPELINE_NOT_FOUND", `run '${runId}' has no step '${step}'`, {
        details: { runId, step },
      });
    return toStep(row);
  }

  /**
   * Prepares a run to continue: finished steps stay (checkpoints), every other step goes back
   * to pending with its attempts counted from zero, its open step dead letters are marked
   * replayed, and the run is running again. `KEEL_ERR_CONFLICT` naming the steps, and nothing
   * changed, when a step is still leased to an owner `isDead` does not declare gone.
   *
   * @example
   * ```ts
   * await store.reopenRun(runId, isOwnerDead);
   * ```
   */
  async reopenRun(runId: string, isDead: (owner: string) => boolean = () => false): Promise<void> {
    await this.database.write(async (tx) => {
      // A step a live runner still holds must not be reset: a second runner would claim it
      // and run it at the same time. Checked in the same transaction that resets the others.
      const held = (
        await tx
          .selectFrom("pipeline_steps")
          .select(["step", "lease_owner", "lease_until"])
          .where("run_id", "=", runId)
          .where("status", "not in", FINISHED)
          .where("lease_owner", "is not", null)
          .where("lease_until", ">", Date.now())
          .execute()
      ).filter((row) => row.lease_owner !== null && !isDead(row.lease_owner));
      if (held.length > 0)
        throw new KeelError(
          "KEEL_ERR_CONFLICT",
          `run ${runId} is still being run: ${held.map((r) => `step '${r.step}' is held by ${r.lease_owner}`).join(", ")}; wait for it to end, or for its lease to lapse if that runner died`,
          { details: { runId, steps: held.map((r) => r.step) } },
        );
      await tx
        .updateTable("pipeline_steps")
        .set({ status: "pending", attempts: 0, lease_owner: null, lease_until: null, error: null })
        .where("run_id", "=", runId)
        .where("status", "not in", FINISHED)
        .execute();
      await tx
        .updateTable("pipeline_runs")
        .set({ status: "running", error: null, finished_at: null, updated_at: Date.now() })
        .where("run_id", "=", runId)
        .execute();
      // The failed steps run again: their open letters are being dealt with.
      await tx
        .updateTable("dead_letters")
        .set({ status: "replayed", replayed_at: Date.now() })
        .where("run_id", "=", runId)
        .where("kind", "=", "step")
        .where("status", "=", "open")
        .execute();
    });
  }

  /**
   * Takes a step's lease for `owner` until `leaseUntil`, atomically: `done` when the step has
   * already finished, `busy` when a live owner holds it, else `claimed` (status running).
   *
   * @example
   * ```ts
   * const claim = await store.claimStep(runId, "train", owner, Date.now() + 30_000, isDead);
   * ```
   */
  async claimStep(
    runId: string,
    step: string,
    owner: string,
    leaseUntil: number,
    isDead: (owner: string) => boolean = () => false,
  ): Promise<ClaimResult> {
    return this.database.write(async (tx) => {
      const row = await tx
        .selectFrom("pipeline_steps")
        .selectAll()
        .where("run_id", "=", runId)
        .where("step", "=", step)
        .$if(this.database.dialect === "postgres", (q) => q.forUpdate())
        .executeTakeFirst();
      if (row === undefined)
        throw new KeelError("KEEL_ERR_PIPELINE_NOT_FOUND", `run '${runId}' has no step '${step}'`, {
          details: { runId, step },
        });
      if (
        FINISHED.includes(row.status) ||
        row.status === "failed" ||
        row.status === "upstream_failed"
      )
        return "done";
      // A live lease blocks its own owner too: two slots of one worker (same owner) handed the
      // same step twice (pg-boss redelivers a job that outlived its expiry) must not both run it.
      const held =
        row.lease_owner !== null &&
        Number(row.lease_until) > Date.now() &&
        !isDead(row.lease_owner);
      if (held) return "busy";
      await tx
        .updateTable("pipeline_steps")
        .set({
          status: "running",
          lease_owner: owner,
          lease_until: leaseUntil,
          started_at: row.started_at ?? Date.now(),
        })
        .where("run_id", "=", runId)
        .where("step", "=", step)
        .execute();
      return "claimed";
    });
  }

  /**
   * Extends a held lease; false when `owner` no longer holds it (another took it over).
   *
   * @example
   * ```ts
   * if (!(await store.heartbeat(runId, "train", owner, Date.now() + 30_000))) abort();
   * ```
   */
  async heartbeat(
    runId: string,
    step: string,
    owner: string,
    leaseUntil: number,
  ): Promise<boolean> {
    const result = await this.database.db
      .updateTable("pipeline_steps")
      .set({ lease_until: leaseUntil })
      .where("run_id", "=", runId)
      .where("step", "=", step)
      .where("lease_owner", "=", owner)
      .where("status", "in", ["running", "retrying"])
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /**
   * Records a try's start (attempts + 1) or a failed try waiting for its retry.
   *
   * @example
   * ```ts
   * await store.recordAttempt(runId, "train", owner, { attempts: 2, status: "retrying", error: "timeout" });
   * ```
   */
  async recordAttempt(
    runId: string,
    step: string,
    owner: string,
    change: { attempts: number; status: "running" | "retrying"; error?: string; cacheKey?: string },
  ): Promise<void> {
    await this.database.db
      .updateTable("pipeline_steps")
      .set({
        attempts: change.attempts,
        status: change.status,
        ...(change.error === undefined ? {} : { error: change.error }),
        ...(change.cacheKey === undefined ? {} : { cache_key: change.cacheKey }),
      })
      .where("run_id", "=", runId)
      .where("step", "=", step)
      .where("lease_owner", "=", owner)
      .execute();
  }

  /**
   * Finishes a step as `succeeded` (and records its outputs under its cache key) or `cached`,
   * in one transaction, only while `owner` holds its lease. Returns false when it does not
   * (the outputs are then not recorded).
   *
   * @example
   * ```ts
   * await store.finishStep(runId, "train", owner, { status: "succeeded", outputs: '{"auc":0.8}', cacheKey, pipeline: "p" });
   * ```
   */
  async finishStep(
    runId: string,
    step: string,
    owner: string,
    result: {
      status: "succeeded" | "cached";
      outputs: string;
      cacheKey: string;
      pipeline: string;
      cache: boolean;
    },
  ): Promise<boolean> {
    return this.database.write(async (tx) => {
      const now = Date.now();
      const updated = await tx
        .updateTable("pipeline_steps")
        .set({
          status: result.status,
          outputs: result.outputs,
          cache_key: result.cacheKey,
          error: null,
          lease_until: null,
          finished_at: now,
        })
        .where("run_id", "=", runId)
        .where("step", "=", step)
        .where("lease_owner", "=", owner)
        .where("status", "not in", FINISHED)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return false;
      if (result.status === "succeeded" && result.cache)
        await tx
          .insertInto("pipeline_cache")
          .values({
            cache_key: result.cacheKey,
            pipeline: result.pipeline,
            step,
            outputs: result.outputs,
            run_id: runId,
            created_at: now,
          })
          .onConflict((oc) =>
            oc
              .column("cache_key")
              .doUpdateSet({ outputs: result.outputs, run_id: runId, created_at: now }),
          )
          .execute();
      return true;
    });
  }

  /**
   * Marks a step failed after its retries and files it in the dead-letter table with the
   * error, attempts and payload, in one transaction. Returns the letter's id.
   *
   * @example
   * ```ts
   * await store.failStep({ runId, step: "train", owner, pipeline: "p", error: "boom", attempts: 3, payload: {} });
   * ```
   */
  async failStep(failure: {
    runId: string;
    step: string;
    owner: string;
    pipeline: string;
    error: string;
    attempts: number;
    payload: unknown;
  }): Promise<number | undefined> {
    return this.database.write(async (tx) => {
      const now = Date.now();
      const updated = await tx
        .updateTable("pipeline_steps")
        .set({
          status: "failed",
          error: failure.error,
          attempts: failure.attempts,
          lease_until: null,
          finished_at: now,
        })
        .where("run_id", "=", failure.runId)
        .where("step", "=", failure.step)
        .where("lease_owner", "=", failure.owner)
        .where("status", "not in", FINISHED)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return undefined;
      const letter = await tx
        .insertInto("dead_letters")
        .values({
          kind: "step",
          pipeline: failure.pipeline,
          run_id: failure.runId,
          step: failure.step,
          error: failure.error,
          attempts: failure.attempts,
          payload: JSON.stringify(failure.payload ?? null),
          status: "open",
          created_at: now,
          replayed_at: null,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      return Number(letter.id);
    });
  }

  /**
   * Files records a step rejected (rows failing data checks, say) as dead letters.
   *
   * @example
   * ```ts
   * await store.rejectRecords({ pipeline: "p", runId, step: "validate", error: "tenure < 0", records: [{ id: 7 }] });
   * ```
   */
  async rejectRecords(rejected: {
    pipeline: string;
    runId: string;
    step: string;
    error: string;
    records: readonly unknown[];
  }): Promise<void> {
    if (rejected.records.length === 0) return;
    const now = Date.now();
    await this.database.write(async (tx) => {
      for (let i = 0; i < rejected.records.length; i += 200)
        await tx
          .insertInto("dead_letters")
          .values(
            rejected.records.slice(i, i + 200).map((record) => ({
              kind: "record",
              pipeline: rejected.pipeline,
              run_id: rejected.runId,
              step: rejected.step,
              error: rejected.error,
              attempts: 1,
              payload: JSON.stringify(record ?? null),
              status: "open",
              created_at: now,
              replayed_at: null,
            })),
          )
          .execute();
    });
  }

  /**
   * Marks steps that cannot run because a dependency failed.
   *
   * @example
   * ```ts
   * await store.markSteps(runId, ["evaluate", "promote"], "upstream_failed");
   * ```
   */
  async markSteps(
    runId: string,
    steps: readonly string[],
    status: StepStatus,
    from?: readonly StepStatus[],
  ): Promise<number> {
    if (steps.length === 0) return 0;
    let query = this.database.db
      .updateTable("pipeline_steps")
      .set({ status })
      .where("run_id", "=", runId)
      .where("step", "in", [...steps]);
    query = query.where("status", "in", [...(from ?? ["pending", "queued"])]);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /**
   * Ends a run.
   *
   * @example
   * ```ts
   * await store.finishRun(runId, "failed", "step 'train' failed: boom");
   * ```
   */
  async finishRun(
    runId: string,
    status: PipelineRunStatus,
    error: string | null = null,
  ): Promise<void> {
    const now = Date.now();
    await this.database.db
      .updateTable("pipeline_runs")
      .set({ status, error, updated_at: now, finished_at: status === "running" ? null : now })
      .where("run_id", "=", runId)
      .execute();
  }

  /**
   * Recorded outputs for a cache key, if an identical step finished before.
   *
   * @example
   * ```ts
   * const outputs = await store.cached(key);
   * ```
   */
  async cached(cacheKey: string): Promise<string | undefined> {
    const row = await this.database.db
      .selectFrom("pipeline_cache")
      .select("outputs")
      .where("cache_key", "=", cacheKey)
      .executeTakeFirst();
    return row?.outputs;
  }

  /**
   * Appends log lines of a step.
   *
   * @example
   * ```ts
   * await store.appendLogs([{ runId, step: "train", attempt: 1, level: "info", message: "fitted", time: Date.now() }]);
   * ```
   */
  async appendLogs(
    lines: readonly {
      runId: string;
      step: string;
      attempt: number;
      level: string;
      message: string;
      time: number;
    }[],
  ): Promise<void> {
    if (lines.length === 0) return;
    await this.database.db
      .insertInto("pipeline_step_logs")
      .values(
        lines.map((l) => ({
          run_id: l.runId,
          step: l.step,
          attempt: l.attempt,
          level: l.level,
          message: l.message,
          time: l.time,
        })),
      )
      .execute();
  }

  /**
   * A run's log lines, oldest first, optionally of one step.
   *
   * @example
   * ```ts
   * for (const l of await store.logs(runId, "train")) console.log(l.message);
   * ```
   */
  async logs(
    runId: string,
    step?: string,
  ): Promise<{ step: string; attempt: number; level: string; message: string; time: number }[]> {
    let query = this.database.db
      .selectFrom("pipeline_step_logs")
      .select(["step", "attempt", "level", "message", "time"])
      .where("run_id", "=", runId);
    if (step !== undefined) query = query.where("step", "=", step);
    const rows = await query.orderBy("id").execute();
    return rows.map((r) => ({ ...r, attempt: Number(r.attempt), time: Number(r.time) }));
  }

  /**
   * Dead letters, newest first.
   *
   * @example
   * ```ts
   * const open = await store.deadLetters({ status: "open", kind: "step" });
   * ```
   */
  async deadLetters(
    filter: {
      status?: "open" | "replayed";
      kind?: "step" | "record";
      pipeline?: string;
      limit?: number;
    } = {},
  ): Promise<DeadLetter[]> {
    let query = this.database.db.selectFrom("dead_letters").selectAll();
    if (filter.status !== undefined) query = query.where("status", "=", filter.status);
    if (filter.kind !== undefined) query = query.where("kind", "=", filter.kind);
    if (filter.pipeline !== undefined) query = query.where("pipeline", "=", filter.pipeline);
    const rows = await query
      .orderBy("id", "desc")
      .limit(filter.limit ?? 100)
      .execute();
    return rows.map(toLetter);
  }

  /**
   * One dead letter; `KEEL_ERR_PIPELINE_NOT_FOUND` naming the id when there is none.
   *
   * @example
   * ```ts
   * const letter = await store.deadLetter(3);
   * ```
   */
  async deadLetter(id: number): Promise<DeadLetter> {
    const row = await this.database.db
      .selectFrom("dead_letters")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    if (row === undefined)
      throw new KeelError("KEEL_ERR_PIPELINE_NOT_FOUND", `no dead letter with id ${id}`, {
        details: { id },
      });
    return toLetter(row);
  }

  /**
   * Marks open dead letters of a run's step replayed.
   *
   * @example
   * ```ts
   * await store.markReplayed(runId, "train");
   * ```
   */
  async markReplayed(runId: string, step: string): Promise<void> {
    await this.database.db
      .updateTable("dead_letters")
      .set({ status: "replayed", replayed_at: Date.now() })
      .where("run_id", "=", runId)
      .where("step", "=", step)
      .where("kind", "=", "step")
      .where("status", "=", "open")
      .execute();
  }
}

function toRun(row: PipelineRunRow): PipelineRun {
  return {
    runId: row.run_id,
    pipeline: row.pipeline,
    logicalDate: new Date(Number(row.logical_date)),
    params: JSON.parse(row.params) as Record<string, unknown>,
    paramsHash: row.params_hash,
    status: row.status as PipelineRunStatus,
    trigger: row.trigger,
    executor: row.executor,
    error: row.error,
    createdAt: Number(row.created_at),
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
  };
}

function toStep(row: PipelineStepRow): StepState {
  return {
    runId: row.run_id,
    step: row.step,
    status: row.status as StepStatus,
    attempts: Number(row.attempts),
    cacheKey: row.cache_key,
    outputs: row.outputs,
    error: row.error,
    leaseOwner: row.lease_owner,
    leaseUntil: row.lease_until === null ? null : Number(row.lease_until),
    startedAt: row.started_at === null ? null : Number(row.started_at),
    finishedAt: row.finished_at === null ? null : Number(row.finished_at),
  };
}

function toLetter(row: Selectable<DeadLetterRow>): DeadLetter {
  return {
    id: Number(row.id),
    kind: row.kind as "step" | "record",
    pipeline: row.pipeline,
    runId: row.run_id,
    step: row.step,
    error: row.error,
    attempts: Number(row.attempts),
    payload: JSON.parse(row.payload) as unknown,
    status: row.status as "open" | "replayed",
    createdAt: Number(row.created_at),
    replayedAt: row.replayed_at === null ? null : Number(row.replayed_at),
  };
}
