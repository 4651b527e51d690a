import { describe, expect, it } from "vitest";
import { isKeelError, KeelError, Rng } from "../../core/index.js";
import { averagePrecision, bootstrapCi, quantile, rocAuc } from "../index.js";

function sample(n: number, seed: number): { y: Uint8Array; s: Float64Array } {
  const rng = new Rng(seed);
  const y = Uint8Array.from({ length: n }, () => (rng.next() < 0.3 ? 1 : 0));
  const s = Float64Array.from(y, (v) => Math.round((0.8 * v + rng.normal()) * 50) / 50);
  return { y, s };
}

describe("bootstrapCi", () => {
  it("equals a naive percentile bootstrap drawing the same rows", () => {
    const { y, s } = sample(300, 3);
    const ci = bootstrapCi(rocAuc, y, s, { nResamples: 200, seed: 9 });
    // Naive: the same n draws of rng.int(n) per resample, rows in draw order.
    const rng = new Rng(9);
    const values: number[] = [];
    for (let r = 0; r < 200; r++) {
      const rows = Array.from({ length: 300 }, () => rng.int(300));
      values.push(
        rocAuc(
          rows.map((i) => y[i]!),
          rows.map((i) => s[i]!),
        ),
      );
    }
    values.sort((a, b) => a - b);
    expect(ci.estimate).toBe(rocAuc(y, s));
    expect(ci.low).toBeCloseTo(quantile(values, 0.025), 12);
    expect(ci.high).toBeCloseTo(quantile(values, 0.975), 12);
    expect(ci.low).toBeLessThan(ci.estimate);
    expect(ci.high).toBeGreaterThan(ci.estimate);
    expect(ci.nResamples + ci.nSkipped).toBe(200);
  });
  it("skips resamples with one class, and refuses when most are skipped", () => {
    const ci = bootstrapCi(
      averagePrecision,
      [0, 0, 0, 1, 1, 0, 0, 0],
      [0.1, 0.2, 0.3, 0.9, 0.8, 0.4, 0.2, 0.1],
      { nResamples: 100 },
    );
    expect(ci.nSkipped).toBeGreaterThan(0);
    // Defined only on the original rows (all scores distinct), so nearly every resample fails.
    const fussy = (t: ArrayLike<number>, sc: ArrayLike<number>) => {
      if (new Set(Array.from(sc)).size < sc.length) {
        throw new KeelError("KEEL_ERR_METRIC_UNDEFINED", "fussy: repeated rows");
      }
      return t.length;
    };
    const scores = Array.from({ length: 16 }, (_, i) => i / 16);
    let error: unknown;
    try {
      bootstrapCi(
        fussy,
        scores.map(() => 0),
        scores,
        { nResamples: 50 },
      );
    } catch (e) {
      error = e;
    }
    expect(isKeelError(error, "KEEL_ERR_METRIC_UNDEFINED")).toBe(true);
  });
});
