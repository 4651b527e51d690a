import { hostname } from "node:os";
import { createLogger, describeValue, isKeelError, KeelError, type Logger } from "../core/index.js";
import type { Distribution, ParamValue } from "./distributions.js";
import {
  bestOf,
  type FrozenTrial,
  type JsonValue,
  paretoFront,
  type StudyDirection,
} from "./frozen-trial.js";
import { InMemoryStorage } from "./in-memory-storage.js";
import { NopPruner, type Pruner } from "./pruners/pruner.js";
import { NsgaIiSampler } from "./samplers/nsga-ii-sampler.js";
import type { Sampler, StudyView } from "./samplers/sampler.js";
import { TpeSampler } from "./samplers/tpe/tpe-sampler.js";
import type { StudyStorage, StudySummary } from "./storage.js";
import { Trial, TrialPruned } from "./trial.js";
import { type ObjectiveModule, WorkerPool } from "./workers/worker-pool.js";

/**
 * Options of {@link createStudy}.
 *
 * @example
 * ```ts
 * await createStudy({ name: "churn", direction: "maximize", sampler: new TpeSampler({ seed: 1 }) });
 * await createStudy({ directions: ["minimize", "maximize"] }); // latency down, accuracy up
 * ```
 */
export interface CreateStudyOptions {
  /** Unique per storage; generated when left out. */
  readonly name?: string;
  /** The one objective's direction. Give exactly one of `direction` and `directions`. */
  readonly direction?: StudyDirection;
  /**
   * One direction per objective: a multi-objective study (Optuna's `directions`) whose
   * objective returns that many values and whose result is the Pareto front,
   * {@link Study.bestTrials}. A list of one is a single-objective study.
   */
  readonly directions?: readonly StudyDirection[];
  /**
   * Default: `new TpeSampler()` (unseeded); for several directions `new NsgaIiSampler()`
   * (TPE refuses multi-objective studies).
   */
  readonly sampler?: Sampler;
  /** Default: never prune. */
  readonly pruner?: Pruner;
  /** Default: a fresh {@link InMemoryStorage}. */
  readonly storage?: StudyStorage;
  /** Load the study when one of that name exists instead of failing (Optuna's `load_if_exists`). */
  readonly loadIfExists?: boolean;
  /** Where warnings go (a step reported twice, an enqueued value outside its range). Default: {@link warningLogger}. */
  readonly logger?: Logger;
}

/**
 * Options of {@link loadStudy}.
 *
 * @example
 * ```ts
 * await loadStudy({ name: "churn", storage: new JournalFileStorage("studies.jsonl") });
 * ```
 */
export interface LoadStudyOptions {
  readonly name: string;
  readonly storage: StudyStorage;
  readonly sampler?: Sampler;
  readonly pruner?: Pruner;
  readonly logger?: Logger;
}

/**
 * The default logger of a study: warnings become Node process warnings on stderr, as Optuna's
 * go through Python's `warnings`.
 *
 * @example
 * ```ts
 * await createStudy({ direction: "minimize", logger: warningLogger }); // the default
 * ```
 */
export const warningLogger: Logger = createLogger({
  level: "warn",
  sink: (record) => process.emitWarning(record.message, { code: "KEEL_TUNE" }),
});

/** System attribute naming the process that runs a trial, to fail it when that process dies. */
const OWNER_ATTR = "keel:owner";
/** System attribute of an enqueued trial: the parameters it was enqueued with. */
const FIXED_PARAMS_ATTR = "keel:fixedParams";
/**
 * System attribute with the reason a trial failed.
 *
 * @example
 * ```ts
 * study.trials.filter((t) => t.state === "FAIL").map((t) => t.systemAttrs[FAIL_REASON_ATTR]);
 * ```
 */
export const FAIL_REASON_ATTR = "keel:failReason";

/**
 * Creates a study in a storage (in memory by default).
 *
 * @example
 * ```ts
 * const study = await createStudy({ direction: "minimize", sampler: new TpeSampler({ seed: 1 }) });
 * await study.optimize((t) => (t.suggestFloat("x", -5, 5) - 1) ** 2, { nTrials: 30 });
 * study.bestParams; // { x: ≈1 }
 * ```
 */
