import { KeelError } from "../../core/index.js";
import type { TreeEnsemble } from "../gbdt/ensemble.js";
import type { FeatureSpec } from "../gbdt/feature-input.js";
import type { FittedGbdt } from "../gbdt/gbdt-model.js";
import { categorySplitCodes, classicTreeNodes, unsupported } from "./onnx-classic-trees.js";
import { attr, model as encodeModel, node, OnnxType, tensor, valueInfo } from "./onnx-proto.js";

/**
 * The `ai.onnx` opset keel targets by default: 17, with IR version 8 and `ai.onnx.ml` 3, which
 * onnx 1.12 (Debian's python3-onnx) checks and every maintained runtime loads. The trees are
 * the classic `TreeEnsembleRegressor`.
 *
 * @example
 * ```ts
 * exportOnnx(model); // same as exportOnnx(model, { targetOpset: ONNX_OPSET })
 * ```
 */
export const ONNX_OPSET = 17;
/**
 * IR version of a default export (opset 17).
 *
 * @example
 * ```ts
 * console.log(`exported with IR ${ONNX_IR_VERSION}`); // 8
 * ```
 */
export const ONNX_IR_VERSION = 8;
/**
 * `ai.onnx.ml` opset of a default export: 3 is the first with double-precision tree attributes.
 *
 * @example
 * ```ts
 * onnxVersions(17).mlOpset === ONNX_ML_OPSET; // true
 * ```
 */
export const ONNX_ML_OPSET = 3;

/** The lowest target opset the graph's operators allow (Equal on doubles came with 11). */
const MIN_OPSET = 11;
/** The opset whose `ai.onnx.ml` 5 has the `TreeEnsemble` operator. */
const TREE_ENSEMBLE_OPSET = 21;

/**
 * What an export for `targetOpset` writes: opsets 11–20 give the classic
 * `TreeEnsembleRegressor` of `ai.onnx.ml` 3 (its double-precision attributes; ONNX Runtime has
 * them from 1.10) with the IR version that came with the opset (6 for 11, 7 for 12–14, 8 for
 * 15–18, 9 for 19–20); opset 21 writes the `TreeEnsemble` operator (`ai.onnx.ml` 5, IR 10),
 * which only recent runtimes read.
 *
 * @example
 * ```ts
 * onnxVersions(17); // { opset: 17, irVersion: 8, mlOpset: 3, trees: "TreeEnsembleRegressor" }
 * onnxVersions(21); // { opset: 21, irVersion: 10, mlOpset: 5, trees: "TreeEnsemble" }
 * ```
 */
export function onnxVersions(targetOpset: number): {
  opset: number;
  irVersion: number;
  mlOpset: number;
  trees: "TreeEnsembleRegressor" | "TreeEnsemble";
} {
  if (
    !Number.isInteger(targetOpset) ||
    targetOpset < MIN_OPSET ||
    targetOpset > TREE_ENSEMBLE_OPSET
  )
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `ONNX export: the target opset must be an integer from ${MIN_OPSET} to ${TREE_ENSEMBLE_OPSET}. Got ${targetOpset} instead.`,
      {
        details: {
          param: "targetOpset",
          expected: `${MIN_OPSET}..${TREE_ENSEMBLE_OPSET}`,
          got: targetOpset,
        },
      },
    );
  if (targetOpset === TREE_ENSEMBLE_OPSET)
    return { opset: targetOpset, irVersion: 10, mlOpset: 5, trees: "TreeEnsemble" };
  // The IR version that came with each opset, so a runtime of that age accepts the file.
  const irVersion = targetOpset <= 11 ? 6 : targetOpset <= 14 ? 7 : targetOpset <= 18 ? 8 : 9;
  return { opset: targetOpset, irVersion, mlOpset: 3, trees: "TreeEnsembleRegressor" };
}

/**
 * Metadata keys keel writes itself. User metadata may not reuse them: a reader takes them as
 * the model's provenance, so a silent overwrite would misdescribe the graph.
 */
const KEEL_METADATA_KEYS = [
  "keel.type",
  "keel.task",
  "keel.objective",
  "keel.classes",
  "keel.features",
] as const;

