import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** Latency buckets in seconds: sub-millisecond resolution where serving lives, up to 10 s. */
const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10,
];

/**
 * The Prometheus metrics of the serving routes, in a registry of their own (so two apps in one
 * process never clash): requests, errors and latency per deployment and variant, predictions
 * per variant, the prediction log's queue, and the model version each variant serves.
 *
 * @example
 * ```ts
 * const metrics = new ServingMetrics();
 * metrics.observe("churn", "champion", 0.0012, 1);
 * await metrics.text(); // Prometheus exposition format
 * ```
 */
export class ServingMetrics {
  readonly registry = new Registry();
  readonly #requests = new Counter({
    name: "keel_serve_requests_total",
    help: "Scoring requests answered, by deployment, variant and HTTP status.",
    labelNames: ["deployment", "variant", "status"] as const,
    registers: [this.registry],
  });
  readonly #errors = new Counter({
    name: "keel_serve_errors_total",
    help: "Serving requests refused or failed, by deployment and keel error code.",
    labelNames: ["deployment", "code"] as const,
    registers: [this.registry],
  });
  readonly #latency = new Histogram({
    name: "keel_serve_request_duration_seconds",
    help: "Time to validate and score a request (body parsing excluded), by deployment and variant.",
    labelNames: ["deployment", "variant"] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly #predictions = new Counter({
    name: "keel_serve_predictions_total",
    help: "Rows scored, by deployment and variant.",
    labelNames: ["deployment", "variant"] as const,
    registers: [this.registry],
  });
  readonly #bound = new Map<
    string,
    {
      ok: Counter.Internal;
      latency: Histogram.Internal<"deployment" | "variant">;
      rows: Counter.Internal;
    }
  >();

  /**
   * Registers gauges read at scrape time: the log's pending rows and their bytes (the queue's
   * two bounds), and each variant's version.
   *
   * @example
   * ```ts
   * metrics.collect(() => log.pending, () => [{ deployment: "d", variant: "v", version: "3" }],
   *   () => log.pendingBytes);
   * ```
   */
  collect(
    pending: () => number,
    versions: () => readonly { deployment: string; variant: string; version: string }[],
    pendingBytes: () => number = () => 0,
  ): void {
    new Gauge({
      name: "keel_serve_log_pending",
      help: "Predictions (rows, one per scored record) waiting in the log's queue.",
      registers: [this.registry],
      collect() {
        this.set(pending());
      },
    });
    new Gauge({
      name: "keel_serve_log_pending_bytes",
      help: "Size of the predictions waiting in the log's queue, as the queue's byte bound counts it.",
      registers: [this.registry],
      collect() {
        this.set(pendingBytes());
      },
    });
    new Gauge({
      name: "keel_serve_model_info",
      help: "1 for the model version each deployment variant serves.",
      labelNames: ["deployment", "variant", "version"] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const v of versions()) this.set(v, 1);
      },
    });
  }

  /**
   * Counts one answered request of `rows` rows that took `seconds`.
   *
   * @example
   * ```ts
   * metrics.observe("churn", "champion", 0.0009, 1);
   * ```
   */
  observe(deployment: string, variant: string, seconds: number, rows: number): void {
    const key = `${deployment}\u0000${variant}`;
    let bound = this.#bound.get(key);
    if (bound === undefined) {
      // Label lookups hash the label set; bind once per variant to keep them off the hot path.
      bound = {
        ok: this.#requests.labels(deployment, variant, "200"),
        latency: this.#latency.labels(deployment, variant),
        rows: this.#predictions.labels(deployment, variant),
      };
      this.#bound.set(key, bound);
    }
    bound.ok.inc();
    bound.latency.observe(seconds);
    bound.rows.inc(rows);
  }

  /**
   * Counts one refused or failed request.
   *
   * @example
   * ```ts
   * metrics.error("churn", "KEEL_ERR_RECORD_INVALID", 400);
   * ```
   */
  error(deployment: string, code: string, status: number): void {
    this.#errors.labels(deployment, code).inc();
    this.#requests.labels(deployment, "", String(status)).inc();
  }

  /**
   * The Prometheus text exposition.
   *
   * @example
   * ```ts
   * reply.type(metrics.registry.contentType).send(await metrics.text());
   * ```
   */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