export async function createStudy(options: CreateStudyOptions): Promise<Study> {
  const directions = directionsOf(options);
  const storage = options.storage ?? new InMemoryStorage();
  const name = options.name ?? `study-${Date.now().toString(36)}-${process.pid}`;
  let summary = options.loadIfExists ? await storage.getStudy(name) : undefined;
  if (summary === undefined) {
    try {
      summary = await storage.createStudy(
        name,
        directions.length === 1 ? (directions[0] as StudyDirection) : directions,
      );
    } catch (error) {
      // Another process created it between our read and our write: load theirs.
      if (!(options.loadIfExists && isKeelError(error, "KEEL_ERR_ALREADY_EXISTS"))) throw error;
      summary = await storage.getStudy(name);
      if (summary === undefined) throw error;
    }
  }
  if (summary.directions.join(",") !== directions.join(",")) {
    throw new KeelError(
      "KEEL_ERR_CONFLICT",
      `Study '${name}' exists with directions [${summary.directions.join(", ")}], not [${directions.join(", ")}].`,
      { details: { study: name, stored: [...summary.directions], given: directions } },
    );
  }
  const study = new Study(summary, storage, options.sampler, options.pruner, options.logger);
  await study.refresh();
  return study;
}

/** The directions `createStudy` was given: exactly one of `direction`, `directions`, all valid. */
function directionsOf(options: CreateStudyOptions): StudyDirection[] {
  const { direction, directions } = options;
  if ((direction === undefined) === (directions === undefined)) {
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      direction === undefined
        ? "createStudy needs `direction` (one objective) or `directions` (one per objective). Got neither."
        : "createStudy takes `direction` or `directions`, not both.",
      { details: { parameter: "direction" } },
    );
  }
  const list: unknown[] =
    directions === undefined ? [direction] : Array.isArray(directions) ? directions : [];
  const where = directions === undefined ? "direction" : "directions";
  if (list.length === 0) {
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `directions must be a non-empty list of 'minimize' / 'maximize'. Got ${describeValue(directions)}.`,
      { details: { parameter: "directions" } },
    );
  }
  list.forEach((d, i) => {
    if (d !== "minimize" && d !== "maximize") {
      const at = directions === undefined ? where : `${where}[${i}]`;
      throw new KeelError(
        "KEEL_ERR_INVALID_ARGUMENT",
        `${at} must be 'minimize' or 'maximize'. Got ${describeValue(d)}.`,
        { details: { parameter: at } },
      );
    }
  });
  return list as StudyDirection[];
}

/**
 * Opens an existing study, failing the trials whose process died (a killed `optimize` leaves
 * its running trial behind; it becomes `FAIL` here instead of `RUNNING` forever).
 *
 * @example
 * ```ts
 * const study = await loadStudy({ name: "churn-gbdt", storage: new JournalFileStorage(".keel/studies.jsonl") });
 * study.trials.length;
 * ```
 */
export async function loadStudy(options: LoadStudyOptions): Promise<Study> {
  const summary = await options.storage.getStudy(options.name);
  if (summary === undefined) {
    const names = (await options.storage.listStudies()).map((s) => s.name);
    throw new KeelError(
      "KEEL_ERR_STUDY_NOT_FOUND",
      `No study named '${options.name}' in this storage${names.length > 0 ? ` (it holds: ${names.slice(0, 10).join(", ")})` : ""}.`,
      { details: { study: options.name } },
    );
  }
  const study = new Study(
    summary,
    options.storage,
    options.sampler,
    options.pruner,
    options.logger,
  );
  await study.refresh();
  return study;
}

/**
 * What an objective returns: one number, or for a multi-objective study one number per
 * direction, in order.
 *
 * @example
 * ```ts
 * const result: ObjectiveResult = [latencyMs, accuracy];
 * ```
 */
export type ObjectiveResult = number | readonly number[];

/**
 * An objective: returns the value to optimise (a list of values for a multi-objective study),
 * or throws (FAIL) or throws {@link TrialPruned}.
 *
 * @example
 * ```ts
 * const objective: Objective = (trial) => (trial.suggestFloat("x", -1, 1) - 0.5) ** 2;
 * const twoGoals: Objective = (trial) => { const x = trial.suggestFloat("x", 0, 2); return [x ** 2, (x - 2) ** 2]; };
 * ```
 */
