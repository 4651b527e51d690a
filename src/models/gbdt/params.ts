import { declareParams, type ParamsOf, param } from "../../core/index.js";

const classWeightParam = param.custom<"balanced" | Readonly<Record<string, number>> | undefined>({
  default: undefined,
  doc: "Per-class weights: 'balanced' (n / (k * count)) or an object from class label to weight.",
  aliases: ["class_weight"],
  constraint: "'balanced' or an object mapping class labels to positive numbers, or left out",
  check: (v) =>
    v === undefined ||
    v === "balanced" ||
    (typeof v === "object" &&
      v !== null &&
      !Array.isArray(v) &&
      Object.values(v).every((w) => typeof w === "number" && w > 0 && Number.isFinite(w))),
  fromString: (t) => {
    if (t === "balanced") return t;
    try {
      return JSON.parse(t) as unknown;
    } catch {
      return undefined;
    }
  },
});

/**
 * The parameters of the histogram GBDT, declared once for `GbdtClassifier` and `GbdtRegressor`.
 * Names are camelCase; XGBoost and LightGBM spellings are accepted as aliases.
 *
 * @example
 * ```ts
 * const p = gbdtParams.parse({ eta: 0.1, max_depth: 4 }); // p.learningRate === 0.1, p.maxDepth === 4
 * ```
 */
