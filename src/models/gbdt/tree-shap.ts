import { nextNode, type TreeEnsemble } from "./ensemble.js";

/** One element of the decision path TreeSHAP tracks (feature, zero/one fractions, weight). */
interface PathElement {
  feature: number;
  zero: number;
  one: number;
  weight: number;
}

function extend(path: PathElement[], zero: number, one: number, feature: number): void {
  const l = path.length;
  path.push({ feature, zero, one, weight: l === 0 ? 1 : 0 });
  for (let i = l - 1; i >= 0; i--) {
    path[i + 1]!.weight += (one * path[i]!.weight * (i + 1)) / (l + 1);
    path[i]!.weight = (zero * path[i]!.weight * (l - i)) / (l + 1);
  }
}

function unwind(path: PathElement[], i: number): void {
  const l = path.length - 1;
  const { one, zero } = path[i]!;
  let n = path[l]!.weight;
  for (let j = l - 1; j >= 0; j--) {
    if (one !== 0) {
      const t = path[j]!.weight;
      path[j]!.weight = (n * (l + 1)) / ((j + 1) * one);
      n = t - (path[j]!.weight * zero * (l - j)) / (l + 1);
    } else {
      path[j]!.weight = (path[j]!.weight * (l + 1)) / (zero * (l - j));
    }
  }
  for (let j = i; j < l; j++) {
    path[j]!.feature = path[j + 1]!.feature;
    path[j]!.zero = path[j + 1]!.zero;
    path[j]!.one = path[j + 1]!.one;
  }
  path.pop();
}

function unwoundSum(path: PathElement[], i: number): number {
  const l = path.length - 1;
  const { one, zero } = path[i]!;
  let next = path[l]!.weight;
  let total = 0;
  for (let j = l - 1; j >= 0; j--) {
    if (one !== 0) {
      const t = (next * (l + 1)) / ((j + 1) * one);
      total += t;
      next = path[j]!.weight - (t * zero * (l - j)) / (l + 1);
    } else {
      total += path[j]!.weight / zero / ((l - j) / (l + 1));
    }
  }
  return total;
}

function recurse(
  e: TreeEnsemble,
  node: number,
  x: Float64Array,
  xBase: number,
  phi: Float64Array,
  phiBase: number,
  parentPath: PathElement[],
  zero: number,
  one: number,
  feature: number,
): void {
  const path = parentPath.map((p) => ({ ...p }));
  extend(path, zero, one, feature);
  const f = e.feature[node]!;
  if (f < 0) {
    const v = e.value[node]!;
    for (let i = 1; i < path.length; i++) {
      const p = path[i]!;
      phi[phiBase + p.feature] =
        phi[phiBase + p.feature]! + unwoundSum(path, i) * (p.one - p.zero) * v;
    }
    return;
  }
  const hot = nextNode(e, node, x[xBase + f]!);
  const cold = hot === e.left[node] ? e.right[node]! : e.left[node]!;
  let incomingZero = 1;
  let incomingOne = 1;
  const seen = path.findIndex((p, i) => i > 0 && p.feature === f);
  if (seen > 0) {
    incomingZero = path[seen]!.zero;
    incomingOne = path[seen]!.one;
    unwind(path, seen);
  }
  const cover = e.cover[node]!;
  recurse(
    e,
    hot,
    x,
    xBase,
    phi,
    phiBase,
    path,
    (incomingZero * e.cover[hot]!) / cover,
    incomingOne,
    f,
  );
  recurse(e, cold, x, xBase, phi, phiBase, path, (incomingZero * e.cover[cold]!) / cover, 0, f);
}

/** The tree's mean output over the training rows, weighting leaves by cover. */
function expectedValue(e: TreeEnsemble, node: number): number {
  if (e.feature[node]! < 0) return e.value[node]!;
  const l = e.left[node]!;
  const r = e.right[node]!;
  const c = e.cover[node]!;
  return (e.cover[l]! * expectedValue(e, l) + e.cover[r]! * expectedValue(e, r)) / c;
}

/**
 * Exact TreeSHAP (Lundberg et al., 2018, Algorithm 2) for every row: per row and output, one
 * contribution per feature plus a bias term last, laid out `[row][output][feature | bias]`.
 * Contributions of a row and output sum to its raw margin.
 *
 * @example
 * ```ts
 * const phi = treeShap(ensemble, matrix.values, matrix.nRows);
 * // sum of phi[(i * K + k) * (F + 1) + j] over j === margin of row i, output k
 * ```
 */
export function treeShap(e: TreeEnsemble, x: Float64Array, nRows: number): Float64Array {
  const F = e.nFeatures;
  const K = e.nOutputs;
  const width = F + 1;
  const phi = new Float64Array(nRows * K * width);
  const expected = Array.from(e.roots, (root) => expectedValue(e, root));
  for (let i = 0; i < nRows; i++) {
    for (let k = 0; k < K; k++) phi[(i * K + k) * width + F] = e.baseScore[k]!;
    for (let t = 0; t < e.roots.length; t++) {
      const k = e.treeOutput[t]!;
      const phiBase = (i * K + k) * width;
      phi[phiBase + F] = phi[phiBase + F]! + expected[t]!;
      recurse(e, e.roots[t]!, x, i * F, phi, phiBase, [], 1, 1, -1);
    }
  }
  return phi;
}
