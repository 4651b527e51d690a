import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { KeelError } from "../core/index.js";
import type { RunArtifacts } from "./artifacts.js";
import type { Runs } from "./runs.js";
import type { DatasetInput, Metric, RunStatus } from "./types.js";
import { LIMITS, validateMetric } from "./validation.js";

/** A param or tag value: numbers and booleans are logged as their string form. @example `const v: LoggableValue = 0.1;` */
export type LoggableValue = string | number | boolean;

const FLUSH_DELAY_MS = 50;

function stringify(
  record: Readonly<Record<string, LoggableValue>>,
): { key: string; value: string }[] {
  return Object.entries(record).map(([key, value]) => ({ key, value: String(value) }));
}

/**
 * A run being logged to. Metrics are buffered and written in batches in the background (every
 * 50 ms or each 1000 metrics) and always on {@link flush} and {@link end}; params, tags,
 * artifacts and inputs are written when their promise resolves. A background write that fails
 * is reported by the next awaited call (`flush`, `end`, `logParams`…).
 *
 * @example
 * ```ts
 * const run = await tracking.startRun({ experiment: "churn", runName: "gbdt-baseline" });
 * await run.logParams({ maxDepth: 6, learningRate: 0.1 });
 * for (let step = 0; step < 100; step++) run.logMetric("loss", 1 / (step + 1), step);
 * await run.end();
 * ```
 */
export class ActiveRun {
  /** The run id (32 hex characters). */
  readonly id: string;
  readonly experimentId: string;
  readonly #runs: Runs;
  readonly #artifacts: RunArtifacts;
  readonly #onEnd: (run: ActiveRun) => void;
  #pending: Metric[] = [];
  #timer: NodeJS.Timeout | undefined;
  #chain: Promise<void> = Promise.resolve();
  #failure: unknown;
  #ended = false;

  constructor(
    id: string,
    experimentId: string,
    runs: Runs,
    artifacts: RunArtifacts,
    onEnd: (run: ActiveRun) => void,
  ) {
    this.id = id;
    this.experimentId = experimentId;
    this.#runs = runs;
    this.#artifacts = artifacts;
    this.#onEnd = onEnd;
  }

  /**
   * Buffers one metric observation (`step` defaults to 0, `timestamp` to now). NaN and
   * ±Infinity are kept. Returns at once; the write happens in the background.
   *
   * @example
   * ```ts
   * run.logMetric("auc", 0.83, 10);
   * ```
   */
  logMetric(key: string, value: number, step = 0, timestamp: number = Date.now()): void {
    this.#assertOpen();
    this.#pending.push(validateMetric({ key, value, step, timestamp }, `metric '${key}'`));
    this.#schedule();
  }

  /**
   * Buffers several metrics observed at the same step.
   *
   * @example
   * ```ts
   * run.logMetrics({ auc: 0.83, logloss: 0.41 }, 10);
   * ```
   */
  logMetrics(record: Readonly<Record<string, number>>, step = 0): void {
    const timestamp = Date.now();
    for (const [key, value] of Object.entries(record)) this.logMetric(key, value, step, timestamp);
  }

  /**
   * Logs params (immutable: logging a key again with another value is INVALID_PARAMETER_VALUE).
   *
   * @example
   * ```ts
   * await run.logParams({ maxDepth: 6, model: "gbdt" });
   * ```
   */
  async logParams(record: Readonly<Record<string, LoggableValue>>): Promise<void> {
    this.#assertOpen();
    await this.flush();
    const params = stringify(record);
    for (let i = 0; i < params.length; i += LIMITS.maxParamsPerBatch)
      await this.#runs.logBatch(this.id, { params: params.slice(i, i + LIMITS.maxParamsPerBatch) });
  }

