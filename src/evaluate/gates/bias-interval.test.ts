import { describe, expect, it } from "vitest";
import { Frame, Rng } from "../../core/index.js";
import type { Predictions } from "../predictions.js";
import { biasInterval, type GroupCounts } from "./bias-interval.js";
import { checkGates } from "./check-gates.js";
import { parsePolicy } from "./policy.js";

/** Rows of segments with exact counts: per segment [rows, predicted positive, actual positive]. */
function scored(segments: Record<string, readonly [number, number, number]>) {
  const yTrue: number[] = [];
  const predicted: number[] = [];
  const segment: string[] = [];
  for (const [name, [rows, selected, positives]] of Object.entries(segments))
    for (let i = 0; i < rows; i++) {
      // Selected rows are the first positives first: a perfect ranker within the segment.
      yTrue.push(i < positives ? 1 : 0);
      predicted.push(i < selected ? 1 : 0);
      segment.push(name);
    }
  const predictions: Predictions = {
    task: "binary",
    classes: ["0", "1"],
    yTrue: Float64Array.from(yTrue),
    predicted: Float64Array.from(predicted),
    positive: 1,
  };
  const frame = Frame.fromRecords(
    segment.map((s) => ({ segment: s })),
    [{ name: "segment", kind: "categorical" }],
  );
  return { predictions, frame };
}

describe("bias gates decided on an interval", () => {
  // 30% selected among 1000 adults; 9 of 40 seniors (22.5%): ratio 0.75, below four fifths,
  // from a segment whose rate could be 30% with ordinary luck.
  const small = scored({ adult: [1000, 300, 300], senior: [40, 9, 12] });

  it("refuses on the point value, passes as inconclusive on the interval, and reports the interval", () => {
    const point = checkGates(
      { gates: [{ bias: "disparateImpactRatio", by: "segment", min: 0.8 }] },
      small,
    ).results[0]!;
    expect(point.status).toBe("fail");
    expect(point.value).toBeCloseTo(0.75, 12);
    expect(point.interval).toBeUndefined();
    const gated = checkGates(
      { gates: [{ bias: "disparateImpactRatio", by: "segment", min: 0.8, interval: true }] },
      small,
    ).results[0]!;
    expect(gated.status).toBe("pass");
    expect(gated.value).toBeCloseTo(0.75, 12);
    expect(gated.interval).toMatchObject({
      level: 0.95,
      resamples: 1000,
      seed: 0,
      rule: "interval",
    });
    expect(gated.interval!.lower).toBeLessThan(0.6);
    expect(gated.interval!.upper).toBeGreaterThan(0.8);
    expect(gated.reason).toMatch(
      /^inconclusive: 0\.75 is below the minimum 0\.8, but the 95% interval \[0\.\d+, 1\.\d+|0\.\d+\] still holds the threshold/,
    );
  });

  it("still fails a model whose gap is beyond noise, naming the interval", () => {
    const unfair = scored({ adult: [1000, 300, 300], senior: [1000, 150, 300] });
    const [ratio, opportunity] = checkGates(
      {
        gates: [
          { bias: "disparateImpactRatio", by: "segment", min: 0.8, interval: { seed: 3 } },
          { bias: "equalOpportunityDifference", by: "segment", max: 0.1, interval: true },
        ],
      },
      unfair,
    ).results;
    expect(ratio!.status).toBe("fail");
    expect(ratio!.interval!.upper).toBeLessThan(0.8);
    expect(ratio!.reason).toMatch(
      /^0\.5; the 95% interval \[0\.\d+, 0\.\d+\] lies wholly below the minimum 0\.8$/,
    );
    // TPR 1.0 vs 0.5: the difference 0.5 is far above 0.1.
    expect(opportunity!.status).toBe("fail");
    expect(opportunity!.interval!.lower).toBeGreaterThan(0.1);
  });

  it("is reproducible by seed, and its 95% intervals cover the true gap about 95% of the time", () => {
    const groups: GroupCounts[] = [
      {
        size: 400,
        selected: 120,
        positives: 0,
        truePositives: 0,
        negatives: 400,
        falsePositives: 0,
      },
      { size: 60, selected: 12, positives: 0, truePositives: 0, negatives: 60, falsePositives: 0 },
    ];
    expect(biasInterval("demographicParityDifference", groups, { seed: 5 })).toEqual(
      biasInterval("demographicParityDifference", groups, { seed: 5 }),
    );
    // Coverage: data drawn from true rates 0.30 (400 rows) and 0.20 (60 rows), gap 0.10.
    const rng = new Rng(11);
    const draw = (n: number, p: number) => {
      let k = 0;
      for (let i = 0; i < n; i++) if (rng.next() < p) k++;
      return k;
    };
    const trials = 300;
    let covered = 0;
    for (let t = 0; t < trials; t++) {
      const a = draw(400, 0.3);
      const b = draw(60, 0.2);
      const interval = biasInterval(
        "demographicParityDifference",
        [
          { ...groups[0]!, selected: a },
          { ...groups[1]!, selected: b },
        ],
        { resamples: 400, seed: t },
      );
      if (interval.lower <= 0.1 && 0.1 <= interval.upper) covered++;
    }
    expect(covered / trials).toBeGreaterThan(0.88);
    expect(covered / trials).toBeLessThan(0.99);
  });

  it("checks the interval settings with their JSON paths", () => {
    expect(() =>
      parsePolicy({
        gates: [
          {
            bias: "disparateImpactRatio",
            by: "segment",
            min: 0.8,
            interval: { level: 95, resamples: 10, seed: 1.5, tails: 2 },
          },
          { bias: "demographicParityDifference", by: "segment", max: 0.1, interval: "yes" },
        ],
      }),
    ).toThrow(
      /\$\.gates\[0\]\.interval\.level: expected a confidence level between 0 and 1[\s\S]*\$\.gates\[0\]\.interval\.resamples: expected an integer from 100 to 100000[\s\S]*\$\.gates\[0\]\.interval\.seed: expected an integer[\s\S]*\$\.gates\[0\]\.interval\.tails: unknown key[\s\S]*\$\.gates\[1\]\.interval: expected true, false or/,
    );
    expect(
      parsePolicy({
        gates: [
          { bias: "disparateImpactRatio", by: "segment", min: 0.8, interval: { level: 0.9 } },
        ],
      }).gates[0],
    ).toMatchObject({ interval: { level: 0.9 } });
  });
});