export type Objective = (trial: Trial) => ObjectiveResult | Promise<ObjectiveResult>;

/**
 * Called after each finished trial of `optimize`.
 *
 * @example
 * ```ts
 * const log: StudyCallback = (_study, trial) => console.log(trial.number, trial.value);
 * ```
 */
export type StudyCallback = (study: Study, trial: FrozenTrial) => void | Promise<void>;

/**
 * Options of {@link Study.optimize}.
 *
 * @example
 * ```ts
 * await study.optimize(objective, { nTrials: 50, nJobs: 2, timeoutMs: 60_000, trialTimeoutMs: 10_000 });
 * ```
 */
export interface OptimizeOptions {
  /** How many trials this call runs. */
  readonly nTrials?: number;
  /** Stop starting trials after this long; trials still running then are failed as timed out. */
  readonly timeoutMs?: number;
  /**
   * Fail a single trial that runs longer than this and free its worker for the next trial (a
   * module objective's thread is terminated and replaced; a function objective is abandoned and
   * its `trial.signal` aborted). Counted from the trial's start, so a replacement thread's
   * start-up counts too. Default: no limit per trial.
   */
  readonly trialTimeoutMs?: number;
  /**
   * Trials run at once: async-concurrently for a function objective, on worker threads for an
   * {@link ObjectiveModule}. A new trial starts as soon as any running one finishes, so one slow
   * trial never holds the others up. Reproducibility: with `nJobs: 1` a seeded sampler gives
   * the same trials from run to run; with more jobs each trial sees whichever trials finished
   * before it started, so TPE's choices depend on timing (as in Optuna). `RandomSampler` and
   * TPE's random startup trials draw from a stream per trial number and stay the same.
   */
  readonly nJobs?: number;
  /**
   * Aborting it (Ctrl-C in `keel tune`) stops the study like a timeout: no new trial starts,
   * running trials are failed as interrupted, and `optimize` resolves.
   */
  readonly signal?: AbortSignal;
  readonly callbacks?: readonly StudyCallback[];
  /** Receives `start(nTrials)` and one `advance` per trial with the best value so far. */
  readonly progress?: {
    start(total: number, label: string): void;
    advance(amount: number, status?: Record<string, number | string>): void;
    finish(): void;
  };
}

/**
 * A hyperparameter search: a direction, a sampler, a pruner and its trials in a storage.
 * `trials`, `bestTrial`, `bestValue` and `bestParams` reflect the storage as of the last
 * `ask`, `tell`, `optimize` or `refresh`.
 *
 * @example
 * ```ts
 * const study = await createStudy({ direction: "maximize" });
 * const trial = await study.ask();
 * await study.tell(trial, score(trial.suggestInt("k", 1, 20)));
 * ```
 */
export class Study {
  readonly name: string;
  /** The first (for a single-objective study, the only) direction. */
  readonly direction: StudyDirection;
  /** One direction per objective. */
  readonly directions: readonly StudyDirection[];
  readonly sampler: Sampler;
  readonly pruner: Pruner;
  readonly storage: StudyStorage;
  readonly logger: Logger;
  readonly #studyId: string;
  #trials: FrozenTrial[] = [];
  #stopped = false;

  constructor(
    summary: StudySummary,
    storage: StudyStorage,
    sampler?: Sampler,
    pruner?: Pruner,
    logger?: Logger,
  ) {
    this.name = summary.name;
    this.logger = logger ?? warningLogger;
    this.direction = summary.direction;
    this.directions = [...summary.directions];
    this.#studyId = summary.studyId;
    this.storage = storage;
    const multi = this.directions.length > 1;
    this.sampler = sampler ?? (multi ? new NsgaIiSampler() : new TpeSampler());
    this.pruner = pruner ?? new NopPruner();
    if (multi && this.sampler.multiObjective !== true) {
      throw new KeelError(
        "KEEL_ERR_UNSUPPORTED",
        `Study '${this.name}' has ${this.directions.length} objectives, and ${this.sampler.constructor.name} samples single-objective studies only. Use NsgaIiSampler (the default for several directions), TpeSampler (MOTPE), RandomSampler or GridSampler.`,
        { details: { study: this.name, sampler: this.sampler.constructor.name } },
      );
    }
    if (multi && !(this.pruner instanceof NopPruner)) {
      throw new KeelError(
        "KEEL_ERR_UNSUPPORTED",
        `Study '${this.name}' has ${this.directions.length} objectives: pruning is not supported for multi-objective studies (as in Optuna 3.1), so ${this.pruner.constructor.name} cannot be used.`,
        { details: { study: this.name, pruner: this.pruner.constructor.name } },
      );
    }
  }

