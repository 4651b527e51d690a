import type { Generated } from "kysely";

/**
 * The metadata tables as Kysely sees them. One schema for SQLite and PostgreSQL; timestamps are
 * integer milliseconds since the epoch, ids are strings, metric values are doubles with a
 * separate `is_nan` flag (SQLite cannot store NaN; ±Infinity is stored as is on both).
 *
 * @example
 * ```ts
 * import type { Kysely } from "kysely";
 * const db: Kysely<KeelDatabase> = (await openDatabase({ root: "." })).db;
 * ```
 */
export interface KeelDatabase {
  keel_migrations: MigrationRow;
  experiments: ExperimentRow;
  experiment_tags: KeyValueRow & { experiment_id: number };
  runs: RunRow;
  params: KeyValueRow & { run_uuid: string };
  tags: KeyValueRow & { run_uuid: string };
  metrics: MetricRow;
  latest_metrics: MetricRow;
  run_inputs: RunInputRow;
  blobs: BlobRow;
  run_artifacts: RunArtifactRow;
  registered_models: RegisteredModelRow;
  registered_model_tags: KeyValueRow & { name: string };
  model_versions: ModelVersionRow;
  model_version_tags: KeyValueRow & { name: string; version: number };
  registered_model_aliases: { name: string; alias: string; version: number };
  alias_events: AliasEventRow;
  feature_definitions: FeatureDefinitionRow;
  feature_view_state: FeatureViewStateRow;
  feature_materializations: FeatureMaterializationRow;
  deployments: DeploymentRow;
  deployment_events: DeploymentEventRow;
  prediction_log: PredictionLogRow;
  prediction_feedback: PredictionFeedbackRow;
  monitor_results: MonitorResultRow;
  alert_deliveries: AlertDeliveryRow;
  pipeline_runs: PipelineRunRow;
  pipeline_steps: PipelineStepRow;
  pipeline_cache: PipelineCacheRow;
  pipeline_step_logs: PipelineStepLogRow;
  dead_letters: DeadLetterRow;
}

/** One monitor run (migration 5). @example `{ monitor: "churn", dataset_drift: 0, … }` */
export interface MonitorResultRow {
  id: Generated<number>;
  monitor: string;
  window_start: number | null;
  window_end: number | null;
  created_at: number;
  dataset_drift: number;
  drift_share: number;
  prediction_shift: number | null;
  summary: string;
}

/** One alert delivery (migration 5). @example `{ monitor: "churn", sink: "log", status: "delivered", … }` */
export interface AlertDeliveryRow {
  id: Generated<number>;
  monitor: string;
  kind: string;
  sink: string;
  status: string;
  attempts: number;
  error: string | null;
  alert: string;
  at: number;
}

/** One applied migration. @example `{ version: 1, name: "initial", applied_at: 0 }` */
export interface MigrationRow {
  version: number;
  name: string;
  applied_at: number;
}

/** A key/value pair row (params, tags). @example `{ key: "lr", value: "0.1" }` */
export interface KeyValueRow {
  key: string;
  value: string;
}

/** An experiment. @example `{ experiment_id: 0, name: "Default", ... }` */
export interface ExperimentRow {
  experiment_id: Generated<number>;
  name: string;
  artifact_location: string;
  lifecycle_stage: string;
  creation_time: number;
  last_update_time: number;
}

/** A run. @example `{ run_uuid: "ab12…", status: "RUNNING", ... }` */
export interface RunRow {
  run_uuid: string;
  experiment_id: number;
  run_name: string;
  user_id: string;
  status: string;
  start_time: number;
  end_time: number | null;
  lifecycle_stage: string;
  artifact_uri: string;
  parent_run_id: string | null;
  deleted_time: number | null;
}

/** One metric observation (history) or the latest one per key. @example `{ key: "auc", value: 0.8, step: 0 }` */
export interface MetricRow {
  run_uuid: string;
  key: string;
  value: number;
  is_nan: number;
  step: number;
  timestamp: number;
}

/** A dataset used by a run. @example `{ name: "telco", digest: "ab12", context: "training" }` */
export interface RunInputRow {
  run_uuid: string;
  name: string;
  digest: string;
  source_type: string;
  source: string;
  schema: string | null;
  profile: string | null;
  context: string;
  tags: string;
}

/** A content-addressed file and how many references hold it. @example `{ sha256: "e3b0…", size: 0, ref_count: 1 }` */
export interface BlobRow {
  sha256: string;
  size: number;
  ref_count: number;
  created_at: number;
}

/** A file of a run's artifact tree, pointing at a blob. @example `{ path: "model/keel-model.json" }` */
export interface RunArtifactRow {
  run_uuid: string;
  path: string;
  sha256: string;
  size: number;
}

/** A registered model. @example `{ name: "churn", description: "" }` */
export interface RegisteredModelRow {
  name: string;
  description: string;
  creation_time: number;
  last_updated_time: number;
  /** The highest version number ever created (deleted versions' numbers are never reused). */
  last_version: Generated<number>;
}

/** An immutable model version. @example `{ name: "churn", version: 3, source: "runs:/ab12/model" }` */
export interface ModelVersionRow {
  name: string;
  version: number;
  creation_time: number;
  last_updated_time: number;
  description: string;
  user_id: string;
  source: string;
  run_id: string;
  run_link: string;
  status: string;
  signature: string | null;
  /** MLflow's stage: None, Staging, Production or Archived. */
  current_stage: Generated<string>;
}

