import { userInfo } from "node:os";
import { type SqlBool, sql } from "kysely";
import { KeelError } from "../core/index.js";
import type { MetadataDatabase } from "../store/index.js";
import { parseExperimentId, viewStages } from "./experiments.js";
import {
  checkExperimentIdCount,
  type FilterNode,
  type OrderByTerm,
  parseFilter,
  parseOrderBy,
} from "./filter-parser.js";
import { compileRunFilter, compileRunOrderBy } from "./filter-sql.js";
import { checkBatch, type LogBatch, writeBatch } from "./log-batch.js";
import { decodeMetric } from "./metric-codec.js";
import { newRunId, randomRunName } from "./names.js";
import { decodePageToken, pageOf } from "./paging.js";
import { loadRuns, runInfoOf } from "./run-loader.js";
import type {
  DatasetInput,
  LifecycleStage,
  Metric,
  Page,
  Run,
  RunInfo,
  RunStatus,
  Tag,
  ViewType,
} from "./types.js";
import { RUN_STATUSES } from "./types.js";
import {
  invalid,
  LIMITS,
  validateKey,
  validateMaxResults,
  validateName,
  validateTag,
} from "./validation.js";

/**
 * What {@link Runs.create} takes.
 *
 * @example
 * ```ts
 * const request: CreateRunRequest = { experimentId: "0", runName: "baseline", tags: [{ key: "team", value: "growth" }] };
 * ```
 */
export interface CreateRunRequest {
  readonly experimentId: string;
  readonly runName?: string;
  readonly userId?: string;
  readonly startTime?: number;
  readonly tags?: readonly Tag[];
  readonly parentRunId?: string;
}

/**
 * What {@link Runs.search} takes: MLflow's filter grammar plus OR and parentheses.
 *
 * @example
 * ```ts
 * const request: SearchRunsRequest = { experimentIds: ["1"], filter: "metrics.auc > 0.8", orderBy: ["metrics.auc DESC"] };
 * ```
 */
export interface SearchRunsRequest {
  readonly experimentIds?: readonly string[];
  readonly filter?: string;
  readonly orderBy?: readonly string[];
  readonly maxResults?: number;
  readonly pageToken?: string;
  readonly viewType?: ViewType;
}

/**
 * Runs in the metadata store: lifecycle (create, update, delete, restore), the batch write
 * primitive, metric history, dataset inputs and search.
 *
 * Contract: `logBatch` is atomic (all of a batch or none of it); params are immutable; the
 * latest value of a metric follows MLflow's (step, timestamp, value) rule whatever the order
 * batches arrive in; concurrent writers (threads, processes, machines on PostgreSQL) never lose
 * rows; reads see every batch that returned.
 *
 * @example
 * ```ts
 * const run = await tracking.runs.create({ experimentId: "0" });
 * await tracking.runs.logBatch(run.info.runId, { params: [{ key: "lr", value: "0.1" }] });
 * ```
 */
export class Runs {
  readonly #database: MetadataDatabase;

  constructor(database: MetadataDatabase) {
    this.#database = database;
  }

