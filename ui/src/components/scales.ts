/** A map from a data range to a pixel range, linear or log10. @example `scaleOf([0, 1], [40, 400], false)(0.5); // 220` */
export function scaleOf(
  domain: [number, number],
  range: [number, number],
  log: boolean,
): (v: number) => number {
  const f = log ? Math.log10 : (v: number) => v;
  const d0 = f(domain[0]);
  const d1 = f(domain[1]);
  const span = d1 - d0 || 1;
  return (v) => range[0] + ((f(v) - d0) / span) * (range[1] - range[0]);
}

/**
 * About `count` round tick values covering [lo, hi] (1, 2 or 5 times a power of ten apart; on a
 * log scale, the powers of ten inside the range, or its ends when there are none).
 *
 * @example `niceTicks(0, 1, 5); // [0, 0.2, 0.4, 0.6, 0.8, 1]`
 */
export function niceTicks(lo: number, hi: number, count: number, log = false): number[] {
  if (!(Number.isFinite(lo) && Number.isFinite(hi)) || hi <= lo) return [lo];
  if (log) {
    const ticks: number[] = [];
    for (let e = Math.ceil(Math.log10(lo)); e <= Math.floor(Math.log10(hi)); e++)
      ticks.push(10 ** e);
    return ticks.length > 0 ? ticks : [lo, hi];
  }
  const raw = (hi - lo) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    ticks.push(Number(v.toPrecision(12)));
  return ticks;
}
