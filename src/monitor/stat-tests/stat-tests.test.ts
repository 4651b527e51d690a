import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { benjaminiHochberg, defaultStatTest, statTests } from "./index.js";

interface SampleSpec {
  n: number;
  seed: number;
  dist: "normal" | "uniform" | "int" | "constant";
  loc?: number;
  scale?: number;
  levels?: number;
}
interface Expected {
  statistic: number;
  pValue: number;
}
interface NumericCase {
  name: string;
  reference: SampleSpec;
  current: SampleSpec;
  ks: Expected;
  chiSquare?: Expected;
  wasserstein: number;
  jensenShannon: number;
  hellinger: number;
  kl: number;
  psi: number;
}
interface CategoricalCase {
  name: string;
  reference: Record<string, number>;
  current: Record<string, number>;
  chiSquare?: Expected;
  zTest?: Expected;
  jensenShannon: number;
  hellinger: number;
  kl: number;
  psi: number;
}

const fixtures = JSON.parse(
  readFileSync(join(import.meta.dirname, "..", "fixtures", "stat-tests.json"), "utf8"),
  (_key, value) => (value === "Infinity" ? Number.POSITIVE_INFINITY : value),
) as { numeric: NumericCase[]; categorical: CategoricalCase[] };

/** The fixture script's 32-bit LCG and dyadic samples, bit for bit. */
function sample(spec: SampleSpec): Float64Array {
  let state = spec.seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state >>> 8) / 16777216;
  };
  const loc = spec.loc ?? 0;
  const scale = spec.scale ?? 1;
  const out = new Float64Array(spec.n);
  for (let i = 0; i < spec.n; i++) {
    if (spec.dist === "normal") out[i] = loc + scale * (next() + next() + next() + next() - 2);
    else if (spec.dist === "uniform") out[i] = loc + scale * next();
    else if (spec.dist === "int") out[i] = loc + Math.floor(next() * (spec.levels ?? 1));
    else out[i] = loc;
  }
  return out;
}

/** Relative agreement within 1e-9; values at or below 1e-300 agree when both are. */
function close(actual: number, expected: number): void {
  if (!Number.isFinite(expected)) {
    expect(actual).toBe(expected);
    return;
  }
  if (Math.abs(expected) <= 1e-300) {
    expect(Math.abs(actual)).toBeLessThanOrEqual(1e-300);
    return;
  }
  const rel = Math.abs(actual - expected) / Math.abs(expected);
  expect(rel, `${actual} vs ${expected}`).toBeLessThanOrEqual(1e-9);
}

describe("stat tests match SciPy (fixtures from gen-stat-tests.py)", () => {
  for (const c of fixtures.numeric) {
    it(`numeric: ${c.name}`, () => {
      const a = sample(c.reference);
      const b = sample(c.current);
      const ks = statTests.ks.compute(a, b);
      close(ks.statistic, c.ks.statistic);
      close(ks.pValue ?? Number.NaN, c.ks.pValue);
      close(statTests.wasserstein.compute(a, b).statistic, c.wasserstein);
      close(statTests.jensenShannon.compute(a, b).statistic, c.jensenShannon);
      close(statTests.hellinger.compute(a, b).statistic, c.hellinger);
      close(statTests.kl.compute(a, b).statistic, c.kl);
      close(statTests.psi.compute(a, b).statistic, c.psi);
      if (c.chiSquare) {
        const chi = statTests.chiSquare.compute(a, b);
        close(chi.statistic, c.chiSquare.statistic);
        close(chi.pValue ?? Number.NaN, c.chiSquare.pValue);
      }
    });
  }
  for (const c of fixtures.categorical) {
    it(`categorical: ${c.name}`, () => {
      const r = new Map(Object.entries(c.reference));
      const k = new Map(Object.entries(c.current));
      if (c.chiSquare) {
        const chi = statTests.chiSquare.compute(r, k);
        close(chi.statistic, c.chiSquare.statistic);
        close(chi.pValue ?? Number.NaN, c.chiSquare.pValue);
      } else {
        expect(statTests.chiSquare.compute(r, k)).toMatchObject({
          statistic: 0,
          pValue: 1,
          drifted: false,
        });
      }
      if (c.zTest) {
        const z = statTests.zTest.compute(r, k);
        close(z.statistic, c.zTest.statistic);
        close(z.pValue ?? Number.NaN, c.zTest.pValue);
      }
      close(statTests.jensenShannon.compute(r, k).statistic, c.jensenShannon);
      close(statTests.hellinger.compute(r, k).statistic, c.hellinger);
      close(statTests.kl.compute(r, k).statistic, c.kl);
      close(statTests.psi.compute(r, k).statistic, c.psi);
    });
  }
});

