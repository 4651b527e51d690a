/** The MLflow JSON shapes the dashboard reads (the subset it uses). */

/** MLflow's KeyValue JSON (the fields the dashboard reads). @example `const p: KeyValue = { key: "max_depth", value: "6" };` */
export interface KeyValue {
  key: string;
  value: string;
}

/** MLflow's Metric JSON (the fields the dashboard reads). @example `const m: Metric = { key: "auc", value: 0.8, timestamp: 0, step: 3 };` */
export interface Metric {
  key: string;
  value: number | string;
  timestamp: number;
  step: number;
}

/** MLflow's Experiment JSON (the fields the dashboard reads). @example `experiment.name` */
export interface Experiment {
  experiment_id: string;
  name: string;
  artifact_location?: string;
  lifecycle_stage: string;
  last_update_time?: number;
  creation_time?: number;
  tags?: KeyValue[];
}

/** MLflow's RunInfo JSON (the fields the dashboard reads). @example `run.info.run_id` @example `run.data.params` */
export interface RunInfo {
  run_id: string;
  run_name?: string;
  experiment_id: string;
  user_id?: string;
  status: string;
  start_time?: number;
  end_time?: number;
  artifact_uri?: string;
  lifecycle_stage: string;
}

/** MLflow's DatasetInput JSON (the fields the dashboard reads). @example `input.dataset.digest` */
export interface DatasetInput {
  dataset: { name?: string; digest?: string; source_type?: string; source?: string };
}

export interface Run {
  info: RunInfo;
  data: { metrics?: Metric[]; params?: KeyValue[]; tags?: KeyValue[] };
  inputs?: { dataset_inputs?: DatasetInput[] };
}

/** MLflow's FileInfo JSON (the fields the dashboard reads). @example `const f: FileInfo = { path: "model", is_dir: true };` */
export interface FileInfo {
  path: string;
  is_dir?: boolean;
  file_size?: number;
}

/** MLflow's ModelVersion JSON (the fields the dashboard reads). @example `version.aliases` */
export interface ModelVersion {
  name: string;
  version: string;
  creation_timestamp?: number;
  current_stage?: string;
  description?: string;
  source?: string;
  run_id?: string;
  status?: string;
  aliases?: string[];
  tags?: KeyValue[];
}

/** MLflow's RegisteredModel JSON (the fields the dashboard reads). @example `model.aliases` */
export interface RegisteredModel {
  name: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  description?: string;
  latest_versions?: ModelVersion[];
  aliases?: { alias: string; version: string }[];
  tags?: KeyValue[];
}

/** An alias move from keel's `GET /v1/models/alias-history`. @example `event.actor` */
export interface AliasEvent {
  id: number;
  name: string;
  alias: string;
  from_version: string | null;
  to_version: string | null;
  actor: string;
  reason: string;
  created_at: number;
}

/** A metric value as a number ("NaN" and "Infinity" arrive as strings in MLflow's JSON). @example `metricNumber("NaN"); // NaN` */
export function metricNumber(value: number | string): number {
  return typeof value === "number" ? value : Number(value);
}
