import { describe, expect, it } from "vitest";
import { categoricalColumn, Frame, isKeelError, numericColumn, Rng } from "../../core/index.js";
import { buildProfile } from "../profile/index.js";
import { statTests } from "../stat-tests/index.js";
import { DEFAULT_MIN_ROWS, driftReport, driftSummary, renderDriftHtml } from "./index.js";

function frame(n: number, seed: number, shift = 0, plans = ["a", "b", "c"]): Frame {
  const rng = new Rng(seed);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const codes = new Int32Array(n);
  const p = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = rng.normal() + shift;
    y[i] = rng.normal();
    codes[i] = rng.int(plans.length);
    p[i] = 0.3 + 0.1 * rng.next() + (shift ? 0.1 : 0);
  }
  return Frame.fromColumns({
    x: numericColumn(x),
    y: numericColumn(y),
    plan: categoricalColumn(codes, plans),
    prediction: numericColumn(p),
  });
}

function numbersOf(f: Frame, name: string): Float64Array {
  const c = f.column(name);
  if (c.kind !== "numeric") throw new Error(`${name} is not numeric`);
  return Float64Array.from(c.values);
}

describe("driftReport", () => {
  it("flags the shifted column with Evidently's default tests and the prediction shift", () => {
    const report = driftReport(frame(5000, 1), frame(5000, 2, 0.5));
    expect(report.columns.x).toMatchObject({ test: "wasserstein", drifted: true });
    expect(report.columns.y).toMatchObject({ test: "wasserstein", drifted: false });
    expect(report.columns.plan).toMatchObject({ test: "jensenShannon", drifted: false });
    expect(report.columns.prediction).toBeUndefined();
    expect(report.prediction?.shifted).toBe(true);
    expect(report.driftShare).toBeCloseTo(1 / 3, 12);
    expect(report.datasetDrift).toBe(false);
    const summary = driftSummary(report);
    expect(Object.keys(summary).sort()).toEqual(["columns", "datasetDrift", "driftShare"]);
    expect(Object.keys(summary.columns.x ?? {}).sort()).toEqual([
      "drifted",
      "statistic",
      "test",
      "threshold",
    ]);
  });

  it("uses KS and chi-square on small references, matching the registry", () => {
    const ref = frame(800, 3);
    const cur = frame(600, 4, 0.3);
    const report = driftReport(ref, cur);
    expect(report.columns.x?.test).toBe("ks");
    expect(report.columns.plan?.test).toBe("chiSquare");
    expect(report.columns.x?.pValue).toBe(
      statTests.ks.compute(ref.numeric("x"), cur.numeric("x")).pValue,
    );
  });

  it("gives the same verdicts from a stored profile as from the frame", () => {
    const ref = frame(8000, 5);
    const cur = frame(4000, 6, 0.4);
    const fromFrame = driftReport(ref, cur);
    const fromProfile = driftReport(buildProfile(ref), cur);
    expect(fromProfile.referenceSource).toBe("profile");
    for (const name of ["x", "y", "plan"]) {
      expect(fromProfile.columns[name]?.drifted).toBe(fromFrame.columns[name]?.drifted);
    }
    expect(fromProfile.columns.plan?.statistic).toBe(fromFrame.columns.plan?.statistic);
  });

  it("applies Benjamini–Hochberg and the effect-size floor", () => {
    const ref = frame(20_000, 7);
    const cur = frame(20_000, 8, 0.03);
    const plain = driftReport(ref, cur, { stattest: "ks" });
    const floored = driftReport(ref, cur, { stattest: "ks", effectSizeFloor: 0.1 });
    const bh = driftReport(ref, cur, { stattest: "ks", multipleTesting: "benjamini-hochberg" });
    expect(plain.columns.x?.drifted).toBe(true);
    expect(floored.columns.x?.drifted).toBe(false);
    expect(bh.columns.x?.adjustedPValue).toBeGreaterThanOrEqual(bh.columns.x?.pValue ?? 1);
  });

  it("leaves out a reference prediction column the current data lacks (no shift to measure)", () => {
    const ref = frame(2000, 13);
    const report = driftReport(buildProfile(ref), ref.drop(["prediction"]));
    expect(report.columns.prediction).toBeUndefined();
    expect(report.prediction).toBeUndefined();
    expect(report.testedColumns).toBe(3);
  });

  it("reports data quality: missing shares, new categories, out-of-range values", () => {
    const ref = frame(1000, 9);
    const cur = frame(1000, 10, 5, ["a", "b", "c", "d"]);
    const report = driftReport(ref, cur);
    expect(report.dataQuality.plan?.newCategories).toEqual(["d"]);
    expect(report.dataQuality.x?.outOfRange?.count).toBeGreaterThan(500);
  });

  it("handles bad input with a documented result or an error naming the column", () => {
    const ref = frame(500, 11);
    const empty = ref.slice(0, 0);
    const r = driftReport(ref, empty);
    expect(r.columns.x?.status).toBe("insufficient data");
    expect(r.datasetDrift).toBe(false);
    expect(driftSummary(r).insufficientData).toEqual(["x", "y", "plan"]);
    const allMissing = ref.withColumn("y", numericColumn(new Float64Array(500).fill(Number.NaN)));
    expect(driftReport(ref, allMissing).columns.y?.status).toBe("insufficient data");
    const constant = ref.withColumn("y", numericColumn(new Float64Array(500).fill(2)));
    expect(driftReport(constant, constant).columns.y).toMatchObject({
      status: "ok",
      drifted: false,
    });
    const missingColumn = (() => {
      try {
        driftReport(ref, ref.drop(["x"]));
      } catch (e) {
        return e;
      }
    })();
    expect(isKeelError(missingColumn, "KEEL_ERR_SCHEMA_MISMATCH")).toBe(true);
    expect(String(missingColumn)).toContain("'x'");
    const kindChange = ref.withColumn("x", categoricalColumn(new Int32Array(500), ["1"]));
    expect(() => driftReport(ref, kindChange)).toThrow(
      /Column 'x' is numeric in the reference but categorical/,
    );
    expect(() => driftReport(ref, ref, { perColumn: { plan: { stattest: "ks" } } })).toThrow(
      /'ks' test does not apply to column 'plan'/,
    );
  });

  it("drops infinite values like missing ones (as Evidently does), never a crash or NaN", () => {
    const ref = frame(2000, 21);
    const y = numbersOf(ref, "y");
    for (let i = 0; i < y.length; i += 4)
      y[i] = i % 8 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    const withInf = ref.withColumn("y", numericColumn(y));
    for (const [a, b] of [
      [ref, withInf],
      [withInf, ref],
      [buildProfile(withInf), ref],
    ] as const) {
      const r = driftReport(a, b);
      expect(Number.isFinite(r.columns.y?.statistic)).toBe(true);
      expect(r.columns.y?.drifted).toBe(false);
      expect(renderDriftHtml(r)).not.toContain("NaN");
    }
    expect(driftReport(ref, withInf).dataQuality.y?.missingShareCurrent).toBeCloseTo(0.25, 12);
  });

  it("keeps verdicts right on huge values whose squares overflow (1e300, ±1.7e308)", () => {
    const ref = frame(2000, 23);
    const y = numbersOf(ref, "y");
    for (let i = 0; i < y.length; i += 4) y[i] = 1e300;
    const huge = ref.withColumn("y", numericColumn(y));
    // A quarter of the reference at 1e300 and none in the current: a large shift, not "0".
    for (const reference of [huge, buildProfile(huge)]) {
      const r = driftReport(reference, ref);
      expect(r.columns.y?.statistic).toBeGreaterThan(0.1);
      expect(r.columns.y?.drifted).toBe(true);
    }
    const e = numbersOf(ref, "y");
    for (let i = 0; i < e.length; i += 4) e[i] = i % 8 ? 1.7e308 : -1.7e308;
    const extreme = ref.withColumn("y", numericColumn(e));
    for (const [a, b] of [
      [ref, extreme],
      [extreme, ref],
    ] as const) {
      const r = driftReport(a, b);
      expect(Number.isFinite(r.columns.y?.statistic)).toBe(true);
      expect(r.columns.y?.drifted).toBe(true);
      expect(renderDriftHtml(r)).not.toContain("NaN");
    }
  });

  it("renders a self-contained HTML report whose size does not grow with rows", () => {
    const n = 50_000;
    const rng = new Rng(12);
    const cols: Record<
      string,
      ReturnType<typeof numericColumn> | ReturnType<typeof categoricalColumn>
    > = {};
    for (let c = 0; c < 25; c++) {
      cols[`n${c}`] = numericColumn(Float64Array.from({ length: n }, () => rng.normal()));
      cols[`c${c}`] = categoricalColumn(
        Int32Array.from({ length: n }, () => rng.int(30)),
        Array.from({ length: 30 }, (_, i) => `v${i}`),
      );
    }
    const f = Frame.fromColumns(cols);
    const html = renderDriftHtml(driftReport(f, f.slice(0, 20_000)));
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).not.toMatch(/<script(?! type="application\/json")/);
    expect(Buffer.byteLength(html)).toBeLessThan(2 * 1024 * 1024);
  });

  it("reports insufficient data below minRows (default 500): no verdicts, never a false alarm", () => {
    // Large references: Evidently's distance tests, which flag a tiny window by chance alone.
    for (const reference of [frame(5000, 31), buildProfile(frame(5000, 31))]) {
      for (const n of [1, 2, 10, 99, 499]) {
        const current = frame(n, 32 + n);
        // What minRows prevents: one row tested anyway drifts every column.
        if (n === 1) expect(driftReport(reference, current, { minRows: 1 }).driftedColumns).toBe(3);
        const r = driftReport(reference, current);
        expect(r.status).toBe("insufficient data");
        expect(r.minRows).toBe(DEFAULT_MIN_ROWS);
        expect(DEFAULT_MIN_ROWS).toBe(500);
        expect(r.datasetDrift).toBe(false);
        expect(r.testedColumns).toBe(0);
        for (const c of Object.values(r.columns)) {
          expect(c).toMatchObject({ status: "insufficient data", statistic: null, drifted: false });
          expect(c.reason).toContain(`${n} non-missing value`);
        }
        expect(r.prediction).toMatchObject({
          status: "insufficient data",
          relativeShift: null,
          shifted: false,
        });
        expect(driftSummary(r)).toMatchObject({
          status: "insufficient data",
          datasetDrift: false,
          columns: {},
          insufficientData: ["x", "y", "plan"],
        });
        const html = renderDriftHtml(r);
        expect(html).toContain("Insufficient data");
        expect(html).not.toContain("NaN");
      }
    }
    // At minRows the columns are tested; a column thinner than it (mostly missing) is not.
    const ref = frame(5000, 41);
    const cur = frame(DEFAULT_MIN_ROWS, 42);
    expect(driftReport(ref, cur).status).toBe("ok");
    expect(driftReport(ref, cur).testedColumns).toBe(3);
    const y = numbersOf(cur, "y").fill(Number.NaN, 0, 1);
    const thin = driftReport(ref, cur.withColumn("y", numericColumn(y)));
    expect(thin.columns.y?.status).toBe("insufficient data");
    expect(thin.columns.x?.status).toBe("ok");
    expect(thin.testedColumns).toBe(2);
    // Every test path honours it, whichever test a column gets.
    for (const stattest of Object.keys(statTests) as (keyof typeof statTests)[]) {
      const r = driftReport(ref, frame(5, 43, 3), { stattest });
      expect(r.testedColumns, stattest).toBe(0);
      expect(r.prediction?.shifted, stattest).toBe(false);
    }
    expect(() => driftReport(ref, cur, { minRows: 2.5 })).toThrow(/minRows must be a whole number/);
    expect(() => driftReport(ref, cur, { minRows: -1 })).toThrow(/minRows must be a whole number/);
  });
});