  /**
   * Sets tags (overwriting earlier values).
   *
   * @example
   * ```ts
   * await run.setTags({ team: "growth", "mlflow.note.content": "baseline" });
   * ```
   */
  async setTags(record: Readonly<Record<string, LoggableValue>>): Promise<void> {
    this.#assertOpen();
    await this.flush();
    const tags = stringify(record);
    for (let i = 0; i < tags.length; i += LIMITS.maxTagsPerBatch)
      await this.#runs.logBatch(this.id, { tags: tags.slice(i, i + LIMITS.maxTagsPerBatch) });
  }

  /**
   * Stores a file, or a directory's files recursively, in the run's artifact tree. A file lands
   * at `<artifactPath>/<file name>`; a directory's contents land under `artifactPath` (the root
   * when omitted), as MLflow's `log_artifact` / `log_artifacts` do.
   *
   * @example
   * ```ts
   * await run.logArtifact("out/model", "model");
   * await run.logArtifact("report.html");
   * ```
   */
  async logArtifact(localPath: string, artifactPath?: string): Promise<void> {
    this.#assertOpen();
    const prefix =
      artifactPath === undefined || artifactPath === ""
        ? ""
        : `${artifactPath.replace(/\/+$/, "")}/`;
    const info = await stat(localPath).catch((error: unknown) => {
      throw new KeelError(
        "KEEL_ERR_FILE_NOT_FOUND",
        `cannot log artifact ${localPath}: ${(error as Error).message}`,
        { cause: error, details: { path: localPath } },
      );
    });
    if (!info.isDirectory()) {
      await this.#artifacts.put(
        this.id,
        `${prefix}${basename(localPath)}`,
        createReadStream(localPath),
      );
      return;
    }
    for (const entry of await readdir(localPath, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const full = join(entry.parentPath, entry.name);
      const relative = full
        .slice(localPath.length)
        .replace(/^[/\\]+/, "")
        .split(/[/\\]/)
        .join("/");
      await this.#artifacts.put(this.id, `${prefix}${relative}`, createReadStream(full));
    }
  }

  /**
   * Records a dataset the run consumed (lineage).
   *
   * @example
   * ```ts
   * await run.logInput({ name: "telco", digest: "3f2a9c", source: "data/telco.csv", context: "training" });
   * ```
   */
  async logInput(input: DatasetInput): Promise<void> {
    this.#assertOpen();
    await this.#runs.logInputs(this.id, [input]);
  }

  /**
   * Writes every buffered metric now and reports any earlier background failure.
   *
   * @example
   * ```ts
   * await run.flush();
   * ```
   */
  async flush(): Promise<void> {
    this.#enqueueFlush();
    await this.#chain;
    if (this.#failure !== undefined) {
      const failure = this.#failure;
      this.#failure = undefined;
      throw failure;
    }
  }

  /**
   * Flushes, then ends the run with a status (FINISHED by default). If the flush failed the
   * run is ended FAILED and the error is thrown.
   *
   * @example
   * ```ts
   * await run.end("KILLED");
   * ```
   */
  async end(status: RunStatus = "FINISHED"): Promise<void> {
    if (this.#ended) return;
    let failure: unknown;
    try {
      await this.flush();
    } catch (error) {
      failure = error;
    }
    this.#ended = true;
    this.#onEnd(this);
    await this.#runs.update(this.id, { status: failure === undefined ? status : "FAILED" });
    if (failure !== undefined) throw failure;
  }

  #assertOpen(): void {
    if (this.#ended)
      throw new KeelError(
        "KEEL_ERR_INVALID_STATE",
        `run ${this.id} has ended; start a new run to log more`,
        { details: { run_id: this.id } },
      );
  }

  #schedule(): void {
    if (this.#pending.length >= LIMITS.maxMetricsPerBatch) this.#enqueueFlush();
    else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.#enqueueFlush(), FLUSH_DELAY_MS);
      // A pending flush must not keep the process alive; end() or close() writes the rest.
      this.#timer.unref();
    }
  }

  #enqueueFlush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0, LIMITS.maxMetricsPerBatch);
      this.#chain = this.#chain.then(async () => {
        try {
          await this.#runs.logBatch(this.id, { metrics: batch });
        } catch (error) {
          this.#failure ??= error;
        }
      });
    }
  }
}