  /**
   * Starts a run (status RUNNING) in an active experiment.
   *
   * @example
   * ```ts
   * const run = await runs.create({ experimentId: "0", runName: "baseline" });
   * ```
   */
  async create(request: CreateRunRequest): Promise<Run> {
    const experimentId = parseExperimentId(request.experimentId);
    const tags = (request.tags ?? []).map((t, i) => validateTag(t, `tags[${i}]`));
    const tagged = (key: string) => tags.findLast((t) => t.key === key)?.value;
    const nameTag = tagged("mlflow.runName");
    if (
      request.runName !== undefined &&
      request.runName !== "" &&
      nameTag !== undefined &&
      nameTag !== request.runName
    )
      invalid(
        "run_name",
        `the 'mlflow.runName' tag says '${nameTag}'; give one name or the same name in both`,
        request.runName,
      );
    const runName =
      request.runName === undefined || request.runName === ""
        ? (nameTag ?? randomRunName())
        : validateName(request.runName, "run_name", 250);
    // Tags are stored as the client sent them (MLflow's clients set mlflow.user themselves).
    const userId = request.userId ?? tagged("mlflow.user") ?? safeUserName();
    const parentRunId = request.parentRunId ?? tagged("mlflow.parentRunId");
    const startTime = request.startTime ?? Date.now();
    if (!Number.isSafeInteger(startTime) || startTime < 0)
      invalid("start_time", "expected epoch milliseconds", startTime);
    const runId = newRunId();
    await this.#database.write(async (tx) => {
      const experiment = await tx
        .selectFrom("experiments")
        .select(["lifecycle_stage", "artifact_location"])
        .where("experiment_id", "=", experimentId)
        .executeTakeFirst();
      if (!experiment)
        throw new KeelError(
          "KEEL_ERR_RESOURCE_DOES_NOT_EXIST",
          `no experiment with id '${request.experimentId}'`,
          { details: { experiment_id: request.experimentId } },
        );
      if (experiment.lifecycle_stage !== "active")
        invalid(
          "experiment_id",
          `the experiment must be in the 'active' state, but it is deleted; restore it before starting runs in it`,
          request.experimentId,
        );
      await tx
        .insertInto("runs")
        .values({
          run_uuid: runId,
          experiment_id: experimentId,
          run_name: runName,
          user_id: userId,
          status: "RUNNING",
          start_time: startTime,
          end_time: null,
          lifecycle_stage: "active",
          artifact_uri: `${experiment.artifact_location.replace(/\/+$/, "")}/${runId}/artifacts`,
          parent_run_id: parentRunId ?? null,
          deleted_time: null,
        })
        .execute();
      const allTags = new Map(tags.map((t) => [t.key, t.value]));
      allTags.set("mlflow.runName", runName);
      if (!allTags.has("mlflow.user")) allTags.set("mlflow.user", userId);
      if (parentRunId !== undefined) allTags.set("mlflow.parentRunId", parentRunId);
      await writeBatch(tx, this.#database, runId, {
        tags: [...allTags].map(([key, value]) => ({ key, value })),
      });
    });
    return this.get(runId);
  }

  /**
   * Gets a run with its latest metrics, params, tags and inputs.
   *
   * @example
   * ```ts
   * const run = await runs.get(runId);
   * ```
   */
  async get(runId: string): Promise<Run> {
    const [run] = await loadRuns(this.#database.db, [checkRunId(runId)]);
    if (run === undefined) throw notFound(runId);
    return run;
  }

  /**
   * Updates status, end time or name; a terminal status without an end time ends the run now.
   *
   * @example
   * ```ts
   * await runs.update(runId, { status: "FINISHED" });
   * ```
   */
  async update(
    runId: string,
    change: { status?: RunStatus; endTime?: number; runName?: string },
  ): Promise<RunInfo> {
    checkRunId(runId);
    if (change.status !== undefined && !RUN_STATUSES.includes(change.status))
      invalid("status", RUN_STATUSES.join(", "), change.status);
    if (
      change.endTime !== undefined &&
      (!Number.isSafeInteger(change.endTime) || change.endTime < 0)
    )
      invalid("end_time", "expected epoch milliseconds", change.endTime);
    const runName =
      change.runName === undefined ? undefined : validateName(change.runName, "run_name", 250);
    await this.#database.write(async (tx) => {
      await this.#requireRun(tx, runId, "active");
      const terminal =
        change.status !== undefined && change.status !== "RUNNING" && change.status !== "SCHEDULED";
      const endTime = change.endTime ?? (terminal ? Date.now() : undefined);
      await tx
        .updateTable("runs")
        .set({
          ...(change.status === undefined ? {} : { status: change.status }),
          ...(endTime === undefined ? {} : { end_time: endTime }),
          ...(runName === undefined ? {} : { run_name: runName }),
        })
        .where("run_uuid", "=", runId)
        .execute();
      if (runName !== undefined)
        await writeBatch(tx, this.#database, runId, {
          tags: [{ key: "mlflow.runName", value: runName }],
        });
    });
    return (await this.get(runId)).info;
  }

  /**
   * Soft-deletes a run (restorable; `keel gc` purges it and its unreferenced artifacts).
   *
   * @example
   * ```ts
   * await runs.delete(runId);
   * ```
   */
  async delete(runId: string): Promise<void> {
    await this.#setStage(runId, "deleted");
  }

  /**
   * Restores a deleted run.
   *
   * @example
   * ```ts
   * await runs.restore(runId);
   * ```
   */
  async restore(runId: string): Promise<void> {
    await this.#setStage(runId, "active");
  }

  /**
   * The one write primitive: metrics, params and tags of one run, atomically. Validated
   * against MLflow's limits first; nothing is written if any part is invalid.
   *
   * @example
   * ```ts
   * await runs.logBatch(runId, { metrics: [{ key: "loss", value: 0.3, timestamp: Date.now(), step: 1 }] });
   * ```
   */
  async logBatch(runId: string, batch: LogBatch): Promise<void> {
    checkRunId(runId);
    const full = checkBatch(batch);
    if (full.metrics.length + full.params.length + full.tags.length === 0) return;
    await this.#database.write(async (tx) => {
      await this.#requireRun(tx, runId, "active");
      await writeBatch(tx, this.#database, runId, full);
    });
  }

  /**
   * Logs one metric (a one-element {@link logBatch}).
   *
   * @example
   * ```ts
   * await runs.logMetric(runId, { key: "auc", value: 0.81, timestamp: Date.now(), step: 0 });
   * ```
   */
  logMetric(runId: string, metric: Metric): Promise<void> {
    return this.logBatch(runId, { metrics: [metric] });
  }

  /**
   * Logs one param (a one-element {@link logBatch}); params are immutable.
   *
   * @example
   * ```ts
   * await runs.logParam(runId, { key: "maxDepth", value: "6" });
   * ```
   */
  logParam(runId: string, param: Tag): Promise<void> {
    return this.logBatch(runId, { params: [param] });
  }

  /**
   * Sets one tag (a one-element {@link logBatch}).
   *
   * @example
   * ```ts
   * await runs.setTag(runId, { key: "team", value: "growth" });
   * ```
   */
  setTag(runId: string, tag: Tag): Promise<void> {
    return this.logBatch(runId, { tags: [tag] });
  }

  /**
   * Deletes a tag; an absent tag is RESOURCE_DOES_NOT_EXIST (as in MLflow).
   *
   * @example
   * ```ts
   * await runs.deleteTag(runId, "team");
   * ```
   */
  async deleteTag(runId: string, key: string): Promise<void> {
    validateKey(key, "key");
    await this.#database.write(async (tx) => {
      await this.#requireRun(tx, runId, "active");
      const result = await tx
        .deleteFrom("tags")
        .where("run_uuid", "=", runId)
        .where("key", "=", key)
        .executeTakeFirst();
      if (Number(result.numDeletedRows) === 0)
        throw new KeelError(
          "KEEL_ERR_RESOURCE_DOES_NOT_EXIST",
          `no tag '${key}' on run '${runId}'`,
          { details: { run_id: runId, key } },
        );
    });
  }

  /**
   * Records datasets the run consumed (name, digest, source; context such as `training`).
   * Logging the same dataset in the same context again is a no-op.
   *
   * @example
   * ```ts
   * await runs.logInputs(runId, [{ name: "telco", digest: "3f2a9c", source: "data/telco.csv", context: "training" }]);
   * ```
   */
  async logInputs(runId: string, datasets: readonly DatasetInput[]): Promise<void> {
    checkRunId(runId);
    if (datasets.length > 1000)
      invalid("datasets", "at most 1000 datasets per call", datasets.length);
    const rows = datasets.map((d, i) => {
      const name = validateName(d.name, `datasets[${i}].name`, LIMITS.maxDatasetNameLength);
      const digest = validateName(d.digest, `datasets[${i}].digest`, LIMITS.maxDatasetDigestLength);
      if (typeof d.source !== "string")
        invalid(`datasets[${i}].source`, "expected a string", d.source);
      const tags = [...(d.tags ?? [])];
      const context = d.context ?? tags.find((t) => t.key === "mlflow.data.context")?.value ?? "";
      if (context !== "" && !tags.some((t) => t.key === "mlflow.data.context"))
        tags.push({ key: "mlflow.data.context", value: context });
      return {
        run_uuid: runId,
        name,
        digest,
        source_type: d.sourceType ?? "local",
        source: d.source,
        schema: d.schema ?? null,
        profile: d.profile ?? null,
        context,
        tags: JSON.stringify(tags),
      };
    });
    if (rows.length === 0) return;
    await this.#database.write(async (tx) => {
      await this.#requireRun(tx, runId, "active");
      await tx
        .insertInto("run_inputs")
        .values(rows)
        .onConflict((oc) => oc.columns(["run_uuid", "name", "digest", "context"]).doNothing())
        .execute();
    });
  }

  /**
   * The history of one metric, ordered by step, timestamp then value: all of it unless
   * `maxResults` asks for pages (as MLflow's SQL store returns the full history).
   *
   * @example
   * ```ts
   * const { items } = await runs.getMetricHistory(runId, "loss");
   * ```
   */
  async getMetricHistory(
    runId: string,
    key: string,
    options: { maxResults?: number; pageToken?: string } = {},
  ): Promise<Page<Metric>> {
    await this.get(runId);
    const paged = options.maxResults !== undefined || options.pageToken !== undefined;
    const limit = paged
      ? validateMaxResults(
          options.maxResults,
          LIMITS.metricHistoryMaxResults,
          Number.MAX_SAFE_INTEGER - 1,
        )
      : undefined;
    const offset = decodePageToken(options.pageToken);
    const rows = await this.#database.db
      .selectFrom("metrics")
      .select(["key", "value", "is_nan", "step", "timestamp"])
      .where("run_uuid", "=", runId)
      .where("key", "=", key)
      // The order of the unique index (run_uuid, key, step, timestamp, value, is_nan): no sort.
      .orderBy("step")
      .orderBy("timestamp")
      .orderBy("value")
      .orderBy("is_nan")
      .$if(limit !== undefined, (q) => q.limit(limit! + 1).offset(offset))
      .execute();
    if (limit === undefined) return { items: rows.map(decodeMetric), nextPageToken: undefined };
    const page = pageOf(rows, offset, limit);
    return { items: page.items.map(decodeMetric), nextPageToken: page.nextPageToken };
  }

  /**
   * Searches runs of the given experiments: every experiment when `experimentIds` is absent,
   * none when it is an empty list (as MLflow answers `experiment_ids: []`). Newest first by
   * default; with `orderBy`, runs lacking the ordered metric/param come last and, for metrics,
   * NaN comes after every number and before the runs without the metric, in both directions.
   *
   * @example
   * ```ts
   * const page = await runs.search({ experimentIds: ["1"], filter: "metrics.auc > 0.8 or params.model = 'gbdt'" });
   * ```
   */
  async search(request: SearchRunsRequest = {}): Promise<Page<Run>> {
    const limit = validateMaxResults(request.maxResults);
    const offset = decodePageToken(request.pageToken);
    checkExperimentIdCount(request.experimentIds?.length ?? 0);
    const experimentIds = request.experimentIds?.map((id, i) =>
      parseExperimentId(id, `experiment_ids[${i}]`),
    );
    const node = parseFilter(request.filter);
    const terms = parseOrderBy(request.orderBy);
    // Compiled before any short cut, so a bad filter or order_by is refused even when no
    // experiment is searched (compiling checks every name against the whitelists).
    if (node) compileRunFilter(node, this.#database.dialect);
    compileRunOrderBy(terms);
    if (experimentIds?.length === 0) return { items: [], nextPageToken: undefined };
    const scope: RunScope = { stages: viewStages(request.viewType), experimentIds, node };
    const first = terms[0];
    const ids =
      first?.entity === "metrics"
        ? await this.#idsByMetric(
            scope,
            first.key,
            first.ascending,
            terms.slice(1),
            offset,
            limit + 1,
          )
        : (await this.#idsQuery(scope, terms, offset, limit + 1)).map((r) => r.run_uuid);
    const page = pageOf(ids, offset, limit);
    return {
      items: await loadRuns(this.#database.db, page.items),
      nextPageToken: page.nextPageToken,
    };
  }

  /** The filtered runs of a search, ordered by `terms` (NULLS LAST) and paged. */
  #idsQuery(
    scope: RunScope,
    terms: readonly OrderByTerm[],
    offset: number,
    count: number,
    withoutMetric?: string,
  ) {
    const { columns, order } = compileRunOrderBy(terms);
    return this.#database.db
      .selectFrom("runs")
      .select(["runs.run_uuid", ...columns])
      .where("runs.lifecycle_stage", "in", scope.stages)
      .$if(scope.experimentIds !== undefined, (q) =>
        q.where("runs.experiment_id", "in", scope.experimentIds!),
      )
      .$if(scope.node !== undefined, (q) =>
        q.where(compileRunFilter(scope.node!, this.#database.dialect)),
      )
      .$if(withoutMetric !== undefined, (q) =>
        q.where(
          sql<SqlBool>`not exists (select 1 from latest_metrics lm where lm.run_uuid = runs.run_uuid and lm.key = ${withoutMetric})`,
        ),
      )
      .orderBy(order)
      .limit(count)
      .offset(offset)
      .execute();
  }

  /**
   * Ordering by a metric first: the runs that have it are read in index order of
   * `latest_metrics (key, is_nan, value)`, so a page costs about `offset + limit` lookups instead of
   * one per run of the experiment; the runs without it follow (NULLS LAST, as in MLflow).
   */
  async #idsByMetric(
    scope: RunScope,
    key: string,
    ascending: boolean,
    rest: readonly OrderByTerm[],
    offset: number,
    count: number,
  ): Promise<string[]> {
    const { columns, order } = compileRunOrderBy(rest);
    const withMetric = (nan: 0 | 1) =>
      this.#database.db
        .selectFrom("latest_metrics as first_metric")
        .innerJoin("runs", "runs.run_uuid", "first_metric.run_uuid")
        .where("first_metric.key", "=", key)
        .where("first_metric.is_nan", "=", nan)
        .where("runs.lifecycle_stage", "in", scope.stages)
        .$if(scope.experimentIds !== undefined, (q) =>
          q.where("runs.experiment_id", "in", scope.experimentIds!),
        )
        .$if(scope.node !== undefined, (q) =>
          q.where(compileRunFilter(scope.node!, this.#database.dialect)),
        );
    const tier = (nan: 0 | 1): Tier => ({
      page: async (skip, take) =>
        (
          await withMetric(nan)
            .select(["runs.run_uuid", ...columns])
            .orderBy(sql`first_metric.value ${sql.raw(ascending ? "asc" : "desc")}`)
            .orderBy(order)
            .limit(take)
            .offset(skip)
            .execute()
        ).map((r) => r.run_uuid),
      size: async () =>
        Number(
          (
            await withMetric(nan)
              .select((eb) => eb.fn.countAll().as("n"))
              .executeTakeFirst()
          )?.n ?? 0,
        ),
    });
    // MLflow's order in both directions: numbers by value, then NaN, then runs without the
    // metric. Each tier reads `(key, is_nan, value)` in index order in either direction.
    const tiers: Tier[] = [
      tier(0),
      tier(1),
      {
        page: async (skip, take) =>
          (await this.#idsQuery(scope, rest, skip, take, key)).map((r) => r.run_uuid),
        size: async () => 0, // the last tier: never asked
      },
    ];
    const ids: string[] = [];
    let skip = offset;
    for (const [i, t] of tiers.entries()) {
      const got = await t.page(skip, count - ids.length);
      ids.push(...got);
      if (ids.length === count || i === tiers.length - 1) break;
      // This tier ran out; skip what it held of the offset (counting it only when the whole
      // tier lay before the page).
      const size = got.length > 0 || skip === 0 ? skip + got.length : await t.size();
      skip = Math.max(0, skip - size);
    }
    return ids;
  }

  async #setStage(runId: string, stage: LifecycleStage): Promise<void> {
    checkRunId(runId);
    await this.#database.write(async (tx) => {
      await this.#requireRun(tx, runId, stage === "deleted" ? "active" : "deleted");
      await tx
        .updateTable("runs")
        .set({ lifecycle_stage: stage, deleted_time: stage === "deleted" ? Date.now() : null })
        .where("run_uuid", "=", runId)
        .execute();
    });
  }

  async #requireRun(
    tx: MetadataDatabase["db"],
    runId: string,
    stage?: LifecycleStage,
  ): Promise<RunInfo> {
    const row = await tx
      .selectFrom("runs")
      .selectAll()
      .where("run_uuid", "=", checkRunId(runId))
      // Every write to a run takes the run's row lock first (PostgreSQL; SQLite's write lock
      // already serialises writers), so writes to one run queue in one order and never deadlock.
      .$if(this.#database.dialect === "postgres", (q) => q.forNoKeyUpdate())
      .executeTakeFirst();
    if (!row) throw notFound(runId);
    if (stage !== undefined && row.lifecycle_stage !== stage)
      throw new KeelError(
        "KEEL_ERR_INVALID_PARAMETER_VALUE",
        `the run ${runId} must be in the '${stage}' state, but it is '${row.lifecycle_stage}'`,
        {
          details: { run_id: runId, lifecycleStage: row.lifecycle_stage },
        },
      );
    return runInfoOf(row);
  }
}

/** One tier of a metric-ordered search: a page of its run ids, and how many it holds. */
interface Tier {
  page(skip: number, take: number): Promise<string[]>;
  size(): Promise<number>;
}

/** What a run search is restricted to. */
interface RunScope {
  readonly stages: LifecycleStage[];
  /** Undefined: every experiment. */
  readonly experimentIds: number[] | undefined;
  readonly node: FilterNode | undefined;
}

/**
 * Checks a run id against MLflow's pattern `^[a-zA-Z0-9][\w-]{0,255}$`.
 *
 * @example
 * ```ts
 * checkRunId("3f2a9c0d"); // "3f2a9c0d"
 * ```
 */
export function checkRunId(runId: unknown): string {
  if (typeof runId !== "string" || !/^[a-zA-Z0-9][\w-]{0,255}$/.test(runId))
    invalid("run_id", "a run id (letters, digits, '_' and '-')", runId);
  return runId;
}

function notFound(runId: string): KeelError {
  return new KeelError("KEEL_ERR_RESOURCE_DOES_NOT_EXIST", `run '${runId}' not found`, {
    details: { run_id: runId },
  });
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry (some containers): MLflow falls back to "unknown" too.
    return "unknown";
  }
}
