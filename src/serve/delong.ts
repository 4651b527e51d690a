/**
 * DeLong's variance of the ROC AUC (DeLong, DeLong & Clarke-Pearson 1988), from the
 * placement values: for each positive the share of negatives scored below it (ties count
 * half), for each negative the share of positives scored above it. Var(AUC) =
 * s²(positive placements)/m + s²(negative placements)/n, with sample variances. Computed by
 * sorting (O((m + n) log(m + n))), as Sun & Xu's midrank formulation.
 *
 * @example
 * ```ts
 * delongAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]); // { auc: 0.75, variance: 0.125 }
 * ```
 */
export function delongAuc(
  labels: readonly number[],
  scores: readonly number[],
): { auc: number; variance: number } {
  const positives: number[] = [];
  const negatives: number[] = [];
  labels.forEach((y, i) => {
    (y === 1 ? positives : negatives).push(scores[i] as number);
  });
  const m = positives.length;
  const n = negatives.length;
  const all = midranks([...positives, ...negatives]);
  const withinPositives = midranks(positives);
  const withinNegatives = midranks(negatives);
  const positivePlacements = positives.map(
    (_, i) => ((all[i] as number) - (withinPositives[i] as number)) / n,
  );
  const negativePlacements = negatives.map(
    (_, j) => 1 - ((all[m + j] as number) - (withinNegatives[j] as number)) / m,
  );
  const auc = positivePlacements.reduce((a, b) => a + b, 0) / m;
  return {
    auc,
    variance: sampleVariance(positivePlacements) / m + sampleVariance(negativePlacements) / n,
  };
}

/** 1-based ranks with ties given their mean rank. */
function midranks(values: readonly number[]): Float64Array {
  const order = values
    .map((_, i) => i)
    .sort((a, b) => (values[a] as number) - (values[b] as number));
  const ranks = new Float64Array(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j < order.length && values[order[j] as number] === values[order[i] as number]) j++;
    const rank = (i + j - 1) / 2 + 1;
    for (let k = i; k < j; k++) ranks[order[k] as number] = rank;
    i = j;
  }
  return ranks;
}

/**
 * The unbiased sample variance (n − 1 denominator; 0 for fewer than two values).
 *
 * @example
 * ```ts
 * sampleVariance([1, 2, 3]); // 1
 * ```
 */
export function sampleVariance(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1);
}
