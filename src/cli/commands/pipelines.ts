import { KeelError } from "../../core/index.js";
import {
  backfill,
  compileSchedule,
  dayStartIn,
  type PipelineDefinition,
  type PipelineResult,
  QueueExecutor,
  replayDeadLetter,
  runPipeline,
  runScheduler,
  scheduleOf,
  topologicalOrder,
} from "../../orchestrate/index.js";
import { defineCommand, read, requireOption } from "../command.js";
import { PROJECT_OPTIONS, parseTime } from "../features-project.js";
import { formatTable } from "../format.js";
import {
  EXECUTOR_OPTION,
  interruptOnSignals,
  logicalDateOf,
  pipelineArg,
  progressView,
  runParams,
  stepRunnerFor,
  withPipelineStore,
} from "../pipeline-project.js";

const RUN_OPTIONS = {
  ...PROJECT_OPTIONS,
  param: {
    type: "string",
    valueName: "k=v",
    multiple: true,
    description: "set a param the pipeline declares (its params: keel pipelines list)",
  },
  force: { type: "boolean", description: "rerun steps whose outputs are cached" },
  concurrency: { type: "string", valueName: "N", description: "steps run at once (default 4)" },
  ...EXECUTOR_OPTION,
} as const;

function concurrencyOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new KeelError(
      "KEEL_ERR_USAGE",
      `--concurrency must be a whole number ≥ 1, got '${text}'`,
      {
        details: { option: "concurrency", received: text },
      },
    );
  return n;
}

/** The day after `day` (`YYYY-MM-DD`). */
function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

function printResult(
  ctx: Parameters<typeof runCommand.run>[0],
  result: PipelineResult,
  pipeline?: PipelineDefinition,
): number {
  const { run } = result;
  // The store lists steps by name; show them in the order they run.
  const rank = new Map(
    (pipeline === undefined ? [] : topologicalOrder(pipeline.steps)).map((s, i) => [s, i]),
  );
  const steps = [...result.steps].sort(
    (a, b) => (rank.get(a.step) ?? rank.size) - (rank.get(b.step) ?? rank.size),
  );
  if (ctx.json) {
    ctx.out(
      `${JSON.stringify({ run, steps: steps.map(({ outputs, ...s }) => ({ ...s, outputs: outputs === null ? null : JSON.parse(outputs) })) })}\n`,
    );
  } else {
    ctx.out(
      `${formatTable(
        ["step", "status", "attempts", "seconds", "error"],
        steps.map((s) => [
          s.step,
          s.status,
          s.attempts,
          s.startedAt !== null && s.finishedAt !== null
            ? ((s.finishedAt - s.startedAt) / 1000).toFixed(2)
            : null,
          s.error,
        ]),
      )}\nrun ${run.runId} of '${run.pipeline}' for ${run.logicalDate.toISOString()}: ${run.status}${run.error ? ` (${run.error})` : ""}\n`,
    );
  }
  return run.status === "succeeded" ? 0 : 1;
}

/**
 * `keel run PIPELINE [--resume [RUN_ID]]`: runs a pipeline of the config in this process, or
 * continues a failed or killed run from its first unfinished step.
 *
 * @example
 * ```sh
 * keel run retrain --param minImprovement=0.02
 * keel run retrain --resume
 * ```
 */
