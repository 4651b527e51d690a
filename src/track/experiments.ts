import { sql } from "kysely";
import { KeelError } from "../core/index.js";
import type { MetadataDatabase } from "../store/index.js";
import { parseFilter, parseOrderBy } from "./filter-parser.js";
import { compileEntityFilter, compileEntityOrderBy, type EntityFilterSpec } from "./filter-sql.js";
import { decodePageToken, pageOf } from "./paging.js";
import type { Experiment, LifecycleStage, Page, Tag, ViewType } from "./types.js";
import {
  invalid,
  LIMITS,
  validateMaxResults,
  validateName,
  validateTag,
  validateTags,
} from "./validation.js";

/**
 * Options of {@link Experiments.search}.
 *
 * @example
 * ```ts
 * const request: SearchExperimentsRequest = { filter: "name LIKE 'churn%'", orderBy: ["creation_time DESC"] };
 * ```
 */
export interface SearchExperimentsRequest {
  readonly filter?: string;
  readonly orderBy?: readonly string[];
  readonly maxResults?: number;
  readonly pageToken?: string;
  readonly viewType?: ViewType;
}

const EXPERIMENT_FILTER: EntityFilterSpec = {
  strings: { name: "experiments.name" },
  numbers: {
    creation_time: "experiments.creation_time",
    last_update_time: "experiments.last_update_time",
    experiment_id: "experiments.experiment_id",
  },
  tag: (where) =>
    sql`exists (select 1 from experiment_tags t where t.experiment_id = experiments.experiment_id and ${where(sql.ref("t.key"), sql.ref("t.value"))})`,
};

/**
 * Parses an experiment id (MLflow sends it as a decimal string).
 *
 * @example
 * ```ts
 * parseExperimentId("12"); // 12
 * ```
 */
export function parseExperimentId(id: unknown, where = "experiment_id"): number {
  const text = typeof id === "number" ? String(id) : id;
  if (typeof text !== "string" || !/^\d{1,15}$/.test(text))
    invalid(where, "expected a decimal experiment id", id);
  return Number(text);
}

/**
 * Experiments in the metadata store: create, get, get by name, search, rename, tag, delete and
 * restore. Deleting is soft (lifecycle `deleted`) and restorable; names stay unique.
 *
 * @example
 * ```ts
 * const id = await tracking.experiments.create({ name: "churn" });
 * await tracking.experiments.setTag(id, { key: "team", value: "growth" });
 * ```
 */
export class Experiments {
  readonly #database: MetadataDatabase;

  constructor(database: MetadataDatabase) {
    this.#database = database;
  }

