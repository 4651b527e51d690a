import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isKeelError } from "../../core/index.js";
import {
  accuracy,
  averagePrecision,
  balancedAccuracy,
  brierScore,
  calibrationCurve,
  confusionMatrix,
  expectedCalibrationError,
  f1Score,
  gainCurve,
  liftAt,
  logLoss,
  mae,
  mape,
  matthewsCorrcoef,
  prAuc,
  precision,
  precisionAtRecall,
  precisionRecallCurve,
  r2,
  recall,
  recallAtPrecision,
  rmse,
  rocAuc,
  rocCurve,
  thresholdAtRecall,
} from "../index.js";

type Dict = Record<string, number>;
interface BinaryCase {
  name: string;
  yTrue: number[];
  yScore: number[];
  expected: {
    rocAuc?: number;
    averagePrecision?: number;
    prAuc?: number;
    logLoss?: number;
    brierScore?: number;
    rocCurve?: { fpr: number[]; tpr: number[]; thresholds: number[] };
    rocCurveAll?: { fpr: number[]; tpr: number[]; thresholds: number[] };
    precisionRecallCurve?: { precision: number[]; recall: number[]; thresholds: number[] };
    precisionAtRecall?: Dict;
    thresholdAtRecall?: Dict;
    recallAtPrecision?: Dict;
    liftAt?: Dict;
    gainCurve?: { fraction: number[]; gain: number[] };
    calibration?: Record<string, { probTrue: number[]; probPred: number[]; counts: number[] }>;
    ece?: Dict;
  };
}
interface LabelsCase {
  name: string;
  yTrue: number[];
  yPred: number[];
  positive: number;
  expected: {
    accuracy: number;
    balancedAccuracy: number;
    matthewsCorrcoef: number;
    confusionMatrix: { labels: number[]; matrix: number[][] };
    precision: Dict;
    recall: Dict;
    f1Score: Dict;
  };
}
interface Fixtures {
  sklearn: string;
  binary: BinaryCase[];
  labels: LabelsCase[];
  multiclass: { name: string; yTrue: number[]; yScore: number[]; expected: Dict }[];
  regression: { name: string; yTrue: number[]; yPred: number[]; expected: Dict; keelR2?: number }[];
  refusals: {
    name: string;
    metric: string;
    args: (number | string)[][];
    options: Record<string, string>;
    keelCode: string;
    sklearnError?: string;
    sklearnValue?: number | null;
    sklearnWarning?: string | null;
  }[];
}

const fixtures = JSON.parse(
  readFileSync(new URL("../fixtures/sklearn-metrics.json", import.meta.url), "utf8"),
) as Fixtures;
const TOL = 1e-9;

function close(actual: ArrayLike<number>, expected: readonly number[]): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs((actual[i] as number) - expected[i]!)).toBeLessThanOrEqual(TOL);
  }
}

function entries(dict: Dict | undefined): [number, number][] {
  return Object.entries(dict ?? {}).map(([k, v]) => [Number(k), v]);
}

describe(`binary metrics match scikit-learn ${fixtures.sklearn}`, () => {
  for (const c of fixtures.binary) {
    it(c.name, () => {
      const { yTrue: y, yScore: s, expected: e } = c;
      if (e.rocAuc !== undefined) expect(rocAuc(y, s)).toBeCloseTo(e.rocAuc, 9);
      if (e.averagePrecision !== undefined)
        expect(averagePrecision(y, s)).toBeCloseTo(e.averagePrecision, 9);
      if (e.prAuc !== undefined) expect(prAuc(y, s)).toBeCloseTo(e.prAuc, 9);
      if (e.logLoss !== undefined) expect(logLoss(y, s)).toBeCloseTo(e.logLoss, 9);
      if (e.brierScore !== undefined) expect(brierScore(y, s)).toBeCloseTo(e.brierScore, 9);
      if (e.rocCurve) {
        const curve = rocCurve(y, s);
        close(curve.fpr, e.rocCurve.fpr);
        close(curve.tpr, e.rocCurve.tpr);
        close(curve.thresholds, e.rocCurve.thresholds);
      }
      if (e.rocCurveAll) {
        const curve = rocCurve(y, s, { dropIntermediate: false });
        close(curve.fpr, e.rocCurveAll.fpr);
        close(curve.thresholds, e.rocCurveAll.thresholds);
      }
      if (e.precisionRecallCurve) {
        const curve = precisionRecallCurve(y, s);
        close(curve.precision, e.precisionRecallCurve.precision);
        close(curve.recall, e.precisionRecallCurve.recall);
        close(curve.thresholds, e.precisionRecallCurve.thresholds);
      }
      for (const [r, v] of entries(e.precisionAtRecall))
        expect(precisionAtRecall(y, s, r)).toBeCloseTo(v, 9);
      for (const [r, v] of entries(e.thresholdAtRecall))
        expect(thresholdAtRecall(y, s, r)).toBeCloseTo(v, 12);
      for (const [p, v] of entries(e.recallAtPrecision))
        expect(recallAtPrecision(y, s, p)).toBeCloseTo(v, 9);
      for (const [k, v] of entries(e.liftAt)) expect(liftAt(y, s, k)).toBeCloseTo(v, 9);
      if (e.gainCurve) {
        const gain = gainCurve(y, s);
        close(gain.fraction, e.gainCurve.fraction);
        close(gain.gain, e.gainCurve.gain);
      }
      for (const [key, curve] of Object.entries(e.calibration ?? {})) {
        const strategy = key.startsWith("uniform") ? "uniform" : "quantile";
        const nBins = Number(key.replace(/^\D+/, ""));
        const got = calibrationCurve(y, s, { nBins, strategy });
        close(got.probTrue, curve.probTrue);
        close(got.probPred, curve.probPred);
        close(got.counts, curve.counts);
        expect(expectedCalibrationError(y, s, { nBins, strategy })).toBeCloseTo(
          e.ece?.[key] ?? Number.NaN,
          9,
        );
      }
    });
  }
});

