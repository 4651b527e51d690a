import { KeelError } from "../../core/index.js";
import type { TreeEnsemble } from "../gbdt/ensemble.js";
import type { FeatureSpec } from "../gbdt/feature-input.js";
import { attr, node, OnnxType, tensor } from "./onnx-proto.js";

/**
 * What {@link classicTreeNodes} needs from the graph being built.
 *
 * @example
 * ```ts
 * const graph: ClassicTreeGraph = { columns: ["tenure", "contract/code"], fresh, initializers: [] };
 * ```
 */
export interface ClassicTreeGraph {
  /** The `[N, 1]` double column of each feature: its value, or its category code (NaN missing). */
  readonly columns: readonly string[];
  /** A tensor name no other node uses. */
  readonly fresh: (base: string) => string;
  /** Collects constant tensors. */
  readonly initializers: Uint8Array[];
}

/** One category set a split tests, and the membership column that carries it. */
interface SetColumn {
  readonly feature: number;
  readonly codes: readonly number[];
}

/**
 * The error of a model the ONNX graph cannot reproduce.
 *
 * @example
 * ```ts
 * throw unsupported("tree 3 is not a tree.", { tree: 3 });
 * ```
 */
export function unsupported(message: string, details: Record<string, unknown>): KeelError {
  return new KeelError("KEEL_ERR_UNSUPPORTED", `ONNX export: ${message}`, { details });
}

/**
 * The category codes a categorical split at node `n` sends left, ascending. A set test on a
 * numeric feature cannot be exported (keel truncates the value to an integer code before the
 * test; ONNX compares exactly), so it is refused naming the node and feature.
 *
 * @example
 * ```ts
 * categorySplitCodes(model.ensemble, node, model.features); // [0, 3, 7]
 * ```
 */
export function categorySplitCodes(
  e: TreeEnsemble,
  n: number,
  features: readonly FeatureSpec[],
): number[] {
  const f = e.feature[n]!;
  if (features[f]?.kind !== "categorical") {
    throw unsupported(
      `node ${n} splits numeric feature '${features[f]?.name}' by category set; only categorical features can.`,
      {
        node: n,
        feature: features[f]?.name ?? null,
        expected: "categorical",
        got: features[f]?.kind ?? null,
      },
    );
  }
  const codes: number[] = [];
  const start = e.catStart[n]!;
  for (let w = 0; w < e.catWords[n]!; w++) {
    const word = e.catBits[start + w]!;
    for (let b = 0; b < 32; b++) if ((word >>> b) & 1) codes.push(w * 32 + b);
  }
  return codes;
}

/**
 * The trees as the classic `ai.onnx.ml` TreeEnsembleRegressor (opset 1–3), which every ONNX
 * runtime and the converters people use (onnxmltools, skl2onnx) know, in double precision
 * (`nodes_values_as_tensor`, opset 3). It has no set-membership test, so each distinct category
 * set a split tests becomes a 0/1 column computed in the graph: the feature's code compared
 * with every code (Equal → one-hot), times a 0/1 matrix of the sets (MatMul), NaN where the code
 * is NaN (missing or unseen), so the split is `member > 0.5` with the learned missing direction.
 * Returns the nodes and the `[N, K]` double output of tree sums (without the base score).
 *
 * @example
 * ```ts
 * const { nodes, output } = classicTreeNodes(ensemble, features, { columns, fresh, initializers });
 * ```
 */