/**
 * Options of {@link exportOnnx}.
 *
 * @example
 * ```ts
 * const options: OnnxExportOptions = {
 *   graphName: "churn",
 *   producerVersion: "0.1.0",
 *   metadata: { "keel.positive_class": "Yes", owner: "growth-team" },
 * };
 * const bytes = exportOnnx(model, options);
 * ```
 */
export interface OnnxExportOptions {
  /** The graph's name (default `"keel_gbdt"`). */
  readonly graphName?: string;
  /** Recorded as the model's producer_version, for example the keel version. */
  readonly producerVersion?: string;
  /**
   * Extra `metadata_props` entries, written after keel's own. A key keel writes itself
   * (`keel.type`, `keel.task`, `keel.objective`, `keel.classes`, `keel.features`) throws
   * `KEEL_ERR_INVALID_ARGUMENT` rather than replacing keel's value; other `keel.*` keys, such as
   * `keel.positive_class`, are allowed.
   */
  readonly metadata?: Readonly<Record<string, string>>;
  /**
   * The `ai.onnx` opset to target, 11 to 21 (default {@link ONNX_OPSET}, 17). Up to 20 the trees
   * are the classic `TreeEnsembleRegressor` every runtime reads; 21 writes `ai.onnx.ml` 5's
   * `TreeEnsemble` (IR 10) for runtimes that have it. See {@link onnxVersions}.
   */
  readonly targetOpset?: number;
}

/** TreeEnsemble (ai.onnx.ml 5) node modes. */
const BRANCH_LEQ = 0;
const BRANCH_MEMBER = 6;
/** LabelEncoder carries codes as float32; integers above 2^24 would no longer be exact. */
const MAX_FLOAT_CODES = 2 ** 24;

/**
 * The trees as `ai.onnx.ml` TreeEnsemble (opset 5) attributes. Interior nodes are numbered in
 * preorder, left child first, tree after tree, so the NaN-separated `membership_values` lists
 * come in node order: the order ONNX Runtime reads them in (one list per BRANCH_MEMBER node).
 * keel's left child is ONNX's "true" branch; `defaultLeft` becomes
 * `nodes_missing_value_tracks_true` (NaN fails every comparison, so it takes the false branch
 * otherwise, as keel sends it right).
 */