  /** True when the study has more than one objective. */
  get isMultiObjective(): boolean {
    return this.directions.length > 1;
  }

  /**
   * The Pareto front: the COMPLETE trials no other COMPLETE trial dominates (at least as good
   * in every objective, better in one), ordered by number; trials with equal values are all
   * kept. For a single-objective study, every trial with the best value. Optuna's
   * `best_trials`.
   *
   * @example
   * ```ts
   * const study = await createStudy({ directions: ["minimize", "maximize"] });
   * await study.optimize((t) => { const x = t.suggestFloat("x", 0, 1); return [x, Math.sqrt(x)]; }, { nTrials: 20 });
   * study.bestTrials.map((t) => t.values);
   * ```
   */
  get bestTrials(): FrozenTrial[] {
    return paretoFront(this.#trials, this.directions);
  }

  #refuseMultiObjective(what: string): void {
    if (!this.isMultiObjective) return;
    throw new KeelError(
      "KEEL_ERR_UNSUPPORTED",
      `${what}: study '${this.name}' has ${this.directions.length} objectives, so it has no single best trial; use study.bestTrials (the Pareto front).`,
      { details: { study: this.name, directions: [...this.directions] } },
    );
  }

  /** Every trial, ordered by number. */
  get trials(): readonly FrozenTrial[] {
    return this.#trials;
  }