export const runCommand = defineCommand({
  path: ["run"],
  summary: "Run a pipeline (cached steps are skipped), or resume an unfinished run",
  usage:
    "PIPELINE [--resume [RUN_ID]] [--force] [--date DATE] [--param k=v]... [--executor threads|inline|queue]",
  positionals: [1, 2],
  options: {
    ...RUN_OPTIONS,
    executor: {
      type: "string",
      valueName: "threads|inline|queue",
      description:
        "where step code runs: threads = worker threads in this process, so a timeout stops a step (the default); inline = this process's own thread (for a debugger); queue = the PostgreSQL queue, run by 'keel worker' processes",
    },
    resume: {
      type: "boolean",
      description: "continue RUN_ID, or the latest unfinished run of PIPELINE",
    },
    date: {
      type: "string",
      valueName: "DATE",
      description:
        "logical date: a time, or a day for the schedule's fire time that day (default: the latest scheduled time, else today 00:00 UTC)",
    },
  },
  examples: [
    "keel run churn-retrain                      # for its latest scheduled date",
    "keel run churn-retrain --date 2025-03-03    # for that day's scheduled time (Airflow's logical date)",
    "keel run churn-retrain --resume             # continue the latest unfinished run",
    "keel run churn-retrain --resume 3f2a9c…",
    "keel run churn-retrain --force --param learningRate=0.05",
    "KEEL_DB_URL=postgres://… keel run churn-retrain --executor queue   # steps run by keel worker processes",
  ],
  async run(ctx) {
    const resume = read.flag(ctx.options, "resume");
    if (!resume && ctx.positionals.length > 1)
      throw new KeelError(
        "KEEL_ERR_USAGE",
        `keel run takes one pipeline name; a run id goes after --resume`,
        {
          details: { positionals: ctx.positionals },
        },
      );
    return withPipelineStore(ctx, async (store, loaded) => {
      const pipeline = pipelineArg(ctx, loaded);
      const view = progressView(ctx);
      const concurrency = concurrencyOf(read.string(ctx.options, "concurrency"));
      const executor = read.string(ctx.options, "executor") ?? "threads";
      if (executor === "queue") {
        const queue = await openQueue(ctx, store.database.dialect);
        try {
          const run = await queue.submit(pipeline, {
            store,
            ...(resume
              ? { resume: ctx.positionals[1] ?? true }
              : { logicalDate: logicalDateOf(ctx, pipeline), params: runParams(ctx) }),
          });
          if (!ctx.json)
            ctx.err(`queued run ${run.runId}; waiting for keel worker processes to run it\n`);
          return printResult(ctx, await queue.waitFor(store, run.runId, { pollMs: 250 }));
        } finally {
          await queue.close();
        }
      }
      if (executor !== "threads" && executor !== "inline")
        throw new KeelError(
          "KEEL_ERR_USAGE",
          `--executor must be 'threads', 'inline' or 'queue', got '${executor}'`,
          {
            details: { option: "executor", received: executor },
          },
        );
      const runner = stepRunnerFor(ctx, loaded, concurrency ?? 4);
      const interrupt = interruptOnSignals();
      try {
        const result = await runPipeline(pipeline, {
          store,
          root: loaded.root,
          ...(runner === undefined ? {} : { runner }),
          force: read.flag(ctx.options, "force"),
          ...(concurrency === undefined ? {} : { concurrency }),
          ...(resume
            ? { resume: ctx.positionals[1] ?? true }
            : { logicalDate: logicalDateOf(ctx, pipeline), params: runParams(ctx) }),
          onStep: view.onStep,
          log: view.log,
          signal: interrupt.signal,
        });
        const code = printResult(ctx, result);
        if (!interrupt.signal.aborted) return code;
        ctx.err(
          `run ${result.run.runId} interrupted; continue it with: keel run ${pipeline.name} --resume ${result.run.runId}\n`,
        );
        // A step that ignores ctx.signal keeps timers alive: once the store has closed and the
        // output is flushed, do not wait for it (its try is already recorded as failed).
        setTimeout(() => process.exit(130), 2000).unref();
        return 130;
      } finally {
        interrupt.dispose();
        await runner?.close();
      }
    });
  },
});

/**
 * `keel backfill PIPELINE --from DATE --to DATE`: runs every scheduled date of the range in
 * order on a simulated clock; dates already done are skipped.
 *
 * @example
 * ```sh
 * keel backfill retrain --from 2025-01-01 --to 2025-12-31
 * ```
 */
