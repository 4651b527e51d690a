import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Rng } from "../../../core/index.js";
import {
  categoricalDistribution,
  type Distribution,
  floatDistribution,
  intDistribution,
} from "../../distributions.js";
import { ParzenEstimator } from "./parzen-estimator.js";
import { defaultWeights } from "./tpe-sampler.js";
import { logGaussMass, ndtr, ndtri } from "./truncnorm.js";

const univariate = {
  priorWeight: 1,
  considerMagicClip: true,
  considerEndpoints: false,
  multivariate: false,
  bandwidth: "neighbor",
  normalizeKernels: true,
  weights: defaultWeights,
} as const;

/** One case of fixtures/optuna-parzen.json (written by make-optuna-parzen.py). */
interface OptunaCase {
  readonly name: string;
  readonly spec: {
    readonly kind: "float" | "int" | "categorical";
    readonly low?: number;
    readonly high?: number;
    readonly log?: boolean;
    readonly step?: number;
    readonly choices?: string[];
  };
  readonly observations: number[];
  readonly points: number[];
  readonly logPdf: number[];
}

function distributionOf(spec: OptunaCase["spec"]): Distribution {
  const { low = 0, high = 0, log = false, step } = spec;
  if (spec.kind === "categorical") return categoricalDistribution("p", spec.choices ?? []);
  if (spec.kind === "int") return intDistribution("p", low, high, { log, step: step ?? 1 });
  return floatDistribution("p", low, high, step === undefined ? { log } : { log, step });
}

describe("ParzenEstimator", () => {
  const fixture = JSON.parse(
    readFileSync(new URL("./fixtures/optuna-parzen.json", import.meta.url), "utf8"),
  ) as { cases: OptunaCase[] };
  // TpeSampler's defaults: Optuna 3.1's kernel density, without the −log σ term.
  const optunaDefaults = { ...univariate, normalizeKernels: false };

  it.each(fixture.cases.map((c) => [c.name, c] as const))(
    "gives Optuna 3.1's univariate log-density (TPESampler defaults): %s",
    (_name, c) => {
      const estimator = new ParzenEstimator(
        { p: Float64Array.from(c.observations) },
        { p: distributionOf(c.spec) },
        optunaDefaults,
      );
      const got = estimator.logPdf({ p: Float64Array.from(c.points) });
      // keel's normal CDF is accurate to about 1e-7 relative; Optuna's uses erf from SciPy.
      c.logPdf.forEach((v, i) => {
        expect(Math.abs((got[i] as number) - v)).toBeLessThan(1e-6);
      });
    },
  );

  it("matches Optuna 3.1's log-density on a stepped integer parameter", () => {
    // From optuna 3.1 _ParzenEstimator({"y": [0, 4, 6, 20, 18, 2]}, IntDistribution(0, 20, step=2)).
    const estimator = new ParzenEstimator(
      { y: Float64Array.of(0, 4, 6, 20, 18, 2) },
      { y: intDistribution("y", 0, 20, { step: 2 }) },
      univariate,
    );
    const got = estimator.logPdf({ y: Float64Array.of(0, 10, 20, 4) });
    const optuna = [
      -1.975405283206156, -2.987215043906776, -2.3324523760418905, -1.9285637940472498,
    ];
    for (const [i, v] of optuna.entries()) expect(got[i]).toBeCloseTo(v, 5);
  });

  it("samples inside the range, on the grid, and concentrates near the observations", () => {
    const estimator = new ParzenEstimator(
      { y: new Float64Array(20).fill(10) },
      { y: intDistribution("y", 0, 100, { step: 2 }) },
      univariate,
    );
    const samples = estimator.sample(new Rng(1), 400).y as Float64Array;
    for (const s of samples) {
      expect(s % 2).toBe(0);
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThanOrEqual(100);
    }
    const near = samples.filter((s) => Math.abs(s - 11) <= 6).length;
    // 20 kernels at 10 (width clipped to 102/22) against one flat prior kernel.
    expect(near / samples.length).toBeGreaterThan(0.5);
  });
});

describe("normal helpers", () => {
  it("are accurate in the body and the tails", () => {
    expect(ndtr(1.959963984540054)).toBeCloseTo(0.975, 6);
    expect(ndtri(0.975)).toBeCloseTo(1.959963984540054, 6);
    expect(ndtri(1e-10)).toBeCloseTo(-6.361340902404056, 4);
    expect(Math.exp(logGaussMass(-1, 1))).toBeCloseTo(0.6826894921370859, 6);
    // Far right tail: log(Φ(41) − Φ(40)) ≈ log φ(40)/40.
    expect(logGaussMass(40, 41)).toBeCloseTo(-800 - Math.log(40) - 0.5 * Math.log(2 * Math.PI), 2);
  });
});
