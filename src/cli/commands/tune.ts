import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { isKeelError, KeelError } from "../../core/index.js";
import { readFrame } from "../../data/index.js";
import { METRIC_NAMES, type MetricSpec, resolveMetric } from "../../evaluate/index.js";
import { gbdtParams } from "../../models/index.js";
import {
  type ActiveRun,
  defaultTuneMetric,
  inferTask,
  openTracking,
  saveTrainedModel,
  targetColumnOf,
  tuneGbdt,
} from "../../track/index.js";
import { parseSearchSpace, type SearchSpace } from "../../tune/index.js";
import { type CommandContext, defineCommand, read, requireOption } from "../command.js";
import { formatTable } from "../format.js";
import { createProgressBar } from "../progress-bar.js";
import { dataPath } from "./data-profile.js";

/**
 * `keel tune`: a TPE search over GBDT hyperparameters scored by k-fold cross-validation, with
 * a progress bar showing the best value so far; refits the best configuration on all rows and
 * writes its bundle. With `--experiment`, the study is a tracked run and every trial a nested
 * run (params, per-fold metric, final value).
 *
 * @example
 * ```sh
 * keel tune --data telco.csv --target churn --trials 50 --cv 5 --metric rocAuc --out models/tuned
 * ```
 */
export const tuneCommand = defineCommand({
  path: ["tune"],
  summary: "Search model hyperparameters with TPE and cross-validation, then refit the best",
  usage:
    "--data FILE --target COL [--model gbdt] [--trials 50] [--cv 5] [--metric rocAuc [--recall R|--precision P|--k K]] [--jobs N] [--space FILE] [--seed S] [--experiment NAME] --out DIR",
  description:
    "Ctrl-C (SIGINT) or SIGTERM stops the search: running trials are failed as interrupted, the tracked parent run ends KILLED, the best configuration so far is refitted and its bundle written to --out (its path printed), and keel exits with 130. A second Ctrl-C exits at once.",
  positionals: [0, 0],
  options: {
    data: { type: "string", valueName: "FILE", description: "training data" },
    target: { type: "string", valueName: "COL", description: "the column to predict" },
    positive: {
      type: "string",
      valueName: "VALUE",
      description: "positive class of a binary target",
    },
    model: { type: "string", valueName: "KIND", description: "gbdt (default)", default: "gbdt" },
    trials: { type: "string", valueName: "N", description: "trials to run (default 50)" },
    cv: { type: "string", valueName: "K", description: "cross-validation folds (default 5)" },
    metric: {
      type: "string",
      valueName: "NAME",
      description:
        "metric to optimise (default rocAuc; logLoss for multiclass; rmse for regression); any metric keel eval knows",
    },
    recall: {
      type: "string",
      valueName: "R",
      description: "recall level of precisionAtRecall / thresholdAtRecall (default 0.8)",
    },
    precision: {
      type: "string",
      valueName: "P",
      description: "precision level of recallAtPrecision (default 0.8)",
    },
    k: {
      type: "string",
      valueName: "K",
      description: "top fraction of liftAt (default 0.1)",
    },
    jobs: {
      type: "string",
      valueName: "N",
      description: "trials at once, each on its own worker thread (default 1)",
    },
    space: {
      type: "string",
      valueName: "FILE",
      description:
        "JSON search space (default: the model's declared search hints; numLeaves only under growPolicy lossguide)",
    },
    seed: { type: "string", valueName: "S", description: "seed of sampler and folds (default 0)" },
    experiment: { type: "string", valueName: "NAME", description: "track study and trials here" },
    out: { type: "string", valueName: "DIR", description: "where to write the best model bundle" },
  },
  examples: [
    "keel tune --data telco.csv --target churn --positive Yes --trials 50 --out models/tuned",
    "keel tune --data telco.csv --target churn --space space.json --jobs 2 --seed 7 --out m --json",
  ],
  async run(ctx) {
    const dataArg = requireOption(ctx, "data");
    const target = requireOption(ctx, "target");
    const out = resolve(ctx.cwd, requireOption(ctx, "out"));
    const modelKind = read.string(ctx.options, "model") ?? "gbdt";
    if (modelKind !== "gbdt") {
      throw new KeelError("KEEL_ERR_USAGE", `--model must be 'gbdt'. Got '${modelKind}' instead.`);
    }
    const nTrials = intOption(ctx, "trials", 50, 1);
    const folds = intOption(ctx, "cv", 5, 2);
    const nJobs = intOption(ctx, "jobs", 1, 1);
    const seed = intOption(ctx, "seed", 0, 0);
    const positive = read.string(ctx.options, "positive");
    const space = loadSpace(ctx);
    const dataFile = dataPath(ctx, dataArg);
    const frame = await readFrame(dataFile);
    const task = inferTask(targetColumnOf(frame, target, `--target in ${dataArg}`), positive);
    const metric = metricSpecOf(ctx, read.string(ctx.options, "metric") ?? defaultTuneMetric(task));

    const experiment = read.string(ctx.options, "experiment");
    const tracking = experiment ? await openTracking({ root: ctx.cwd }) : undefined;
    const interrupt = interruptOnSignals();
    let parent: ActiveRun | undefined;
    try {
      parent = tracking
        ? await tracking.startRun({ experiment, runName: `tune-${target}` })
        : undefined;
      const tuned = await tuneGbdt(frame, {
        target,
        ...(positive === undefined ? {} : { positive }),
        task,
        nTrials,
        cv: folds,
        metric,
        seed,
        ...(space === undefined ? {} : { space }),
        nJobs,
        signal: interrupt.signal,
        progress: createProgressBar({
          write: (t) => ctx.err(t),
          interactive: ctx.interactive && !ctx.json,
        }),
        ...(tracking && parent ? { tracking: { tracking, run: parent } } : {}),
      }).catch((error: unknown) => {
        // Interrupted before any trial completed: nothing to refit.
        if (isKeelError(error) && error.code === "KEEL_ERR_CANCELLED") return error;
        throw error;
      });
      // A second Ctrl-C while the best model is refitted and saved exits at once.
      interrupt.dispose();
      if (tuned instanceof KeelError) {
        if (parent) await parent.end("KILLED");
        const { trials, ...counts } = tuned.details as { trials: number };
        ctx.err(`Interrupted after ${trials} trials, none complete: no bundle written.\n`);
        if (ctx.json)
          ctx.out(`${JSON.stringify({ interrupted: true, bundle: null, trials: counts })}\n`);
        return 130;
      }
      const { interrupted, bestParams } = tuned;
      await saveTrainedModel(out, {
        model: tuned.model,
        x: frame.drop([target]),
        target,
        ...(positive === undefined ? {} : { positive }),
        params: tuned.params,
        metrics: { [`cv.${tuned.metricKey}`]: tuned.bestValue },
        data: dataFile,
        trainedOn: dataArg,
        ...(parent ? { run: parent } : {}),
      });
      // MLflow's status for a run stopped by the user.
      if (parent) await parent.end(interrupted ? "KILLED" : "FINISHED");
      const counts = tuned.trials;
      const total = tuned.study.trials.length;
      const summary = {
        metric: tuned.metricKey,
        direction: tuned.direction,
        bestValue: tuned.bestValue,
        bestParams,
        bestTrial: tuned.bestTrial,
        trials: counts,
        bundle: out,
        ...(interrupted ? { interrupted: true } : {}),
        ...(parent ? { runId: parent.id, experiment } : {}),
      };
      if (interrupted) {
        ctx.err(
          `Interrupted after ${total} trials; best-so-far bundle (trial ${tuned.bestTrial}) written to ${out}\n`,
        );
      }
      if (ctx.json) ctx.out(`${JSON.stringify(summary)}\n`);
      else {
        ctx.out(
          `Best ${tuned.metricKey} ${Number(tuned.bestValue.toPrecision(6))} (trial ${tuned.bestTrial} of ${total}; ${counts.COMPLETE} complete, ${counts.PRUNED} pruned, ${counts.FAIL} failed) → ${out}\n\n`,
        );
        ctx.out(
          `${formatTable(
            ["param", "value"],
            Object.entries(bestParams).map(([k, v]) => [
              k,
              typeof v === "number" ? Number(v.toPrecision(6)) : String(v),
            ]),
          )}\n`,
        );
      }
      return interrupted ? 130 : 0;
    } catch (error) {
      if (parent) await parent.end(interrupt.signal.aborted ? "KILLED" : "FAILED");
      throw error;
    } finally {
      interrupt.dispose();
      await tracking?.close();
    }
  },
});

