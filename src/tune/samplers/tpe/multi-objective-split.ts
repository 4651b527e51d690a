/**
 * How multi-objective TPE (MOTPE, Optuna 3.1's `TPESampler` on a study with several
 * directions) splits trials into good and bad and weighs the good ones: by non-domination rank,
 * the last rank that only partly fits chosen by greedy hypervolume subset selection, and each
 * good trial weighted by its share of the good set's hypervolume.
 *
 * @module
 */
import { hypervolume } from "../../hypervolume.js";

const EPS = 1e-12;

type Losses = readonly (readonly number[])[];

/**
 * Non-domination rank of each loss vector (0 = the Pareto front, 1 = the front once rank 0 is
 * removed, …), all objectives minimised; equal vectors share a rank.
 *
 * @example
 * ```ts
 * nondominationRanks([[1, 2], [2, 1], [2, 2]]); // Int32Array [0, 0, 1]
 * ```
 */
export function nondominationRanks(losses: Losses): Int32Array {
  const n = losses.length;
  const ranks = new Int32Array(n).fill(-1);
  const dominatedBy: number[][] = losses.map((a) =>
    losses.flatMap((b, j) => (dominatesLoss(b, a) ? [j] : [])),
  );
  let unranked = n;
  for (let rank = 0; unranked > 0; rank++) {
    const now = dominatedBy.flatMap((doms, i) =>
      ranks[i] === -1 && doms.every((j) => ranks[j] !== -1) ? [i] : [],
    );
    for (const i of now) ranks[i] = rank;
    unranked -= now.length;
  }
  return ranks;
}

function dominatesLoss(a: readonly number[], b: readonly number[]): boolean {
  let better = false;
  for (let i = 0; i < a.length; i++) {
    if ((a[i] as number) > (b[i] as number)) return false;
    if ((a[i] as number) < (b[i] as number)) better = true;
  }
  return better;
}

/** Per coordinate max(1.1·worst, 0.9·worst), a zero made EPS: Optuna's reference point. */
function referencePoint(losses: Losses): number[] {
  const d = (losses[0] as readonly number[]).length;
  return Array.from({ length: d }, (_, i) => {
    const worst = Math.max(...losses.map((l) => l[i] as number));
    const r = Math.max(1.1 * worst, 0.9 * worst);
    return r === 0 ? EPS : r;
  });
}

/**
 * Greedy hypervolume subset selection (Optuna 3.1's `_solve_hssp`, a 1−1/e approximation):
 * repeatedly takes the point adding the most hypervolume. Returns `subsetSize` of `indices`.
 */
function solveHssp(
  losses: Losses,
  indices: readonly number[],
  subsetSize: number,
  reference: readonly number[],
): number[] {
  const contributions = losses.map((l) => hypervolume([l], reference));
  const selected: (readonly number[])[] = [];
  const selectedIndices: number[] = [];
  let hvSelected = 0;
  while (selectedIndices.length < subsetSize) {
    let best = 0;
    for (let j = 1; j < contributions.length; j++)
      if ((contributions[j] as number) > (contributions[best] as number)) best = j;
    contributions[best] = -1;
    const vec = losses[best] as readonly number[];
    // Optuna's update, kept as it is: each remaining point loses the volume its box, clipped
    // to the new point, would add to the selection so far.
    losses.forEach((v, j) => {
      if (contributions[j] === -1) return;
      const p = vec.map((x, i) => Math.max(x, v[i] as number));
      (contributions[j] as number) -= hypervolume([...selected, p], reference) - hvSelected;
    });
    selected.push(vec);
    selectedIndices.push(indices[best] as number);
    hvSelected = hypervolume(selected, reference);
  }
  return selectedIndices;
}

/**
 * The indices of the `nBelow` good trials among `losses` (one loss vector per trial, minimised):
 * whole non-domination ranks while they fit, then a hypervolume-greedy subset of the next rank.
 * Returned in ascending order.
 *
 * @example
 * ```ts
 * splitMultiObjective([[1, 2], [2, 1], [3, 3]], 2); // [0, 1]
 * ```
 */
export function splitMultiObjective(losses: Losses, nBelow: number): number[] {
  const ranks = nondominationRanks(losses);
  const below: number[] = [];
  let rank = 0;
  for (;;) {
    const members = losses.flatMap((_, i) => (ranks[i] === rank ? [i] : []));
    if (members.length === 0) break;
    if (below.length + members.length > nBelow) {
      const need = nBelow - below.length;
      if (need > 0) {
        const rankLosses = members.map((i) => losses[i] as readonly number[]);
        below.push(...solveHssp(rankLosses, members, need, referencePoint(rankLosses)));
      }
      break;
    }
    below.push(...members);
    rank++;
  }
  return below.sort((a, b) => a - b);
}

/**
 * Weights of the good trials (their loss vectors): each one's exclusive share of their
 * hypervolume (plus EPS), scaled so the largest is 1, as Optuna 3.1's
 * `_calculate_weights_below_for_multi_objective`.
 *
 * @example
 * ```ts
 * belowWeights([[1, 2], [2, 1]]); // Float64Array [1, 1]
 * ```
 */
export function belowWeights(losses: Losses): Float64Array {
  const n = losses.length;
  if (n <= 1) return new Float64Array(n).fill(1);
  const reference = referencePoint(losses);
  const total = hypervolume(losses, reference);
  const contributions = losses.map(
    (_, i) =>
      total -
      hypervolume(
        losses.filter((__, j) => j !== i),
        reference,
      ) +
      EPS,
  );
  const max = Math.max(...contributions);
  return Float64Array.from(contributions, (c) => Math.min(1, Math.max(0, c / max)));
}
