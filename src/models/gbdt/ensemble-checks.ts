import { KeelError, type Task } from "../../core/index.js";
import type { TreeEnsemble } from "./ensemble.js";
import type { FeatureSpec } from "./feature-input.js";
import type { ObjectiveName } from "./objectives.js";

/** What a loaded GBDT says about itself besides its trees, checked against the trees. */
export interface GbdtShape {
  readonly task: Task;
  readonly classes: readonly string[];
  readonly features: readonly FeatureSpec[];
  readonly objective: ObjectiveName;
}

const REGRESSION_OBJECTIVES: readonly string[] = [
  "squaredError",
  "absoluteError",
  "huber",
  "poisson",
];

const ENSEMBLE = "$.state.ensemble";

/** The arrays with one entry per node besides `feature`. */
const PER_NODE = [
  "threshold",
  "left",
  "right",
  "defaultLeft",
  "catStart",
  "catWords",
  "value",
  "cover",
  "gain",
] as const satisfies readonly (keyof TreeEnsemble)[];

function broken(path: string, message: string, details: Record<string, unknown> = {}): KeelError {
  return new KeelError("KEEL_ERR_STATE_INVALID", `${path}: ${message}`, {
    details: { path, ...details },
  });
}

/** A tree's node that breaks the structure: the error names the tree and the node. */
function brokenNode(tree: number, node: number, message: string): KeelError {
  return broken(`${ENSEMBLE} tree ${tree}, node ${node}`, message, { tree, node });
}

/** The task, classes, objective and features agree with each other and with the ensemble. */
function checkShape(e: TreeEnsemble, shape: GbdtShape): void {
  const { task, classes, objective, features } = shape;
  if (!Array.isArray(classes) || classes.some((c) => typeof c !== "string"))
    throw broken("$.state.classes", "expected an array of class labels (strings)");
  const expectedOutputs =
    task === "multiclass" ? classes.length : task === "binary" || task === "regression" ? 1 : -1;
  if (expectedOutputs < 0)
    throw broken(
      "$.state.task",
      `expected 'binary', 'multiclass' or 'regression', got ${JSON.stringify(task)}`,
    );
  const classCount =
    task === "binary"
      ? classes.length === 2
      : task === "multiclass"
        ? classes.length >= 3
        : classes.length === 0;
  if (!classCount)
    throw broken(
      "$.state.classes",
      `a ${task} model needs ${task === "binary" ? "2 classes" : task === "multiclass" ? "3 or more classes" : "no classes"}, this one lists ${classes.length}`,
      { classes: classes.length },
    );
  const objectiveFits =
    task === "binary"
      ? objective === "binary"
      : task === "multiclass"
        ? objective === "softmax"
        : REGRESSION_OBJECTIVES.includes(objective);
  if (!objectiveFits)
    throw broken(
      "$.state.objective",
      `${JSON.stringify(objective)} is not an objective of a ${task} model`,
    );
  if (e.nOutputs !== expectedOutputs)
    throw broken(
      `${ENSEMBLE}.nOutputs`,
      `a ${task} model with ${classes.length} classes scores ${expectedOutputs} output(s), the ensemble says ${e.nOutputs}`,
    );
  if (e.baseScore.length !== e.nOutputs)
    throw broken(
      `${ENSEMBLE}.baseScore`,
      `expected ${e.nOutputs} value(s), got ${e.baseScore.length}`,
    );
  for (let k = 0; k < e.baseScore.length; k++)
    if (!Number.isFinite(e.baseScore[k]!))
      throw broken(
        `${ENSEMBLE}.baseScore[${k}]`,
        `expected a finite number, got ${e.baseScore[k]}`,
      );
  if (!Array.isArray(features))
    throw broken("$.state.features", "expected an array of feature descriptions");
  if (!Number.isInteger(e.nFeatures) || e.nFeatures !== features.length)
    throw broken(
      `${ENSEMBLE}.nFeatures`,
      `expected ${features.length} (the number of features listed), got ${e.nFeatures}`,
    );
  features.forEach((f, i) => {
    const ok =
      typeof f === "object" &&
      f !== null &&
      typeof f.name === "string" &&
      (f.kind === "numeric" ||
        (f.kind === "categorical" &&
          Array.isArray(f.categories) &&
          f.categories.every((c: unknown) => typeof c === "string")));
    if (!ok)
      throw broken(
        `$.state.features[${i}]`,
        "expected { name, kind: 'numeric' } or { name, kind: 'categorical', categories: [strings] }",
      );
  });
}

/** Every per-node array has one entry per node; roots and tree outputs pair up. */
function checkLengths(e: TreeEnsemble): number {
  const nNodes = e.feature.length;
  for (const name of PER_NODE) {
    const values = e[name];
    if (values.length !== nNodes)
      throw broken(
        `${ENSEMBLE}.${name}`,
        `expected one entry per node (${nNodes}, the length of 'feature'), got ${values.length}`,
      );
  }
  if (e.treeOutput.length !== e.roots.length)
    throw broken(
      `${ENSEMBLE}.treeOutput`,
      `expected one entry per tree (${e.roots.length}), got ${e.treeOutput.length}`,
    );
  return nNodes;
}

