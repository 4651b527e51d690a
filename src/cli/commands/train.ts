import { resolve } from "node:path";
import {
  type Column,
  createLogger,
  type Estimator,
  type FittedModel,
  type Frame,
  KeelError,
  type Logger,
  type Task,
} from "../../core/index.js";
import { readFrame } from "../../data/index.js";
import { accuracy, logLoss, mae, rmse, rocAuc } from "../../evaluate/index.js";
import {
  type BatchPredictions,
  encodeClassTarget,
  encodeKnownClasses,
  FittedGbdt,
  gbdtEstimator,
  gbdtParams,
  LinearRegression,
  LogisticRegression,
  linearRegressionParams,
  logisticRegressionParams,
  predictBatch,
  readBundleData,
  regressionTarget,
} from "../../models/index.js";
import {
  type ActiveRun,
  inferTask,
  keelVersion,
  openTracking,
  saveTrainedModel,
  targetColumnOf,
} from "../../track/index.js";
import { linearPreprocessing } from "../../transform/index.js";
import { type CommandContext, defineCommand, read, requireOption } from "../command.js";
import { formatTable } from "../format.js";
import { createProgressBar } from "../progress-bar.js";
import { dataPath } from "./data-profile.js";

/**
 * `keel train`: reads a data file, infers the task when not given, fits the model (GBDT with
 * native categoricals and missing values), writes a model bundle and prints a summary. With
 * `--experiment` the run is tracked (params, metrics, the bundle as artifact `model`).
 *
 * @example
 * ```sh
 * keel train --data telco.csv --target churn --positive Yes --param nEstimators=200 --out models/churn
 * ```
 */
