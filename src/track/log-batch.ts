import type BetterSqlite3 from "better-sqlite3";
import { sql } from "kysely";
import { KeelError } from "../core/index.js";
import type { MetadataDatabase, MetricRow } from "../store/index.js";
import { encodeMetricValue, isNewerMetric } from "./metric-codec.js";
import type { Metric, Param, Tag } from "./types.js";
import { validateBatch } from "./validation.js";

type Tx = MetadataDatabase["db"];

/**
 * One write: metrics, params and tags for a run. Every SDK and HTTP write goes through
 * {@link writeBatch}; `logMetric`, `logParam` and `setTag` are one-element batches.
 *
 * @example
 * ```ts
 * const batch: LogBatch = { metrics: [{ key: "auc", value: 0.8, timestamp: Date.now(), step: 0 }] };
 * ```
 */
export interface LogBatch {
  readonly metrics?: readonly Metric[];
  readonly params?: readonly Param[];
  readonly tags?: readonly Tag[];
}

// A metric point already stored (same run, key, step, timestamp, value) is skipped, as MLflow
// does, so a retried request never duplicates history.
const SQLITE_INSERT_METRIC =
  "insert into metrics (run_uuid, key, value, is_nan, step, timestamp) values (?, ?, ?, ?, ?, ?) on conflict do nothing";
const SQLITE_UPSERT_LATEST = `insert into latest_metrics (run_uuid, key, value, is_nan, step, timestamp) values (?, ?, ?, ?, ?, ?)
  on conflict (run_uuid, key) do update set value = excluded.value, is_nan = excluded.is_nan, step = excluded.step, timestamp = excluded.timestamp
  where excluded.step > latest_metrics.step
     or (excluded.step = latest_metrics.step and excluded.timestamp > latest_metrics.timestamp)
     or (excluded.step = latest_metrics.step and excluded.timestamp = latest_metrics.timestamp and excluded.value > latest_metrics.value)`;

/**
 * Writes a validated batch inside the caller's write transaction: params are immutable (the
 * same value again is fine, a different one is INVALID_PARAMETER_VALUE and nothing of the batch
 * is written), tags are upserted, metrics appended to the history (a point already stored is
 * skipped) and folded into `latest_metrics` with MLflow's (step, timestamp, value) rule in one
 * conditional upsert.
 *
 * Lock order: every table is written in the same order (params, tags, runs, metrics,
 * latest_metrics) and the rows of each in key order, so two batches on one run that name the
 * same keys in opposite orders wait for each other instead of deadlocking on PostgreSQL (the
 * store retries whatever deadlock remains, see `writeTransaction`).
 *
 * @example
 * ```ts
 * await database.write((tx) => writeBatch(tx, database, runId, { params: [{ key: "lr", value: "0.1" }] }));
 * ```
 */
export async function writeBatch(
  tx: Tx,
  database: MetadataDatabase,
  runId: string,
  batch: LogBatch,
): Promise<void> {
  const metrics = batch.metrics ?? [];
  const params = batch.params ?? [];
  const tags = batch.tags ?? [];
  if (params.length > 0) await writeParams(tx, runId, params);
  if (tags.length > 0) await writeTags(tx, runId, tags);
  if (metrics.length === 0) return;
  const rows = metricRows(runId, metrics);
  const latest = latestPerKey(rows);
  const raw = database.sqlite;
  if (raw !== undefined) {
    // SQLite fast path: the transaction is already open on this very connection (Kysely holds
    // it for us), so cached prepared statements avoid re-compiling SQL for every batch.
    const { insert, upsert } = sqliteStatements(raw);
    for (const r of rows) insert.run(r.run_uuid, r.key, r.value, r.is_nan, r.step, r.timestamp);
    for (const r of latest) upsert.run(r.run_uuid, r.key, r.value, r.is_nan, r.step, r.timestamp);
    return;
  }
  for (let i = 0; i < rows.length; i += 1000)
    await tx
      .insertInto("metrics")
      .values(rows.slice(i, i + 1000))
      .onConflict((oc) => oc.doNothing())
      .execute();
  await tx
    .insertInto("latest_metrics")
    .values(latest)
    .onConflict((oc) =>
      oc
        .columns(["run_uuid", "key"])
        .doUpdateSet({
          value: (eb) => eb.ref("excluded.value"),
          is_nan: (eb) => eb.ref("excluded.is_nan"),
          step: (eb) => eb.ref("excluded.step"),
          timestamp: (eb) => eb.ref("excluded.timestamp"),
        })
        .where(
          sql<boolean>`excluded.step > latest_metrics.step
            or (excluded.step = latest_metrics.step and excluded.timestamp > latest_metrics.timestamp)
            or (excluded.step = latest_metrics.step and excluded.timestamp = latest_metrics.timestamp and excluded.value > latest_metrics.value)`,
        ),
    )
    .execute();
}