export const backfillCommand = defineCommand({
  path: ["backfill"],
  summary: "Run a scheduled pipeline for every fire time in a date range, oldest first",
  usage: "PIPELINE --from DATE --to DATE [--param k=v]... [--force]",
  positionals: [1, 1],
  options: {
    ...RUN_OPTIONS,
    from: {
      type: "string",
      valueName: "DATE",
      description:
        "first logical date (inclusive; a day starts at midnight in the schedule's zone)",
    },
    to: {
      type: "string",
      valueName: "DATE",
      description: "last logical date (inclusive; a day takes every fire time on it)",
    },
  },
  examples: ["keel backfill churn-retrain --from 2025-01-01 --to 2025-12-31"],
  async run(ctx) {
    const fromText = requireOption(ctx, "from");
    const toText = requireOption(ctx, "to");
    parseTime(fromText, "--from");
    parseTime(toText, "--to");
    return withPipelineStore(ctx, async (store, loaded) => {
      const pipeline = pipelineArg(ctx, loaded);
      // Days are whole days of the schedule's time zone: --to 2025-03-10 takes that Monday's
      // 03:00 Berlin run, as Airflow's inclusive end date does.
      const zone = scheduleOf(pipeline)?.timezone ?? "UTC";
      const isDay = (text: string) => /^\d{4}-\d{2}-\d{2}$/.test(text);
      const from = isDay(fromText)
        ? dayStartIn(zone, fromText)
        : new Date(parseTime(fromText, "--from"));
      const to = isDay(toText)
        ? new Date(dayStartIn(zone, nextDay(toText)).getTime() - 1)
        : new Date(parseTime(toText, "--to"));
      const concurrency = concurrencyOf(read.string(ctx.options, "concurrency"));
      const runner = stepRunnerFor(ctx, loaded, concurrency ?? 4);
      const result = await backfill(pipeline, {
        store,
        root: loaded.root,
        ...(runner === undefined ? {} : { runner }),
        from,
        to,
        params: runParams(ctx),
        force: read.flag(ctx.options, "force"),
        ...(concurrency === undefined ? {} : { concurrency }),
        onRun: (date, outcome) => {
          if (!ctx.json)
            ctx.err(
              `${date.toISOString()} ${"skipped" in outcome ? "already done" : `${outcome.run.status} (run ${outcome.run.runId})`}\n`,
            );
        },
      }).finally(() => runner?.close());
      const summary = {
        dates: result.dates.length,
        ran: result.ran.length,
        skipped: result.skipped.length,
        succeeded: result.succeeded,
      };
      ctx.out(
        ctx.json
          ? `${JSON.stringify({ ...summary, runs: result.ran })}\n`
          : `${summary.dates} scheduled date${summary.dates === 1 ? "" : "s"}: ${summary.ran} run, ${summary.skipped} already done${result.succeeded ? "" : "; stopped at a failed run"}\n`,
      );
      return result.succeeded ? 0 : 1;
    });
  },
});

/**
 * `keel pipelines list`: the config's pipelines with their steps and schedules.
 *
 * @example
 * ```sh
 * keel pipelines list
 * ```
 */
export const pipelinesListCommand = defineCommand({
  path: ["pipelines", "list"],
  summary: "List the config's pipelines: steps, params, schedule and next scheduled run",
  usage: "[--json]",
  positionals: [0, 0],
  options: { ...PROJECT_OPTIONS },
  async run(ctx) {
    return withPipelineStore(ctx, async (_store, loaded) => {
      const now = new Date();
      const rows = loaded.pipelines.map((p) => {
        const s = scheduleOf(p);
        return {
          name: p.name,
          steps: Object.keys(p.steps),
          after: Object.fromEntries(Object.entries(p.steps).map(([n, d]) => [n, d.after ?? []])),
          params: p.params ?? {},
          schedule: s ? `${s.cron} (${s.timezone}${s.catchup ? ", catch-up" : ""})` : null,
          nextRun: s ? (compileSchedule(p.name, s).nextRun(now)?.toISOString() ?? null) : null,
        };
      });
      ctx.out(
        ctx.json
          ? `${JSON.stringify(rows)}\n`
          : `${formatTable(
              ["pipeline", "steps", "params", "schedule", "next run"],
              rows.map((r) => [
                r.name,
                stepsText(r.steps, r.after),
                Object.entries(r.params)
                  .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
                  .join(" "),
                r.schedule ?? "manual only",
                r.nextRun,
              ]),
            )}\n`,
      );
      return 0;
    });
  },
});

/**
 * The steps as one line: `a → b → c` when they form one chain in this order, else each step
 * with what it waits for (`a, b ← a, c ← a+b`), so a fan-out is not drawn as a chain.
 */
function stepsText(steps: readonly string[], after: Readonly<Record<string, readonly string[]>>) {
  const chain = steps.every((step, i) => {
    const deps = after[step] ?? [];
    return i === 0 ? deps.length === 0 : deps.length === 1 && deps[0] === steps[i - 1];
  });
  if (chain) return steps.join(" → ");
  return steps
    .map((step) => {
      const deps = after[step] ?? [];
      return deps.length === 0 ? step : `${step} ← ${deps.join("+")}`;
    })
    .join(", ");
}

