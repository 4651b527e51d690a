import { type Selectable, sql } from "kysely";
import { KeelError } from "../core/index.js";
import type { MetadataDatabase, ModelVersionRow } from "../store/index.js";
import { parseFilter, parseOrderBy } from "./filter-parser.js";
import { compileEntityFilter, compileEntityOrderBy, type EntityFilterSpec } from "./filter-sql.js";
import { parseModelSource } from "./model-source.js";
import { parseModelUri } from "./model-uri.js";
import { decodePageToken, pageOf } from "./paging.js";
import {
  type AliasEvent,
  MODEL_STAGES,
  type ModelStage,
  type ModelVersion,
  type Page,
  type RegisteredModel,
  type Tag,
} from "./types.js";
import {
  invalid,
  validateAlias,
  validateKey,
  validateMaxResults,
  validateName,
  validateTag,
  validateTags,
} from "./validation.js";

type Tx = MetadataDatabase["db"];

/**
 * The PostgreSQL NOTIFY channel of alias moves; each payload is `schema:model@alias`.
 *
 * @example
 * ```ts
 * await database.listen?.(ALIAS_CHANNEL, (payload) => console.log(payload)); // "public:churn@champion"
 * ```
 */
export const ALIAS_CHANNEL = "keel_alias_moves";

/**
 * What a new model version records (immutable afterwards, except its description and tags).
 *
 * @example
 * ```ts
 * const request: CreateModelVersionRequest = { source: "runs:/3f2a…/model", runId: "3f2a…" };
 * ```
 */
export interface CreateModelVersionRequest {
  readonly source: string;
  readonly runId?: string;
  readonly runLink?: string;
  readonly description?: string;
  readonly tags?: readonly Tag[];
  /** The model's input/output signature as JSON text. */
  readonly signature?: string;
  readonly userId?: string;
}

/**
 * Who moves an alias and why, for the audit log.
 *
 * @example
 * ```ts
 * const by: AliasChange = { actor: "ana", reason: "AUC +2.1% over champion" };
 * ```
 */
export interface AliasChange {
  readonly actor?: string;
  readonly reason?: string;
}

/**
 * Options of registry searches (filters on `name` and `tags.<key>`; model versions also on
 * `run_id`, `source` and `version`).
 *
 * @example
 * ```ts
 * const request: SearchModelsRequest = { filter: "name LIKE 'churn%'" };
 * ```
 */
export interface SearchModelsRequest {
  readonly filter?: string;
  readonly orderBy?: readonly string[];
  readonly maxResults?: number;
  readonly pageToken?: string;
}

const MODEL_FILTER: EntityFilterSpec = {
  strings: { name: "registered_models.name" },
  numbers: {
    creation_timestamp: "registered_models.creation_time",
    last_updated_timestamp: "registered_models.last_updated_time",
  },
  // MLflow: name, timestamp (= last_updated_timestamp); creation_timestamp is keel's extra.
  orderBy: {
    name: "registered_models.name",
    timestamp: "registered_models.last_updated_time",
    last_updated_timestamp: "registered_models.last_updated_time",
    creation_timestamp: "registered_models.creation_time",
  },
  tag: (where) =>
    sql`exists (select 1 from registered_model_tags t where t.name = registered_models.name and ${where(sql.ref("t.key"), sql.ref("t.value"))})`,
};

const VERSION_FILTER: EntityFilterSpec = {
  strings: {
    name: "model_versions.name",
    run_id: "model_versions.run_id",
    source: "model_versions.source",
    source_path: "model_versions.source",
  },
  numbers: {
    version: "model_versions.version",
    version_number: "model_versions.version",
    creation_timestamp: "model_versions.creation_time",
    last_updated_timestamp: "model_versions.last_updated_time",
  },
  orderBy: {
    name: "model_versions.name",
    version_number: "model_versions.version",
    version: "model_versions.version",
    creation_timestamp: "model_versions.creation_time",
    last_updated_timestamp: "model_versions.last_updated_time",
  },
  tag: (where) =>
    sql`exists (select 1 from model_version_tags t where t.name = model_versions.name and t.version = model_versions.version and ${where(sql.ref("t.key"), sql.ref("t.value"))})`,
};

function missingModel(name: string): KeelError {
  return new KeelError(
    "KEEL_ERR_RESOURCE_DOES_NOT_EXIST",
    `registered model with name=${name} not found`,
    { details: { name } },
  );
}

