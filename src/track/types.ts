/**
 * The tracking and registry entities, shaped after MLflow's (camelCased). Ids are strings,
 * times are epoch milliseconds.
 *
 * @module
 */

/** A run's status. @example `const s: RunStatus = "FINISHED";` */
export type RunStatus = "RUNNING" | "SCHEDULED" | "FINISHED" | "FAILED" | "KILLED";

/** Every run status, for validation. @example `RUN_STATUSES.includes("FAILED")` */
export const RUN_STATUSES: readonly RunStatus[] = [
  "RUNNING",
  "SCHEDULED",
  "FINISHED",
  "FAILED",
  "KILLED",
];

/** Active or deleted (soft-deleted, restorable). @example `const l: LifecycleStage = "active";` */
export type LifecycleStage = "active" | "deleted";

/** Which lifecycle stages a search returns. @example `const v: ViewType = "ACTIVE_ONLY";` */
export type ViewType = "ACTIVE_ONLY" | "DELETED_ONLY" | "ALL";

/** A key/value tag. @example `const t: Tag = { key: "team", value: "growth" };` */
export interface Tag {
  readonly key: string;
  readonly value: string;
}

/** A logged parameter (immutable once logged). @example `const p: Param = { key: "lr", value: "0.1" };` */
export type Param = Tag;

/**
 * One metric observation. `value` may be NaN or ±Infinity; they are stored and returned as such.
 *
 * @example
 * ```ts
 * const m: Metric = { key: "auc", value: 0.83, timestamp: Date.now(), step: 3 };
 * ```
 */
export interface Metric {
  readonly key: string;
  readonly value: number;
  readonly timestamp: number;
  readonly step: number;
}

/** An experiment. @example `const e: Experiment = await tracking.experiments.getByName("churn");` */
export interface Experiment {
  readonly experimentId: string;
  readonly name: string;
  readonly artifactLocation: string;
  readonly lifecycleStage: LifecycleStage;
  readonly creationTime: number;
  readonly lastUpdateTime: number;
  readonly tags: readonly Tag[];
}

/** A run's identity and status. @example `run.info.status === "FINISHED"` */
export interface RunInfo {
  readonly runId: string;
  readonly runName: string;
  readonly experimentId: string;
  readonly userId: string;
  readonly status: RunStatus;
  readonly startTime: number;
  readonly endTime: number | null;
  readonly artifactUri: string;
  readonly lifecycleStage: LifecycleStage;
  readonly parentRunId: string | null;
}

/** A dataset a run consumed. @example `{ name: "telco", digest: "3f2a", source: "data/telco.csv", sourceType: "local", context: "training" }` */
export interface DatasetInput {
  readonly name: string;
  readonly digest: string;
  readonly source: string;
  readonly sourceType?: string;
  readonly schema?: string | null;
  readonly profile?: string | null;
  /** The `mlflow.data.context` input tag: `training`, `validation`, `test`… */
  readonly context?: string;
  readonly tags?: readonly Tag[];
}

/** A run with its latest metrics, params, tags and inputs. @example `const run: Run = await tracking.runs.get(id);` */
export interface Run {
  readonly info: RunInfo;
  readonly data: {
    /** The latest value of every metric (MLflow's (step, timestamp, value) rule). */
    readonly metrics: readonly Metric[];
    readonly params: readonly Param[];
    readonly tags: readonly Tag[];
  };
  readonly inputs: readonly DatasetInput[];
}

/** A page of results and the token for the next one (undefined on the last page). @example `const page: Page<Run> = await tracking.runs.search({});` */
export interface Page<T> {
  readonly items: readonly T[];
  readonly nextPageToken: string | undefined;
}

/** A file or directory of a run's artifact tree. @example `{ path: "model/keel-model.json", isDir: false, fileSize: 1204 }` */
export interface ArtifactEntry {
  readonly path: string;
  readonly isDir: boolean;
  readonly fileSize: number | undefined;
}

/** A registered model. @example `const m: RegisteredModel = await tracking.models.get("churn");` */
export interface RegisteredModel {
  readonly name: string;
  readonly description: string;
  readonly creationTime: number;
  readonly lastUpdatedTime: number;
  readonly tags: readonly Tag[];
  readonly aliases: readonly { alias: string; version: number }[];
  /** The newest version, if any. */
  readonly latestVersion: ModelVersion | undefined;
  /** The newest version in each stage that has one (MLflow's `latest_versions`), by version. */
  readonly latestVersions: readonly ModelVersion[];
}

/**
 * MLflow's model version stages (deprecated in MLflow 2.9 in favour of aliases, still what its
 * 2.x clients resolve `models:/name/Production` through).
 *
 * @example
 * ```ts
 * const stage: ModelStage = "Production";
 * ```
 */
export type ModelStage = "None" | "Staging" | "Production" | "Archived";

/** Every {@link ModelStage}, in MLflow's order. @example `MODEL_STAGES.includes("Staging")` */
export const MODEL_STAGES: readonly ModelStage[] = ["None", "Staging", "Production", "Archived"];

/** An immutable model version. @example `const v: ModelVersion = await tracking.models.resolve("models:/churn@champion");` */
export interface ModelVersion {
  readonly name: string;
  readonly version: number;
  readonly creationTime: number;
  readonly lastUpdatedTime: number;
  readonly description: string;
  readonly userId: string;
  /** Where the model's files are (`runs:/<id>/model`, `mlflow-artifacts:/…`, a path). */
  readonly source: string;
  readonly runId: string;
  readonly runLink: string;
  readonly status: "READY";
  readonly signature: string | null;
  readonly tags: readonly Tag[];
  readonly aliases: readonly string[];
  /** MLflow's stage; "None" until {@link ModelStage | transitioned}. */
  readonly currentStage: ModelStage;
}

/** One alias move from the audit log. @example `{ alias: "champion", fromVersion: 2, toVersion: 3, actor: "ana", reason: "auc +2%" }` */
export interface AliasEvent {
  readonly id: number;
  readonly name: string;
  readonly alias: string;
  readonly fromVersion: number | null;
  readonly toVersion: number | null;
  readonly actor: string;
  readonly reason: string;
  readonly createdAt: number;
}