/**
 * `keel pipelines runs [PIPELINE]`: recent pipeline runs, newest first.
 *
 * @example
 * ```sh
 * keel pipelines runs retrain --limit 20
 * ```
 */
export const pipelinesRunsCommand = defineCommand({
  path: ["pipelines", "runs"],
  summary: "List pipeline runs, newest first",
  usage: "[PIPELINE] [--limit N]",
  positionals: [0, 1],
  options: {
    ...PROJECT_OPTIONS,
    limit: { type: "string", valueName: "N", description: "at most N runs (default 20)" },
  },
  async run(ctx) {
    return withPipelineStore(ctx, async (store) => {
      const pipeline = ctx.positionals[0];
      const runs = await store.listRuns({
        ...(pipeline ? { pipeline } : {}),
        limit: concurrencyOf(read.string(ctx.options, "limit")) ?? 20,
      });
      ctx.out(
        ctx.json
          ? `${JSON.stringify(runs)}\n`
          : `${formatTable(
              ["run", "pipeline", "logical date", "trigger", "status", "seconds"],
              runs.map((r) => [
                r.runId,
                r.pipeline,
                r.logicalDate.toISOString(),
                r.trigger,
                r.status,
                r.finishedAt ? ((r.finishedAt - r.createdAt) / 1000).toFixed(1) : null,
              ]),
            )}\n`,
      );
      return 0;
    });
  },
});

/**
 * `keel pipelines show RUN_ID [--logs]`: a run's steps (state, attempts, duration) and logs.
 *
 * @example
 * ```sh
 * keel pipelines show 3f2a9c… --logs
 * ```
 */
export const pipelinesShowCommand = defineCommand({
  path: ["pipelines", "show"],
  summary:
    "Show a pipeline run's steps, durations and (with --logs) step logs; a pipeline name shows its latest run",
  usage: "RUN_ID|PIPELINE [--logs] [--step NAME]",
  positionals: [1, 1],
  options: {
    ...PROJECT_OPTIONS,
    logs: { type: "boolean", description: "print the steps' log lines" },
    step: { type: "string", valueName: "NAME", description: "only this step's logs" },
  },
  async run(ctx) {
    return withPipelineStore(ctx, async (store, loaded) => {
      const given = ctx.positionals[0] ?? "";
      // A pipeline's name stands for its latest run (what `airflow dags state` users reach for).
      const named = loaded.pipelines.some((p) => p.name === given);
      const latest = named ? (await store.listRuns({ pipeline: given, limit: 1 }))[0] : undefined;
      if (named && latest === undefined)
        throw new KeelError(
          "KEEL_ERR_PIPELINE_NOT_FOUND",
          `pipeline '${given}' has no runs yet; start one with: keel run ${given}`,
          { details: { pipeline: given } },
        );
      const runId = latest?.runId ?? given;
      const result = { run: await store.getRun(runId), steps: await store.steps(runId) };
      const step = read.string(ctx.options, "step");
      const logs =
        read.flag(ctx.options, "logs") || step !== undefined ? await store.logs(runId, step) : [];
      if (ctx.json) {
        ctx.out(`${JSON.stringify({ ...result, logs })}\n`);
        return 0;
      }
      printResult(
        { ...ctx, json: false },
        result,
        loaded.pipelines.find((p) => p.name === result.run.pipeline),
      );
      for (const l of logs)
        ctx.out(
          `${new Date(l.time).toISOString()} ${l.step}#${l.attempt} ${l.level}: ${l.message}\n`,
        );
      return 0;
    });
  },
});

/**
 * `keel dlq list`: the dead-letter table (open letters unless `--all`).
 *
 * @example
 * ```sh
 * keel dlq list
 * keel dlq show 3
 * keel dlq replay 3
 * ```
 */
