import { categoricalFromValues, Frame, numericColumn, Rng } from "../../core/index.js";

/**
 * A small seeded classification frame for tests: `x0`, `x1` numeric (x1 with missing values),
 * `color` categorical with 8 levels; `y` depends on all three.
 *
 * @example
 * ```ts
 * const { x, y, label } = syntheticClassification(500, 1);
 * ```
 */
export function syntheticClassification(nRows: number, seed: number) {
  const rng = new Rng(seed);
  const colors = ["c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7"];
  const hot = new Set(["c1", "c4", "c6"]);
  const x0 = new Float64Array(nRows);
  const x1 = new Float64Array(nRows);
  const color: string[] = [];
  const label: string[] = [];
  for (let i = 0; i < nRows; i++) {
    x0[i] = rng.normal();
    x1[i] = rng.next() < 0.2 ? Number.NaN : rng.normal();
    color.push(colors[rng.int(colors.length)]!);
    const score =
      1.5 * x0[i]! + (Number.isNaN(x1[i]!) ? 1.5 : -x1[i]!) + (hot.has(color[i]!) ? 2 : -1);
    label.push(score + 0.5 * rng.normal() > 0.5 ? "yes" : "no");
  }
  const x = Frame.fromColumns({
    x0: numericColumn(x0),
    x1: numericColumn(x1),
    color: categoricalFromValues(color),
  });
  return { x, y: categoricalFromValues(label), label };
}