export const trainCommand = defineCommand({
  path: ["train"],
  summary: "Train a model on a data file and write a model bundle",
  usage:
    "--data FILE --target COL [--positive V] [--task binary|multiclass|regression] [--model gbdt|linear] [--param k=v]... [--valid FILE] [--experiment NAME] --out DIR",
  positionals: [0, 0],
  options: {
    data: {
      type: "string",
      valueName: "FILE",
      description: "training data (CSV, TSV, Parquet, JSON lines)",
    },
    target: { type: "string", valueName: "COL", description: "the column to predict" },
    positive: {
      type: "string",
      valueName: "VALUE",
      description: "the positive class of a binary target",
    },
    task: {
      type: "string",
      valueName: "TASK",
      description: "binary, multiclass or regression (inferred when left out)",
    },
    model: {
      type: "string",
      valueName: "KIND",
      description: "gbdt (default) or linear (logistic/ridge with impute, scale, one-hot)",
      default: "gbdt",
    },
    param: {
      type: "string",
      valueName: "KEY=VALUE",
      multiple: true,
      description: "a model parameter, e.g. nEstimators=200 (repeatable)",
    },
    valid: {
      type: "string",
      valueName: "FILE",
      description: "validation data for early stopping and metrics",
    },
    experiment: {
      type: "string",
      valueName: "NAME",
      description: "track the run under this experiment",
    },
    out: { type: "string", valueName: "DIR", description: "where to write the model bundle" },
    verbose: {
      type: "boolean",
      description:
        "print on standard error where the time went (read, preprocess, fit, metrics, tracking, bundle write)",
    },
  },
  examples: [
    "keel train --data telco.csv --target churn --positive Yes --out models/churn",
    "keel train --data telco.csv --target churn --param nEstimators=200 --param maxDepth=6 --out m --json",
  ],
  async run(ctx) {
    const dataFile = dataPath(ctx, requireOption(ctx, "data"));
    const target = requireOption(ctx, "target");
    const out = resolve(ctx.cwd, requireOption(ctx, "out"));
    const modelKind = read.string(ctx.options, "model") ?? "gbdt";
    if (modelKind !== "gbdt" && modelKind !== "linear") {
      throw new KeelError(
        "KEEL_ERR_USAGE",
        `--model must be 'gbdt' or 'linear'. Got '${modelKind}' instead.`,
        { details: { option: "model", received: modelKind } },
      );
    }
    const params = parseParams(read.list(ctx.options, "param"));
    const positive = resolvePositive(read.string(ctx.options, "positive"), params);
    const logger = cliLogger(ctx);
    const clock = new PhaseClock();
    const frame = await readFrame(dataFile);
    clock.lap("read");
    const yColumn = targetColumnOf(
      frame,
      target,
      `--target in ${read.string(ctx.options, "data") ?? "--data"}`,
    );
    const task = resolveTask(read.string(ctx.options, "task"), yColumn, positive);
    const linear = modelKind === "linear";
    const estimator = linear
      ? buildLinear(task, params, positive)
      : gbdtEstimator(task, gbdtParams.parseStrings(params), positive);
    const x = frame.drop([target]);
    // GBDT takes raw columns (native categoricals, missing values); linear models get
    // impute + scale + one-hot, fitted here and saved in the bundle.
    const preprocessor = linear ? await linearPreprocessing().fit(x) : undefined;
    const modelInput = (f: Frame): Frame => (preprocessor ? preprocessor.transform(f) : f);
    const validFile = read.string(ctx.options, "valid");
    clock.lap("preprocess");
    // The validation file is read with the training columns' kinds, as a bundle reads what it
    // scores: a blank-only or numeric-looking column there means missing values or categories.
    const valid = validFile
      ? await readBundleData({ columns: x.schema(), target }, dataPath(ctx, validFile))
      : undefined;
    const validation = valid
      ? {
          x: valid.drop([target]),
          y: targetColumnOf(valid, target, `--target in ${validFile ?? "--valid"}`),
        }
      : undefined;
    clock.lap("read");

    const experiment = read.string(ctx.options, "experiment");
    const tracking = experiment ? await openTracking({ root: ctx.cwd }) : undefined;
    let run: ActiveRun | undefined;
    try {
      run = tracking ? await tracking.startRun({ experiment }) : undefined;
      clock.lap("tracking");
      const trainInput = modelInput(x);
      clock.lap("preprocess");
      const started = performance.now();
      const model = (await estimator.fit(trainInput, yColumn, {
        logger,
        progress: createProgressBar({
          write: (t) => ctx.err(t),
          interactive: ctx.interactive && !ctx.json,
        }),
        ...(validation ? { validation: { x: modelInput(validation.x), y: validation.y } } : {}),
      })) as FittedModel;
      const trainSeconds = (performance.now() - started) / 1000;
      clock.lap("fit");
      // The training rows' predictions come from the scores the booster already holds; only a
      // model without them (linear, early-stopped GBDT) predicts the training set again.
      const trainPredictions =
        (model instanceof FittedGbdt ? model.trainingPredictions() : undefined) ??
        predictBatch(model, trainInput);
      const metrics: Record<string, number> = {
        ...prefixed("train", scoreModel(model, trainPredictions, yColumn)),
        ...(validation
          ? prefixed(
              "valid",
              scoreModel(model, predictBatch(model, modelInput(validation.x)), validation.y),
            )
          : {}),
        trainSeconds,
      };
      clock.lap("metrics");
      await saveTrainedModel(out, {
        model,
        x,
        target,
        ...(positive !== undefined ? { positive } : {}),
        ...(preprocessor ? { preprocessor } : {}),
        params: estimator.params,
        metrics,
        trainingPredictions: trainPredictions,
        data: dataFile,
        ...(run ? { run } : {}),
        trainedOn: read.string(ctx.options, "data"),
        codeVersion: keelVersion(),
      });
      clock.lap("bundle write");
      if (run) await run.end();
      clock.lap("tracking");
      if (read.flag(ctx.options, "verbose")) ctx.err(clock.report());
      const summary = {
        bundle: out,
        task,
        model: model.type,
        rows: frame.nRows,
        features: x.nColumns,
        classes: model.classes,
        metrics,
        ...(run ? { runId: run.id, experiment } : {}),
      };
      if (ctx.json) ctx.out(`${JSON.stringify(summary)}\n`);
      else {
        ctx.out(
          `Trained ${model.type} (${task}) on ${frame.nRows.toLocaleString("en-US")} rows × ${x.nColumns} features in ${trainSeconds.toFixed(2)} s → ${out}\n\n`,
        );
        ctx.out(
          `${formatTable(
            ["metric", "value"],
            Object.entries(metrics).map(([k, v]) => [k, Number(v.toPrecision(6))]),
          )}\n`,
        );
        if (run) ctx.out(`\nrun ${run.id} in experiment '${experiment}'\n`);
      }
      return 0;
    } catch (error) {
      if (run) await run.end("FAILED");
      throw error;
    } finally {
      await tracking?.close();
    }
  },
});

