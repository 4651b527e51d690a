import { type Estimator, type FittedModel, type Frame, isKeelError } from "../core/index.js";
import { type CrossValidateResult, crossValidate, type OutOfFold } from "./cross-validate.js";
import { checkGates, type GateReport, type PredictionSource } from "./gates/check-gates.js";
import { checkPolicyColumns, type ValidationPolicy } from "./gates/policy.js";
import type { MetricSpec } from "./metrics/registry.js";
import {
  fromProba,
  labelsOf,
  type Predictions,
  predictionsOf,
  type Scorer,
  type ScoringOptions,
} from "./predictions.js";
import { KFold, StratifiedKFold } from "./split/k-fold.js";

/**
 * A fitted model to be judged, with what is known of how it was made.
 *
 * @example
 * ```ts
 * const candidate: ModelToJudge = {
 *   model: bundle,
 *   recipe: new GbdtClassifier(bundle.lineage.params),
 *   columns: bundle.inputSignature.columns.map((c) => c.name),
 *   seen: { share: 1, how: "the data file's hash equals the training data hash in the bundle's lineage" },
 * };
 * ```
 */
export interface ModelToJudge {
  /** The fitted model (or a bundle, which scores like one). */
  readonly model: Scorer;
  /**
   * The unfitted recipe that produced it, for out-of-fold predictions and the recipe's CV.
   * Absent when it cannot be rebuilt (imported models, bundles with a fitted preprocessor).
   */
  readonly recipe?: Estimator<FittedModel>;
  /** Why there is no recipe, for the notes. */
  readonly noRecipe?: string;
  /** The recipe stops early on a validation set: CV holds out part of each training fold for it. */
  readonly earlyStopping?: boolean;
  /** The input columns the recipe reads (the target is added). Default: every column. */
  readonly columns?: readonly string[];
  /**
   * How much of the evaluation data the model was trained on, as found from its lineage
   * (0 when none, 1 when it is the training data), and how that was found. Absent: unknown,
   * taken as unseen and said so in the notes.
   */
  readonly seen?: { readonly share: number; readonly how: string };
}

/**
 * Options of {@link validateModel}.
 *
 * @example
 * ```ts
 * validateModel(frame, { target: "churn", positive: "Yes", policy, candidate, champion });
 * ```
 */
export interface ValidateModelOptions extends ScoringOptions {
  readonly policy: ValidationPolicy;
  /** The policy's file name, for error messages. Default "policy". */
  readonly policySource?: string;
  readonly candidate: ModelToJudge;
  readonly champion?: ModelToJudge;
  /** Bootstrap settings of compare gates. */
  readonly bootstrap?: { readonly nResamples?: number; readonly seed?: number };
  readonly signal?: AbortSignal;
}

/**
 * Where one model's judged numbers came from, in words and as data.
 *
 * @example
 * ```ts
 * validation.evidence.candidate.source; // "out-of-fold"
 * ```
 */
export interface Evidence {
  /** "unavailable" when no out-of-sample predictions could be had: every gate fails. */
  readonly source: PredictionSource | "unavailable";
  readonly rows: number;
  /** One sentence: which rows, which predictions, and why. */
  readonly statement: string;
}

/**
 * What {@link validateModel} returns.
 *
 * @example
 * ```ts
 * const { passed, gates, evidence, recipeCv } = await validateModel(frame, options);
 * ```
 */
export interface ModelValidation {
  readonly passed: boolean;
  readonly gates: GateReport;
  /** The candidate's out-of-sample predictions that the gates scored. */
  readonly predictions?: Predictions;
  readonly championPredictions?: Predictions;
  readonly evidence: { readonly candidate: Evidence; readonly champion?: Evidence };
  /**
   * Cross-validation of the candidate's recipe refitted on the evaluation rows: an estimate
   * of the recipe, not of the fitted model, reported beside the gates and never gated on.
   */
  readonly recipeCv?: CrossValidateResult;
  readonly notes: readonly string[];
}