/**
 * An abort signal for SIGINT and SIGTERM while a search runs. `once`: after the first signal
 * the default handler is back, so a second Ctrl-C ends the process at once.
 */
function interruptOnSignals(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => controller.abort(name);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.removeListener("SIGINT", onSignal);
      process.removeListener("SIGTERM", onSignal);
    },
  };
}

/** Metric parameters by flag; which metric takes which is read from the metric registry. */
const METRIC_FLAGS = ["recall", "precision", "k"] as const;

/**
 * `--metric NAME` with its parameter flag (`--recall 0.8`), as `crossValidate` takes it. A flag
 * the metric does not take is a usage error naming the metrics that do.
 */
function metricSpecOf(ctx: CommandContext, name: string): MetricSpec {
  resolveMetric(name, "--metric");
  const spec: Record<string, string | number> = { metric: name };
  for (const flag of METRIC_FLAGS) {
    const text = read.string(ctx.options, flag);
    if (text === undefined) continue;
    const value = Number(text);
    if (!(Number.isFinite(value) && value > 0 && value <= 1)) {
      throw new KeelError(
        "KEEL_ERR_USAGE",
        `--${flag} must be a number in (0, 1]. Got '${text}' instead.`,
        { details: { option: flag, received: text } },
      );
    }
    // A level no default uses tells which metrics read this flag.
    const probe = 0.123456789;
    const takes = (metric: string) =>
      resolveMetric({ metric, [flag]: probe } as MetricSpec).key.endsWith(`@${probe}`);
    if (!takes(name)) {
      const which = METRIC_NAMES.filter(takes);
      throw new KeelError(
        "KEEL_ERR_USAGE",
        `--${flag} does not apply to --metric ${name}; it sets the level of ${which.join(", ")}.`,
        { details: { option: flag, metric: name, appliesTo: which } },
      );
    }
    spec[flag] = value;
  }
  return spec as unknown as MetricSpec;
}

function intOption(ctx: CommandContext, name: string, fallback: number, min: number): number {
  const text = read.string(ctx.options, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!(Number.isInteger(value) && value >= min)) {
    throw new KeelError(
      "KEEL_ERR_USAGE",
      `--${name} must be an integer >= ${min}. Got '${text}' instead.`,
      {
        details: { option: name, received: text },
      },
    );
  }
  return value;
}

/** The `--space` file's search space; without one, tuneGbdt's default (the GBDT's search hints). */
function loadSpace(ctx: CommandContext): SearchSpace | undefined {
  const file = read.string(ctx.options, "space");
  if (file === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(dataPath(ctx, file), "utf8"));
  } catch (error) {
    const code =
      (error as NodeJS.ErrnoException).code === "ENOENT"
        ? "KEEL_ERR_FILE_NOT_FOUND"
        : "KEEL_ERR_PARSE";
    throw new KeelError(code, `--space ${file}: ${(error as Error).message}`, {
      details: { file },
    });
  }
  return parseSearchSpace(json, gbdtParams, file);
}
