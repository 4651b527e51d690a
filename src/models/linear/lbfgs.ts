/** A smooth objective: writes the gradient into `grad` and returns the value at `w`. */
export type Objective = (w: Float64Array, grad: Float64Array) => number;

/** What {@link minimizeLbfgs} returns. */
export interface LbfgsResult {
  readonly w: Float64Array;
  readonly value: number;
  readonly iterations: number;
  readonly converged: boolean;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * scipy's L-BFGS-B default `ftol` (factr 1e7 × machine epsilon), which scikit-learn 1.2's lbfgs
 * solver runs with: stop once an iteration lowers the loss by less than this relative amount.
 */
const FTOL = 1e7 * Number.EPSILON;

/**
 * Limited-memory BFGS (Nocedal & Wright, Algorithm 7.5) with a backtracking Armijo line search:
 * enough for the convex losses of the linear models. Stops when the largest gradient entry is
 * below `tol` (scikit-learn's lbfgs criterion) or after `maxIter` iterations.
 *
 * @example
 * ```ts
 * const { w } = minimizeLbfgs((w, g) => { g[0] = 2 * (w[0] - 3); return (w[0] - 3) ** 2; }, new Float64Array(1));
 * // w[0] ≈ 3
 * ```
 */
export function minimizeLbfgs(
  f: Objective,
  w0: Float64Array,
  options: { maxIter?: number; tol?: number; memory?: number } = {},
): LbfgsResult {
  const maxIter = options.maxIter ?? 100;
  const tol = options.tol ?? 1e-4;
  const m = options.memory ?? 10;
  const n = w0.length;
  let w = Float64Array.from(w0);
  let g = new Float64Array(n);
  let value = f(w, g);
  const sList: Float64Array[] = [];
  const yList: Float64Array[] = [];
  const rho: number[] = [];
  const direction = new Float64Array(n);
  const alpha = new Float64Array(m);
  for (let iter = 0; iter < maxIter; iter++) {
    let gMax = 0;
    for (let i = 0; i < n; i++) gMax = Math.max(gMax, Math.abs(g[i]!));
    if (gMax <= tol) return { w, value, iterations: iter, converged: true };
    // Two-loop recursion: direction = -H g.
    for (let i = 0; i < n; i++) direction[i] = -g[i]!;
    for (let j = sList.length - 1; j >= 0; j--) {
      alpha[j] = rho[j]! * dot(sList[j]!, direction);
      const y = yList[j]!;
      for (let i = 0; i < n; i++) direction[i] = direction[i]! - alpha[j]! * y[i]!;
    }
    if (sList.length > 0) {
      const last = sList.length - 1;
      const gamma = dot(sList[last]!, yList[last]!) / dot(yList[last]!, yList[last]!);
      for (let i = 0; i < n; i++) direction[i] = direction[i]! * gamma;
    }
    for (let j = 0; j < sList.length; j++) {
      const beta = rho[j]! * dot(yList[j]!, direction);
      const s = sList[j]!;
      for (let i = 0; i < n; i++) direction[i] = direction[i]! + (alpha[j]! - beta) * s[i]!;
    }
    let slope = dot(g, direction);
    if (slope >= 0) {
      // Not a descent direction (curvature lost): restart from steepest descent.
      for (let i = 0; i < n; i++) direction[i] = -g[i]!;
      slope = dot(g, direction);
      sList.length = 0;
      yList.length = 0;
      rho.length = 0;
    }
    let step = iter === 0 && sList.length === 0 ? 1 / Math.max(1, Math.sqrt(-slope)) : 1;
    const wNext = new Float64Array(n);
    const gNext = new Float64Array(n);
    let next = Number.POSITIVE_INFINITY;
    for (let tries = 0; tries < 50; tries++) {
      for (let i = 0; i < n; i++) wNext[i] = w[i]! + step * direction[i]!;
      next = f(wNext, gNext);
      if (next <= value + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(next < value) && !(next <= value))
      return { w, value, iterations: iter, converged: false };
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = wNext[i]! - w[i]!;
      y[i] = gNext[i]! - g[i]!;
    }
    const sy = dot(s, y);
    if (sy > 1e-12) {
      if (sList.length === m) {
        sList.shift();
        yList.shift();
        rho.shift();
      }
      sList.push(s);
      yList.push(y);
      rho.push(1 / sy);
    }
    const improvement = value - next;
    w = wNext;
    g = gNext;
    value = next;
    // scipy's L-BFGS-B relative-reduction test: (f_k - f_k+1) / max(|f_k|, |f_k+1|, 1) <= ftol.
    if (improvement <= FTOL * Math.max(1, Math.abs(value), Math.abs(value + improvement))) {
      return { w, value, iterations: iter + 1, converged: true };
    }
  }
  return { w, value, iterations: maxIter, converged: false };
}