function treeEnsembleAttributes(e: TreeEnsemble, features: readonly FeatureSpec[]): Uint8Array[] {
  const nodeCount = e.feature.length;
  const featureIds: number[] = [];
  const modes: number[] = [];
  const splits: number[] = [];
  const members: number[] = [];
  const trueIds: number[] = [];
  const trueLeafs: number[] = [];
  const falseIds: number[] = [];
  const falseLeafs: number[] = [];
  const missingTracksTrue: number[] = [];
  const leafTargets: number[] = [];
  const leafWeights: number[] = [];
  const roots: number[] = [];
  // Index of each keel node in the ONNX interior-node or leaf arrays.
  const slot = new Int32Array(nodeCount).fill(-1);
  const isLeaf = (n: number) => e.feature[n]! < 0;

  const pushInterior = (n: number): void => {
    const f = e.feature[n]!;
    const left = e.left[n]!;
    const right = e.right[n]!;
    featureIds.push(f);
    trueIds.push(slot[left]!);
    trueLeafs.push(isLeaf(left) ? 1 : 0);
    falseIds.push(slot[right]!);
    falseLeafs.push(isLeaf(right) ? 1 : 0);
    missingTracksTrue.push(e.defaultLeft[n] === 1 ? 1 : 0);
    if (e.catStart[n]! < 0) {
      modes.push(BRANCH_LEQ);
      splits.push(e.threshold[n]!);
      return;
    }
    const codes = categorySplitCodes(e, n, features);
    if (codes.length === 0) {
      // No category goes left: every code (>= 0) goes right, missing follows defaultLeft.
      modes.push(BRANCH_LEQ);
      splits.push(-1);
      return;
    }
    modes.push(BRANCH_MEMBER);
    splits.push(0); // unused for BRANCH_MEMBER, but nodes_splits needs one entry per node
    members.push(...codes, Number.NaN);
  };

  for (let t = 0; t < e.roots.length; t++) {
    const root = e.roots[t]!;
    const target = e.treeOutput[t]!;
    if (target < 0 || target >= e.nOutputs)
      throw unsupported(`tree ${t} adds to output ${target}; the model has ${e.nOutputs}.`, {
        tree: t,
        expected: `an output in 0..${e.nOutputs - 1}`,
        got: target,
      });
    const order: number[] = [];
    const stack = [root];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (n < 0 || n >= nodeCount || slot[n] !== -1)
        throw unsupported(`tree ${t} is not a tree (node ${n} is missing or reached twice).`, {
          tree: t,
          node: n,
          expected: `each node in 0..${nodeCount - 1} reached once`,
          got: n < 0 || n >= nodeCount ? "a node out of range" : "a node reached twice",
        });
      if (isLeaf(n)) {
        slot[n] = leafWeights.length;
        leafTargets.push(target);
        leafWeights.push(e.value[n]!);
      } else {
        const f = e.feature[n]!;
        if (f >= features.length)
          throw unsupported(`node ${n} splits on feature ${f}; the model has ${features.length}.`, {
            node: n,
            expected: `a feature index in 0..${features.length - 1}`,
            got: f,
          });
        slot[n] = order.length + featureIds.length;
        order.push(n);
        stack.push(e.right[n]!, e.left[n]!);
      }
    }
    if (isLeaf(root)) {
      // A single-leaf tree: ONNX marks it as a root whose both branches are the same leaf.
      roots.push(featureIds.length);
      featureIds.push(0);
      modes.push(BRANCH_LEQ);
      splits.push(0);
      trueIds.push(slot[root]!);
      falseIds.push(slot[root]!);
      trueLeafs.push(1);
      falseLeafs.push(1);
      missingTracksTrue.push(0);
      continue;
    }
    roots.push(featureIds.length);
    for (const n of order) pushInterior(n);
  }

  const attributes = [
    attr.int("n_targets", e.nOutputs),
    attr.int("aggregate_function", 1), // SUM
    attr.int("post_transform", 0), // NONE: the link is applied by standard ops after the base score
    attr.ints("tree_roots", roots),
    attr.ints("nodes_featureids", featureIds),
    attr.tensor("nodes_modes", tensor("", OnnxType.UINT8, [modes.length], modes)),
    attr.tensor("nodes_splits", tensor("", OnnxType.DOUBLE, [splits.length], splits)),
    attr.ints("nodes_truenodeids", trueIds),
    attr.ints("nodes_trueleafs", trueLeafs),
    attr.ints("nodes_falsenodeids", falseIds),
    attr.ints("nodes_falseleafs", falseLeafs),
    attr.ints("nodes_missing_value_tracks_true", missingTracksTrue),
    attr.ints("leaf_targetids", leafTargets),
    attr.tensor("leaf_weights", tensor("", OnnxType.DOUBLE, [leafWeights.length], leafWeights)),
  ];
  if (members.length > 0)
    attributes.push(
      attr.tensor("membership_values", tensor("", OnnxType.DOUBLE, [members.length], members)),
    );
  return attributes;
}

/**
 * An ensemble with no trees still needs one for the TreeEnsemble operator: a single leaf of 0.
 */
function withAtLeastOneTree(e: TreeEnsemble): TreeEnsemble {
  if (e.roots.length > 0) return e;
  return {
    ...e,
    roots: Int32Array.of(0),
    treeOutput: Int32Array.of(0),
    feature: Int32Array.of(-1),
    threshold: Float64Array.of(0),
    left: Int32Array.of(-1),
    right: Int32Array.of(-1),
    defaultLeft: Uint8Array.of(0),
    catStart: Int32Array.of(-1),
    catWords: Int32Array.of(0),
    value: Float64Array.of(0),
    cover: Float64Array.of(0),
    gain: Float64Array.of(0),
  };
}

