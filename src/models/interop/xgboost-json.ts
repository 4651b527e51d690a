import { KeelError, type Task } from "../../core/index.js";
import { EnsembleBuilder } from "../gbdt/ensemble.js";
import { FittedGbdt } from "../gbdt/gbdt-model.js";
import type { ObjectiveName } from "../gbdt/objectives.js";

interface XgbTree {
  left_children: number[];
  right_children: number[];
  split_indices: number[];
  split_conditions: number[];
  default_left: (number | boolean)[];
  sum_hessian: number[];
  loss_changes: number[];
  split_type?: number[];
}

function importError(message: string, path: string): KeelError {
  return new KeelError("KEEL_ERR_MODEL_IMPORT", `XGBoost JSON ${path}: ${message}`, {
    details: { path },
  });
}

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);
const f64 = new Float64Array(1);
const i64 = new BigInt64Array(f64.buffer);

/** The largest float32 below a float32 value. */
function previousFloat32(c: number): number {
  f32[0] = c;
  if (c === 0) {
    i32[0] = 0x80000001; // the negative subnormal closest to zero
  } else if (c > 0) i32[0] = i32[0]! - 1;
  else i32[0] = i32[0]! + 1;
  return f32[0]!;
}

/** The largest double below `x`. */
function previousDouble(x: number): number {
  f64[0] = x;
  i64[0] = x > 0 ? i64[0]! - 1n : x < 0 ? i64[0]! + 1n : -1n;
  return f64[0]!;
}

/**
 * XGBoost sends a row left when `float32(x) < c` for the float32 split value c. keel sends it
 * left when `x <= t` on doubles. The two agree for every double x with t = the largest double
 * that still rounds to a float32 below c: half-way between that float32 and c, stepped down one
 * double when the half-way point itself rounds up (ties to even).
 *
 * @example
 * ```ts
 * keelThreshold(0.5); // a double just below 0.5, above the float32 before it
 * ```
 */
export function keelThreshold(c: number): number {
  const below = previousFloat32(Math.fround(c));
  const mid = (below + Math.fround(c)) / 2;
  return Math.fround(mid) === below ? mid : previousDouble(mid);
}

function objectiveOf(name: string): { task: Task; objective: ObjectiveName } {
  switch (name) {
    case "binary:logistic":
      return { task: "binary", objective: "binary" };
    case "multi:softprob":
    case "multi:softmax":
      return { task: "multiclass", objective: "softmax" };
    case "reg:squarederror":
    case "reg:linear":
      return { task: "regression", objective: "squaredError" };
    case "reg:absoluteerror":
      return { task: "regression", objective: "absoluteError" };
    case "reg:pseudohubererror":
      return { task: "regression", objective: "huber" };
    case "count:poisson":
      return { task: "regression", objective: "poisson" };
    default:
      throw importError(
        `objective '${name}' is not supported (binary:logistic, multi:softprob, multi:softmax, reg:squarederror, reg:absoluteerror, reg:pseudohubererror, count:poisson are).`,
        "$.learner.objective.name",
      );
  }
}

/** XGBoost stores base_score on the prediction scale; trees add to its margin. */
function baseMargin(objective: ObjectiveName, baseScore: number): number {
  if (objective === "binary") return Math.log(baseScore / (1 - baseScore));
  if (objective === "poisson") return Math.log(baseScore);
  return baseScore;
}

/**
 * Parses the text of an XGBoost JSON model. XGBoost writes `NaN` (and may write `Infinity`) as
 * bare tokens, which JSON does not allow (its categorical nodes hold NaN split values); outside
 * strings they are read as `null`. A file that is still not JSON is `KEEL_ERR_MODEL_IMPORT`
 * naming the file.
 *
 * @example
 * ```ts
 * const json = parseXgboostJsonText(await readFile("m.json", "utf8"), "m.json");
 * ```
 */
export function parseXgboostJsonText(text: string, file: string): unknown {
  let out = "";
  let from = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === "\\") i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') {
      inString = true;
      continue;
    }
    const token = /^-?(?:NaN|Infinity)/.exec(text.slice(i, i + 9))?.[0];
    if (token !== undefined) {
      out += `${text.slice(from, i)}null`;
      i += token.length - 1;
      from = i + 1;
    }
  }
  out += text.slice(from);
  try {
    return JSON.parse(out);
  } catch (error) {
    throw new KeelError(
      "KEEL_ERR_MODEL_IMPORT",
      `${file}: not a readable JSON file (${error instanceof Error ? error.message : String(error)}).`,
      { details: { file }, cause: error },
    );
  }
}