/**
 * The rule for where the numbers come from, which every gate obeys: a fitted model is judged
 * on its own predictions of rows it never saw. On a holdout (rows outside its training data)
 * those are its predictions; when the evaluation rows are, or overlap, its training rows (as
 * found from its lineage) they are out-of-fold predictions of its recipe refitted without each
 * row's fold — and when the recipe cannot be refitted there are none and the gates fail. A
 * CV the policy asks for is of the recipe, reported as such and never gated on. Champion and
 * candidate are scored on the same rows, each by the same rule.
 *
 * @example
 * ```ts
 * const result = await validateModel(holdout, {
 *   target: "churn",
 *   positive: "Yes",
 *   policy,
 *   candidate: { model: challenger, recipe, seen: { share: 0, how: "data hash differs" } },
 *   champion: { model: champion },
 * });
 * if (!result.passed) console.log(result.gates.results.filter((g) => g.status === "fail"));
 * ```
 */
export async function validateModel(
  frame: Frame,
  options: ValidateModelOptions,
): Promise<ModelValidation> {
  const { policy, candidate } = options;
  checkPolicyColumns(policy, frame.columnNames, options.policySource);
  const notes: string[] = [];
  const own = await outOfSample(frame, candidate, options, "the model");
  notes.push(...own.notes);
  let recipeCv = own.cv;
  if (policy.cv && recipeCv === undefined) {
    if (candidate.recipe) {
      recipeCv = await recipeCvOrNote(frame, candidate, options, notes);
      if (recipeCv)
        notes.push(
          `cv: ${recipeCv.folds.length}-fold CV of the training recipe refitted on the evaluation rows — it estimates the recipe, not this fitted model, and no gate reads it`,
        );
    } else {
      notes.push(`cv skipped: ${candidate.noRecipe ?? "the model's recipe cannot be rebuilt"}`);
    }
  }
  const champ = options.champion
    ? await outOfSample(frame, options.champion, options, "the champion")
    : undefined;
  if (champ) notes.push(...champ.notes);
  const gates = checkGates(policy, {
    frame,
    ...(own.predictions
      ? { predictions: own.predictions, source: own.evidence.source as PredictionSource }
      : { unavailable: own.evidence.statement }),
    ...(champ?.predictions
      ? { champion: champ.predictions, championSource: champ.evidence.source as PredictionSource }
      : champ
        ? { championUnavailable: champ.evidence.statement }
        : {}),
    ...(options.bootstrap ? { bootstrap: options.bootstrap } : {}),
  });
  return {
    passed: gates.passed,
    gates,
    ...(own.predictions ? { predictions: own.predictions } : {}),
    ...(champ?.predictions ? { championPredictions: champ.predictions } : {}),
    evidence: { candidate: own.evidence, ...(champ ? { champion: champ.evidence } : {}) },
    ...(recipeCv ? { recipeCv } : {}),
    notes,
  };
}

interface OutOfSample {
  readonly predictions?: Predictions;
  readonly evidence: Evidence;
  readonly cv?: CrossValidateResult;
  readonly notes: string[];
}

async function outOfSample(
  frame: Frame,
  subject: ModelToJudge,
  options: ValidateModelOptions,
  who: string,
): Promise<OutOfSample> {
  const rows = frame.nRows;
  const notes: string[] = [];
  const seen = subject.seen;
  if (seen === undefined) {
    notes.push(
      `${who}'s lineage records no training data to check the evaluation rows against; they are taken as unseen (a holdout)`,
    );
  }
  if (seen === undefined || seen.share <= 0) {
    return {
      predictions: predictionsOf(subject.model, frame, options),
      evidence: {
        source: "holdout",
        rows,
        statement: `${who}'s own predictions of ${rows} rows it was not trained on${seen ? ` (${seen.how})` : ""}`,
      },
      notes,
    };
  }
  const overlap =
    seen.share >= 1 ? "are its training rows" : `overlap its training rows (~${pct(seen.share)})`;
  if (subject.recipe === undefined) {
    return {
      evidence: {
        source: "unavailable",
        rows,
        statement: `the evaluation rows ${overlap} (${seen.how}) and ${who}'s recipe cannot be refitted for out-of-fold predictions (${subject.noRecipe ?? "no recipe"}); evaluate it on rows it was not trained on`,
      },
      notes,
    };
  }
  const cv = await runCv(frame, subject, options);
  return {
    predictions: oofPredictions(cv.oof, frame, options),
    evidence: {
      source: "out-of-fold",
      rows,
      statement: `out-of-fold predictions of ${rows} rows by ${who}'s recipe refitted in ${cv.folds.length} folds, because the evaluation rows ${overlap} (${seen.how})${subject.earlyStopping ? "; each fold held out 20% of its training rows for early stopping" : ""}`,
    },
    cv,
    notes,
  };
}