/**
 * A logger that prints warnings on standard error as `warning: …` lines.
 *
 * @example
 * ```ts
 * const logger = cliLogger(ctx);
 * ```
 */
export function cliLogger(ctx: CommandContext): Logger {
  return createLogger({ level: "warn", sink: (r) => ctx.err(`warning: ${r.message}\n`) });
}

/**
 * The positive class, named by `--positive` or by the `positiveClass` parameter (or one of its
 * aliases); naming two different classes is refused rather than one silently winning.
 */
function resolvePositive(
  flag: string | undefined,
  params: Readonly<Record<string, string>>,
): string | undefined {
  const spec = gbdtParams.specs.positiveClass;
  const key = ["positiveClass", ...spec.aliases].find((k) => params[k] !== undefined);
  const fromParam = key === undefined ? undefined : params[key];
  if (flag !== undefined && fromParam !== undefined && flag !== fromParam) {
    throw new KeelError(
      "KEEL_ERR_USAGE",
      `--positive '${flag}' and --param ${key}=${fromParam} name different positive classes; give one.`,
      { details: { option: "positive", received: flag, param: key, paramValue: fromParam } },
    );
  }
  return flag ?? fromParam;
}

/**
 * The task: as given (checked against the target's classes, so `--task multiclass` on two
 * classes is refused rather than quietly trained as binary), or inferred: a named positive class
 * or two values → binary; text → multiclass; else regression.
 */
function resolveTask(given: string | undefined, y: Column, positive: string | undefined): Task {
  if (given !== undefined) {
    if (given !== "binary" && given !== "multiclass" && given !== "regression") {
      throw new KeelError(
        "KEEL_ERR_USAGE",
        `--task must be binary, multiclass or regression. Got '${given}' instead.`,
        { details: { option: "task", received: given } },
      );
    }
    if (given === "regression" && positive !== undefined)
      throw new KeelError("KEEL_ERR_USAGE", "--positive only applies to classification tasks.");
    if (given !== "regression") checkClassCount(given, y);
    return given;
  }
  return inferTask(y, positive);
}

/** A binary task needs exactly two classes, a multiclass one at least three. */
function checkClassCount(task: "binary" | "multiclass", y: Column): void {
  const { classes } = encodeClassTarget(y);
  const fits = task === "binary" ? classes.length === 2 : classes.length >= 3;
  if (fits) return;
  const shown = classes
    .slice(0, 5)
    .map((c) => `'${c}'`)
    .join(", ");
  throw new KeelError(
    "KEEL_ERR_USAGE",
    `--task ${task} needs ${task === "binary" ? "exactly two classes" : "at least three classes"}; the target has ${classes.length} (${shown}${classes.length > 5 ? ", …" : ""}). Use --task ${classes.length === 2 ? "binary" : "multiclass"}${task === "binary" ? " or regression" : ""}.`,
    { details: { option: "task", received: task, classes: classes.length } },
  );
}

/**
 * Parses repeated `--param key=value` options into an object of strings.
 *
 * @example
 * ```ts
 * parseParams(["nEstimators=200", "maxDepth=6"]); // { nEstimators: "200", maxDepth: "6" }
 * ```
 */
export function parseParams(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) {
      throw new KeelError(
        "KEEL_ERR_USAGE",
        `--param must look like key=value. Got '${pair}' instead.`,
        {
          details: { option: "param", received: pair },
        },
      );
    }
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

/** L-BFGS iterations of the logistic regression `keel train --model linear` builds. */
const LINEAR_RECIPE_MAX_ITER = 1000;

