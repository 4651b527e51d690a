import { appendFile, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import type { Logger } from "../../core/index.js";
import { KeelError } from "../../core/index.js";
import type {
  Alert,
  AlertDelivery,
  AlertLog,
  AlertSink,
  PipelineStarter,
  WebhookSink,
} from "./alert-types.js";

/** Options of {@link deliverAlert}. */
export interface DeliverOptions {
  /** Where deliveries are recorded (and cooldowns looked up). */
  readonly log: AlertLog;
  /** An alert of one monitor and kind goes to a sink at most once per this many ms. Default 1 hour. */
  readonly cooldownMs?: number;
  /**
   * The same alert (same kind and fingerprint as the last one delivered to the sink) is sent
   * again only after this many ms, however often it is raised. Default 24 hours.
   */
  readonly repeatMs?: number;
  readonly logger?: Logger;
  /** The clock, for tests. */
  readonly now?: () => number;
  /** Starts `pipeline` sinks' runs; without it such a delivery is recorded as failed. */
  readonly startPipeline?: PipelineStarter;
  /** Waits between webhook retries, for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * A sink's name in delivery records.
 *
 * @example
 * ```ts
 * sinkName({ type: "file", path: "alerts.jsonl" }); // "file:alerts.jsonl"
 * ```
 */
export function sinkName(sink: AlertSink): string {
  return sink.type === "log"
    ? "log"
    : sink.type === "file"
      ? `file:${sink.path}`
      : sink.type === "webhook"
        ? `webhook:${sink.url}`
        : `pipeline:${sink.pipeline}`;
}

/**
 * Sends an alert to every sink and records every delivery. De-duplication, as Alertmanager's
 * group and repeat intervals: an alert of a monitor and kind goes to a sink at most once per
 * cooldown (default 1 hour), and an unchanged one (the same {@link Alert.fingerprint} as the
 * last delivered, e.g. the same drifted columns) at most once per repeat interval (default 24
 * hours), so the same drift found by an hourly monitor pages once a day, while a change (a
 * new column drifting) pages after the cooldown. Held-back ones are recorded as `suppressed`.
 * A `pipeline` sink starts its pipeline under the same rules over all the monitor's alert
 * kinds: drift and a prediction shift raised together mean one retraining, not two. A failing
 * sink does not stop the others; the result lists what happened per sink.
 *
 * @example
 * ```ts
 * await deliverAlert(alert, [{ type: "log" }, { type: "webhook", url }], { log });
 * ```
 */
export async function deliverAlert(
  alert: Alert,
  sinks: readonly AlertSink[],
  options: DeliverOptions,
): Promise<AlertDelivery[]> {
  const now = options.now ?? Date.now;
  const cooldown = options.cooldownMs ?? 3_600_000;
  const repeat = options.repeatMs ?? 86_400_000;
  const out: AlertDelivery[] = [];
  for (const sink of sinks) {
    const name = sinkName(sink);
    const last =
      sink.type === "pipeline"
        ? await lastStartedPipeline(options.log, alert.monitor, name)
        : await options.log.lastDelivered(alert.monitor, alert.kind, name);
    const at = now();
    let delivery: AlertDelivery;
    const elapsed = last === undefined ? Number.POSITIVE_INFINITY : at - last.at;
    const unchanged = last !== undefined && sameAlert(last.alert, alert);
    if (elapsed < cooldown || (unchanged && elapsed < repeat)) {
      delivery = {
        monitor: alert.monitor,
        kind: alert.kind,
        sink: name,
        status: "suppressed",
        attempts: 0,
        at,
        alert,
      };
    } else {
      const { attempts, error } = await send(alert, sink, options);
      delivery = {
        monitor: alert.monitor,
        kind: alert.kind,
        sink: name,
        status: error === undefined ? "delivered" : "failed",
        attempts,
        ...(error !== undefined ? { error } : {}),
        at: now(),
        alert,
      };
    }
    await options.log.record(delivery);
    out.push(delivery);
  }
  return out;
}

/** Same kind and fingerprint; alerts without a fingerprint are held back by the cooldown only. */
function sameAlert(a: Alert, b: Alert): boolean {
  return a.kind === b.kind && a.fingerprint !== undefined && a.fingerprint === b.fingerprint;
}

// The latest delivered start of a pipeline sink for a monitor, over every alert kind.
async function lastStartedPipeline(
  log: AlertLog,
  monitor: string,
  sink: string,
): Promise<{ at: number; alert: Alert } | undefined> {
  const kinds = new Set((await log.list({ monitor, limit: 1000 })).map((d) => d.kind));
  let last: { at: number; alert: Alert } | undefined;
  for (const kind of kinds) {
    const found = await log.lastDelivered(monitor, kind, sink);
    if (found !== undefined && (last === undefined || found.at > last.at)) last = found;
  }
  return last;
}

async function send(
  alert: Alert,
  sink: AlertSink,
  options: DeliverOptions,
): Promise<{ attempts: number; error?: string }> {
  try {
    if (sink.type === "log") {
      const line = `alert ${alert.monitor}: ${alert.kind}: ${alert.message}`;
      if (options.logger) options.logger.warn(line);
      else process.stderr.write(`${line}\n`);
      return { attempts: 1 };
    }
    if (sink.type === "file") {
      await mkdir(dirname(sink.path), { recursive: true });
      await appendFile(
        sink.path,
        `${JSON.stringify({ at: new Date().toISOString(), ...alert })}\n`,
      );
      return { attempts: 1 };
    }
    if (sink.type === "pipeline") {
      if (!options.startPipeline)
        throw new KeelError(
          "KEEL_ERR_INVALID_ARGUMENT",
          `The alert sink 'pipeline:${sink.pipeline}' needs a pipeline starter; none was given to deliverAlert.`,
          { details: { sink: sink.pipeline } },
        );
      const { runId, error } = await options.startPipeline(sink, alert);
      return error ? { attempts: 1, error: `run ${runId}: ${error}` } : { attempts: 1 };
    }
    return await postWebhook(
      alert,
      sink,
      options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
    );
  } catch (error) {
    return { attempts: 1, error: error instanceof Error ? error.message : String(error) };
  }
}

async function postWebhook(
  alert: Alert,
  sink: WebhookSink,
  sleep: (ms: number) => Promise<void>,
): Promise<{ attempts: number; error?: string }> {
  const attempts = Math.max(1, sink.attempts ?? 4);
  let backoff = sink.backoffMs ?? 500;
  let error = "";
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const response = await fetch(sink.url, {
        method: "POST",
        headers: { "content-type": "application/json", ...sink.headers },
        body: JSON.stringify(alert),
        signal: AbortSignal.timeout(sink.timeoutMs ?? 10_000),
      });
      await response.arrayBuffer();
      if (response.ok) return { attempts: attempt };
      error = `HTTP ${response.status} from ${sink.url}`;
      // A client error other than 429 will not change on retry.
      if (response.status < 500 && response.status !== 429) return { attempts: attempt, error };
    } catch (e) {
      error = `${sink.url}: ${e instanceof Error ? e.message : String(e)}`;
    }
    if (attempt < attempts) {
      await sleep(backoff);
      backoff *= 2;
    }
  }
  return { attempts, error };
}

/**
 * An in-memory {@link AlertLog} (tests, one-off runs).
 *
 * @example
 * ```ts
 * const log = memoryAlertLog();
 * ```
 */
export function memoryAlertLog(): AlertLog {
  const rows: AlertDelivery[] = [];
  return {
    async record(d) {
      rows.push(d);
    },
    async lastDelivered(monitor, kind, sink) {
      const hits = rows.filter(
        (r) =>
          r.monitor === monitor && r.kind === kind && r.sink === sink && r.status === "delivered",
      );
      // Newest by time, then by insertion (as the metadata store orders them).
      const newest = hits.reduce<AlertDelivery | undefined>(
        (best, r) => (best === undefined || r.at >= best.at ? r : best),
        undefined,
      );
      return newest && { at: newest.at, alert: newest.alert };
    },
    async list(options = {}) {
      return rows
        .filter((r) => options.monitor === undefined || r.monitor === options.monitor)
        .sort((a, b) => b.at - a.at)
        .slice(0, options.limit ?? 100);
    },
  };
}