describe("stat test verdicts and helpers", () => {
  it("flags drift by p-value for hypothesis tests and by distance for the others", () => {
    const a = sample({ n: 2000, seed: 1, dist: "normal" });
    const b = sample({ n: 2000, seed: 2, dist: "normal", loc: 0.5 });
    expect(statTests.ks.compute(a, b).drifted).toBe(true);
    expect(statTests.ks.compute(a, a).drifted).toBe(false);
    expect(statTests.wasserstein.compute(a, b)).toMatchObject({ drifted: true, threshold: 0.1 });
    expect(statTests.wasserstein.compute(a, b, { threshold: 10 }).drifted).toBe(false);
  });

  it("refuses category counts where numbers are needed", () => {
    expect(() => statTests.ks.compute(new Map([["a", 1]]), Float64Array.of(1))).toThrow(
      /needs numbers/,
    );
  });

  it("picks the default test by Evidently's rule", () => {
    expect(defaultStatTest({ kind: "numeric", referenceRows: 500, distinct: 6 })).toBe("ks");
    expect(defaultStatTest({ kind: "numeric", referenceRows: 500, distinct: 4 })).toBe("chiSquare");
    expect(defaultStatTest({ kind: "categorical", referenceRows: 500, distinct: 2 })).toBe("zTest");
    expect(defaultStatTest({ kind: "categorical", referenceRows: 500, distinct: 7 })).toBe(
      "chiSquare",
    );
    expect(defaultStatTest({ kind: "numeric", referenceRows: 5000, distinct: 100 })).toBe(
      "wasserstein",
    );
    expect(defaultStatTest({ kind: "numeric", referenceRows: 5000, distinct: 3 })).toBe(
      "jensenShannon",
    );
    expect(defaultStatTest({ kind: "categorical", referenceRows: 5000, distinct: 3 })).toBe(
      "jensenShannon",
    );
  });

  it("adjusts p-values by Benjamini–Hochberg", () => {
    // R: p.adjust(c(0.01, 0.04, 0.03, 0.5), "BH") = 0.04 0.0533 0.0533 0.5
    const adjusted = benjaminiHochberg([0.01, 0.04, 0.03, 0.5]);
    expect(adjusted[0]).toBeCloseTo(0.04, 12);
    expect(adjusted[1]).toBeCloseTo(0.04 * (4 / 3), 12);
    expect(adjusted[2]).toBeCloseTo(0.04 * (4 / 3), 12);
    expect(adjusted[3]).toBeCloseTo(0.5, 12);
  });

  it("refuses an empty side (no values, all missing, zero counts) instead of a silent 'no drift'", () => {
    for (const test of Object.values(statTests)) {
      const numeric = test.kinds.includes("numeric");
      const full = numeric ? Float64Array.of(1, 2, 3) : new Map([["a", 2]]);
      const empties = numeric
        ? [new Float64Array(0), Float64Array.of(Number.NaN, Number.POSITIVE_INFINITY)]
        : [new Map<string, number>(), new Map([["a", 0]])];
      for (const empty of empties) {
        expect(() => test.compute(full, empty), test.name).toThrow(
          `statTests.${test.name}: the current sample has no non-missing value`,
        );
        expect(() => test.compute(empty, full), test.name).toThrow(
          `statTests.${test.name}: the reference sample has no non-missing value`,
        );
      }
      expect(test.compute(full, full).drifted, test.name).toBe(false);
    }
  });
});