describe("label metrics match scikit-learn", () => {
  for (const c of fixtures.labels) {
    it(c.name, () => {
      const { yTrue: y, yPred: p, expected: e, positive } = c;
      expect(accuracy(y, p)).toBeCloseTo(e.accuracy, 9);
      expect(balancedAccuracy(y, p)).toBeCloseTo(e.balancedAccuracy, 9);
      expect(matthewsCorrcoef(y, p)).toBeCloseTo(e.matthewsCorrcoef, 9);
      expect(confusionMatrix(y, p)).toEqual(e.confusionMatrix);
      for (const [fn, expected] of [
        [precision, e.precision],
        [recall, e.recall],
        [f1Score, e.f1Score],
      ] as const) {
        for (const [average, v] of Object.entries(expected)) {
          const got = fn(y, p, { average: average as "binary", positive });
          expect(Math.abs(got - v)).toBeLessThanOrEqual(TOL);
        }
      }
    });
  }
});

describe("multiclass rocAuc and logLoss match scikit-learn", () => {
  for (const c of fixtures.multiclass) {
    it(c.name, () => {
      for (const multiClass of ["ovr", "ovo"] as const) {
        for (const average of ["macro", "weighted"] as const) {
          const got = rocAuc(c.yTrue, c.yScore, { multiClass, average });
          expect(got).toBeCloseTo(c.expected[`${multiClass}_${average}`]!, 9);
        }
      }
      const micro = rocAuc(c.yTrue, c.yScore, { multiClass: "ovr", average: "micro" });
      expect(micro).toBeCloseTo(c.expected.ovr_micro!, 9);
      expect(logLoss(c.yTrue, c.yScore)).toBeCloseTo(c.expected.logLoss!, 9);
    });
  }
});

describe("regression metrics match scikit-learn", () => {
  for (const c of fixtures.regression) {
    it(c.name, () => {
      near(rmse(c.yTrue, c.yPred), c.expected.rmse!);
      near(mae(c.yTrue, c.yPred), c.expected.mae!);
      near(mape(c.yTrue, c.yPred), c.expected.mape!);
      if (c.keelR2 !== undefined) {
        // A deliberate difference (README): an exactly constant yTrue is constant for keel.
        expect(r2(c.yTrue, c.yPred)).toBe(c.keelR2);
        expect(c.expected.r2!).toBeLessThan(-1e20);
      } else if (c.expected.r2 !== undefined) near(r2(c.yTrue, c.yPred), c.expected.r2);
    });
  }
});

/** Within 1e-9 relative to the larger magnitude (values near 1e-9 need a relative test). */
function near(actual: number, expected: number): void {
  const scale = Math.max(Math.abs(actual), Math.abs(expected));
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(1e-9 * scale);
}