  /**
   * Creates an experiment and returns its id. A taken name is RESOURCE_ALREADY_EXISTS.
   *
   * @example
   * ```ts
   * const id = await experiments.create({ name: "churn", tags: [{ key: "team", value: "growth" }] });
   * ```
   */
  async create(request: {
    name: string;
    artifactLocation?: string;
    tags?: readonly Tag[];
  }): Promise<string> {
    const name = validateName(request.name, "name", LIMITS.maxExperimentNameLength);
    const tags = validateTags(request.tags, "tags");
    return this.#database.write(async (tx) => {
      const existing = await tx
        .selectFrom("experiments")
        .select("experiment_id")
        .where("name", "=", name)
        .executeTakeFirst();
      if (existing)
        throw new KeelError(
          "KEEL_ERR_RESOURCE_ALREADY_EXISTS",
          `an experiment named '${name}' already exists (id ${existing.experiment_id})`,
          {
            details: { name },
          },
        );
      const now = Date.now();
      const row = await tx
        .insertInto("experiments")
        .values({
          name,
          artifact_location: request.artifactLocation ?? "",
          lifecycle_stage: "active",
          creation_time: now,
          last_update_time: now,
        })
        .returning("experiment_id")
        .executeTakeFirstOrThrow();
      const id = Number(row.experiment_id);
      if (!request.artifactLocation)
        await tx
          .updateTable("experiments")
          .set({ artifact_location: `mlflow-artifacts:/${id}` })
          .where("experiment_id", "=", id)
          .execute();
      if (tags.length > 0)
        await tx
          .insertInto("experiment_tags")
          .values(tags.map((t) => ({ experiment_id: id, key: t.key, value: t.value })))
          .execute();
      return String(id);
    });
  }

  /**
   * Gets an experiment by id; an unknown id is RESOURCE_DOES_NOT_EXIST.
   *
   * @example
   * ```ts
   * const experiment = await experiments.get("0"); // the Default experiment
   * ```
   */
  async get(experimentId: string): Promise<Experiment> {
    const id = parseExperimentId(experimentId);
    const found = await this.#load({ ids: [id] });
    if (found[0] === undefined)
      throw new KeelError(
        "KEEL_ERR_RESOURCE_DOES_NOT_EXIST",
        `no experiment with id '${experimentId}'`,
        {
          details: { experiment_id: experimentId },
        },
      );
    return found[0];
  }

  /**
   * Gets an experiment by name, or `undefined` when there is none.
   *
   * @example
   * ```ts
   * const experiment = await experiments.getByName("churn");
   * ```
   */
  async getByName(name: string): Promise<Experiment | undefined> {
    return (await this.#load({ name }))[0];
  }

  /**
   * The id of the experiment with this name, creating it if needed (safe under concurrency).
   *
   * @example
   * ```ts
   * const id = await experiments.ensure("churn");
   * ```
   */
  async ensure(name: string): Promise<string> {
    const found = await this.getByName(name);
    if (found) return found.experimentId;
    try {
      return await this.create({ name });
    } catch (error) {
      const again = await this.getByName(name);
      if (again) return again.experimentId;
      throw error;
    }
  }

  /**
   * Searches experiments (`name`, `creation_time`, `last_update_time`, `tags.<key>`; AND, OR,
   * parentheses), newest first unless `orderBy` says otherwise.
   *
   * @example
   * ```ts
   * const page = await experiments.search({ filter: "tags.team = 'growth'", maxResults: 10 });
   * ```
   */
  async search(request: SearchExperimentsRequest = {}): Promise<Page<Experiment>> {
    const limit = validateMaxResults(request.maxResults, LIMITS.searchMaxResultsDefault, 50_000);
    const offset = decodePageToken(request.pageToken);
    const node = parseFilter(request.filter);
    const stages = viewStages(request.viewType);
    const order = compileEntityOrderBy(parseOrderBy(request.orderBy), EXPERIMENT_FILTER, [
      { column: "experiments.creation_time", order: sql`experiments.creation_time desc` },
      { column: "experiments.experiment_id", order: sql`experiments.experiment_id asc` },
    ]);
    const rows = await this.#database.db
      .selectFrom("experiments")
      .select("experiment_id")
      .where("lifecycle_stage", "in", stages)
      .$if(node !== undefined, (q) =>
        q.where(compileEntityFilter(node!, EXPERIMENT_FILTER, this.#database.dialect)),
      )
      .orderBy(order)
      .limit(limit + 1)
      .offset(offset)
      .execute();
    const page = pageOf(rows, offset, limit);
    const ids = page.items.map((r) => Number(r.experiment_id));
    const loaded = ids.length === 0 ? [] : await this.#load({ ids });
    const byId = new Map(loaded.map((e) => [e.experimentId, e]));
    return { items: ids.map((id) => byId.get(String(id))!), nextPageToken: page.nextPageToken };
  }

  /**
   * Renames an experiment (names stay unique).
   *
   * @example
   * ```ts
   * await experiments.rename(id, "churn-v2");
   * ```
   */
  async rename(experimentId: string, newName: string): Promise<void> {
    const name = validateName(newName, "new_name", LIMITS.maxExperimentNameLength);
    const id = parseExperimentId(experimentId);
    await this.#database.write(async (tx) => {
      const stage = await this.#mustExist(tx, id, experimentId);
      if (stage !== "active")
        throw new KeelError(
          "KEEL_ERR_INVALID_STATE",
          `cannot rename a non-active experiment: experiment '${experimentId}' is ${stage}`,
          { details: { experiment_id: experimentId, lifecycleStage: stage } },
        );
      const clash = await tx
        .selectFrom("experiments")
        .select("experiment_id")
        .where("name", "=", name)
        .executeTakeFirst();
      if (clash && Number(clash.experiment_id) !== id)
        throw new KeelError(
          "KEEL_ERR_RESOURCE_ALREADY_EXISTS",
          `an experiment named '${name}' already exists`,
          { details: { name } },
        );
      await tx
        .updateTable("experiments")
        .set({ name, last_update_time: Date.now() })
        .where("experiment_id", "=", id)
        .execute();
    });
  }

  /**
   * Sets (or overwrites) an experiment tag.
   *
   * @example
   * ```ts
   * await experiments.setTag(id, { key: "team", value: "growth" });
   * ```
   */
  async setTag(experimentId: string, tag: Tag): Promise<void> {
    validateTag(tag, "tag");
    const id = parseExperimentId(experimentId);
    await this.#database.write(async (tx) => {
      const stage = await this.#mustExist(tx, id, experimentId);
      if (stage !== "active")
        invalid(
          "experiment_id",
          "the experiment must be in the 'active' state to set tags, but it is deleted",
          experimentId,
        );
      await tx
        .insertInto("experiment_tags")
        .values({ experiment_id: id, key: tag.key, value: tag.value })
        .onConflict((oc) => oc.columns(["experiment_id", "key"]).doUpdateSet({ value: tag.value }))
        .execute();
    });
  }

  /**
   * Soft-deletes an experiment and its runs (restorable with {@link restore}).
   *
   * @example
   * ```ts
   * await experiments.delete(id);
   * ```
   */
  async delete(experimentId: string): Promise<void> {
    await this.#setStage(experimentId, "deleted");
  }

  /**
   * Restores a deleted experiment and the runs deleted with it.
   *
   * @example
   * ```ts
   * await experiments.restore(id);
   * ```
   */
  async restore(experimentId: string): Promise<void> {
    await this.#setStage(experimentId, "active");
  }

  async #setStage(experimentId: string, stage: LifecycleStage): Promise<void> {
    const id = parseExperimentId(experimentId);
    if (id === 0 && stage === "deleted")
      invalid("experiment_id", "the Default experiment cannot be deleted", experimentId);
    await this.#database.write(async (tx) => {
      // MLflow looks the experiment up among the active (delete) or deleted (restore) ones
      // only, so deleting twice or restoring an active experiment is RESOURCE_DOES_NOT_EXIST.
      const current = await this.#mustExist(tx, id, experimentId);
      const wanted = stage === "deleted" ? "active" : "deleted";
      if (current !== wanted)
        throw new KeelError(
          "KEEL_ERR_RESOURCE_DOES_NOT_EXIST",
          `no ${wanted} experiment with id '${experimentId}' (it is ${current})`,
          { details: { experiment_id: experimentId, lifecycleStage: current } },
        );
      const now = Date.now();
      await tx
        .updateTable("experiments")
        .set({ lifecycle_stage: stage, last_update_time: now })
        .where("experiment_id", "=", id)
        .execute();
      await tx
        .updateTable("runs")
        .set({ lifecycle_stage: stage, deleted_time: stage === "deleted" ? now : null })
        .where("experiment_id", "=", id)
        .where("lifecycle_stage", "=", stage === "deleted" ? "active" : "deleted")
        .execute();
    });
  }

  /** The experiment's lifecycle stage, with its row locked (PostgreSQL) for this write. */
  async #mustExist(tx: MetadataDatabase["db"], id: number, shown: string): Promise<LifecycleStage> {
    const row = await tx
      .selectFrom("experiments")
      .select("lifecycle_stage")
      .where("experiment_id", "=", id)
      .$if(this.#database.dialect === "postgres", (q) => q.forNoKeyUpdate())
      .executeTakeFirst();
    if (!row)
      throw new KeelError("KEEL_ERR_RESOURCE_DOES_NOT_EXIST", `no experiment with id '${shown}'`, {
        details: { experiment_id: shown },
      });
    return row.lifecycle_stage as LifecycleStage;
  }

  async #load(by: { ids?: readonly number[]; name?: string }): Promise<Experiment[]> {
    const rows = await this.#database.db
      .selectFrom("experiments")
      .selectAll()
      .$if(by.ids !== undefined, (q) => q.where("experiment_id", "in", by.ids as number[]))
      .$if(by.name !== undefined, (q) => q.where("name", "=", by.name as string))
      .execute();
    if (rows.length === 0) return [];
    const ids = rows.map((r) => Number(r.experiment_id));
    const tags = await this.#database.db
      .selectFrom("experiment_tags")
      .selectAll()
      .where("experiment_id", "in", ids)
      .execute();
    return rows.map((r) => ({
      experimentId: String(r.experiment_id),
      name: r.name,
      artifactLocation: r.artifact_location,
      lifecycleStage: r.lifecycle_stage as LifecycleStage,
      creationTime: Number(r.creation_time),
      lastUpdateTime: Number(r.last_update_time),
      tags: tags
        .filter((t) => Number(t.experiment_id) === Number(r.experiment_id))
        .map((t) => ({ key: t.key, value: t.value })),
    }));
  }
}

/**
 * The lifecycle stages a view type selects.
 *
 * @example
 * ```ts
 * viewStages("ALL"); // ["active", "deleted"]
 * ```
 */
export function viewStages(viewType: ViewType | undefined): LifecycleStage[] {
  if (viewType === undefined || viewType === "ACTIVE_ONLY") return ["active"];
  if (viewType === "DELETED_ONLY") return ["deleted"];
  if (viewType === "ALL") return ["active", "deleted"];
  return invalid("view_type", "ACTIVE_ONLY, DELETED_ONLY or ALL", viewType);
}