/** What the data can make a CV refuse: one class, too few rows or class members per fold. */
const DATA_UNFIT_FOR_CV: ReadonlySet<string> = new Set([
  "KEEL_ERR_TARGET_INVALID",
  "KEEL_ERR_INVALID_ARGUMENT",
  "KEEL_ERR_EMPTY_INPUT",
  "KEEL_ERR_METRIC_UNDEFINED",
]);

/**
 * The recipe's CV when the evaluation rows allow one, else `undefined` with a note saying why
 * (a batch with one class, fewer rows than folds): the recipe CV is reported beside the gates
 * and no gate reads it, so a batch that cannot be cross-validated is still judged.
 */
async function recipeCvOrNote(
  frame: Frame,
  subject: ModelToJudge,
  options: ValidateModelOptions,
  notes: string[],
): Promise<CrossValidateResult | undefined> {
  try {
    return await runCv(frame, subject, options);
  } catch (error) {
    if (!isKeelError(error) || !DATA_UNFIT_FOR_CV.has(error.code)) throw error;
    notes.push(`cv skipped: the evaluation rows cannot be cross-validated (${error.message})`);
    return undefined;
  }
}

async function runCv(
  frame: Frame,
  subject: ModelToJudge,
  options: ValidateModelOptions,
): Promise<CrossValidateResult> {
  const { policy, target } = options;
  const recipe = subject.recipe!;
  const folds = policy.cv?.folds ?? 5;
  const seed = policy.cv?.seed ?? 0;
  const classification = subject.model.task !== "regression";
  const stratified = (policy.cv?.stratified ?? true) && classification;
  const metrics: MetricSpec[] = policy.gates.flatMap((g) =>
    "bias" in g || "compare" in g ? [] : [g as MetricSpec],
  );
  const columns = subject.columns ? [...subject.columns, target] : frame.columnNames;
  return crossValidate(recipe, frame.select(columns), {
    target,
    // The same seed for both models: champion and candidate get the same folds.
    cv: stratified
      ? new StratifiedKFold({ nSplits: folds, shuffle: true, seed })
      : new KFold({ nSplits: folds, shuffle: true, seed }),
    metrics: metrics.length > 0 ? metrics : [classification ? "rocAuc" : "rmse"],
    ...(options.positive !== undefined ? { positive: options.positive } : {}),
    ...(options.threshold !== undefined ? { threshold: options.threshold } : {}),
    ...(subject.earlyStopping ? { validationFraction: 0.2 } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    seed,
  });
}

/**
 * Out-of-fold predictions as {@link Predictions} of every row, for gates and reports.
 *
 * @example
 * ```ts
 * const p = oofPredictions(cv.oof, frame, { target: "churn", positive: "Yes" });
 * ```
 */
export function oofPredictions(oof: OutOfFold, frame: Frame, options: ScoringOptions): Predictions {
  const column = frame.column(options.target);
  if (oof.task === "regression") {
    return {
      task: "regression",
      classes: [],
      yTrue:
        column.kind === "numeric"
          ? column.values
          : Float64Array.from(labelsOf(column), (v) => (v === null ? Number.NaN : Number(v))),
      predicted: oof.prediction!,
    };
  }
  return fromProba(oof.task, oof.classes, labelsOf(column), oof.proba!, options);
}

function pct(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}