export const gbdtParams = declareParams("Gbdt", {
  objective: param.enum(
    ["auto", "binary", "softmax", "squaredError", "absoluteError", "huber", "poisson"] as const,
    {
      default: "auto",
      doc: "Loss whose gradients drive boosting; 'auto' picks logloss, softmax or squared error from the task.",
    },
  ),
  nEstimators: param.int({
    default: 100,
    min: 1,
    doc: "Number of boosting rounds.",
    aliases: ["n_estimators", "num_boost_round", "num_iterations", "numRounds"],
    search: { low: 50, high: 1000, log: true },
  }),
  learningRate: param.number({
    default: 0.1,
    min: 0,
    minExclusive: true,
    max: 1,
    doc: "Shrinkage applied to each tree's output.",
    aliases: ["eta", "learning_rate", "shrinkage_rate"],
    search: { low: 0.01, high: 0.3, log: true },
  }),
  growPolicy: param.enum(["depthwise", "lossguide"] as const, {
    default: "depthwise",
    doc: "'depthwise' splits level by level up to maxDepth (XGBoost); 'lossguide' splits the best leaf first up to numLeaves (LightGBM).",
    aliases: ["grow_policy"],
  }),
  maxDepth: param.int({
    default: 6,
    min: 0,
    doc: "Maximum tree depth; 0 means unlimited (lossguide only).",
    aliases: ["max_depth"],
    search: { low: 2, high: 10 },
  }),
  numLeaves: param.optional(
    param.int({
      default: 31,
      min: 2,
      doc: "Maximum leaves per tree. Caps depthwise trees too (XGBoost's max_leaves); when left out, 31 under 'lossguide' and no cap under 'depthwise'.",
      aliases: ["num_leaves", "max_leaves", "maxLeaves"],
      search: { low: 8, high: 256, log: true },
    }),
  ),
  minChildWeight: param.number({
    default: 1,
    min: 0,
    doc: "Minimum sum of hessians in a child.",
    aliases: ["min_child_weight", "min_sum_hessian_in_leaf"],
    search: { low: 0.01, high: 20, log: true },
  }),
  minDataInLeaf: param.int({
    default: 1,
    min: 1,
    doc: "Minimum number of rows in a leaf.",
    aliases: ["min_data_in_leaf", "min_child_samples", "minChildSamples"],
  }),
  lambda: param.number({
    default: 1,
    min: 0,
    doc: "L2 regularisation of leaf values.",
    aliases: ["reg_lambda", "lambda_l2", "l2"],
    search: { low: 1e-3, high: 10, log: true },
  }),
  alpha: param.number({
    default: 0,
    min: 0,
    doc: "L1 regularisation of leaf values.",
    aliases: ["reg_alpha", "lambda_l1", "l1"],
  }),
  minSplitGain: param.number({
    default: 0,
    min: 0,
    doc: "Minimum loss reduction to make a split.",
    aliases: ["gamma", "min_split_gain", "min_split_loss", "min_gain_to_split"],
  }),
  subsample: param.number({
    default: 1,
    min: 0,
    minExclusive: true,
    max: 1,
    doc: "Fraction of rows sampled (without replacement) for each tree.",
    aliases: ["bagging_fraction"],
    search: { low: 0.5, high: 1 },
  }),
  colsampleBytree: param.number({
    default: 1,
    min: 0,
    minExclusive: true,
    max: 1,
    doc: "Fraction of features sampled for each tree.",
    aliases: ["colsample_bytree", "feature_fraction"],
    search: { low: 0.5, high: 1 },
  }),
  scalePosWeight: param.number({
    default: 1,
    min: 0,
    minExclusive: true,
    doc: "Weight of positive rows in binary tasks.",
    aliases: ["scale_pos_weight"],
  }),
  classWeight: classWeightParam,
  positiveClass: param.optional(
    param.string({
      default: "",
      doc: "Classifiers: the label of the positive class of a binary target (otherwise the second in sorted order).",
      aliases: ["positive", "pos_label"],
    }),
  ),
  maxBins: param.int({
    default: 256,
    min: 4,
    max: 256,
    doc: "Histogram bins per feature, including the bin for missing values.",
    aliases: ["max_bin", "max_bins", "maxBin"],
  }),
  maxCatToOnehot: param.int({
    default: 4,
    min: 1,
    doc: "Categorical features with at most this many categories (in a node) use one-vs-rest splits only; above it, gradient-sorted partitions are tried as well (regularised by catSmooth, catL2, maxCatThreshold, minDataPerGroup and catPenalty).",
    aliases: ["max_cat_to_onehot"],
  }),
  catSmooth: param.number({
    default: 10,
    min: 0,
    doc: "Categorical partitions: added to each category's hessian before categories are ordered by gradient ratio, so small categories sort near the middle (LightGBM's cat_smooth).",
    aliases: ["cat_smooth"],
  }),
  catL2: param.number({
    default: 10,
    min: 0,
    doc: "Categorical partitions: extra L2 regularisation of the two sides' leaf values (LightGBM's cat_l2).",
    aliases: ["cat_l2"],
  }),
  maxCatThreshold: param.int({
    default: 32,
    min: 1,
    doc: "Categorical partitions: most categories on the side searched from each end of the order (LightGBM's max_cat_threshold).",
    aliases: ["max_cat_threshold"],
  }),
  minDataPerGroup: param.int({
    default: 10,
    min: 1,
    doc: "Categorical partitions: fewest rows a category needs in a node to take part (smaller ones stay with the rest; one-vs-rest splits still consider them). LightGBM's min_data_per_group.",
    aliases: ["min_data_per_group"],
  }),
  catPenalty: param.number({
    default: 1,
    min: 0,
    doc: "Categorical partitions: gain given up per category chosen among, in units of the gradient noise (about what one category without signal gains by chance). 0 turns the penalty off.",
    aliases: ["cat_penalty"],
  }),
  huberDelta: param.number({
    default: 1,
    min: 0,
    minExclusive: true,
    doc: "Transition point of the Huber loss.",
    aliases: ["huber_slope", "alpha_huber"],
  }),
  earlyStoppingRounds: param.optional(
    param.int({
      default: 0,
      min: 1,
      doc: "Stop when the validation metric has not improved for this many rounds (needs a validation set).",
      aliases: ["early_stopping_rounds", "early_stopping_round"],
    }),
  ),
  evalMetric: param.enum(["auto", "logloss", "auc", "error", "mlogloss", "rmse", "mae"] as const, {
    default: "auto",
    doc: "Validation metric for early stopping; 'auto' is logloss, mlogloss or rmse by task.",
    aliases: ["eval_metric", "metric"],
  }),
  seed: param.int({
    default: 0,
    doc: "Seed for row and feature sampling.",
    aliases: ["random_state", "random_seed"],
  }),
  nThreads: param.int({
    default: 0,
    min: 0,
    doc: "Training threads; 0 (the default) means one per core, or one inside a worker thread. Threads start only for data large enough to pay for them, and the model is identical whatever the count.",
    aliases: ["nthread", "n_jobs", "num_threads"],
  }),
});

/** Validated GBDT parameters. */
export type GbdtParams = ParamsOf<typeof gbdtParams.specs>;