export function classicTreeNodes(
  e: TreeEnsemble,
  features: readonly FeatureSpec[],
  graph: ClassicTreeGraph,
): { nodes: Uint8Array[]; output: string } {
  const { fresh, initializers } = graph;
  const nodes: Uint8Array[] = [];
  const nodeCount = e.feature.length;
  // Distinct non-empty category sets, per feature, in first-use order.
  const sets: SetColumn[] = [];
  const setIndex = new Map<string, number>();
  const setOfNode = new Int32Array(nodeCount).fill(-1);
  for (let n = 0; n < nodeCount; n++) {
    const f = e.feature[n]!;
    if (f < 0 || e.catStart[n]! < 0) continue;
    const codes = categorySplitCodes(e, n, features);
    if (codes.length === 0) continue;
    const key = `${f}:${codes.join(",")}`;
    let j = setIndex.get(key);
    if (j === undefined) {
      j = sets.length;
      sets.push({ feature: f, codes });
      setIndex.set(key, j);
    }
    setOfNode[n] = j;
  }
  // Membership columns, feature by feature, after the feature columns in the trees' input.
  const columnOfSet = new Int32Array(sets.length);
  let nextColumn = graph.columns.length;
  const inputs = [...graph.columns];
  const nan = fresh("keel/nan");
  if (sets.length > 0) initializers.push(tensor(nan, OnnxType.DOUBLE, [], [Number.NaN]));
  for (let f = 0; f < features.length; f++) {
    const mine = sets.map((s, j) => ({ s, j })).filter(({ s }) => s.feature === f);
    if (mine.length === 0) continue;
    const name = features[f]!.name;
    const nCodes = Math.max(
      features[f]!.categories?.length ?? 0,
      ...mine.map(({ s }) => s.codes[s.codes.length - 1]! + 1),
    );
    const range = fresh(`${name}/all_codes`);
    const matrix = fresh(`${name}/set_matrix`);
    initializers.push(
      tensor(
        range,
        OnnxType.DOUBLE,
        [1, nCodes],
        Array.from({ length: nCodes }, (_, c) => c),
      ),
    );
    const m = new Float64Array(nCodes * mine.length);
    mine.forEach(({ s }, k) => {
      for (const c of s.codes) m[c * mine.length + k] = 1;
    });
    initializers.push(tensor(matrix, OnnxType.DOUBLE, [nCodes, mine.length], m));
    const code = graph.columns[f]!;
    const eq = fresh(`${name}/is_code`);
    const oneHot = fresh(`${name}/one_hot`);
    const counts = fresh(`${name}/in_set`);
    const isNan = fresh(`${name}/is_missing`);
    const members = fresh(`${name}/members`);
    nodes.push(
      node({ opType: "Equal", name: fresh(`${name}/equal`), inputs: [code, range], outputs: [eq] }),
      node({
        opType: "Cast",
        name: fresh(`${name}/one_hot_double`),
        inputs: [eq],
        outputs: [oneHot],
        attributes: [attr.int("to", OnnxType.DOUBLE)],
      }),
      node({
        opType: "MatMul",
        name: fresh(`${name}/sets`),
        inputs: [oneHot, matrix],
        outputs: [counts],
      }),
      node({ opType: "IsNaN", name: fresh(`${name}/isnan`), inputs: [code], outputs: [isNan] }),
      node({
        opType: "Where",
        name: fresh(`${name}/missing_members`),
        inputs: [isNan, nan, counts],
        outputs: [members],
      }),
    );
    mine.forEach(({ j }, k) => {
      columnOfSet[j] = nextColumn + k;
    });
    nextColumn += mine.length;
    inputs.push(members);
  }
  const x = fresh("keel/tree_input");
  nodes.push(
    node({
      opType: "Concat",
      name: fresh("keel/tree_input_concat"),
      inputs,
      outputs: [x],
      attributes: [attr.int("axis", 1)],
    }),
  );

  const treeIds: number[] = [];
  const nodeIds: number[] = [];
  const featureIds: number[] = [];
  const modes: string[] = [];
  const values: number[] = [];
  const trueIds: number[] = [];
  const falseIds: number[] = [];
  const missingTracksTrue: number[] = [];
  const targetTree: number[] = [];
  const targetNode: number[] = [];
  const targetIds: number[] = [];
  const targetWeights: number[] = [];
  for (let t = 0; t < e.roots.length; t++) {
    const output = e.treeOutput[t]!;
    if (output < 0 || output >= e.nOutputs)
      throw unsupported(`tree ${t} adds to output ${output}; the model has ${e.nOutputs}.`, {
        tree: t,
        expected: `an output in 0..${e.nOutputs - 1}`,
        got: output,
      });
    // Preorder ids local to the tree; children are numbered when first pushed.
    const local = new Map<number, number>();
    const stack = [e.roots[t]!];
    local.set(e.roots[t]!, 0);
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (n < 0 || n >= nodeCount)
        throw unsupported(`tree ${t} reaches node ${n}, which does not exist.`, {
          tree: t,
          node: n,
          expected: `a node in 0..${nodeCount - 1}`,
          got: n,
        });
      const id = local.get(n)!;
      treeIds.push(t);
      nodeIds.push(id);
      const f = e.feature[n]!;
      if (f < 0) {
        featureIds.push(0);
        modes.push("LEAF");
        values.push(0);
        trueIds.push(0);
        falseIds.push(0);
        missingTracksTrue.push(0);
        targetTree.push(t);
        targetNode.push(id);
        targetIds.push(output);
        targetWeights.push(e.value[n]!);
        continue;
      }
      if (f >= features.length)
        throw unsupported(`node ${n} splits on feature ${f}; the model has ${features.length}.`, {
          node: n,
          expected: `a feature index in 0..${features.length - 1}`,
          got: f,
        });
      const left = e.left[n]!;
      const right = e.right[n]!;
      for (const child of [left, right]) {
        if (local.has(child))
          throw unsupported(`tree ${t} is not a tree (node ${child} is reached twice).`, {
            tree: t,
            node: child,
            expected: "each node reached once",
            got: "a node reached twice",
          });
        local.set(child, local.size);
      }
      trueIds.push(local.get(left)!);
      falseIds.push(local.get(right)!);
      missingTracksTrue.push(e.defaultLeft[n] === 1 ? 1 : 0);
      const set = setOfNode[n]!;
      if (e.catStart[n]! < 0) {
        featureIds.push(f);
        modes.push("BRANCH_LEQ");
        values.push(e.threshold[n]!);
      } else if (set < 0) {
        // An empty set: every code (>= 0) goes right, missing follows the default direction.
        featureIds.push(f);
        modes.push("BRANCH_LEQ");
        values.push(-1);
      } else {
        featureIds.push(columnOfSet[set]!);
        modes.push("BRANCH_GT");
        values.push(0.5);
      }
      stack.push(right, left);
    }
  }
  // The operator's output is float32, so a sum of leaves near 1e6 would lose ~0.03. Each leaf
  // is split into a coarse part (a multiple of a power of two `step`, so every partial sum up to
  // the largest possible total is exact in float32) and the small rest; each part goes through
  // its own ensemble and the two are added in double.
  let bound = 0;
  const treeMax = new Float64Array(e.roots.length);
  for (let i = 0; i < targetWeights.length; i++) {
    const t = targetTree[i]!;
    treeMax[t] = Math.max(treeMax[t]!, Math.abs(targetWeights[i]!));
  }
  for (const m of treeMax) bound += m;
  const step = bound > 0 ? 2 ** (Math.ceil(Math.log2(bound)) - 22) : 1;
  const coarse = targetWeights.map((w) => Math.round(w / step) * step);
  const rest = targetWeights.map((w, i) => w - coarse[i]!);
  const ensemble = (part: string, weights: number[]): string => {
    const sums = fresh(`keel/tree_sum_${part}_f32`);
    const summed = fresh(`keel/tree_sum_${part}`);
    nodes.push(
      node({
        opType: "TreeEnsembleRegressor",
        domain: "ai.onnx.ml",
        name: fresh(`keel/trees_${part}`),
        inputs: [x],
        outputs: [sums],
        attributes: [
          attr.int("n_targets", e.nOutputs),
          attr.string("aggregate_function", "SUM"),
          attr.string("post_transform", "NONE"),
          attr.ints("nodes_treeids", treeIds),
          attr.ints("nodes_nodeids", nodeIds),
          attr.ints("nodes_featureids", featureIds),
          attr.strings("nodes_modes", modes),
          attr.tensor(
            "nodes_values_as_tensor",
            tensor("", OnnxType.DOUBLE, [values.length], values),
          ),
          attr.ints("nodes_truenodeids", trueIds),
          attr.ints("nodes_falsenodeids", falseIds),
          attr.ints("nodes_missing_value_tracks_true", missingTracksTrue),
          attr.ints("target_treeids", targetTree),
          attr.ints("target_nodeids", targetNode),
          attr.ints("target_ids", targetIds),
          attr.tensor(
            "target_weights_as_tensor",
            tensor("", OnnxType.DOUBLE, [weights.length], weights),
          ),
        ],
      }),
      node({
        opType: "Cast",
        name: fresh(`keel/tree_sum_${part}_double`),
        inputs: [sums],
        outputs: [summed],
        attributes: [attr.int("to", OnnxType.DOUBLE)],
      }),
    );
    return summed;
  };
  const high = ensemble("coarse", coarse);
  if (rest.every((w) => w === 0)) return { nodes, output: high };
  const low = ensemble("rest", rest);
  const output = fresh("keel/tree_sum");
  nodes.push(
    node({
      opType: "Add",
      name: fresh("keel/tree_sum_add"),
      inputs: [high, low],
      outputs: [output],
    }),
  );
  return { nodes, output };
}