/** Checks the model is one whose prediction the graph reproduces: task, objective and shapes agree. */
function checkExportable(m: FittedGbdt): void {
  const e = m.ensemble;
  const fail = (expected: string) =>
    unsupported(
      `a ${m.task} model with objective '${m.objective}' and ${e.nOutputs} output(s) cannot be exported; expected ${expected}.`,
      { expected, got: { task: m.task, objective: m.objective, nOutputs: e.nOutputs } },
    );
  if (
    m.task === "binary" &&
    (m.objective !== "binary" || e.nOutputs !== 1 || m.classes.length !== 2)
  )
    throw fail("objective 'binary', one output and two classes");
  if (
    m.task === "multiclass" &&
    (m.objective !== "softmax" || e.nOutputs !== m.classes.length || e.nOutputs < 2)
  )
    throw fail("objective 'softmax' with one output per class");
  if (
    m.task === "regression" &&
    (e.nOutputs !== 1 || m.objective === "binary" || m.objective === "softmax")
  )
    throw fail("a regression objective and one output");
  if (m.features.length === 0)
    throw unsupported("the model has no input features; expected at least one.", {
      expected: "at least one feature",
      got: 0,
    });
  if (e.nFeatures !== m.features.length)
    throw unsupported(
      `the trees use ${e.nFeatures} features but the model declares ${m.features.length}.`,
      { expected: m.features.length, got: e.nFeatures, path: "ensemble.nFeatures" },
    );
  if (e.baseScore.length !== e.nOutputs)
    throw unsupported(`${e.baseScore.length} base scores for ${e.nOutputs} outputs.`, {
      expected: e.nOutputs,
      got: e.baseScore.length,
      path: "ensemble.baseScore",
    });
}

/** Hands out tensor names that collide with no feature (graph input) name. */
function nameAllocator(taken: Iterable<string>): (base: string) => string {
  const used = new Set(taken);
  return (base) => {
    let name = base;
    for (let i = 2; used.has(name); i++) name = `${base}_${i}`;
    used.add(name);
    return name;
  };
}

/**
 * Exports a fitted GBDT as an ONNX model that predicts what keel predicts. The graph, in double
 * precision throughout:
 *
 * - one input per model feature, named after it, shape `[N, 1]`: `tensor(double)` for numeric
 *   features (NaN = missing; booleans as 0/1, timestamps as epoch milliseconds), `tensor(string)`
 *   for categorical ones, mapped to their training codes by `ai.onnx.ml` LabelEncoder; a string
 *   outside the training dictionary (use `""` for a missing value) becomes NaN, i.e. missing, as
 *   keel treats unseen categories;
 * - the trees, plus the base score: output `margins` `[N, K]`. By default (target opset 11–20)
 *   the classic `ai.onnx.ml` 3 TreeEnsembleRegressor, with each category set a split tests
 *   computed as a 0/1 column in the graph (see `classicTreeNodes`); with `targetOpset: 21` the
 *   `ai.onnx.ml` 5 TreeEnsemble (BRANCH_LEQ for numeric splits, BRANCH_MEMBER for categorical
 *   ones). Both keep each node's learned missing-value direction;
 * - the link: binary `probabilities` `[N, 2]` = [1 − p, p] with p = Sigmoid(margin), multiclass
 *   `probabilities` = Softmax(margins), both with `label` `[N]` (the most likely class, as
 *   `predict`); regression `prediction` `[N, 1]` (Exp of the margin for Poisson, else the margin).
 *
 * Throws `KEEL_ERR_UNSUPPORTED` for a model the graph cannot reproduce (for example a category-set
 * split on a numeric feature, or a feature name equal to an output name).
 *
 * @example
 * ```ts
 * const model = new GbdtClassifier({ nEstimators: 100 }).fit(x, y);
 * await writeFile("churn.onnx", exportOnnx(model, { producerVersion: "0.1.0" }));
 * // onnxruntime-node, one row:
 * const session = await InferenceSession.create(exportOnnx(model));
 * const { probabilities } = await session.run({
 *   tenure: new Tensor("float64", Float64Array.of(3), [1, 1]),
 *   contract: new Tensor("string", ["One year"], [1, 1]),
 * });
 * ```
 */