function missingVersion(name: string, version: number): KeelError {
  return new KeelError(
    "KEEL_ERR_RESOURCE_DOES_NOT_EXIST",
    `model version (name=${name}, version=${version}) not found`,
    { details: { name, version } },
  );
}

/**
 * Parses a version number given as a number or decimal string (MLflow sends strings).
 *
 * @example
 * ```ts
 * parseVersion("3"); // 3
 * ```
 */
export function parseVersion(version: unknown): number {
  const text = typeof version === "number" ? String(version) : version;
  if (typeof text !== "string" || !/^[1-9]\d{0,8}$/.test(text))
    invalid("version", "a positive integer version number", version);
  return Number(text);
}

/**
 * The model registry: registered models, immutable auto-numbered versions, tags, movable
 * aliases (`models:/churn@champion`) with an audit log of every move, and rollback. MLflow's
 * deprecated stages are kept for its 2.x clients (`transitionStage`, `getLatestVersions`);
 * aliases are the way forward.
 *
 * @example
 * ```ts
 * const v = await tracking.models.register("churn", { runId, artifactUri: `runs:/${runId}/model` });
 * await tracking.models.setAlias("churn", "champion", v.version, { reason: "first model" });
 * ```
 */
export class ModelRegistry {
  readonly #database: MetadataDatabase;
  readonly #root: string;

  /** `root` is the project directory: local version sources must lie inside it. */
  constructor(database: MetadataDatabase, root: string = process.cwd()) {
    this.#database = database;
    this.#root = root;
  }

