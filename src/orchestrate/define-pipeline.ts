import { type JsonValue, KeelError } from "../core/index.js";
import type { FeatureStoreOptions } from "../features/index.js";
import { validateDag } from "./dag.js";
import { runParamsOf } from "./run-params.js";
import { compileSchedule, scheduleOf } from "./schedule.js";
import type { StepContext } from "./step-context.js";

/**
 * One step of a pipeline: what it runs, what it waits for and how it fails.
 *
 * @example
 * ```ts
 * const train: StepDefinition = step({ after: ["validate"], retries: 2, run: async (ctx) => ({ auc: 0.84 }) });
 * ```
 */
export interface StepDefinition<P = Record<string, unknown>> {
  /** Steps that must finish first; their outputs arrive in `ctx.inputs`. */
  readonly after?: readonly string[];
  /** Files (relative to the project root) whose contents the step reads: their hashes are in its cache key. */
  readonly inputs?: readonly string[];
  /** The work. Returns JSON outputs (or nothing); anything else is a `KEEL_ERR_STEP_OUTPUT`. */
  // Method syntax: a step typed for its pipeline's params is still a step of any pipeline.
  run(ctx: StepContext<P>): Promise<JsonValue | undefined> | JsonValue | undefined;
  /** How many times to retry after the first failure (Airflow's `retries`). Default 0. */
  readonly retries?: number;
  /** The first retry's delay in ms; each retry doubles it, plus jitter (Airflow's `retry_delay` with exponential backoff). Default 1000. */
  readonly retryDelay?: number;
  /** The longest delay between retries in ms (Airflow's `max_retry_delay`). Default 600000. */
  readonly maxRetryDelay?: number;
  /** A try that runs longer fails with `KEEL_ERR_STEP_TIMEOUT` (and is retried); `ctx.signal` aborts. Default: none. */
  readonly timeoutMs?: number;
  /** false: always run (never reuse recorded outputs). Default true. */
  readonly cache?: boolean;
  /** Bump when code the step calls (not its own text) changes, to invalidate its cache. */
  readonly version?: string;
}

/**
 * A pipeline: named steps forming a DAG, default params and an optional schedule.
 *
 * @example
 * ```ts
 * const p: PipelineDefinition = definePipeline({ name: "retrain", steps: { a: step({ run: () => 1 }) } });
 * ```
 */
export interface PipelineDefinition<P = Record<string, unknown>> {
  readonly name: string;
  /** Default params; `keel run --param k=v` overrides them. Part of every step's cache key. */
  readonly params?: P;
  /**
   * Cron schedule (croner syntax), in `timezone` (default UTC). `params` are the scheduled
   * runs' params (over the pipeline's defaults; backfills replay them too): declared params
   * only, checked like `keel run --param`.
   */
  readonly schedule?:
    | string
    | {
        readonly cron: string;
        readonly timezone?: string;
        readonly catchup?: boolean;
        readonly params?: Readonly<Partial<P>> & Readonly<Record<string, unknown>>;
      };
  readonly steps: Readonly<Record<string, StepDefinition<P>>>;
  /**
   * The feature store a step opens with `ctx.features()`: the store settings, project name and
   * on-demand views. A pipeline in `keel.config.ts` gets `defineConfig`'s (`offlineStore`,
   * `onlineStore`, `project`, `onDemandFeatureViews`) when it sets none; from code, default: the
   * embedded stores (DuckDB, SQLite) and the project directory's name.
   */
  readonly featureStore?: FeatureStoreSettings;
}

/**
 * A feature store's settings without the metadata store and project directory, which a step's
 * run supplies (see {@link PipelineDefinition.featureStore}).
 *
 * @example
 * ```ts
 * const settings: FeatureStoreSettings = { onlineStore: { type: "redis" }, project: "churn" };
 * ```
 */
export type FeatureStoreSettings = Omit<FeatureStoreOptions, "database" | "root">;

/**
 * Declares a step (an identity function that types it).
 *
 * @example
 * ```ts
 * const ingest = step({ inputs: ["data/telco_churn.csv"], run: async (ctx) => ({ rows: 7043 }) });
 * ```
 */
export function step<P = Record<string, unknown>>(
  definition: StepDefinition<P>,
): StepDefinition<P> {
  return definition;
}

/** The longest delay a Node timer holds (2^31 − 1 ms). */
const MAX_TIMER_MS = 2_147_483_647;

const NAME = /^[A-Za-z_][\w.-]{0,127}$/;

/**
 * Declares a pipeline and validates it: names, step options and the DAG (a cycle, an unknown
 * dependency), each problem naming its step. Throws one `KEEL_ERR_PIPELINE_DEFINITION` listing
 * every issue.
 *
 * @example
 * ```ts
 * export const retrain = definePipeline({
 *   name: "retrain",
 *   schedule: { cron: "0 3 * * 1", timezone: "Europe/Berlin", params: { target: "churned" } },
 *   params: { target: "churn" },
 *   steps: {
 *     ingest: step({ run: async () => ({ rows: 7043 }) }),
 *     train: step({ after: ["ingest"], retries: 2, run: async (ctx) => ({ rows: ctx.inputs.ingest }) }),
 *   },
 * });
 * ```
 */