  /**
   * The best completed trial. A multi-objective study has none and throws
   * `KEEL_ERR_UNSUPPORTED` (use {@link Study.bestTrials}), as Optuna's `best_trial` does.
   *
   * @example
   * ```ts
   * study.bestTrial.params;
   * ```
   */
  get bestTrial(): FrozenTrial {
    this.#refuseMultiObjective("bestTrial");
    const best = bestOf(this.#trials, this.direction);
    if (best === undefined) {
      throw new KeelError(
        "KEEL_ERR_NO_COMPLETED_TRIALS",
        `Study '${this.name}' has no completed trial yet (${this.#trials.length} trials in other states).`,
        { details: { study: this.name } },
      );
    }
    return best;
  }

  /** The best trial's value (single-objective studies only, as `bestTrial`). */
  get bestValue(): number {
    this.#refuseMultiObjective("bestValue");
    return this.bestTrial.value as number;
  }

  /** The best trial's parameters (single-objective studies only, as `bestTrial`). */
  get bestParams(): Readonly<Record<string, ParamValue>> {
    this.#refuseMultiObjective("bestParams");
    return this.bestTrial.params;
  }

  /**
   * Re-reads the trials from the storage and fails those whose process died.
   *
   * @example
   * ```ts
   * await study.refresh(); study.trials.length;
   * ```
   */
  async refresh(): Promise<readonly FrozenTrial[]> {
    this.#trials = await this.storage.getAllTrials(this.#studyId);
    let failedAny = false;
    for (const t of this.#trials) {
      if (t.state !== "RUNNING" || !ownerIsDead(t)) continue;
      const reason = `the process that ran it (pid ${describeOwner(t)}) is gone`;
      failedAny =
        (await this.storage.finishTrial(t.trialId, "FAIL", undefined, {
          systemAttrs: { [FAIL_REASON_ATTR]: reason },
        })) || failedAny;
    }
    if (failedAny) this.#trials = await this.storage.getAllTrials(this.#studyId);
    return this.#trials;
  }

  /**
   * Stops `optimize` from starting more trials (running ones finish).
   *
   * @example
   * ```ts
   * const stopAt09: StudyCallback = (study, t) => { if ((t.value ?? 0) > 0.9) study.stop(); };
   * ```
   */
  stop(): void {
    this.#stopped = true;
  }

  /**
   * Queues a trial with given parameter values (Optuna's `enqueue_trial`): the next `ask` or
   * `optimize` trial, in this process or any other sharing the storage, runs it first. The
   * objective suggests as usual and gets these values; a name not given here, or a value
   * outside the distribution suggested, is sampled (the latter with a warning). The trial is
   * `WAITING` until then.
   *
   * @example
   * ```ts
   * await study.enqueueTrial({ learningRate: 0.1, maxDepth: 6 }); // start from the defaults
   * await study.optimize(objective, { nTrials: 50 });
   * ```
   */
  async enqueueTrial(
    params: Readonly<Record<string, ParamValue>>,
    options: { userAttrs?: Readonly<Record<string, JsonValue>> } = {},
  ): Promise<FrozenTrial> {
    for (const [name, value] of Object.entries(params)) {
      const t = typeof value;
      if (
        !(
          value === null ||
          t === "string" ||
          t === "boolean" ||
          (t === "number" && !Number.isNaN(value))
        )
      ) {
        throw new KeelError(
          "KEEL_ERR_INVALID_ARGUMENT",
          `enqueueTrial: parameter '${name}' must be a number, string, boolean or null. Got ${describeValue(value)}.`,
          { details: { param: name } },
        );
      }
    }
    const trial = await this.storage.createTrial(
      this.#studyId,
      {
        systemAttrs: { [FIXED_PARAMS_ATTR]: { ...params } },
        ...(options.userAttrs === undefined ? {} : { userAttrs: options.userAttrs }),
      },
      "WAITING",
    );
    this.#trials = await this.storage.getAllTrials(this.#studyId);
    return trial;
  }

  /**
   * Starts a trial for an external loop; finish it with {@link Study.tell}.
   *
   * @example
   * ```ts
   * const trial = await study.ask();
   * const x = trial.suggestFloat("x", 0, 1);
   * await study.tell(trial, x * x);
   * ```
   */
  async ask(): Promise<Trial> {
    return this.#ask(new AbortController().signal);
  }

  /**
   * Finishes a trial: a finite number (for a multi-objective study, a list of finite numbers,
   * one per direction) completes it; NaN, ±Infinity, a list of the wrong length or an error
   * fail it (the reason is kept in its system attributes under {@link FAIL_REASON_ATTR}, as
   * Optuna fails such trials); a {@link TrialPruned} prunes it. Returns the finished trial.
   * Telling a trial twice throws `KEEL_ERR_CONFLICT`.
   *
   * @example
   * ```ts
   * await study.tell(trial, 0.93);
   * await study.tell(other, new Error("out of memory"));
   * await twoObjectives.tell(third, [12.5, 0.91]);
   * ```
   */
  async tell(trial: Trial, result: ObjectiveResult | Error): Promise<FrozenTrial> {
    let patch = trial.takePatch();
    let ok: boolean;
    let problem = result instanceof Error ? undefined : this.#checkResult(result);
    const pruned = result instanceof TrialPruned || isKeelError(result, "KEEL_ERR_TRIAL_PRUNED");
    if (pruned || (!(result instanceof Error) && problem === undefined)) {
      const outcome = this.#resultSystemAttrs(
        trial,
        pruned ? undefined : (result as ObjectiveResult),
      );
      if (typeof outcome === "string") problem = outcome;
      else patch = { ...patch, systemAttrs: { ...patch.systemAttrs, ...outcome } };
    }
    if (pruned && problem === undefined) {
      ok = await this.storage.finishTrial(trial.trialId, "PRUNED", undefined, patch);
    } else if (!(result instanceof Error) && problem === undefined) {
      ok = await this.storage.finishTrial(trial.trialId, "COMPLETE", result, patch);
    } else {
      const reason =
        result instanceof Error && problem === undefined
          ? `${result.name}: ${result.message}`
          : (problem ?? "the objective returned no usable value");
      ok = await this.storage.finishTrial(trial.trialId, "FAIL", undefined, {
        ...patch,
        systemAttrs: { ...patch.systemAttrs, [FAIL_REASON_ATTR]: reason },
      });
    }
    const finished = await this.storage.getTrial(trial.trialId);
    if (!ok) {
      throw new KeelError(
        "KEEL_ERR_CONFLICT",
        `Trial ${trial.number} was already ${finished.state}; it cannot be told a result again.`,
        { details: { trialId: trial.trialId, number: trial.number, state: finished.state } },
      );
    }
    this.sampler.afterTrial?.(
      this.#view(finished.number, []),
      finished,
      finished.state,
      finished.value,
    );
    this.#trials = await this.storage.getAllTrials(this.#studyId);
    return finished;
  }