function buildLinear(
  task: Task,
  pairs: Record<string, string>,
  positive: string | undefined,
): Estimator<FittedModel> {
  if (task === "regression")
    return new LinearRegression(linearRegressionParams.parseStrings(pairs));
  const params = logisticRegressionParams.parseStrings(pairs);
  // One-hot columns of one source are collinear (Telco's six "No internet service" columns are
  // one column), which leaves keel's L-BFGS short of scikit-learn's tolerance after 100
  // iterations on ordinary tables; the recipe keel builds allows more unless told otherwise.
  const iterationsGiven = ["maxIter", ...logisticRegressionParams.specs.maxIter.aliases].some(
    (k) => pairs[k] !== undefined,
  );
  return new LogisticRegression({
    ...params,
    ...(iterationsGiven ? {} : { maxIter: LINEAR_RECIPE_MAX_ITER }),
    ...(positive !== undefined ? { positiveClass: positive } : {}),
  });
}

function prefixed(prefix: string, metrics: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(metrics).map(([k, v]) => [`${prefix}.${k}`, v]));
}

/** Headline metrics of a labelled batch's predictions: AUC/log loss/accuracy, or RMSE/MAE. */
function scoreModel(
  model: FittedModel,
  { proba, predicted }: BatchPredictions,
  y: Column,
): Record<string, number> {
  if (model.task === "regression" || proba === undefined) {
    const truth = regressionTarget(y);
    return { rmse: rmse(truth, predicted), mae: mae(truth, predicted) };
  }
  // Against the model's classes: a validation batch may hold one class, or miss some.
  const truth = encodeKnownClasses(y, model.classes, "scored");
  if (model.task === "binary") {
    const p1 = new Float64Array(predicted.length).map((_, i) => proba[2 * i + 1]!);
    // AUC needs both classes; a one-class batch still gets log loss and accuracy.
    const bothClasses = truth.includes(0) && truth.includes(1);
    return {
      ...(bothClasses ? { auc: rocAuc(truth, p1) } : {}),
      logLoss: logLoss(truth, p1),
      accuracy: accuracy(truth, predicted),
    };
  }
  return { logLoss: logLoss(truth, proba), accuracy: accuracy(truth, predicted) };
}

/**
 * Wall and CPU time of the command's phases, for `--verbose`: each `lap` adds the time since
 * the previous one to a phase (a phase may come back, as tracking does before and after the
 * fit). CPU time is the whole process's (every thread), the steadier figure on a busy machine.
 */
class PhaseClock {
  // performance.now() and process.cpuUsage() count from the process's start: what came before
  // this command ran is Node's start and loading keel's modules.
  #last = performance.now();
  #lastCpu = cpuMs();
  readonly #phases = new Map<string, { ms: number; cpuMs: number }>([
    ["startup", { ms: this.#last, cpuMs: this.#lastCpu }],
  ]);

  lap(phase: string): void {
    const now = performance.now();
    const cpu = cpuMs();
    const seen = this.#phases.get(phase) ?? { ms: 0, cpuMs: 0 };
    this.#phases.set(phase, {
      ms: seen.ms + now - this.#last,
      cpuMs: seen.cpuMs + cpu - this.#lastCpu,
    });
    this.#last = now;
    this.#lastCpu = cpu;
  }

  /** One line per phase with wall seconds, share of the total and CPU seconds, then the total. */
  report(): string {
    const total = this.#last;
    const seconds = (ms: number) => (ms / 1000).toFixed(3).padStart(8);
    const lines = [...this.#phases].map(
      ([phase, { ms, cpuMs }]) =>
        `  ${phase.padEnd(13)} ${seconds(ms)} s ${((100 * ms) / total).toFixed(1).padStart(5)} %   cpu ${seconds(cpuMs)} s`,
    );
    return `time split (wall, this command; cpu = every thread):\n${lines.join("\n")}\n  ${"total".padEnd(13)} ${seconds(total)} s          cpu ${seconds(this.#lastCpu)} s\n`;
  }
}

/** CPU milliseconds (user + system) this process has used so far. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