export function definePipeline<P = Record<string, unknown>>(
  definition: PipelineDefinition<P>,
): PipelineDefinition<P> {
  const issues = pipelineIssues(definition as PipelineDefinition<unknown>);
  if (issues.length > 0) {
    const name = typeof definition?.name === "string" ? definition.name : "?";
    throw new KeelError(
      "KEEL_ERR_PIPELINE_DEFINITION",
      `pipeline '${name}' is invalid: ${issues.join("; ")}`,
      { details: { pipeline: name, issues } },
    );
  }
  return definition;
}

/**
 * Every problem of one pipeline definition, as sentences naming the step (empty when valid).
 *
 * @example
 * ```ts
 * pipelineIssues({ name: "p", steps: { a: step({ after: ["b"], run: () => 1 }) } });
 * // ["step 'a': unknown dependency 'b' in after (steps: a)"]
 * ```
 */
export function pipelineIssues(definition: PipelineDefinition<unknown>): string[] {
  if (definition === null || typeof definition !== "object")
    return [`expected a pipeline object, got ${typeof definition}`];
  const issues: string[] = [];
  if (typeof definition.name !== "string" || !NAME.test(definition.name))
    issues.push(
      `name must match ${NAME} (letters, digits, _ . -), got ${JSON.stringify(definition.name)}`,
    );
  const steps = definition.steps;
  if (steps === null || typeof steps !== "object" || Object.keys(steps).length === 0)
    return [...issues, "steps must be an object with at least one step"];
  for (const [name, s] of Object.entries(steps)) {
    const at = `step '${name}'`;
    if (!NAME.test(name)) issues.push(`${at}: the name must match ${NAME}`);
    if (s === null || typeof s !== "object" || typeof s.run !== "function") {
      issues.push(`${at}: expected step({ run: async (ctx) => outputs, ... })`);
      continue;
    }
    for (const key of ["retries", "retryDelay", "maxRetryDelay", "timeoutMs"] as const) {
      const v = s[key];
      if (v !== undefined && !(typeof v === "number" && Number.isFinite(v) && v >= 0))
        issues.push(`${at}: ${key} must be a number ≥ 0, got ${JSON.stringify(v)}`);
      // Node fires a longer timer after 1 ms: a 35-day timeout would fail every try at once.
      else if (typeof v === "number" && v > MAX_TIMER_MS && key !== "retries")
        issues.push(`${at}: ${key} must be at most ${MAX_TIMER_MS} ms (about 24.8 days), got ${v}`);
    }
    if (s.timeoutMs === 0)
      issues.push(`${at}: timeoutMs must be > 0 ms; leave it out for no timeout`);
    if (s.retries !== undefined && !Number.isInteger(s.retries))
      issues.push(`${at}: retries must be an integer, got ${s.retries}`);
    if (
      s.inputs !== undefined &&
      (!Array.isArray(s.inputs) || s.inputs.some((i) => typeof i !== "string"))
    )
      issues.push(`${at}: inputs must be a list of file paths`);
  }
  issues.push(...validateDag(steps));
  try {
    const schedule = scheduleOf(definition);
    if (schedule !== undefined) {
      compileSchedule(String(definition.name), schedule);
      runParamsOf(definition, schedule.params);
    }
  } catch (error) {
    issues.push((error as Error).message);
  }
  return issues;
}

/**
 * Checks a list of pipelines as a config holds them: each valid, no name twice.
 *
 * @example
 * ```ts
 * validatePipelines([retrain, refresh]); // throws KEEL_ERR_PIPELINE_DEFINITION on a duplicate name
 * ```
 */
export function validatePipelines<P>(
  pipelines: readonly PipelineDefinition<P>[],
): readonly PipelineDefinition<P>[] {
  if (!Array.isArray(pipelines))
    throw new KeelError(
      "KEEL_ERR_PIPELINE_DEFINITION",
      "pipelines must be a list of definePipeline(...)",
      {
        details: {},
      },
    );
  const issues: string[] = [];
  const seen = new Map<string, number>();
  pipelines.forEach((p, i) => {
    for (const issue of pipelineIssues(p as PipelineDefinition<unknown>))
      issues.push(`pipelines[${i}] ('${String(p?.name)}'): ${issue}`);
    const first = seen.get(p?.name);
    if (first !== undefined)
      issues.push(
        `pipeline '${p.name}' is defined twice (pipelines[${first}] and pipelines[${i}])`,
      );
    else seen.set(p?.name, i);
  });
  if (issues.length > 0)
    throw new KeelError("KEEL_ERR_PIPELINE_DEFINITION", issues.join("; "), { details: { issues } });
  return pipelines;
}

/**
 * Finds a pipeline by name, or says which exist.
 *
 * @example
 * ```ts
 * const p = findPipeline(config.pipelines ?? [], "retrain");
 * ```
 */
export function findPipeline<P>(
  pipelines: readonly PipelineDefinition<P>[],
  name: string,
): PipelineDefinition<P> {
  const found = pipelines.find((p) => p.name === name);
  if (found !== undefined) return found;
  throw new KeelError(
    "KEEL_ERR_PIPELINE_NOT_FOUND",
    `no pipeline named '${name}' in the config; pipelines: ${pipelines.map((p) => p.name).join(", ") || "(none)"}`,
    { details: { pipeline: name } },
  );
}