export function exportOnnx(m: FittedGbdt, options: OnnxExportOptions = {}): Uint8Array {
  checkExportable(m);
  const versions = onnxVersions(options.targetOpset ?? ONNX_OPSET);
  const classifier = m.task !== "regression";
  const outputNames = classifier
    ? ["probabilities", "label", "margins"]
    : ["prediction", "margins"];
  for (const f of m.features) {
    if (outputNames.includes(f.name))
      throw unsupported(
        `feature '${f.name}' has the name of an output of the ONNX graph (${outputNames.join(", ")}); rename the column before training.`,
        { feature: f.name, expected: `a name other than ${outputNames.join(", ")}`, got: f.name },
      );
  }
  const fresh = nameAllocator([...m.features.map((f) => f.name), ...outputNames]);
  const e = withAtLeastOneTree(m.ensemble);
  const K = e.nOutputs;
  const nodes: Uint8Array[] = [];
  const initializers: Uint8Array[] = [];
  const inputs: Uint8Array[] = [];

  // One [N, 1] double column per feature, in the model's feature order.
  const columns = m.features.map((f) => {
    if (f.kind === "numeric") {
      inputs.push(valueInfo(f.name, OnnxType.DOUBLE, ["N", 1], "numeric; NaN is missing"));
      return f.name;
    }
    const categories = f.categories ?? [];
    if (categories.length > MAX_FLOAT_CODES)
      throw unsupported(
        `categorical feature '${f.name}' has ${categories.length} categories; at most ${MAX_FLOAT_CODES} export.`,
        { feature: f.name, expected: `at most ${MAX_FLOAT_CODES}`, got: categories.length },
      );
    inputs.push(
      valueInfo(
        f.name,
        OnnxType.STRING,
        ["N", 1],
        `categorical, ${categories.length} training categories; any other string (e.g. "") is missing`,
      ),
    );
    const codes = fresh(`${f.name}/code_f32`);
    const asDouble = fresh(`${f.name}/code`);
    // An empty dictionary still needs one key; it maps to NaN like every other string.
    const keys = categories.length > 0 ? categories : [""];
    const values = categories.length > 0 ? categories.map((_, i) => i) : [Number.NaN];
    nodes.push(
      node({
        opType: "LabelEncoder",
        domain: "ai.onnx.ml",
        name: fresh(`${f.name}/encode`),
        inputs: [f.name],
        outputs: [codes],
        attributes: [
          attr.strings("keys_strings", keys),
          attr.floats("values_floats", values),
          attr.float("default_float", Number.NaN),
        ],
      }),
      node({
        opType: "Cast",
        name: fresh(`${f.name}/to_double`),
        inputs: [codes],
        outputs: [asDouble],
        attributes: [attr.int("to", OnnxType.DOUBLE)],
      }),
    );
    return asDouble;
  });

  const baseScore = fresh("keel/base_score");
  initializers.push(tensor(baseScore, OnnxType.DOUBLE, [K], e.baseScore));
  let treeSum: string;
  if (versions.trees === "TreeEnsembleRegressor") {
    const classic = classicTreeNodes(e, m.features, { columns, fresh, initializers });
    nodes.push(...classic.nodes);
    treeSum = classic.output;
  } else {
    const x = fresh("keel/features");
    treeSum = fresh("keel/tree_sum");
    nodes.push(
      node({
        opType: "Concat",
        name: fresh("keel/concat"),
        inputs: columns,
        outputs: [x],
        attributes: [attr.int("axis", 1)],
      }),
      node({
        opType: "TreeEnsemble",
        domain: "ai.onnx.ml",
        name: fresh("keel/trees"),
        inputs: [x],
        outputs: [treeSum],
        attributes: treeEnsembleAttributes(e, m.features),
      }),
    );
  }
  nodes.push(
    node({
      opType: "Add",
      name: fresh("keel/add_base_score"),
      inputs: [treeSum, baseScore],
      outputs: ["margins"],
    }),
  );

  const outputs: Uint8Array[] = [];
  if (classifier) {
    nodes.push(...probabilityNodes(m.task, initializers, fresh), ...labelNodes(m.classes, fresh));
    outputs.push(
      valueInfo("probabilities", OnnxType.DOUBLE, ["N", m.classes.length], "class probabilities"),
      valueInfo("label", OnnxType.STRING, ["N"], "the most likely class"),
    );
  } else {
    nodes.push(
      node({
        opType: m.objective === "poisson" ? "Exp" : "Identity",
        name: fresh("keel/link"),
        inputs: ["margins"],
        outputs: ["prediction"],
      }),
    );
    outputs.push(valueInfo("prediction", OnnxType.DOUBLE, ["N", 1], "predicted value"));
  }
  outputs.push(valueInfo("margins", OnnxType.DOUBLE, ["N", K], "raw scores before the link"));

  return encodeModel({
    irVersion: versions.irVersion,
    opsets: [
      { domain: "", version: versions.opset },
      { domain: "ai.onnx.ml", version: versions.mlOpset },
    ],
    producerName: "keel",
    ...(options.producerVersion === undefined ? {} : { producerVersion: options.producerVersion }),
    docString: `keel ${m.type} (${m.task}, objective ${m.objective}, ${m.nTrees} trees)`,
    graphName: options.graphName ?? "keel_gbdt",
    nodes,
    initializers,
    inputs,
    outputs,
    metadata: metadataOf(m, options.metadata ?? {}),
  });
}

