import type { MetadataDatabase, RunRow } from "../store/index.js";
import { decodeMetric } from "./metric-codec.js";
import type { DatasetInput, LifecycleStage, Run, RunInfo, RunStatus, Tag } from "./types.js";

/**
 * Maps a `runs` row to a {@link RunInfo}.
 *
 * @example
 * ```ts
 * const info = runInfoOf(row);
 * ```
 */
export function runInfoOf(row: RunRow): RunInfo {
  return {
    runId: row.run_uuid,
    runName: row.run_name,
    experimentId: String(row.experiment_id),
    userId: row.user_id,
    status: row.status as RunStatus,
    startTime: Number(row.start_time),
    endTime: row.end_time === null ? null : Number(row.end_time),
    artifactUri: row.artifact_uri,
    lifecycleStage: row.lifecycle_stage as LifecycleStage,
    parentRunId: row.parent_run_id,
  };
}

function groupBy<T extends { run_uuid: string }>(rows: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const list = groups.get(row.run_uuid);
    if (list) list.push(row);
    else groups.set(row.run_uuid, [row]);
  }
  return groups;
}

const byKey = (a: { key: string }, b: { key: string }) =>
  a.key < b.key ? -1 : a.key > b.key ? 1 : 0;

/**
 * Loads full runs (info, latest metrics, params, tags, inputs) for the given ids, in that
 * order; ids that do not exist are left out. Five queries whatever the number of runs.
 *
 * @example
 * ```ts
 * const [run] = await loadRuns(database.db, [runId]);
 * ```
 */
export async function loadRuns(db: MetadataDatabase["db"], ids: readonly string[]): Promise<Run[]> {
  if (ids.length === 0) return [];
  const list = [...ids];
  const [runs, metrics, params, tags, inputs] = await Promise.all([
    db.selectFrom("runs").selectAll().where("run_uuid", "in", list).execute(),
    db.selectFrom("latest_metrics").selectAll().where("run_uuid", "in", list).execute(),
    db.selectFrom("params").selectAll().where("run_uuid", "in", list).execute(),
    db.selectFrom("tags").selectAll().where("run_uuid", "in", list).execute(),
    db.selectFrom("run_inputs").selectAll().where("run_uuid", "in", list).execute(),
  ]);
  const metricsByRun = groupBy(metrics);
  const paramsByRun = groupBy(params);
  const tagsByRun = groupBy(tags);
  const inputsByRun = groupBy(inputs);
  const rowById = new Map(runs.map((r) => [r.run_uuid, r]));
  const result: Run[] = [];
  for (const id of list) {
    const row = rowById.get(id);
    if (row === undefined) continue;
    result.push({
      info: runInfoOf(row),
      data: {
        metrics: (metricsByRun.get(id) ?? []).map(decodeMetric).sort(byKey),
        params: (paramsByRun.get(id) ?? [])
          .map((p) => ({ key: p.key, value: p.value }))
          .sort(byKey),
        tags: (tagsByRun.get(id) ?? []).map((t) => ({ key: t.key, value: t.value })).sort(byKey),
      },
      inputs: (inputsByRun.get(id) ?? []).map(
        (i): DatasetInput => ({
          name: i.name,
          digest: i.digest,
          source: i.source,
          sourceType: i.source_type,
          schema: i.schema,
          profile: i.profile,
          context: i.context,
          tags: JSON.parse(i.tags) as Tag[],
        }),
      ),
    });
  }
  return result;
}