  /**
   * Runs the objective `nTrials` times (or until `timeoutMs`, or `stop()`), `nJobs` at a time.
   * An objective that throws or returns NaN fails its trial and the study goes on.
   *
   * @example
   * ```ts
   * await study.optimize(async (trial) => crossValidatedAuc(trial), { nTrials: 50, nJobs: 2 });
   * ```
   */
  async optimize(
    objective: Objective | ObjectiveModule,
    options: OptimizeOptions = {},
  ): Promise<void> {
    const nTrials = options.nTrials ?? Number.POSITIVE_INFINITY;
    const nJobs = options.nJobs ?? 1;
    if (!(Number.isInteger(nJobs) && nJobs >= 1)) {
      throw new KeelError(
        "KEEL_ERR_INVALID_ARGUMENT",
        `nJobs must be an integer >= 1. Got ${describeValue(nJobs)}.`,
      );
    }
    const trialTimeoutMs = options.trialTimeoutMs;
    if (trialTimeoutMs !== undefined && !(trialTimeoutMs > 0)) {
      throw new KeelError(
        "KEEL_ERR_INVALID_ARGUMENT",
        `trialTimeoutMs must be a positive number of milliseconds. Got ${describeValue(trialTimeoutMs)}.`,
      );
    }
    if (
      nTrials === Number.POSITIVE_INFINITY &&
      options.timeoutMs === undefined &&
      options.signal === undefined
    ) {
      throw new KeelError(
        "KEEL_ERR_INVALID_ARGUMENT",
        "optimize needs nTrials, timeoutMs or signal (any of them, to know when to stop).",
      );
    }
    await this.refresh();
    this.#stopped = false;
    // A module objective runs on nJobs worker threads; a function runs on the event loop.
    const pool =
      typeof objective === "function" ? undefined : await WorkerPool.start(objective, nJobs);
    const deadline =
      options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.timeoutMs;
    // One signal stops the whole study: the study's timeout or the caller's signal.
    const stop = new AbortController();
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(
            () =>
              stop.abort(
                cancelled(`the study's timeoutMs (${options.timeoutMs} ms) passed`, "timeout"),
              ),
            Math.max(0, deadline - Date.now()),
          );
    const onCallerAbort = () =>
      stop.abort(cancelled("the study was interrupted", "interrupted", options.signal?.reason));
    if (options.signal?.aborted) onCallerAbort();
    else options.signal?.addEventListener("abort", onCallerAbort, { once: true });
    const run: Objective =
      pool === undefined
        ? (objective as Objective)
        : async (trial) => {
            const result = await pool.run(trial, trial.signal);
            if (result instanceof Error) throw result;
            return result;
          };
    const progress = options.progress;
    progress?.start(Number.isFinite(nTrials) ? nTrials : 0, "trials");
    // Every free job starts a trial at once; a finished trial frees its job for the next one.
    const running = new Map<number, { trial: Trial; done: Promise<void> }>();
    let started = 0;
    let failure: { error: unknown } | undefined;
    try {
      for (;;) {
        while (
          running.size < nJobs &&
          started < nTrials &&
          failure === undefined &&
          !this.#stopped &&
          !stop.signal.aborted
        ) {
          const trialStop = perTrialSignal(stop.signal, trialTimeoutMs);
          const trial = await this.#ask(
            trialStop.signal,
            [...running.values()].map((r) => r.trial),
          ).catch((error: unknown) => {
            trialStop.dispose();
            throw error;
          });
          started++;
          const done = this.#runOne(trial, run, options, progress)
            .catch((error: unknown) => {
              failure ??= { error };
            })
            .finally(() => {
              trialStop.dispose();
              running.delete(trial.number);
            });
          running.set(trial.number, { trial, done });
        }
        if (running.size === 0) break;
        await Promise.race([...running.values()].map((r) => r.done));
        // Objectives that never leave the microtask queue would starve timers and signal
        // handlers (timeoutMs, Ctrl-C) for the whole study: let the event loop turn once.
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      options.signal?.removeEventListener("abort", onCallerAbort);
      await pool?.close();
      progress?.finish();
    }
    this.#trials = await this.storage.getAllTrials(this.#studyId);
    if (failure !== undefined) throw failure.error;
  }

