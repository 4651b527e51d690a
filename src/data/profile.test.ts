import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  booleanColumn,
  categoricalFromValues,
  Frame,
  numericColumn,
  stringColumn,
  timestampColumn,
} from "../core/index.js";
import { countDistinct, profileFrame, quantilesInPlace, readFrame } from "./index.js";

interface PandasProfile {
  rows: number;
  numeric: Record<
    string,
    {
      missing: number;
      distinct: number;
      min: number;
      max: number;
      mean: number;
      std: number;
      quantiles: number[];
    }
  >;
  counts: Record<string, Record<string, number>>;
}

describe("profileFrame", () => {
  it("matches pandas' describe() and value_counts() on the Telco data", async () => {
    const pandas = JSON.parse(
      readFileSync("src/data/fixtures/telco-pandas-profile.json", "utf8"),
    ) as PandasProfile;
    const profile = profileFrame(await readFrame("data/telco_churn.csv"));
    expect(profile.rows).toBe(pandas.rows);
    for (const [name, expected] of Object.entries(pandas.numeric)) {
      const column = profile.columns.find((c) => c.name === name);
      expect(column?.kind, name).toBe("numeric");
      expect(column?.missing, name).toBe(expected.missing);
      expect(column?.distinct, name).toBe(expected.distinct);
      expect(column?.min, name).toBe(expected.min);
      expect(column?.max, name).toBe(expected.max);
      expect(column?.mean, name).toBeCloseTo(expected.mean, 9);
      expect(column?.std, name).toBeCloseTo(expected.std, 9);
      const q = column?.quantiles;
      expect(q && [q.p05, q.p25, q.p50, q.p75, q.p95], name).toEqual(
        expected.quantiles.map((v) => expect.closeTo(v, 9)),
      );
    }
    for (const [name, counts] of Object.entries(pandas.counts)) {
      const column = profile.columns.find((c) => c.name === name);
      expect(column?.kind, name).toBe("categorical");
      expect(column?.distinct, name).toBe(Object.keys(counts).length);
      const top = Object.fromEntries((column?.top ?? []).map((t) => [String(t.value), t.count]));
      expect(top, name).toEqual(Object.fromEntries(Object.entries(counts).slice(0, 5)));
    }
  });

  it("profiles every kind, with missing values", () => {
    const frame = Frame.fromColumns({
      x: numericColumn([1, 2, 3, 4, Number.NaN]),
      at: timestampColumn([0, 1000, Number.NaN, 3000, 2000]),
      on: booleanColumn([true, true, false, null, true]),
      plan: categoricalFromValues(["b", "a", "b", null, "c"]),
      note: stringColumn(["x", null, "x", "y", null]),
    });
    const [x, at, on, plan, note] = profileFrame(frame).columns;
    expect(x).toEqual({
      name: "x",
      kind: "numeric",
      missing: 1,
      distinct: 4,
      min: 1,
      max: 4,
      mean: 2.5,
      std: expect.closeTo(Math.sqrt(5 / 3), 12),
      quantiles: {
        p05: expect.closeTo(1.15, 12),
        p25: 1.75,
        p50: 2.5,
        p75: 3.25,
        p95: expect.closeTo(3.85, 12),
      },
      top: null,
    });
    expect(at).toMatchObject({ kind: "timestamp", min: 0, max: 3000, mean: null, std: null });
    expect(at?.quantiles?.p50).toBe(1500);
    expect(on).toMatchObject({
      missing: 1,
      distinct: 2,
      mean: 0.75,
      top: [
        { value: true, count: 3 },
        { value: false, count: 1 },
      ],
    });
    expect(plan).toMatchObject({
      missing: 1,
      distinct: 3,
      top: [
        { value: "b", count: 2 },
        { value: "a", count: 1 },
        { value: "c", count: 1 },
      ],
    });
    expect(note).toMatchObject({
      missing: 2,
      distinct: 2,
      top: [
        { value: "x", count: 2 },
        { value: "y", count: 1 },
      ],
    });
  });

  it("handles empty and all-missing columns", () => {
    const frame = Frame.fromColumns({ x: numericColumn([Number.NaN, Number.NaN]) });
    expect(profileFrame(frame).columns[0]).toMatchObject({
      missing: 2,
      distinct: 0,
      min: null,
      mean: null,
      std: null,
      quantiles: null,
    });
  });
});

describe("numeric kernels", () => {
  it("selects the same quantiles as a sort, on random data with ties", () => {
    let seed = 7;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (const [n, spread] of [
      [1, 50],
      [2, 50],
      [3, 50],
      [10, 50],
      [101, 50],
      [5000, 50],
      // Large enough for the histogram path: many ties, then a heavy tail that piles most
      // values into few bins.
      [600_000, 50],
      [600_000, 1e9],
    ] as const) {
      const data = Float64Array.from({ length: n }, () => {
        const u = next();
        return spread > 100 ? Math.floor(spread ** (u * u)) / 3 : Math.floor(u * spread) / 7;
      });
      const sorted = data.slice().sort();
      const qs = [0.05, 0.25, 0.5, 0.75, 0.95];
      const expected = qs.map((q) => {
        const h = (n - 1) * q;
        const lo = Math.floor(h);
        const hi = Math.min(lo + 1, n - 1);
        return (
          (sorted[lo] as number) + (h - lo) * ((sorted[hi] as number) - (sorted[lo] as number))
        );
      });
      expect(quantilesInPlace(data.slice(), qs)).toEqual(
        expected.map((v) => expect.closeTo(v, 12)),
      );
      expect(countDistinct(data.slice())).toBe(new Set(data).size);
    }
  });

  it("counts 0 and -0 as one value", () => {
    expect(
      profileFrame(Frame.fromColumns({ x: numericColumn([0, -0, 1]) })).columns[0]?.distinct,
    ).toBe(2);
  });
});

describe("countDistinct on large inputs", () => {
  it("counts exactly through the bucketed path", () => {
    const n = 200_000;
    const data = Float64Array.from({ length: n }, (_, i) => ((i * 7919) % 150_001) / 8);
    expect(countDistinct(data)).toBe(new Set(data).size);
    expect(
      countDistinct(data, { partition: new Float64Array(n), table: new Float64Array(4096) }),
    ).toBe(150_001);
  });
});
