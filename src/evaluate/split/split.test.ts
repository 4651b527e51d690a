import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { categoricalFromValues, Frame, isKeelError, numericColumn } from "../../core/index.js";
import { GroupKFold, KFold, StratifiedKFold, TimeSeriesSplit, trainTestSplit } from "../index.js";
import { numpyArgsort, numpyHeapArgsort } from "../internal/numpy-argsort.js";

const fixtures = JSON.parse(
  readFileSync(new URL("../fixtures/sklearn-metrics.json", import.meta.url), "utf8"),
) as {
  splits: {
    yStratify: number[];
    kfold_10_3: number[][];
    stratified_23_4: number[][];
    timeseries_13_4: { train: number[]; test: number[] }[];
    timeseries_20_3_gap2_max5: { train: number[]; test: number[] }[];
  };
  groupKFold: { name: string; groups: (string | number)[]; nSplits: number; tests: number[][] }[];
  argsort: { values: number[]; order: number[]; heapsort: number[] }[];
};
const { splits } = fixtures;

function coversEveryRowOnce(folds: { train: Int32Array; test: Int32Array }[], n: number) {
  const seen = new Int32Array(n);
  for (const { train, test } of folds) {
    expect(train.length + test.length).toBe(n);
    const inTest = new Set(test);
    for (const i of train) expect(inTest.has(i)).toBe(false);
    for (const i of test) seen[i]!++;
  }
  expect([...seen].every((c) => c === 1)).toBe(true);
}

describe("splitters equal scikit-learn's folds when not shuffled", () => {
  it("KFold", () => {
    const folds = new KFold({ nSplits: 3 }).split({ nRows: 10 });
    expect(folds.map((f) => [...f.test])).toEqual(splits.kfold_10_3);
  });
  it("StratifiedKFold", () => {
    const y = splits.yStratify;
    const folds = new StratifiedKFold({ nSplits: 4 }).split({ nRows: y.length, y });
    expect(folds.map((f) => [...f.test])).toEqual(splits.stratified_23_4);
  });
  it("TimeSeriesSplit, plain and with gap and maxTrainSize", () => {
    const plain = new TimeSeriesSplit({ nSplits: 4 }).split({ nRows: 13 });
    expect(plain.map((f) => ({ train: [...f.train], test: [...f.test] }))).toEqual(
      splits.timeseries_13_4,
    );
    const gapped = new TimeSeriesSplit({ nSplits: 3, gap: 2, maxTrainSize: 5 }).split({
      nRows: 20,
    });
    expect(gapped.map((f) => ({ train: [...f.train], test: [...f.test] }))).toEqual(
      splits.timeseries_20_3_gap2_max5,
    );
  });
});

describe("shuffled splitters", () => {
  it("KFold shuffle is seeded and partitions the rows", () => {
    const a = new KFold({ nSplits: 4, shuffle: true, seed: 9 }).split({ nRows: 37 });
    const b = new KFold({ nSplits: 4, shuffle: true, seed: 9 }).split({ nRows: 37 });
    const c = new KFold({ nSplits: 4, shuffle: true, seed: 10 }).split({ nRows: 37 });
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    coversEveryRowOnce(a, 37);
    expect(a.map((f) => f.test.length)).toEqual([10, 9, 9, 9]);
  });
  it("StratifiedKFold shuffle keeps class counts per fold", () => {
    const y = splits.yStratify;
    const plain = new StratifiedKFold({ nSplits: 4 }).split({ nRows: y.length, y });
    const shuffled = new StratifiedKFold({ nSplits: 4, shuffle: true, seed: 1 }).split({
      nRows: y.length,
      y,
    });
    coversEveryRowOnce(shuffled, y.length);
    const classCounts = (test: Int32Array) =>
      [0, 1, 2].map((k) => [...test].filter((i) => y[i] === k).length);
    expect(shuffled.map((f) => classCounts(f.test))).toEqual(plain.map((f) => classCounts(f.test)));
  });
  for (const c of fixtures.groupKFold) {
    it(`GroupKFold folds equal scikit-learn's: ${c.name}`, () => {
      const folds = new GroupKFold({ nSplits: c.nSplits }).split({
        nRows: c.groups.length,
        groups: c.groups,
      });
      expect(folds.map((f) => [...f.test])).toEqual(c.tests);
    });
  }
  it("numpyArgsort orders ties exactly as NumPy's default argsort", () => {
    for (const c of fixtures.argsort) {
      expect([...numpyArgsort(c.values)]).toEqual(c.order);
      // Its fallback for partitions that recurse too deep, checked on its own.
      expect([...numpyHeapArgsort(c.values)]).toEqual(c.heapsort);
    }
  });
  it("GroupKFold refuses a missing group, naming the row", () => {
    expect(() =>
      new GroupKFold({ nSplits: 2 }).split({ nRows: 3, groups: ["a", null, "b"] }),
    ).toThrow(/the group of row 1 is missing/);
  });
  it("GroupKFold keeps each group in one test fold and balances sizes", () => {
    const groups = ["a", "a", "a", "b", "b", "c", "d", "d", "d", "d", "e", "f"];
    const folds = new GroupKFold({ nSplits: 3 }).split({ nRows: groups.length, groups });
    coversEveryRowOnce(folds, groups.length);
    for (const { train, test } of folds) {
      const testGroups = new Set([...test].map((i) => groups[i]));
      for (const i of train) expect(testGroups.has(groups[i])).toBe(false);
    }
    expect(folds.map((f) => f.test.length).sort()).toEqual([4, 4, 4]);
  });
});

describe("trainTestSplit", () => {
  it("stratifies a frame column and is seeded", () => {
    const y = Array.from({ length: 100 }, (_, i) => (i % 4 === 0 ? "Yes" : "No"));
    const frame = Frame.fromColumns({
      x: numericColumn(y.map((_, i) => i)),
      churn: categoricalFromValues(y),
    });
    const split = trainTestSplit(frame, { testSize: 0.2, stratify: "churn", seed: 5 });
    expect(split.test.nRows).toBe(20);
    expect(split.train.nRows).toBe(80);
    const yes = [...split.testIndex].filter((i) => y[i] === "Yes").length;
    expect(yes).toBe(5);
    expect(trainTestSplit(frame, { testSize: 0.2, stratify: "churn", seed: 5 }).testIndex).toEqual(
      split.testIndex,
    );
  });
  it("indices only, rounding the test size up", () => {
    const { train, test } = trainTestSplit(10, { testSize: 0.25, seed: 1 });
    expect(test.length).toBe(3);
    expect(train.length).toBe(7);
  });
  it("rejects impossible requests with a KeelError", () => {
    const fail = (fn: () => unknown) => {
      try {
        fn();
        return "";
      } catch (e) {
        return isKeelError(e) ? e.message : "not a KeelError";
      }
    };
    expect(fail(() => trainTestSplit(10, { stratify: [0, 0, 0, 0, 0, 0, 0, 0, 0, 1] }))).toMatch(
      /only one row/,
    );
    expect(
      fail(() => new StratifiedKFold({ nSplits: 5 }).split({ nRows: 4, y: [0, 0, 1, 1] })),
    ).toMatch(/greater than the number of rows in every class/);
    expect(fail(() => new KFold({ nSplits: 1 }))).toMatch(/nSplits must be an integer ≥ 2/);
    expect(fail(() => new GroupKFold().split({ nRows: 3 }))).toMatch(/needs `groups`/);
    expect(fail(() => new TimeSeriesSplit({ nSplits: 5 }).split({ nRows: 5 }))).toMatch(/too few/);
  });
});