  /**
   * Creates a registered model; a taken name is RESOURCE_ALREADY_EXISTS.
   *
   * @example
   * ```ts
   * await models.create("churn", { description: "weekly churn model" });
   * ```
   */
  async create(
    name: string,
    options: { description?: string; tags?: readonly Tag[] } = {},
  ): Promise<RegisteredModel> {
    validateName(name, "name", 256);
    const tags = validateTags(options.tags, "tags");
    await this.#database.write(async (tx) => {
      await this.#requireModelAbsent(tx, name);
      const now = Date.now();
      await tx
        .insertInto("registered_models")
        .values({
          name,
          description: options.description ?? "",
          creation_time: now,
          last_updated_time: now,
        })
        .execute();
      if (tags.length > 0)
        await tx
          .insertInto("registered_model_tags")
          .values(tags.map((t) => ({ name, key: t.key, value: t.value })))
          .execute();
    });
    return this.get(name);
  }

  /**
   * Gets a registered model with its tags, aliases and newest version.
   *
   * @example
   * ```ts
   * const model = await models.get("churn");
   * ```
   */
  async get(name: string): Promise<RegisteredModel> {
    const [model] = await this.#loadModels([name]);
    if (model === undefined) throw missingModel(name);
    return model;
  }

  /**
   * Renames a registered model, carrying its versions, tags and aliases.
   *
   * @example
   * ```ts
   * await models.rename("churn", "churn-gbdt");
   * ```
   */
  async rename(name: string, newName: string): Promise<RegisteredModel> {
    validateName(newName, "new_name", 256);
    await this.#database.write(async (tx) => {
      await this.#requireModel(tx, name);
      await this.#requireModelAbsent(tx, newName);
      for (const table of [
        "registered_models",
        "registered_model_tags",
        "model_versions",
        "model_version_tags",
        "registered_model_aliases",
        "alias_events",
      ] as const)
        await tx.updateTable(table).set({ name: newName }).where("name", "=", name).execute();
      await touchModel(tx, newName, Date.now());
    });
    return this.get(newName);
  }

  /**
   * Updates a registered model's description.
   *
   * @example
   * ```ts
   * await models.update("churn", { description: "gbdt, weekly" });
   * ```
   */
  async update(name: string, change: { description?: string }): Promise<RegisteredModel> {
    await this.#database.write(async (tx) => {
      await this.#requireModel(tx, name);
      await tx
        .updateTable("registered_models")
        .set({ description: change.description ?? "", last_updated_time: Date.now() })
        .where("name", "=", name)
        .execute();
    });
    return this.get(name);
  }

  /**
   * Deletes a registered model with its versions, tags and aliases (the alias audit log stays).
   *
   * @example
   * ```ts
   * await models.delete("churn-old");
   * ```
   */
  async delete(name: string): Promise<void> {
    await this.#database.write(async (tx) => {
      await this.#requireModel(tx, name);
      for (const table of [
        "registered_model_tags",
        "model_version_tags",
        "registered_model_aliases",
        "model_versions",
        "registered_models",
      ] as const)
        await tx.deleteFrom(table).where("name", "=", name).execute();
    });
  }

  /**
   * Searches registered models, by name ascending unless `orderBy` says otherwise.
   *
   * @example
   * ```ts
   * const page = await models.search({ filter: "name LIKE 'churn%'" });
   * ```
   */
  async search(request: SearchModelsRequest = {}): Promise<Page<RegisteredModel>> {
    const limit = validateMaxResults(request.maxResults, 100, 1000);
    const offset = decodePageToken(request.pageToken);
    const node = parseFilter(request.filter);
    const rows = await this.#database.db
      .selectFrom("registered_models")
      .select("name")
      .$if(node !== undefined, (q) =>
        q.where(compileEntityFilter(node!, MODEL_FILTER, this.#database.dialect)),
      )
      .orderBy(
        compileEntityOrderBy(parseOrderBy(request.orderBy), MODEL_FILTER, [
          { column: "registered_models.name", order: sql`registered_models.name asc` },
        ]),
      )
      .limit(limit + 1)
      .offset(offset)
      .execute();
    const page = pageOf(rows, offset, limit);
    return {
      items: await this.#loadModels(page.items.map((r) => r.name)),
      nextPageToken: page.nextPageToken,
    };
  }

  /**
   * Sets a registered model tag.
   *
   * @example
   * ```ts
   * await models.setTag("churn", { key: "owner", value: "growth" });
   * ```
   */
  async setTag(name: string, tag: Tag): Promise<void> {
    validateTag(tag, "tag");
    await this.#database.write(async (tx) => {
      await this.#requireModel(tx, name);
      await tx
        .insertInto("registered_model_tags")
        .values({ name, key: tag.key, value: tag.value })
        .onConflict((oc) => oc.columns(["name", "key"]).doUpdateSet({ value: tag.value }))
        .execute();
    });
  }

  /**
   * Deletes a registered model tag; an absent tag is a no-op (as in MLflow), an absent model
   * RESOURCE_DOES_NOT_EXIST.
   *
   * @example
   * ```ts
   * await models.deleteTag("churn", "owner");
   * ```
   */
  async deleteTag(name: string, key: string): Promise<void> {
    validateKey(key, "key");
    await this.#database.write(async (tx) => {
      await this.#requireModel(tx, name);
      await tx
        .deleteFrom("registered_model_tags")
        .where("name", "=", name)
        .where("key", "=", key)
        .execute();
    });
  }

  /**
   * Creates the next version (1, 2, 3…) of a registered model. Numbers are never reused: after
   * deleting version 3 of 3, the next version is 4.
   *
   * @example
   * ```ts
   * const v = await models.createVersion("churn", { source: `runs:/${runId}/model`, runId });
   * ```
   */
  async createVersion(name: string, request: CreateModelVersionRequest): Promise<ModelVersion> {
    if (typeof request.source !== "string" || request.source === "")
      invalid("source", "a non-empty artifact URI or path", request.source);
    // Only run artifacts and paths inside the project: a registered source is later loaded
    // (and its code-free bundle trusted) by `keel predict --model models:/…`.
    parseModelSource(request.source, this.#root, request.runId);
    const tags = validateTags(request.tags, "tags");
    const version = await this.#database.write(async (tx) => {
      await this.#requireModel(tx, name);
      if (request.runId) {
        const run = await tx
          .selectFrom("runs")
          .select("run_uuid")
          .where("run_uuid", "=", request.runId)
          .executeTakeFirst();
        if (!run)
          throw new KeelError(
            "KEEL_ERR_RESOURCE_DOES_NOT_EXIST",
            `run '${request.runId}' not found`,
            { details: { run_id: request.runId } },
          );
      }
      // The model row counts every version ever created, so a deleted version's number is never
      // handed out again (MLflow: max over all versions ever + 1); the update also holds the
      // model's row lock until commit, so concurrent creates get consecutive numbers.
      const now = Date.now();
      const counted = await tx
        .updateTable("registered_models")
        .set((eb) => ({ last_version: eb("last_version", "+", 1), last_updated_time: now }))
        .where("name", "=", name)
        .returning("last_version")
        .executeTakeFirstOrThrow();
      const next = Number(counted.last_version);
      await tx
        .insertInto("model_versions")
        .values({
          name,
          version: next,
          creation_time: now,
          last_updated_time: now,
          description: request.description ?? "",
          user_id: request.userId ?? "",
          source: request.source,
          run_id: request.runId ?? "",
          run_link: request.runLink ?? "",
          status: "READY",
          signature: request.signature ?? null,
        })
        .execute();
      if (tags.length > 0)
        await tx
          .insertInto("model_version_tags")
          .values(tags.map((t) => ({ name, version: next, key: t.key, value: t.value })))
          .execute();
      return next;
    });
    return this.getVersion(name, version);
  }

  /**
   * Registers a run's model in one call: creates the registered model if needed, then a version.
   *
   * @example
   * ```ts
   * const v = await models.register("churn", { runId, artifactUri: `runs:/${runId}/model` });
   * ```
   */
  async register(
    name: string,
    options: {
      runId?: string;
      artifactUri: string;
      description?: string;
      tags?: readonly Tag[];
      signature?: string;
    },
  ): Promise<ModelVersion> {
    validateName(name, "name", 256);
    try {
      await this.create(name);
    } catch (error) {
      if (!(error instanceof KeelError && error.code === "KEEL_ERR_RESOURCE_ALREADY_EXISTS"))
        throw error;
    }
    return this.createVersion(name, {
      source: options.artifactUri,
      ...(options.runId === undefined ? {} : { runId: options.runId }),
      ...(options.description === undefined ? {} : { description: options.description }),
      ...(options.tags === undefined ? {} : { tags: options.tags }),
      ...(options.signature === undefined ? {} : { signature: options.signature }),
    });
  }

  /**
   * Gets one model version.
   *
   * @example
   * ```ts
   * const v = await models.getVersion("churn", 3);
   * ```
   */
  async getVersion(name: string, version: number | string): Promise<ModelVersion> {
    const number = parseVersion(version);
    const [found] = await this.#loadVersions([{ name, version: number }]);
    if (found === undefined) throw missingVersion(name, number);
    return found;
  }

  /**
   * Updates a version's description (everything else about a version is immutable).
   *
   * @example
   * ```ts
   * await models.updateVersion("churn", 3, { description: "retrained on May data" });
   * ```
   */
  async updateVersion(
    name: string,
    version: number | string,
    change: { description?: string },
  ): Promise<ModelVersion> {
    const number = parseVersion(version);
    await this.#database.write(async (tx) => {
      await this.#requireVersion(tx, name, number);
      await tx
        .updateTable("model_versions")
        .set({ description: change.description ?? "", last_updated_time: Date.now() })
        .where("name", "=", name)
        .where("version", "=", number)
        .execute();
    });
    return this.getVersion(name, number);
  }

  /**
   * Deletes a version and any alias pointing at it (the alias moves are logged).
   *
   * @example
   * ```ts
   * await models.deleteVersion("churn", 1);
   * ```
   */
  async deleteVersion(name: string, version: number | string, by: AliasChange = {}): Promise<void> {
    const number = parseVersion(version);
    await this.#database.write(async (tx) => {
      await this.#requireVersion(tx, name, number);
      const aliases = await tx
        .selectFrom("registered_model_aliases")
        .select("alias")
        .where("name", "=", name)
        .where("version", "=", number)
        .execute();
      for (const { alias } of aliases)
        await this.#moveAlias(tx, name, alias, number, null, {
          actor: by.actor,
          reason: by.reason ?? `version ${number} deleted`,
        });
      await tx
        .deleteFrom("model_version_tags")
        .where("name", "=", name)
        .where("version", "=", number)
        .execute();
      await tx
        .deleteFrom("model_versions")
        .where("name", "=", name)
        .where("version", "=", number)
        .execute();
    });
  }

  /**
   * Searches model versions (`name`, `run_id`, `source`, `version`, `tags.<key>`); MLflow's
   * order by default: last updated first, then name ascending, then version descending.
   *
   * @example
   * ```ts
   * const page = await models.searchVersions({ filter: "name = 'churn'" });
   * ```
   */
  async searchVersions(request: SearchModelsRequest = {}): Promise<Page<ModelVersion>> {
    const limit = validateMaxResults(request.maxResults, 10_000, 200_000);
    const offset = decodePageToken(request.pageToken);
    const node = parseFilter(request.filter);
    const rows = await this.#database.db
      .selectFrom("model_versions")
      .select(["name", "version"])
      .$if(node !== undefined, (q) =>
        q.where(compileEntityFilter(node!, VERSION_FILTER, this.#database.dialect)),
      )
      .orderBy(
        compileEntityOrderBy(
          parseOrderBy(
            request.orderBy === undefined || request.orderBy.length === 0
              ? ["last_updated_timestamp DESC"]
              : request.orderBy,
          ),
          VERSION_FILTER,
          [
            { column: "model_versions.name", order: sql`model_versions.name asc` },
            { column: "model_versions.version", order: sql`model_versions.version desc` },
          ],
        ),
      )
      .limit(limit + 1)
      .offset(offset)
      .execute();
    const page = pageOf(rows, offset, limit);
    return {
      items: await this.#loadVersions(
        page.items.map((r) => ({ name: r.name, version: Number(r.version) })),
      ),
      nextPageToken: page.nextPageToken,
    };
  }

  /**
   * Sets a model version tag.
   *
   * @example
   * ```ts
   * await models.setVersionTag("churn", 3, { key: "validated", value: "true" });
   * ```
   */
  async setVersionTag(name: string, version: number | string, tag: Tag): Promise<void> {
    validateTag(tag, "tag");
    const number = parseVersion(version);
    await this.#database.write(async (tx) => {
      await this.#requireVersion(tx, name, number);
      await tx
        .insertInto("model_version_tags")
        .values({ name, version: number, key: tag.key, value: tag.value })
        .onConflict((oc) =>
          oc.columns(["name", "version", "key"]).doUpdateSet({ value: tag.value }),
        )
        .execute();
    });
  }

  /**
   * Deletes a model version tag; an absent tag is a no-op (as in MLflow).
   *
   * @example
   * ```ts
   * await models.deleteVersionTag("churn", 3, "validated");
   * ```
   */
  async deleteVersionTag(name: string, version: number | string, key: string): Promise<void> {
    validateKey(key, "key");
    const number = parseVersion(version);
    await this.#database.write(async (tx) => {
      await this.#requireVersion(tx, name, number);
      await tx
        .deleteFrom("model_version_tags")
        .where("name", "=", name)
        .where("version", "=", number)
        .where("key", "=", key)
        .execute();
    });
  }

  /**
   * Points an alias at a version (moving it if it pointed elsewhere), logging who, when, from,
   * to and why.
   *
   * @example
   * ```ts
   * await models.setAlias("churn", "champion", 3, { actor: "ana", reason: "AUC +2%" });
   * ```
   */
  async setAlias(
    name: string,
    alias: string,
    version: number | string,
    by: AliasChange = {},
  ): Promise<void> {
    validateAlias(alias);
    const number = parseVersion(version);
    await this.#database.write(async (tx) => {
      await this.#requireVersion(tx, name, number);
      const current = await tx
        .selectFrom("registered_model_aliases")
        .select("version")
        .where("name", "=", name)
        .where("alias", "=", alias)
        .executeTakeFirst();
      const from = current === undefined ? null : Number(current.version);
      if (from === number) return;
      await this.#moveAlias(tx, name, alias, from, number, by);
    });
  }

  /**
   * Removes an alias (logged like a move to nothing); an absent alias is a no-op (as in MLflow).
   *
   * @example
   * ```ts
   * await models.deleteAlias("churn", "challenger");
   * ```
   */
  async deleteAlias(name: string, alias: string, by: AliasChange = {}): Promise<void> {
    validateAlias(alias);
    await this.#database.write(async (tx) => {
      await this.#requireModel(tx, name);
      const current = await tx
        .selectFrom("registered_model_aliases")
        .select("version")
        .where("name", "=", name)
        .where("alias", "=", alias)
        .executeTakeFirst();
      if (current === undefined) return;
      await this.#moveAlias(tx, name, alias, Number(current.version), null, by);
    });
  }

  /**
   * The version an alias points at.
   *
   * @example
   * ```ts
   * const champion = await models.getByAlias("churn", "champion");
   * ```
   */
  async getByAlias(name: string, alias: string): Promise<ModelVersion> {
    const row = await this.#database.db
      .selectFrom("registered_model_aliases")
      .select("version")
      .where("name", "=", name)
      .where("alias", "=", alias)
      .executeTakeFirst();
    if (row === undefined) {
      await this.get(name);
      // MLflow answers a missing alias of an existing model with INVALID_PARAMETER_VALUE.
      throw new KeelError(
        "KEEL_ERR_INVALID_PARAMETER_VALUE",
        `registered model alias ${alias} not found on model '${name}'`,
        { details: { name, alias } },
      );
    }
    return this.getVersion(name, Number(row.version));
  }

  /**
   * Moves a version to an MLflow stage (None, Staging, Production, Archived; any case). With
   * `archiveExistingVersions`, the other versions in that stage move to Archived, which MLflow
   * allows only for Staging and Production.
   *
   * @example
   * ```ts
   * await models.transitionStage("churn", 3, "Production", { archiveExistingVersions: true });
   * ```
   */
  async transitionStage(
    name: string,
    version: number | string,
    stage: string,
    options: { archiveExistingVersions?: boolean } = {},
  ): Promise<ModelVersion> {
    const number = parseVersion(version);
    const canonical = canonicalStage(stage);
    if (options.archiveExistingVersions && canonical !== "Staging" && canonical !== "Production")
      invalid(
        "archive_existing_versions",
        `only a transition to Staging or Production can archive existing versions, not to ${canonical}`,
        true,
      );
    await this.#database.write(async (tx) => {
      await this.#requireVersion(tx, name, number);
      const now = Date.now();
      if (options.archiveExistingVersions)
        await tx
          .updateTable("model_versions")
          .set({ current_stage: "Archived", last_updated_time: now })
          .where("name", "=", name)
          .where("version", "!=", number)
          .where("current_stage", "=", canonical)
          .execute();
      await tx
        .updateTable("model_versions")
        .set({ current_stage: canonical, last_updated_time: now })
        .where("name", "=", name)
        .where("version", "=", number)
        .execute();
      await touchModel(tx, name, now);
    });
    return this.getVersion(name, number);
  }

  /**
   * The newest version in each of `stages` (every stage when none are given) that has one,
   * ordered by version: MLflow's `get-latest-versions`.
   *
   * @example
   * ```ts
   * const [production] = await models.getLatestVersions("churn", ["Production"]);
   * ```
   */
  async getLatestVersions(name: string, stages: readonly string[] = []): Promise<ModelVersion[]> {
    const wanted = new Set(stages.length === 0 ? MODEL_STAGES : stages.map(canonicalStage));
    const model = await this.get(name);
    return model.latestVersions.filter((v) => wanted.has(v.currentStage));
  }

  /**
   * Resolves `models:/name@alias`, `models:/name/3`, `models:/name/latest`,
   * `models:/name/Production` (the newest version in that stage) or `name@alias`.
   *
   * @example
   * ```ts
   * const v = await models.resolve("models:/churn@champion");
   * ```
   */
  async resolve(uri: string): Promise<ModelVersion> {
    const ref = parseModelUri(uri);
    if (ref.alias !== undefined) return this.getByAlias(ref.name, ref.alias);
    if (ref.version !== undefined) return this.getVersion(ref.name, ref.version);
    if (ref.stage !== undefined) {
      const [inStage] = await this.getLatestVersions(ref.name, [ref.stage]);
      if (inStage === undefined)
        throw new KeelError(
          "KEEL_ERR_RESOURCE_DOES_NOT_EXIST",
          `registered model '${ref.name}' has no version in stage '${ref.stage}'`,
          { details: { name: ref.name, stage: ref.stage } },
        );
      return inStage;
    }
    const model = await this.get(ref.name);
    if (model.latestVersion === undefined)
      throw new KeelError(
        "KEEL_ERR_RESOURCE_DOES_NOT_EXIST",
        `registered model '${ref.name}' has no versions`,
        { details: { name: ref.name } },
      );
    return model.latestVersion;
  }

  /**
   * The alias audit log, newest first (one alias, or all of a model's).
   *
   * @example
   * ```ts
   * const moves = await models.aliasHistory("churn", "champion");
   * ```
   */
  async aliasHistory(name: string, alias?: string): Promise<AliasEvent[]> {
    const rows = await this.#database.db
      .selectFrom("alias_events")
      .selectAll()
      .where("name", "=", name)
      .$if(alias !== undefined, (q) => q.where("alias", "=", alias as string))
      .orderBy("id", "desc")
      .execute();
    return rows.map((r) => ({
      id: Number(r.id),
      name: r.name,
      alias: r.alias,
      fromVersion: r.from_version === null ? null : Number(r.from_version),
      toVersion: r.to_version === null ? null : Number(r.to_version),
      actor: r.actor,
      reason: r.reason,
      createdAt: Number(r.created_at),
    }));
  }

  /**
   * Moves an alias back to the version it pointed at before its last move (from the audit
   * log). The rollback is itself logged, so a second rollback undoes the first.
   *
   * @example
   * ```ts
   * const restored = await models.rollback("churn", "champion", { reason: "precision dropped" });
   * ```
   */
  async rollback(name: string, alias: string, by: AliasChange = {}): Promise<ModelVersion> {
    validateAlias(alias);
    const target = await this.#database.write(async (tx) => {
      await this.#requireModel(tx, name);
      const last = await tx
        .selectFrom("alias_events")
        .selectAll()
        .where("name", "=", name)
        .where("alias", "=", alias)
        .orderBy("id", "desc")
        .limit(1)
        .executeTakeFirst();
      if (last === undefined || last.from_version === null)
        throw new KeelError(
          "KEEL_ERR_INVALID_STATE",
          `alias '${alias}' of model '${name}' has no earlier version to roll back to`,
          { details: { name, alias } },
        );
      const previous = Number(last.from_version);
      await this.#requireVersion(tx, name, previous);
      const current = await tx
        .selectFrom("registered_model_aliases")
        .select("version")
        .where("name", "=", name)
        .where("alias", "=", alias)
        .executeTakeFirst();
      await this.#moveAlias(
        tx,
        name,
        alias,
        current === undefined ? null : Number(current.version),
        previous,
        {
          actor: by.actor,
          reason: by.reason ?? `rollback to version ${previous}`,
        },
      );
      return previous;
    });
    return this.getVersion(name, target);
  }

  async #moveAlias(
    tx: Tx,
    name: string,
    alias: string,
    from: number | null,
    to: number | null,
    by: { actor?: string | undefined; reason?: string | undefined },
  ): Promise<void> {
    if (to === null)
      await tx
        .deleteFrom("registered_model_aliases")
        .where("name", "=", name)
        .where("alias", "=", alias)
        .execute();
    else
      await tx
        .insertInto("registered_model_aliases")
        .values({ name, alias, version: to })
        .onConflict((oc) => oc.columns(["name", "alias"]).doUpdateSet({ version: to }))
        .execute();
    const now = Date.now();
    await tx
      .insertInto("alias_events")
      .values({
        name,
        alias,
        from_version: from,
        to_version: to,
        actor: by.actor ?? process.env.USER ?? "unknown",
        reason: by.reason ?? "",
        created_at: now,
      })
      .execute();
    await touchModel(tx, name, now);
    // Serving replicas LISTEN for alias moves (delivered on commit); the payload carries the
    // schema because NOTIFY channels span the whole database.
    if (this.#database.dialect === "postgres")
      await sql`select pg_notify(${ALIAS_CHANNEL}, current_schema() || ':' || ${name} || '@' || ${alias})`.execute(
        tx,
      );
  }

  /**
   * Every registry write locks the model's row first (PostgreSQL; SQLite's write lock already
   * serialises writers), so writes to one model queue in one order and never deadlock.
   */
  async #lockModel(tx: Tx, name: string): Promise<boolean> {
    const row = await tx
      .selectFrom("registered_models")
      .select("name")
      .where("name", "=", name)
      .$if(this.#database.dialect === "postgres", (q) => q.forNoKeyUpdate())
      .executeTakeFirst();
    return row !== undefined;
  }

  async #requireModel(tx: Tx, name: string): Promise<void> {
    if (!(await this.#lockModel(tx, name))) throw missingModel(name);
  }

  async #requireModelAbsent(tx: Tx, name: string): Promise<void> {
    const row = await tx
      .selectFrom("registered_models")
      .select("name")
      .where("name", "=", name)
      .executeTakeFirst();
    if (row) {
      throw new KeelError(
        "KEEL_ERR_RESOURCE_ALREADY_EXISTS",
        `registered model (name=${name}) already exists`,
        { details: { name } },
      );
    }
  }

  async #requireVersion(tx: Tx, name: string, version: number): Promise<void> {
    await this.#lockModel(tx, name);
    const row = await tx
      .selectFrom("model_versions")
      .select("version")
      .where("name", "=", name)
      .where("version", "=", version)
      .executeTakeFirst();
    if (!row) throw missingVersion(name, version);
  }

  async #loadVersions(keys: readonly { name: string; version: number }[]): Promise<ModelVersion[]> {
    if (keys.length === 0) return [];
    const names = [...new Set(keys.map((k) => k.name))];
    const db = this.#database.db;
    const [rows, tags, aliases] = await Promise.all([
      db.selectFrom("model_versions").selectAll().where("name", "in", names).execute(),
      db.selectFrom("model_version_tags").selectAll().where("name", "in", names).execute(),
      db.selectFrom("registered_model_aliases").selectAll().where("name", "in", names).execute(),
    ]);
    const id = (n: string, v: number | string) => `${n}\u0000${Number(v)}`;
    const byId = new Map(rows.map((r) => [id(r.name, r.version), r]));
    const result: ModelVersion[] = [];
    for (const key of keys) {
      const row = byId.get(id(key.name, key.version));
      if (row === undefined) continue;
      result.push(
        versionOf(
          row,
          tags.filter((t) => t.name === key.name && Number(t.version) === key.version),
          aliases
            .filter((a) => a.name === key.name && Number(a.version) === key.version)
            .map((a) => a.alias),
        ),
      );
    }
    return result;
  }

  async #loadModels(names: readonly string[]): Promise<RegisteredModel[]> {
    if (names.length === 0) return [];
    const db = this.#database.db;
    const list = [...names];
    const [rows, tags, aliases, latest] = await Promise.all([
      db.selectFrom("registered_models").selectAll().where("name", "in", list).execute(),
      db.selectFrom("registered_model_tags").selectAll().where("name", "in", list).execute(),
      db
        .selectFrom("registered_model_aliases")
        .selectAll()
        .where("name", "in", list)
        .orderBy("alias")
        .execute(),
      db
        .selectFrom("model_versions")
        .select(["name", "current_stage", (eb) => eb.fn.max("version").as("max")])
        .where("name", "in", list)
        .groupBy(["name", "current_stage"])
        .execute(),
    ]);
    const latestVersions = await this.#loadVersions(
      latest
        .map((l) => ({ name: l.name, version: Number(l.max) }))
        .sort((a, b) => a.version - b.version),
    );
    const byName = new Map(rows.map((r) => [r.name, r]));
    return list.flatMap((name) => {
      const r = byName.get(name);
      if (r === undefined) return [];
      return [
        {
          name: r.name,
          description: r.description,
          creationTime: Number(r.creation_time),
          lastUpdatedTime: Number(r.last_updated_time),
          tags: tags.filter((t) => t.name === name).map((t) => ({ key: t.key, value: t.value })),
          aliases: aliases
            .filter((a) => a.name === name)
            .map((a) => ({ alias: a.alias, version: Number(a.version) })),
          latestVersion: latestVersions.findLast((v) => v.name === name),
          latestVersions: latestVersions.filter((v) => v.name === name),
        },
      ];
    });
  }
}