/**
 * Imports a model saved by XGBoost's `Booster.save_model("m.json")` (gbtree, numeric splits)
 * as a {@link FittedGbdt} that predicts what XGBoost predicts: binary (classes "0", "1"),
 * multiclass (classes "0".."K-1") and regression. Split values are converted so that keel's
 * `x <= t` on doubles reproduces XGBoost's float32 `x < c` exactly.
 *
 * @example
 * ```ts
 * const model = importXgboostJson(JSON.parse(await readFile("m.json", "utf8")));
 * model.predictProba(frame);
 * ```
 */
export function importXgboostJson(
  json: unknown,
  options: { featureNames?: readonly string[] } = {},
): FittedGbdt {
  const learner = (json as { learner?: Record<string, unknown> } | null)?.learner;
  if (typeof learner !== "object" || learner === null)
    throw importError("expected an object with 'learner'.", "$");
  const booster = learner.gradient_booster as
    | { name?: string; model?: Record<string, unknown> }
    | undefined;
  if (booster?.name !== "gbtree" || booster.model === undefined)
    throw importError(
      `only the gbtree booster is supported; got '${booster?.name}'.`,
      "$.learner.gradient_booster.name",
    );
  const params = learner.learner_model_param as Record<string, string> | undefined;
  const objectiveName = (learner.objective as { name?: string } | undefined)?.name ?? "";
  const { task, objective } = objectiveOf(objectiveName);
  const nFeatures = Number(params?.num_feature ?? 0);
  const nClass = Number(params?.num_class ?? 0);
  const nOutputs = task === "multiclass" ? nClass : 1;
  const base = baseMargin(objective, Number(params?.base_score ?? 0.5));
  const names =
    options.featureNames ??
    ((learner.feature_names as string[] | undefined)?.length
      ? (learner.feature_names as string[])
      : Array.from({ length: nFeatures }, (_, i) => `f${i}`));
  if (names.length !== nFeatures)
    throw importError(
      `${names.length} feature names for ${nFeatures} features.`,
      "$.learner.feature_names",
    );
  const trees = booster.model.trees as XgbTree[] | undefined;
  const treeInfo = booster.model.tree_info as number[] | undefined;
  if (!Array.isArray(trees) || !Array.isArray(treeInfo))
    throw importError(
      "expected 'trees' and 'tree_info' arrays.",
      "$.learner.gradient_booster.model",
    );
  const builder = new EnsembleBuilder(nFeatures, nOutputs, new Float64Array(nOutputs).fill(base));
  trees.forEach((tree, t) => {
    const path = `$.learner.gradient_booster.model.trees[${t}]`;
    const categorical = tree.split_type?.findIndex((s) => s !== 0) ?? -1;
    if (categorical >= 0) {
      const feature = tree.split_indices[categorical] ?? -1;
      throw importError(
        `node ${categorical} splits feature '${names[feature] ?? feature}' as a categorical (XGBoost's enable_categorical). keel cannot import categorical splits: XGBoost 1.7's JSON holds category codes but not the labels they stand for. Train in keel (native categorical splits), or in XGBoost on one-hot columns.`,
        `${path}.split_type[${categorical}]`,
      );
    }
    // Preorder, like trees keel grows, so each tree's nodes stay contiguous.
    const visit = (i: number): number => {
      const left = tree.left_children[i];
      if (left === undefined) throw importError(`node ${i} does not exist.`, path);
      if (left === -1)
        return builder.addNode({
          feature: -1,
          value: tree.split_conditions[i]!,
          cover: tree.sum_hessian[i]!,
        });
      const id = builder.addNode({
        feature: tree.split_indices[i]!,
        threshold: keelThreshold(tree.split_conditions[i]!),
        defaultLeft: Boolean(tree.default_left[i]),
        cover: tree.sum_hessian[i]!,
        gain: tree.loss_changes[i]!,
      });
      const l = visit(left);
      const r = visit(tree.right_children[i]!);
      builder.setChildren(id, l, r);
      return id;
    };
    builder.addTree(visit(0), task === "multiclass" ? treeInfo[t]! : 0);
  });
  const classes =
    task === "binary"
      ? ["0", "1"]
      : task === "multiclass"
        ? Array.from({ length: nClass }, (_, k) => String(k))
        : [];
  return new FittedGbdt({
    type: task === "regression" ? "GbdtRegressor" : "GbdtClassifier",
    task,
    classes,
    features: names.map((name) => ({ name, kind: "numeric" as const })),
    featureNamesIn: names,
    objective,
    ensemble: builder.finish(),
    // No training params: the JSON does not hold them, and a refit must not inherit made-up ones.
    params: {},
  });
}
