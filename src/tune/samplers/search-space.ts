import { type Distribution, isSingleValued, sameDistribution } from "../distributions.js";
import type { FrozenTrial } from "../frozen-trial.js";

/**
 * The parameters every finished trial has, with the same distribution (Optuna's
 * `IntersectionSearchSpace`): what a multivariate sampler can model jointly. Names come out
 * sorted so that the result never depends on insertion order. Single-valued distributions
 * are left out (there is nothing to sample).
 *
 * @example
 * ```ts
 * intersectionSearchSpace(study.trials); // { lr: {...}, depth: {...} }
 * ```
 */
export function intersectionSearchSpace(
  trials: readonly FrozenTrial[],
): Record<string, Distribution> {
  let space: Map<string, Distribution> | undefined;
  for (const t of trials) {
    if (t.state !== "COMPLETE" && t.state !== "PRUNED") continue;
    if (space === undefined) {
      space = new Map(Object.entries(t.distributions));
      continue;
    }
    for (const [name, d] of space) {
      const other = t.distributions[name];
      if (other === undefined || !sameDistribution(d, other)) space.delete(name);
    }
  }
  const out: Record<string, Distribution> = {};
  for (const name of [...(space?.keys() ?? [])].sort()) {
    const d = space?.get(name) as Distribution;
    if (!isSingleValued(d)) out[name] = d;
  }
  return out;
}

/**
 * Splits the parameters of finished trials into groups that always appear together (Optuna's
 * `GroupDecomposedSearchSpace`), for TPE's `group` option on conditional search spaces: each
 * group is sampled jointly, independently of the others.
 *
 * @example
 * ```ts
 * groupDecomposedSearchSpace(trials); // [{ booster: ... }, { maxDepth: ..., eta: ... }, { rateDrop: ... }]
 * ```
 */
export function groupDecomposedSearchSpace(
  trials: readonly FrozenTrial[],
): Record<string, Distribution>[] {
  let groups: Set<string>[] = [];
  const distributions = new Map<string, Distribution>();
  for (const t of trials) {
    if (t.state !== "COMPLETE" && t.state !== "PRUNED") continue;
    const names = new Set(Object.keys(t.distributions));
    for (const [name, d] of Object.entries(t.distributions)) {
      const known = distributions.get(name);
      if (known === undefined) distributions.set(name, d);
      else if (!sameDistribution(known, d)) names.delete(name);
    }
    const next: Set<string>[] = [];
    for (const g of groups) {
      const inside = new Set([...g].filter((n) => names.has(n)));
      const outside = new Set([...g].filter((n) => !names.has(n)));
      if (inside.size > 0) next.push(inside);
      if (outside.size > 0) next.push(outside);
      for (const n of g) names.delete(n);
    }
    if (names.size > 0) next.push(names);
    groups = next;
  }
  return groups
    .map((g) => {
      const out: Record<string, Distribution> = {};
      for (const name of [...g].sort()) {
        const d = distributions.get(name) as Distribution;
        if (!isSingleValued(d)) out[name] = d;
      }
      return out;
    })
    .filter((g) => Object.keys(g).length > 0)
    .sort((a, b) => (Object.keys(a)[0] ?? "").localeCompare(Object.keys(b)[0] ?? ""));
}