export const dlqListCommand = defineCommand({
  path: ["dlq", "list"],
  summary: "List dead letters: steps that failed after their retries, records steps rejected",
  usage: "[--all] [--pipeline NAME]",
  positionals: [0, 0],
  options: {
    ...PROJECT_OPTIONS,
    all: { type: "boolean", description: "include replayed letters" },
    pipeline: { type: "string", valueName: "NAME", description: "only this pipeline's" },
  },
  async run(ctx) {
    return withPipelineStore(ctx, async (store) => {
      const pipeline = read.string(ctx.options, "pipeline");
      const letters = await store.deadLetters({
        ...(read.flag(ctx.options, "all") ? {} : { status: "open" as const }),
        ...(pipeline ? { pipeline } : {}),
      });
      ctx.out(
        ctx.json
          ? `${JSON.stringify(letters)}\n`
          : `${formatTable(
              ["id", "kind", "pipeline", "step", "run", "attempts", "status", "error"],
              letters.map((l) => [
                l.id,
                l.kind,
                l.pipeline,
                l.step,
                l.runId,
                l.attempts,
                l.status,
                l.error.slice(0, 80),
              ]),
            )}\n`,
      );
      return 0;
    });
  },
});

function letterId(text: string | undefined): number {
  const id = Number(text);
  if (!Number.isInteger(id) || id < 1)
    throw new KeelError(
      "KEEL_ERR_USAGE",
      `expected a dead letter id (a whole number, see 'keel dlq list'), got '${text}'`,
      {
        details: { received: text },
      },
    );
  return id;
}

/**
 * `keel dlq show ID`: one dead letter with its error, attempts and payload.
 *
 * @example
 * ```sh
 * keel dlq show 3 --json
 * ```
 */
export const dlqShowCommand = defineCommand({
  path: ["dlq", "show"],
  summary: "Show a dead letter: the error, attempts and payload",
  usage: "ID",
  positionals: [1, 1],
  options: { ...PROJECT_OPTIONS },
  async run(ctx) {
    return withPipelineStore(ctx, async (store) => {
      const letter = await store.deadLetter(letterId(ctx.positionals[0]));
      ctx.out(
        ctx.json
          ? `${JSON.stringify(letter)}\n`
          : `dead letter ${letter.id} (${letter.kind}, ${letter.status})\npipeline ${letter.pipeline}, run ${letter.runId}, step ${letter.step}\nattempts ${letter.attempts}, filed ${new Date(letter.createdAt).toISOString()}\nerror: ${letter.error}\npayload: ${JSON.stringify(letter.payload, null, 2)}\n`,
      );
      return 0;
    });
  },
});

/**
 * `keel dlq replay ID`: resumes the failed step's run with the config's current code.
 *
 * @example
 * ```sh
 * keel dlq replay 3
 * ```
 */
export const dlqReplayCommand = defineCommand({
  path: ["dlq", "replay"],
  summary: "Replay a failed step's dead letter: resume its run with the current code",
  usage: "ID",
  positionals: [1, 1],
  options: { ...PROJECT_OPTIONS, ...EXECUTOR_OPTION },
  async run(ctx) {
    return withPipelineStore(ctx, async (store, loaded) => {
      const letter = await store.deadLetter(letterId(ctx.positionals[0]));
      const pipeline = loaded.pipelines.find((p) => p.name === letter.pipeline);
      if (pipeline === undefined)
        throw new KeelError(
          "KEEL_ERR_PIPELINE_NOT_FOUND",
          `dead letter ${letter.id} is of pipeline '${letter.pipeline}', which the config no longer defines`,
          {
            details: { id: letter.id, pipeline: letter.pipeline },
          },
        );
      const view = progressView(ctx);
      const runner = stepRunnerFor(ctx, loaded);
      try {
        return printResult(
          ctx,
          await replayDeadLetter(pipeline, letter.id, {
            store,
            root: loaded.root,
            onStep: view.onStep,
            log: view.log,
            ...(runner === undefined ? {} : { runner }),
          }),
        );
      } finally {
        await runner?.close();
      }
    });
  },
});

/**
 * `keel scheduler`: runs the config's scheduled pipelines at their fire times until stopped
 * (SIGINT/SIGTERM), resuming runs a crashed runner left behind.
 *
 * @example
 * ```sh
 * keel scheduler
 * keel scheduler --param train-weekly.trials=20
 * ```
 */