  async #runOne(
    trial: Trial,
    objective: Objective,
    options: OptimizeOptions,
    progress: OptimizeOptions["progress"],
  ): Promise<void> {
    const result = await raceAbort(async () => objective(trial), trial.signal);
    const finished = await this.tell(trial, result);
    for (const callback of options.callbacks ?? []) await callback(this, finished);
    if (this.isMultiObjective) {
      progress?.advance(1, { paretoFront: this.bestTrials.length });
      return;
    }
    const best = bestOf(this.#trials, this.direction);
    progress?.advance(1, best?.value === undefined ? {} : { best: best.value });
  }

  async #ask(signal: AbortSignal, running: readonly Trial[] = []): Promise<Trial> {
    // The owner is written with the creation, so a process killed right after still leaves a
    // trial that the next loadStudy can recognise as orphaned.
    const owner = { host: hostname(), pid: process.pid };
    const claim = { systemAttrs: { [OWNER_ATTR]: owner } };
    // An enqueued trial goes first; otherwise a new one.
    const frozen =
      (await this.storage.claimWaitingTrial(this.#studyId, claim)) ??
      (await this.storage.createTrial(this.#studyId, claim));
    this.#trials = await this.storage.getAllTrials(this.#studyId);
    // Trials running in this process show with the parameters they have drawn so far (the
    // storage only gets them when they finish), so constant liar can steer away from them.
    const view = this.#view(
      frozen.number,
      running.map((t) => t.freeze()),
    );
    const known = new Map<string, Distribution>();
    for (const t of view.trials)
      for (const [name, d] of Object.entries(t.distributions))
        if (!known.has(name)) known.set(name, d);
    this.sampler.beforeTrial?.(view, frozen);
    const relativeSpace = this.sampler.inferRelativeSearchSpace(view, frozen);
    const relativeParams =
      Object.keys(relativeSpace).length === 0
        ? {}
        : this.sampler.sampleRelative(view, frozen, relativeSpace);
    const trial = new Trial(frozen, {
      view,
      sampler: this.sampler,
      pruner: this.pruner,
      knownDistributions: known,
      relativeParams,
      relativeSpace,
      signal,
      logger: this.logger,
      fixedParams: fixedParamsOf(frozen),
    });
    for (const [key, value] of Object.entries(this.sampler.trialSystemAttrs?.(view, frozen) ?? {}))
      trial.setSystemAttr(key, value);
    return trial;
  }

  /**
   * The sampler's attributes for a trial about to be COMPLETE (`result` given) or PRUNED, or
   * the reason to fail it when the sampler's hook throws (a user's `constraintsFunc`).
   */
  #resultSystemAttrs(
    trial: Trial,
    result: ObjectiveResult | undefined,
  ): Record<string, JsonValue> | string {
    if (this.sampler.resultSystemAttrs === undefined) return {};
    const values =
      result === undefined ? undefined : typeof result === "number" ? [result] : [...result];
    const frozen: FrozenTrial = {
      ...trial.freeze(),
      state: result === undefined ? "PRUNED" : "COMPLETE",
      values,
      value: values !== undefined && this.directions.length === 1 ? values[0] : undefined,
    };
    try {
      return this.sampler.resultSystemAttrs(this.#view(trial.number, []), frozen);
    } catch (error) {
      return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
  }

  /** Why a result cannot complete a trial, or `undefined` when it can. */
  #checkResult(result: unknown): string | undefined {
    const n = this.directions.length;
    const values = typeof result === "number" && n === 1 ? [result] : result;
    if (!Array.isArray(values)) {
      return n === 1
        ? `the objective returned ${describeValue(result)}, not a finite number`
        : `the objective returned ${describeValue(result)}; this study has ${n} objectives (${this.directions.join(", ")}) and needs a list of ${n} finite numbers`;
    }
    if (values.length !== n) {
      return `the objective returned ${values.length} value${values.length === 1 ? "" : "s"}, but the study has ${n} objective${n === 1 ? "" : "s"} (${this.directions.join(", ")})`;
    }
    const bad = values.findIndex((v) => !(typeof v === "number" && Number.isFinite(v)));
    if (bad >= 0) {
      return n === 1
        ? `the objective returned ${describeValue(values[0])}, not a finite number`
        : `the objective returned ${describeValue(values[bad])} as value ${bad} (${this.directions[bad]}), not a finite number`;
    }
    return undefined;
  }

  #view(number: number, running: readonly FrozenTrial[]): StudyView {
    const override = new Map(running.map((t) => [t.number, t]));
    const trials = this.#trials
      .filter((t) => t.number !== number)
      .map((t) => override.get(t.number) ?? t);
    return {
      studyName: this.name,
      direction: this.direction,
      directions: this.directions,
      trials,
      stop: () => this.stop(),
    };
  }
}

/** The error a trial fails with when it is stopped from outside; `kind` names why. */
function cancelled(why: string, kind: "timeout" | "interrupted", cause?: unknown): KeelError {
  return new KeelError("KEEL_ERR_CANCELLED", `The trial was still running when ${why}.`, {
    details: { reason: kind },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** A trial's own signal: aborted with the study's, or after `trialTimeoutMs`. */
function perTrialSignal(
  study: AbortSignal,
  trialTimeoutMs: number | undefined,
): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onStudy = () => controller.abort(study.reason);
  if (study.aborted) onStudy();
  else study.addEventListener("abort", onStudy, { once: true });
  const timer =
    trialTimeoutMs === undefined
      ? undefined
      : setTimeout(
          () =>
            controller.abort(
              cancelled(`its trialTimeoutMs (${trialTimeoutMs} ms) passed`, "timeout"),
            ),
          trialTimeoutMs,
        );
  return {
    signal: controller.signal,
    dispose() {
      if (timer !== undefined) clearTimeout(timer);
      study.removeEventListener("abort", onStudy);
    },
  };
}

/** Runs `fn`, turning a throw into its error and an abort of `signal` into the abort's reason. */
async function raceAbort(
  fn: () => Promise<ObjectiveResult>,
  signal: AbortSignal,
): Promise<ObjectiveResult | Error> {
  const reason = () => toError(signal.reason);
  if (signal.aborted) return reason();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<Error>((resolve) => {
    onAbort = () => resolve(reason());
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([fn().catch((error: unknown) => toError(error)), aborted]);
  } finally {
    if (onAbort !== undefined) signal.removeEventListener("abort", onAbort);
  }
}

function fixedParamsOf(t: FrozenTrial): Readonly<Record<string, ParamValue>> {
  const fixed = t.systemAttrs[FIXED_PARAMS_ATTR];
  if (typeof fixed !== "object" || fixed === null || Array.isArray(fixed)) return {};
  return fixed as Record<string, ParamValue>;
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function ownerOf(t: FrozenTrial): { host: string; pid: number } | undefined {
  const owner = t.systemAttrs[OWNER_ATTR];
  if (typeof owner !== "object" || owner === null || Array.isArray(owner)) return undefined;
  const { host, pid } = owner as Record<string, unknown>;
  return typeof host === "string" && typeof pid === "number" ? { host, pid } : undefined;
}

function describeOwner(t: FrozenTrial): string {
  const owner = ownerOf(t);
  return owner === undefined ? "unknown" : `${owner.pid} on ${owner.host}`;
}

/** A trial's owner is dead when it ran on this host, in another process, that no longer exists. */
function ownerIsDead(t: FrozenTrial): boolean {
  const owner = ownerOf(t);
  if (owner === undefined || owner.host !== hostname() || owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}