describe("what scikit-learn refuses (or only warns about) keel refuses with a KeelError", () => {
  const fns: Record<string, (a: number[], b: number[], o: Record<string, string>) => number> = {
    rocAuc: (a, b, o) => rocAuc(a, b, o as never),
    averagePrecision: (a, b) => averagePrecision(a, b),
    rmse: (a, b) => rmse(a, b),
    mae: (a, b) => mae(a, b),
    r2: (a, b) => r2(a, b),
  };
  for (const c of fixtures.refusals) {
    it(c.name, () => {
      const [a = [], b = []] = c.args.map((arg) => arg.map(Number));
      const fn = fns[c.metric]!;
      let error: unknown;
      try {
        fn(a, b, c.options);
      } catch (e) {
        error = e;
      }
      expect(isKeelError(error), `scikit-learn: ${c.sklearnError ?? c.sklearnValue}`).toBe(true);
      expect((error as { code: string }).code).toBe(c.keelCode);
    });
  }
  it("averagePrecision without positives says why and what scikit-learn does", () => {
    expect(() => averagePrecision([0, 0, 0], [0.2, 0.5, 0.9])).toThrow(
      /averagePrecision: is undefined without positive rows; all 3 rows of yTrue are negative \(0\).*scikit-learn returns 0/,
    );
  });
});

describe("bad input is a KeelError naming the metric", () => {
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      if (isKeelError(error)) return `${error.code}: ${error.message}`;
      throw error;
    }
    return "no error";
  };
  it("length mismatch", () => {
    expect(code(() => rocAuc([0, 1, 1], [0.1, 0.2]))).toMatch(
      /KEEL_ERR_INVALID_ARGUMENT: rocAuc: yTrue has 3 values but yScore has 2/,
    );
  });
  it("one class where two are needed", () => {
    expect(code(() => rocAuc([1, 1], [0.1, 0.2]))).toMatch(
      /KEEL_ERR_METRIC_UNDEFINED: rocAuc: .*one class only.*positive/,
    );
    expect(code(() => averagePrecision([0, 0], [0.1, 0.2]))).toMatch(/METRIC_UNDEFINED/);
    expect(code(() => rocAuc([0, 1, 0], [1, 0, 0, 0, 1, 0, 1, 0, 0]))).toMatch(
      /class 2 never occurs in yTrue/,
    );
  });
  it("NaN scores", () => {
    expect(code(() => averagePrecision([0, 1], [0.1, Number.NaN]))).toMatch(
      /averagePrecision: yScore\[1\] \(of 2\) is NaN/,
    );
    expect(code(() => logLoss([0, 1], [0.1, Number.NaN]))).toMatch(
      /logLoss: yProb\[1\] \(of 2\) is NaN/,
    );
    expect(code(() => rmse([1, 2, 3], [1, Number.POSITIVE_INFINITY, 3]))).toMatch(
      /rmse: yPred\[1\] \(of 3\) is Infinity/,
    );
  });
  it("labels that are not 0/1, probabilities out of range, bad options", () => {
    expect(code(() => rocAuc([0, 2], [0.1, 0.2]))).toMatch(/must be 0 \(negative\) or 1/);
    expect(code(() => brierScore([0, 1], [0.1, 1.2]))).toMatch(/must lie in \[0, 1\]/);
    expect(code(() => precisionAtRecall([0, 1], [0.1, 0.2], 1.5))).toMatch(
      /precisionAtRecall: recall must be a number in \[0, 1\]/,
    );
    expect(code(() => precision([0, 1, 2], [0, 1, 2]))).toMatch(/average "binary" needs two/);
    expect(code(() => rocAuc([0, 1, 2], [0.5, 0.5, 0, 0, 1, 0, 0.2, 0.2, 0.2]))).toMatch(
      /summing to 1/,
    );
    expect(code(() => r2([1], [1]))).toMatch(/METRIC_UNDEFINED: r2/);
    expect(code(() => accuracy([], []))).toMatch(/METRIC_UNDEFINED: accuracy: got 0 rows/);
  });
});

describe("sorting at scale", () => {
  it("rocAuc on 20,000 rows agrees with a pairwise count (radix sort path)", () => {
    const n = 20_000;
    const y = new Uint8Array(n);
    const s = new Float64Array(n);
    let seed = 7;
    const rand = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    for (let i = 0; i < n; i++) {
      y[i] = rand() < 0.3 ? 1 : 0;
      // Negative, positive, tied and signed-zero scores all go through the radix path.
      s[i] = i % 97 === 0 ? (i % 2 ? 0 : -0) : Math.round((rand() - 0.4 + 0.3 * y[i]!) * 500) / 100;
    }
    const pos = [...s].filter((_, i) => y[i] === 1);
    const neg = [...s].filter((_, i) => y[i] === 0);
    let wins = 0;
    for (const a of pos) for (const b of neg) wins += a > b ? 1 : a === b ? 0.5 : 0;
    expect(rocAuc(y, s)).toBeCloseTo(wins / (pos.length * neg.length), 12);
  });
});