export const schedulerCommand = defineCommand({
  path: ["scheduler"],
  summary: "Run scheduled pipelines at their fire times (until Ctrl-C)",
  usage: "[--param PIPELINE.k=v]... [--executor threads|inline]",
  positionals: [0, 0],
  options: {
    ...PROJECT_OPTIONS,
    param: {
      type: "string",
      valueName: "PIPELINE.k=v",
      multiple: true,
      description:
        "a param of a scheduled pipeline's runs, over its schedule's params and defaults (e.g. train-weekly.trials=20)",
    },
    ...EXECUTOR_OPTION,
  },
  examples: ["keel scheduler", "keel scheduler --param train-weekly.trials=20"],
  async run(ctx) {
    const params = scheduledParams(runParams(ctx));
    return withPipelineStore(ctx, async (store, loaded) => {
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      const view = progressView(ctx);
      const runner = stepRunnerFor(ctx, loaded);
      try {
        await runScheduler(loaded.pipelines, {
          store,
          root: loaded.root,
          ...(runner === undefined ? {} : { runner }),
          signal: controller.signal,
          log: view.log,
          params,
          onRun: (name, result) =>
            ctx.err(
              `${new Date().toISOString()} ${name} ${result.run.logicalDate.toISOString()}: ${result.run.status}\n`,
            ),
        });
      } finally {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        await runner?.close();
      }
      return 0;
    });
  },
});

/** `--param PIPELINE.key=value` options as runScheduler's params by pipeline (names may hold dots: the last one splits). */
function scheduledParams(
  flat: Readonly<Record<string, unknown>>,
): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [key, value] of Object.entries(flat)) {
    const dot = key.lastIndexOf(".");
    if (dot <= 0 || dot === key.length - 1)
      throw new KeelError(
        "KEEL_ERR_USAGE",
        `keel scheduler --param needs PIPELINE.key=value (e.g. train-weekly.trials=20). Got '${key}' instead.`,
        { details: { option: "param", received: key } },
      );
    const pipeline = key.slice(0, dot);
    out[pipeline] = { ...out[pipeline], [key.slice(dot + 1)]: value };
  }
  return out;
}

function openQueue(
  ctx: Parameters<typeof runCommand.run>[0],
  dialect: string,
): Promise<QueueExecutor> {
  const url = read.string(ctx.options, "db") ?? process.env.KEEL_DB_URL;
  if (dialect !== "postgres" || url === undefined)
    throw new KeelError(
      "KEEL_ERR_USAGE",
      "the queue executor and keel worker need the metadata store on PostgreSQL: pass --db postgres://… or set KEEL_DB_URL",
      { details: { option: "db" } },
    );
  return QueueExecutor.open({ url, schema: read.string(ctx.options, "queue-schema") ?? "pgboss" });
}

/**
 * `keel worker`: takes pipeline steps off the pg-boss queue on PostgreSQL and runs them, until
 * SIGINT/SIGTERM. Start any number, on any machines that share the database and artifact root.
 *
 * @example
 * ```sh
 * KEEL_DB_URL=postgres://keel@db/ml keel worker --concurrency 4
 * ```
 */
export const workerCommand = defineCommand({
  path: ["worker"],
  summary: "Run pipeline steps from the PostgreSQL queue (pg-boss) until stopped",
  usage: "[--concurrency N] [--queue-schema NAME] [--executor threads|inline]",
  positionals: [0, 0],
  options: {
    ...PROJECT_OPTIONS,
    ...EXECUTOR_OPTION,
    concurrency: {
      type: "string",
      valueName: "N",
      description: "steps this worker runs at once (default 1)",
    },
    "queue-schema": {
      type: "string",
      valueName: "NAME",
      description: "pg-boss schema (default pgboss)",
    },
  },
  async run(ctx) {
    return withPipelineStore(ctx, async (store, loaded) => {
      const queue = await openQueue(ctx, store.database.dialect);
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      const concurrency = concurrencyOf(read.string(ctx.options, "concurrency")) ?? 1;
      const runner = stepRunnerFor(ctx, loaded, concurrency);
      try {
        await queue.work(loaded.pipelines, {
          store,
          root: loaded.root,
          concurrency,
          ...(runner === undefined ? {} : { runner }),
        });
        ctx.err(
          `keel worker ${process.pid} waiting for steps of ${loaded.pipelines.map((p) => p.name).join(", ") || "(no pipelines)"}\n`,
        );
        await new Promise<void>((resolve) =>
          controller.signal.addEventListener("abort", () => resolve(), { once: true }),
        );
      } finally {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        await queue.close();
        await runner?.close();
      }
      return 0;
    });
  },
});
