import type { MetadataDatabase } from "./database.js";

/**
 * One monitor run as stored: when, over which window, its verdicts and a JSON summary.
 *
 * @example
 * ```ts
 * const r: MonitorResultRecord = { monitor: "churn", createdAt: Date.now(), datasetDrift: false, driftShare: 0.1, summary: {} };
 * ```
 */
export interface MonitorResultRecord {
  readonly id?: number;
  readonly monitor: string;
  readonly windowStart?: number;
  readonly windowEnd?: number;
  readonly createdAt: number;
  readonly datasetDrift: boolean;
  readonly driftShare: number;
  readonly predictionShift?: number;
  readonly summary: unknown;
}

/**
 * One alert delivery as stored (the monitor module's `AlertDelivery`).
 *
 * @example
 * ```ts
 * const d: AlertDeliveryRecord = { monitor: "m", kind: "dataset-drift", sink: "log", status: "delivered", attempts: 1, at: 0, alert: {} };
 * ```
 */
export interface AlertDeliveryRecord {
  readonly monitor: string;
  readonly kind: string;
  readonly sink: string;
  readonly status: "delivered" | "failed" | "suppressed";
  readonly attempts: number;
  readonly error?: string;
  readonly at: number;
  readonly alert: unknown;
}

const STATUSES = new Set(["delivered", "failed", "suppressed"]);

/**
 * Monitor results (a time series per monitor) and alert deliveries in the metadata store, on
 * SQLite or PostgreSQL (migration 5). Contract: a write is durable once its promise resolves;
 * lists are newest first (ties by insertion order, newest first); `lastDelivery` is the latest
 * `delivered` record for (monitor, kind, sink), which is what alert cooldown reads.
 *
 * @example
 * ```ts
 * const store = new MonitoringStore(await openDatabase({ root: "." }));
 * await store.recordResult({ monitor: "churn", createdAt: Date.now(), datasetDrift: false, driftShare: 0, summary: {} });
 * ```
 */
export class MonitoringStore {
  readonly #db: MetadataDatabase;

  constructor(db: MetadataDatabase) {
    this.#db = db;
  }

  /**
   * Appends one monitor run.
   *
   * @example
   * ```ts
   * await store.recordResult(result);
   * ```
   */
  async recordResult(r: MonitorResultRecord): Promise<void> {
    await this.#db.db
      .insertInto("monitor_results")
      .values({
        monitor: r.monitor,
        window_start: r.windowStart ?? null,
        window_end: r.windowEnd ?? null,
        created_at: r.createdAt,
        dataset_drift: r.datasetDrift ? 1 : 0,
        drift_share: r.driftShare,
        prediction_shift: r.predictionShift ?? null,
        summary: JSON.stringify(r.summary),
      })
      .execute();
  }

  /**
   * Monitor runs, newest first.
   *
   * @example
   * ```ts
   * const last = (await store.listResults({ monitor: "churn", limit: 1 }))[0];
   * ```
   */
  async listResults(
    options: { monitor?: string; limit?: number } = {},
  ): Promise<MonitorResultRecord[]> {
    let q = this.#db.db.selectFrom("monitor_results").selectAll();
    if (options.monitor !== undefined) q = q.where("monitor", "=", options.monitor);
    const rows = await q
      .orderBy("created_at", "desc")
      .orderBy("id", "desc")
      .limit(options.limit ?? 100)
      .execute();
    return rows.map((row) => ({
      id: Number(row.id),
      monitor: row.monitor,
      ...(row.window_start !== null ? { windowStart: Number(row.window_start) } : {}),
      ...(row.window_end !== null ? { windowEnd: Number(row.window_end) } : {}),
      createdAt: Number(row.created_at),
      datasetDrift: Number(row.dataset_drift) === 1,
      driftShare: Number(row.drift_share),
      ...(row.prediction_shift !== null ? { predictionShift: Number(row.prediction_shift) } : {}),
      summary: JSON.parse(row.summary) as unknown,
    }));
  }

  /**
   * Records one alert delivery.
   *
   * @example
   * ```ts
   * await store.record(delivery);
   * ```
   */
  async record(d: AlertDeliveryRecord): Promise<void> {
    await this.#db.db
      .insertInto("alert_deliveries")
      .values({
        monitor: d.monitor,
        kind: d.kind,
        sink: d.sink,
        status: d.status,
        attempts: d.attempts,
        error: d.error ?? null,
        alert: JSON.stringify(d.alert),
        at: d.at,
      })
      .execute();
  }

  /**
   * The latest `delivered` record of this monitor's alert kind to this sink (what alert
   * cooldown and de-duplication read), or undefined when none was delivered.
   *
   * @example
   * ```ts
   * (await store.lastDelivery("churn", "dataset-drift", "log"))?.at;
   * ```
   */
  async lastDelivery(
    monitor: string,
    kind: string,
    sink: string,
  ): Promise<AlertDeliveryRecord | undefined> {
    const row = await this.#db.db
      .selectFrom("alert_deliveries")
      .selectAll()
      .where("monitor", "=", monitor)
      .where("kind", "=", kind)
      .where("sink", "=", sink)
      .where("status", "=", "delivered")
      .orderBy("at", "desc")
      .orderBy("id", "desc")
      .limit(1)
      .executeTakeFirst();
    return row === undefined ? undefined : deliveryOf(row);
  }

  /**
   * Alert deliveries, newest first.
   *
   * @example
   * ```ts
   * await store.list({ limit: 20 });
   * ```
   */
  async list(options: { monitor?: string; limit?: number } = {}): Promise<AlertDeliveryRecord[]> {
    let q = this.#db.db.selectFrom("alert_deliveries").selectAll();
    if (options.monitor !== undefined) q = q.where("monitor", "=", options.monitor);
    const rows = await q
      .orderBy("at", "desc")
      .orderBy("id", "desc")
      .limit(options.limit ?? 100)
      .execute();
    return rows.map(deliveryOf);
  }
}

function deliveryOf(row: {
  monitor: string;
  kind: string;
  sink: string;
  status: string;
  attempts: number | bigint | string;
  error: string | null;
  at: number | bigint | string;
  alert: string;
}): AlertDeliveryRecord {
  return {
    monitor: row.monitor,
    kind: row.kind,
    sink: row.sink,
    status: (STATUSES.has(row.status) ? row.status : "failed") as AlertDeliveryRecord["status"],
    attempts: Number(row.attempts),
    ...(row.error !== null ? { error: row.error } : {}),
    at: Number(row.at),
    alert: JSON.parse(row.alert) as unknown,
  };
}
