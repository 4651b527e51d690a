/**
 * What an alert is, where it goes and how deliveries are recorded.
 *
 * @module
 */

/**
 * One alert raised by a monitor.
 *
 * @example
 * ```ts
 * const alert: Alert = { monitor: "churn-daily", kind: "dataset-drift", message: "7 of 19 columns drifted", details: { driftShare: 0.37 } };
 * ```
 */
export interface Alert {
  readonly monitor: string;
  /** What happened: `dataset-drift`, `prediction-shift`, `performance-drop`, … */
  readonly kind: string;
  readonly message: string;
  /**
   * What makes this alert the same as an earlier one of its kind (for dataset drift, the
   * drifted columns): a repeat of an unchanged alert is held back for `repeatMs`, a changed one
   * only for the cooldown. Without one, only the cooldown applies. Monitors set it.
   */
  readonly fingerprint?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** Writes one line per alert to the logger (standard error in the CLI). */
export interface LogSink {
  readonly type: "log";
}

/** Appends one JSON line per alert to a file. */
export interface FileSink {
  readonly type: "file";
  readonly path: string;
}

/**
 * POSTs the alert as JSON to a URL; retried with exponential backoff on network errors and
 * 5xx/429 answers (4xx other than 429 is final).
 */
export interface WebhookSink {
  readonly type: "webhook";
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Attempts in all (default 4). */
  readonly attempts?: number;
  /** First backoff in ms, doubled each retry (default 500). */
  readonly backoffMs?: number;
  /** Per-attempt timeout in ms (default 10,000). */
  readonly timeoutMs?: number;
}

/**
 * Starts a pipeline of the project (e.g. retraining) when the alert fires. The monitor module
 * only declares it; whoever runs the monitor supplies a {@link PipelineStarter} (the
 * `keel monitor run` command wires src/orchestrate's `triggerPipeline`).
 */
export interface PipelineSink {
  readonly type: "pipeline";
  readonly pipeline: string;
  /** Run params (the alert's kind and message are added as `alertKind` / `reason`). */
  readonly params?: Readonly<Record<string, unknown>>;
}

/** Where alerts go. */
export type AlertSink = LogSink | FileSink | WebhookSink | PipelineSink;

/**
 * Starts the sink's pipeline for an alert and resolves when the run ends; `error` when it did not
 * succeed. Supplied by the caller so that the monitor module does not depend on orchestration.
 *
 * @example
 * ```ts
 * const start: PipelineStarter = async (sink, alert) => ({ runId: "r1" });
 * ```
 */
export type PipelineStarter = (
  sink: PipelineSink,
  alert: Alert,
) => Promise<{ readonly runId: string; readonly error?: string }>;

/**
 * One attempt to deliver an alert to a sink, as recorded.
 *
 * @example
 * ```ts
 * const d: AlertDelivery = { monitor: "m", kind: "dataset-drift", sink: "webhook:https://hooks.example/x", status: "delivered", attempts: 1, at: Date.now(), alert };
 * ```
 */
export interface AlertDelivery {
  readonly monitor: string;
  readonly kind: string;
  /** `log`, `file:PATH`, `webhook:URL` or `pipeline:NAME`. */
  readonly sink: string;
  /**
   * `suppressed`: an alert of this kind went to this sink within the cooldown, or the same
   * alert (same fingerprint) within the repeat interval (de-duplicated).
   */
  readonly status: "delivered" | "failed" | "suppressed";
  readonly attempts: number;
  readonly error?: string;
  /** Epoch milliseconds. */
  readonly at: number;
  readonly alert: Alert;
}

/**
 * Where deliveries are recorded, for cooldown, de-duplication and `keel monitor alerts`.
 * Contract: `record` is durable once it resolves; `lastDelivered` returns the time and alert of
 * the latest `delivered` record for that monitor, alert kind and sink; `list` returns records
 * newest first.
 *
 * @example
 * ```ts
 * const log: AlertLog = memoryAlertLog();
 * ```
 */
export interface AlertLog {
  record(delivery: AlertDelivery): Promise<void>;
  lastDelivered(
    monitor: string,
    kind: string,
    sink: string,
  ): Promise<{ readonly at: number; readonly alert: Alert } | undefined>;
  list(options?: { monitor?: string; limit?: number }): Promise<AlertDelivery[]>;
}