/** Marks a registered model as updated at `now`. */
async function touchModel(tx: Tx, name: string, now: number): Promise<void> {
  await tx
    .updateTable("registered_models")
    .set({ last_updated_time: now })
    .where("name", "=", name)
    .execute();
}

/**
 * MLflow's canonical stage name for any casing (`production` → `Production`).
 *
 * @example
 * ```ts
 * canonicalStage("staging"); // "Staging"
 * ```
 */
export function canonicalStage(stage: unknown): ModelStage {
  const found =
    typeof stage === "string"
      ? MODEL_STAGES.find((s) => s.toLowerCase() === stage.trim().toLowerCase())
      : undefined;
  if (found === undefined) invalid("stage", `one of ${MODEL_STAGES.join(", ")}`, stage);
  return found;
}

function versionOf(
  row: Selectable<ModelVersionRow>,
  tags: readonly Tag[],
  aliases: readonly string[],
): ModelVersion {
  return {
    name: row.name,
    version: Number(row.version),
    creationTime: Number(row.creation_time),
    lastUpdatedTime: Number(row.last_updated_time),
    description: row.description,
    userId: row.user_id,
    source: row.source,
    runId: row.run_id,
    runLink: row.run_link,
    status: "READY",
    signature: row.signature,
    currentStage: canonicalStage(row.current_stage),
    tags: tags.map((t) => ({ key: t.key, value: t.value })),
    aliases: [...aliases].sort(),
  };
}
