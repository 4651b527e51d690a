import type {
  ArtifactEntry,
  DatasetInput,
  Experiment,
  Metric,
  ModelVersion,
  RegisteredModel,
  Run,
  RunInfo,
  Tag,
} from "../../track/index.js";

/** A JSON object as sent. @example `const o: Json = { run_id: "ab" };` */
export type Json = Record<string, unknown>;

/**
 * Drops `undefined`, `null` and empty lists, as proto3 JSON (and so MLflow) does.
 *
 * @example
 * ```ts
 * compact({ a: 1, b: [], c: null }); // { a: 1 }
 * ```
 */
export function compact(o: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    out[k] = v;
  }
  return out;
}

/**
 * A double as proto3 JSON writes it: non-finite values become "NaN", "Infinity", "-Infinity".
 *
 * @example
 * ```ts
 * doubleJson(Number.NaN); // "NaN"
 * ```
 */
export function doubleJson(value: number): number | string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "Infinity";
  if (value === Number.NEGATIVE_INFINITY) return "-Infinity";
  return value;
}

const tagsJson = (tags: readonly Tag[]) => tags.map((t) => ({ key: t.key, value: t.value }));

/** MLflow's Experiment JSON. @example `experimentJson(experiment).experiment_id` */
export function experimentJson(e: Experiment): Json {
  return compact({
    experiment_id: e.experimentId,
    name: e.name,
    artifact_location: e.artifactLocation,
    lifecycle_stage: e.lifecycleStage,
    last_update_time: e.lastUpdateTime,
    creation_time: e.creationTime,
    tags: tagsJson(e.tags),
  });
}

/** MLflow's Metric JSON. @example `metricJson({ key: "auc", value: 0.8, timestamp: 1, step: 0 })` */
export function metricJson(m: Metric): Json {
  return { key: m.key, value: doubleJson(m.value), timestamp: m.timestamp, step: m.step };
}

/** MLflow's RunInfo JSON. @example `runInfoJson(run.info).run_id` */
export function runInfoJson(i: RunInfo): Json {
  return compact({
    run_id: i.runId,
    run_uuid: i.runId,
    run_name: i.runName,
    experiment_id: i.experimentId,
    user_id: i.userId,
    status: i.status,
    start_time: i.startTime,
    end_time: i.endTime,
    artifact_uri: i.artifactUri,
    lifecycle_stage: i.lifecycleStage,
  });
}

function datasetInputJson(d: DatasetInput): Json {
  return compact({
    tags: tagsJson(d.tags ?? []),
    dataset: compact({
      name: d.name,
      digest: d.digest,
      source_type: d.sourceType,
      source: d.source,
      schema: d.schema,
      profile: d.profile,
    }),
  });
}

/** MLflow's Run JSON (info, data, inputs). @example `runJson(run).info` */
export function runJson(r: Run): Json {
  return {
    info: runInfoJson(r.info),
    data: compact({
      metrics: r.data.metrics.map(metricJson),
      params: tagsJson(r.data.params),
      tags: tagsJson(r.data.tags),
    }),
    inputs: compact({ dataset_inputs: r.inputs.map(datasetInputJson) }),
  };
}

/** MLflow's ModelVersion JSON (version as a string, as in the proto). @example `modelVersionJson(v).version // "3"` */
export function modelVersionJson(v: ModelVersion): Json {
  return compact({
    name: v.name,
    version: String(v.version),
    creation_timestamp: v.creationTime,
    last_updated_timestamp: v.lastUpdatedTime,
    user_id: v.userId,
    current_stage: v.currentStage,
    description: v.description,
    source: v.source,
    run_id: v.runId,
    status: v.status,
    tags: tagsJson(v.tags),
    run_link: v.runLink,
    aliases: [...v.aliases],
  });
}

/** MLflow's RegisteredModel JSON. @example `registeredModelJson(m).aliases` */
export function registeredModelJson(m: RegisteredModel): Json {
  return compact({
    name: m.name,
    creation_timestamp: m.creationTime,
    last_updated_timestamp: m.lastUpdatedTime,
    description: m.description,
    latest_versions: m.latestVersions.map(modelVersionJson),
    tags: tagsJson(m.tags),
    aliases: m.aliases.map((a) => ({ alias: a.alias, version: String(a.version) })),
  });
}

/** MLflow's FileInfo JSON. @example `fileInfoJson({ path: "model", isDir: true, fileSize: undefined })` */
export function fileInfoJson(e: ArtifactEntry): Json {
  return compact({ path: e.path, is_dir: e.isDir, file_size: e.fileSize });
}