/** One internal node's split: feature in range, a threshold, a well-formed category set. */
function checkSplit(e: TreeEnsemble, features: readonly FeatureSpec[], t: number, n: number): void {
  const f = e.feature[n]!;
  if (f >= e.nFeatures)
    throw brokenNode(t, n, `splits on feature ${f}, but the model has ${e.nFeatures} features`);
  if (e.defaultLeft[n]! > 1)
    throw brokenNode(t, n, `defaultLeft must be 0 or 1, got ${e.defaultLeft[n]}`);
  const start = e.catStart[n]!;
  if (start === -1) {
    if (Number.isNaN(e.threshold[n]!)) throw brokenNode(t, n, "has a NaN threshold");
    return;
  }
  const words = e.catWords[n]!;
  if (start < 0 || words < 0 || start + words > e.catBits.length)
    throw brokenNode(
      t,
      n,
      `its category set (start ${start}, ${words} words) lies outside catBits (${e.catBits.length} words)`,
    );
  const categories = features[f]!.categories;
  if (features[f]!.kind !== "categorical" || categories === undefined)
    throw brokenNode(
      t,
      n,
      `has a category set but feature ${f} ('${features[f]!.name}') is numeric`,
    );
  // Bits past the dictionary would stand for categories that do not exist.
  for (let w = Math.floor(categories.length / 32); w < words; w++) {
    const valid = w * 32 >= categories.length ? 0 : 2 ** (categories.length - w * 32) - 1;
    if ((e.catBits[start + w]! & ~valid) !== 0)
      throw brokenNode(
        t,
        n,
        `its category set names codes past feature '${features[f]!.name}''s ${categories.length} categories`,
      );
  }
}

/**
 * Checks every structural invariant the scoring code relies on, in one pass over the nodes:
 * array lengths agree, each tree's child indices are in range and every node is reached exactly
 * once from the roots (no cycle, no shared subtree, no orphan), leaves hold finite values, split
 * features are below the number of features, category sets are well formed, and the task,
 * classes, objective and outputs agree. A bundle that breaks one would otherwise hang (a cycle),
 * read out of bounds or score garbage; here it is a `KEEL_ERR_STATE_INVALID` naming the tree and
 * node.
 *
 * @example
 * ```ts
 * checkEnsemble(ensemble, { task: "binary", classes: ["No", "Yes"], features, objective: "binary" });
 * ```
 */
export function checkEnsemble(e: TreeEnsemble, shape: GbdtShape): void {
  checkShape(e, shape);
  const nNodes = checkLengths(e);
  const seen = new Uint8Array(nNodes);
  const stack = new Int32Array(nNodes + 1);
  for (let t = 0; t < e.roots.length; t++) {
    const output = e.treeOutput[t]!;
    if (output < 0 || output >= e.nOutputs)
      throw broken(
        `${ENSEMBLE}.treeOutput[${t}]`,
        `expected an output below ${e.nOutputs}, got ${output}`,
      );
    const root = e.roots[t]!;
    if (root < 0 || root >= nNodes)
      throw broken(`${ENSEMBLE}.roots[${t}]`, `root ${root} is not a node (there are ${nNodes})`);
    // Depth-first from the root; each node is pushed once at most, so the stack never overflows.
    let top = 0;
    stack[top++] = root;
    if (seen[root] === 1) throw brokenNode(t, root, "is the root of another tree too");
    seen[root] = 1;
    while (top > 0) {
      const n = stack[--top]!;
      const f = e.feature[n]!;
      if (f === -1) {
        if (!Number.isFinite(e.value[n]!))
          throw brokenNode(t, n, `is a leaf with a non-finite value (${e.value[n]})`);
        continue;
      }
      if (f < 0) throw brokenNode(t, n, `has feature ${f} (a leaf has -1, a split 0 or more)`);
      checkSplit(e, shape.features, t, n);
      for (let side = 0; side < 2; side++) {
        const child = side === 0 ? e.left[n]! : e.right[n]!;
        const name = side === 0 ? "left" : "right";
        if (child < 0 || child >= nNodes)
          throw brokenNode(t, n, `its ${name} child ${child} is not a node (there are ${nNodes})`);
        if (seen[child] === 1)
          throw brokenNode(
            t,
            n,
            `its ${name} child ${child} was already reached (a cycle, or a subtree shared between branches or trees)`,
          );
        seen[child] = 1;
        stack[top++] = child;
      }
    }
  }
  const orphan = seen.indexOf(0);
  if (orphan >= 0)
    throw broken(`${ENSEMBLE} node ${orphan}`, "belongs to no tree (no root reaches it)", {
      node: orphan,
    });
}