const byKey = (a: { key: string }, b: { key: string }) =>
  a.key < b.key ? -1 : a.key > b.key ? 1 : 0;

/** Encoded rows in lock order (key, step, timestamp, value), exact repeats dropped. */
function metricRows(runId: string, metrics: readonly Metric[]): MetricRow[] {
  const rows: MetricRow[] = new Array(metrics.length);
  for (let i = 0; i < metrics.length; i++) {
    const m = metrics[i] as Metric;
    rows[i] = {
      run_uuid: runId,
      key: m.key,
      ...encodeMetricValue(m.value),
      step: m.step,
      timestamp: m.timestamp,
    };
  }
  rows.sort(
    (a, b) =>
      byKey(a, b) ||
      a.step - b.step ||
      a.timestamp - b.timestamp ||
      a.is_nan - b.is_nan ||
      a.value - b.value,
  );
  return rows.filter((r, i) => {
    const p = rows[i - 1];
    return (
      p === undefined ||
      p.key !== r.key ||
      p.step !== r.step ||
      p.timestamp !== r.timestamp ||
      p.is_nan !== r.is_nan ||
      p.value !== r.value
    );
  });
}

type SqliteHandle = NonNullable<MetadataDatabase["sqlite"]>;
type Statement = BetterSqlite3.Statement<unknown[]>;
const statementCache = new WeakMap<SqliteHandle, { insert: Statement; upsert: Statement }>();

function sqliteStatements(raw: SqliteHandle): { insert: Statement; upsert: Statement } {
  let cached = statementCache.get(raw);
  if (cached === undefined) {
    cached = {
      insert: raw.prepare(SQLITE_INSERT_METRIC),
      upsert: raw.prepare(SQLITE_UPSERT_LATEST),
    };
    statementCache.set(raw, cached);
  }
  return cached;
}

function latestPerKey(rows: readonly MetricRow[]): MetricRow[] {
  const best = new Map<string, MetricRow>();
  for (const row of rows) {
    const current = best.get(row.key);
    if (current === undefined || isNewerMetric(row, current)) best.set(row.key, row);
  }
  return [...best.values()].sort(byKey);
}

async function writeParams(tx: Tx, runId: string, params: readonly Param[]): Promise<void> {
  const unique = [...new Map(params.map((p) => [p.key, p])).values()].sort(byKey);
  await tx
    .insertInto("params")
    .values(unique.map((p) => ({ run_uuid: runId, key: p.key, value: p.value })))
    .onConflict((oc) => oc.columns(["run_uuid", "key"]).doNothing())
    .execute();
  const stored = await tx
    .selectFrom("params")
    .select(["key", "value"])
    .where("run_uuid", "=", runId)
    .where(
      "key",
      "in",
      unique.map((p) => p.key),
    )
    .execute();
  const storedByKey = new Map(stored.map((r) => [r.key, r.value]));
  for (const p of unique) {
    const old = storedByKey.get(p.key);
    if (old !== undefined && old !== p.value) {
      throw new KeelError(
        "KEEL_ERR_INVALID_PARAMETER_VALUE",
        `changing param values is not allowed: param '${p.key}' of run '${runId}' was already logged with value '${old}', got '${p.value}'`,
        { details: { run_id: runId, key: p.key, oldValue: old, newValue: p.value } },
      );
    }
  }
}

async function writeTags(tx: Tx, runId: string, tags: readonly Tag[]): Promise<void> {
  const last = [...new Map(tags.map((t) => [t.key, t])).values()].sort(byKey);
  await tx
    .insertInto("tags")
    .values(last.map((t) => ({ run_uuid: runId, key: t.key, value: t.value })))
    .onConflict((oc) =>
      oc.columns(["run_uuid", "key"]).doUpdateSet({ value: (eb) => eb.ref("excluded.value") }),
    )
    .execute();
  // MLflow mirrors these tags into run attributes.
  const runName = last.find((t) => t.key === "mlflow.runName");
  if (runName)
    await tx
      .updateTable("runs")
      .set({ run_name: runName.value })
      .where("run_uuid", "=", runId)
      .execute();
  const parent = last.find((t) => t.key === "mlflow.parentRunId");
  if (parent)
    await tx
      .updateTable("runs")
      .set({ parent_run_id: parent.value })
      .where("run_uuid", "=", runId)
      .execute();
}

/**
 * Normalises and validates a batch (missing lists → empty), throwing INVALID_PARAMETER_VALUE.
 *
 * @example
 * ```ts
 * const batch = checkBatch({ metrics: [m] });
 * ```
 */
export function checkBatch(batch: LogBatch): Required<LogBatch> {
  const full = { metrics: batch.metrics ?? [], params: batch.params ?? [], tags: batch.tags ?? [] };
  validateBatch(full);
  return full;
}
