import { fileURLToPath } from "node:url";
import { type LoadedConfig, pipelineThreadEntry } from "../config/index.js";
import { createLogger, KeelError, type Logger } from "../core/index.js";
import {
  findPipeline,
  fireTimeOn,
  latestFireTime,
  type PipelineDefinition,
  PipelineStore,
  type StepEvent,
  type StepRunner,
  ThreadRunner,
} from "../orchestrate/index.js";
import type { CommandContext } from "./command.js";
import { read } from "./command.js";
import { parseParams } from "./commands/train.js";
import { configFor, databaseFor, parseTime } from "./features-project.js";

/**
 * Runs `work` with the project's config and pipeline state store, and closes the store after.
 *
 * @example
 * ```ts
 * await withPipelineStore(ctx, async (store, loaded) => store.listRuns());
 * ```
 */
export async function withPipelineStore<T>(
  ctx: CommandContext,
  work: (store: PipelineStore, loaded: LoadedConfig) => Promise<T>,
): Promise<T> {
  const loaded = await configFor(ctx);
  const database = await databaseFor(ctx, loaded);
  try {
    return await work(new PipelineStore(database), loaded);
  } finally {
    await database.close();
  }
}

/**
 * The `--executor` option of the commands that run steps in this process.
 *
 * @example
 * ```ts
 * options: { ...EXECUTOR_OPTION }
 * ```
 */
export const EXECUTOR_OPTION = {
  executor: {
    type: "string",
    valueName: "threads|inline",
    description:
      "where step code runs: threads = worker threads, one per running step, so a timeout stops it (the default); inline = on the command's own thread (for a debugger)",
  },
} as const;

/**
 * Whether `keel` can run steps in worker threads here: from its compiled JavaScript, yes;
 * from its TypeScript sources (keel's own tests, a development checkout) Node cannot start a
 * thread on them, and steps run inline.
 *
 * @example
 * ```ts
 * if (!threadsAvailable()) ctx.err("steps run inline\n");
 * ```
 */
export function threadsAvailable(): boolean {
  return fileURLToPath(pipelineThreadEntry()).endsWith(".js");
}

/**
 * The step runner `--executor` asks for: worker threads (the default where
 * {@link threadsAvailable}) on the project's config and metadata store, or none (inline). The
 * caller closes it.
 *
 * @example
 * ```ts
 * const runner = stepRunnerFor(ctx, loaded);
 * try { await runPipeline(p, { store, runner }); } finally { await runner?.close(); }
 * ```
 */
export function stepRunnerFor(
  ctx: CommandContext,
  loaded: LoadedConfig,
  size?: number,
): StepRunner | undefined {
  const executor = read.string(ctx.options, "executor");
  if (executor === "inline" || (executor === undefined && !threadsAvailable())) return undefined;
  if (executor !== undefined && executor !== "threads")
    throw new KeelError(
      "KEEL_ERR_USAGE",
      `${ctx.command}: --executor must be 'threads' or 'inline', got '${executor}'`,
      { details: { option: "executor", received: executor } },
    );
  const dbUrl = read.string(ctx.options, "db");
  return new ThreadRunner({
    entry: pipelineThreadEntry(),
    configFile: loaded.file,
    database: { root: loaded.root, ...(dbUrl === undefined ? {} : { dbUrl }) },
    root: loaded.root,
    ...(size === undefined ? {} : { size }),
  });
}

/**
 * The pipeline named by the first positional.
 *
 * @example
 * ```ts
 * const pipeline = pipelineArg(ctx, loaded);
 * ```
 */
export function pipelineArg(ctx: CommandContext, loaded: LoadedConfig): PipelineDefinition {
  return findPipeline(loaded.pipelines, ctx.positionals[0] ?? "");
}

/**
 * `--param k=v` options as run params, each value read as JSON when it parses (numbers,
 * booleans) and as a string otherwise.
 *
 * @example
 * ```ts
 * runParams(ctx); // { lr: 0.1, model: "gbdt" }
 * ```
 */
export function runParams(ctx: CommandContext): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, text] of Object.entries(parseParams(read.list(ctx.options, "param")))) {
    try {
      out[key] = JSON.parse(text) as unknown;
    } catch {
      out[key] = text;
    }
  }
  return out;
}

/**
 * The logical date of a manual run: `--date` (a day alone means the schedule's fire time that
 * day in its time zone, as a backfill of that day would run it; midnight UTC when it does not
 * fire that day), else the pipeline's latest fire time, else the start of today (UTC), so two
 * manual runs on one day share their cache.
 *
 * @example
 * ```ts
 * logicalDateOf(ctx, pipeline);
 * ```
 */
export function logicalDateOf(ctx: CommandContext, pipeline: PipelineDefinition): Date {
  const text = read.string(ctx.options, "date");
  if (text !== undefined) {
    const ms = parseTime(text, "--date");
    return (
      (/^\d{4}-\d{2}-\d{2}$/.test(text) ? fireTimeOn(pipeline, text) : undefined) ?? new Date(ms)
    );
  }
  const now = new Date();
  return (
    latestFireTime(pipeline, now) ??
    new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()))
  );
}

const MARK: Record<string, string> = {
  running: "…",
  succeeded: "✓",
  cached: "↺",
  failed: "✗",
  upstream_failed: "-",
};

/**
 * The progress view of a run: one line per step state change on standard error (when it is a
 * terminal, or always with `verbose`), plus a logger for step log lines.
 *
 * @example
 * ```ts
 * const { onStep, log } = progressView(ctx);
 * ```
 */
export function progressView(ctx: CommandContext): { onStep: (e: StepEvent) => void; log: Logger } {
  const show = ctx.interactive && !ctx.json;
  return {
    onStep(e) {
      if (!show) return;
      const mark = MARK[e.status] ?? e.status;
      ctx.err(
        `${mark} ${e.step.padEnd(24)} ${e.status}${e.status === "running" ? "" : ` at ${(e.elapsedMs / 1000).toFixed(1)}s`}${e.error ? `: ${e.error}` : ""}\n`,
      );
    },
    log: createLogger({
      level: "info",
      sink: (r) => {
        if (show) ctx.err(`  ${String(r.fields.step ?? "")}: ${r.message}\n`);
      },
    }),
  };
}

/**
 * Ctrl-C (SIGINT) or SIGTERM while a run is in progress: aborts the returned signal once, so
 * the run ends `failed` and resumable with its steps' states recorded instead of the process
 * dying with the run left `running`. A second Ctrl-C kills the process as usual. Call
 * `dispose` when the run is over.
 *
 * @example
 * ```ts
 * const interrupt = interruptOnSignals();
 * try { await runPipeline(p, { store, signal: interrupt.signal }); } finally { interrupt.dispose(); }
 * ```
 */
export function interruptOnSignals(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const handlers = (["SIGINT", "SIGTERM"] as const).map((name) => {
    const handler = () => controller.abort(new Error(`interrupted by ${name}`));
    process.once(name, handler);
    return [name, handler] as const;
  });
  return {
    signal: controller.signal,
    dispose: () => {
      for (const [name, handler] of handlers) process.off(name, handler);
    },
  };
}