/** One alias move in the audit log. @example `{ alias: "champion", from_version: 2, to_version: 3 }` */
export interface AliasEventRow {
  id: Generated<number>;
  name: string;
  alias: string;
  from_version: number | null;
  to_version: number | null;
  actor: string;
  reason: string;
  created_at: number;
}

/** One applied version of a feature definition. @example `{ kind: "featureView", name: "stats", version: 2 }` */
export interface FeatureDefinitionRow {
  kind: string;
  name: string;
  version: number;
  /** The definition as JSON (its digest is of the key-sorted form). */
  spec: string;
  digest: string;
  comment: string;
  created_at: number;
}

/** Freshness state of a feature view (epoch ms). @example `{ view: "stats", materialized_until: 0 }` */
export interface FeatureViewStateRow {
  view: string;
  materialized_until: number | null;
  last_materialized_at: number | null;
  last_push_at: number | null;
  last_pushed_event: number | null;
  /** The newest event time materialised (migration 7); null before one ran. */
  newest_event: number | null;
}

/** One finished materialisation of a view's window. @example `{ view: "stats", rows: 1000 }` */
export interface FeatureMaterializationRow {
  id: Generated<number>;
  view: string;
  start_ts: number;
  end_ts: number;
  rows: number;
  finished_at: number;
}

/** A deployment: its current spec and rollout state as JSON. @example `{ name: "churn", revision: 3 }` */
export interface DeploymentRow {
  name: string;
  spec: string;
  state: string;
  revision: number;
  created_at: number;
  updated_at: number;
}

/** One change of a deployment, with the spec before and after. @example `{ kind: "promote", reason: "AUC +2%" }` */
export interface DeploymentEventRow {
  id: Generated<number>;
  deployment: string;
  kind: string;
  revision: number;
  from_spec: string | null;
  to_spec: string;
  actor: string;
  reason: string;
  created_at: number;
}

/**
 * One scored record. `prediction` is the output as JSON (a number or a class label); `score`
 * the numeric prediction when there is one (P(positive) for binary), for SQL aggregates.
 *
 * @example
 * ```ts
 * const row: Partial<PredictionLogRow> = { request_id: "r1", deployment: "churn", variant: "champion" };
 * ```
 */
export interface PredictionLogRow {
  id: Generated<number>;
  request_id: string;
  /** The entry's event time (epoch ms): the caller's, or when the server answered. */
  time: number;
  /** When the server answered (epoch ms); null on entries logged before migration 8. */
  received_at: number | null;
  deployment: string;
  variant: string;
  model_version: string;
  input: string;
  prediction: string;
  score: number | null;
  probabilities: string | null;
  latency_ms: number;
  shadow: string | null;
}

/** A ground-truth label for a logged request (JSON). @example `{ request_id: "r1", label: "1" }` */
export interface PredictionFeedbackRow {
  deployment: string;
  request_id: string;
  label: string;
  time: number;
}

/** One run of a pipeline for a logical date (epoch ms). @example `{ pipeline: "retrain", status: "running" }` */
export interface PipelineRunRow {
  run_id: string;
  pipeline: string;
  logical_date: number;
  /** The run's params as JSON, and the hash of their key-sorted form. */
  params: string;
  params_hash: string;
  /** running, succeeded or failed. */
  status: string;
  /** manual, schedule, backfill, or trigger:<source>. */
  trigger: string;
  /** local or queue. */
  executor: string;
  error: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

/** One step of a pipeline run. @example `{ step: "train", status: "succeeded", attempts: 1 }` */
export interface PipelineStepRow {
  run_id: string;
  step: string;
  /** pending, queued, running, retrying, succeeded, cached, failed (after retries) or upstream_failed. */
  status: string;
  attempts: number;
  cache_key: string | null;
  /** The step's outputs as JSON once it finished. */
  outputs: string | null;
  error: string | null;
  /** Who runs the step now (host:pid:nonce) and until when the lease holds without a heartbeat. */
  lease_owner: string | null;
  lease_until: number | null;
  started_at: number | null;
  finished_at: number | null;
}

/** Recorded outputs of a step by content-hash key. @example `{ cache_key: "ab12…", step: "train" }` */
export interface PipelineCacheRow {
  cache_key: string;
  pipeline: string;
  step: string;
  outputs: string;
  run_id: string;
  created_at: number;
}

/** One log line of a step. @example `{ step: "train", level: "info", message: "fitted" }` */
export interface PipelineStepLogRow {
  id: Generated<number>;
  run_id: string;
  step: string;
  attempt: number;
  level: string;
  message: string;
  time: number;
}

/** A dead letter: a failed step, or a record a step rejected. @example `{ kind: "step", status: "open" }` */
export interface DeadLetterRow {
  id: Generated<number>;
  /** step or record. */
  kind: string;
  pipeline: string;
  run_id: string;
  step: string;
  error: string;
  attempts: number;
  /** JSON: the step's inputs (step letters) or the rejected record. */
  payload: string;
  /** open or replayed. */
  status: string;
  created_at: number;
  replayed_at: number | null;
}