/** keel's provenance entries, then the caller's; a caller key equal to one of keel's throws. */
function metadataOf(
  m: FittedGbdt,
  extra: Readonly<Record<string, string>>,
): Record<string, string> {
  const own: Record<(typeof KEEL_METADATA_KEYS)[number], string> = {
    "keel.type": m.type,
    "keel.task": m.task,
    "keel.objective": m.objective,
    "keel.classes": JSON.stringify(m.classes),
    "keel.features": JSON.stringify(m.features.map((f) => ({ name: f.name, kind: f.kind }))),
  };
  const clashes = Object.keys(extra).filter((k) => Object.hasOwn(own, k));
  if (clashes.length > 0)
    throw new KeelError(
      "KEEL_ERR_INVALID_ARGUMENT",
      `ONNX export: options.metadata sets ${clashes.map((k) => `'${k}'`).join(", ")}, which keel writes itself; expected keys other than ${KEEL_METADATA_KEYS.join(", ")}.`,
      { details: { path: "options.metadata", expected: KEEL_METADATA_KEYS, got: clashes } },
    );
  return { ...own, ...extra };
}

/** Probabilities from `margins`: [1 − p, p] with p = Sigmoid for binary, Softmax for multiclass. */
function probabilityNodes(
  task: FittedGbdt["task"],
  initializers: Uint8Array[],
  fresh: (base: string) => string,
): Uint8Array[] {
  if (task === "multiclass") {
    return [
      node({
        opType: "Softmax",
        name: fresh("keel/softmax"),
        inputs: ["margins"],
        outputs: ["probabilities"],
        attributes: [attr.int("axis", 1)],
      }),
    ];
  }
  const p = fresh("keel/p_positive");
  const q = fresh("keel/p_negative");
  const one = fresh("keel/one");
  initializers.push(tensor(one, OnnxType.DOUBLE, [], [1]));
  return [
    node({ opType: "Sigmoid", name: fresh("keel/sigmoid"), inputs: ["margins"], outputs: [p] }),
    node({ opType: "Sub", name: fresh("keel/one_minus_p"), inputs: [one, p], outputs: [q] }),
    node({
      opType: "Concat",
      name: fresh("keel/proba_columns"),
      inputs: [q, p],
      outputs: ["probabilities"],
      attributes: [attr.int("axis", 1)],
    }),
  ];
}

/** `label`: the class of the largest probability (the first on ties, as `predict`). */
function labelNodes(classes: readonly string[], fresh: (base: string) => string): Uint8Array[] {
  const index = fresh("keel/label_index");
  return [
    node({
      opType: "ArgMax",
      name: fresh("keel/argmax"),
      inputs: ["probabilities"],
      outputs: [index],
      attributes: [attr.int("axis", 1), attr.int("keepdims", 0)],
    }),
    node({
      opType: "LabelEncoder",
      domain: "ai.onnx.ml",
      name: fresh("keel/label"),
      inputs: [index],
      outputs: ["label"],
      attributes: [
        attr.ints(
          "keys_int64s",
          classes.map((_, i) => i),
        ),
        attr.strings("values_strings", classes),
        attr.string("default_string", ""),
      ],
    }),
  ];
}
