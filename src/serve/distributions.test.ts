import { describe, expect, it } from "vitest";
import { chiSquareSurvival, normalCdf, Z_95 } from "./distributions.js";

// Reference values printed by scipy 1.x (`chi2.sf`, `norm.cdf`, ) on this machine.
describe("distribution functions match scipy", () => {
  it.each([
    [3.841458820694124, 1, 0.04999999999999989],
    [10, 3, 0.01856613546304325],
    [0.5, 2, 0.7788007830714049],
    [150, 100, 0.0009039320423540184],
    [2, 7, 0.9598403687301016],
    [30, 4, 4.894437128029217e-6],
  ])("chi2.sf(%d, %d)", (x, df, expected) => {
    expect(chiSquareSurvival(x, df)).toBeCloseTo(expected, 12);
    expect(Math.abs(chiSquareSurvival(x, df) / expected - 1)).toBeLessThan(1e-9);
  });

  it.each([
    [-3, 0.0013498980316300933],
    [-1, 0.15865525393145707],
    [0.3, 0.6179114221889526],
    [2.5, 0.9937903346742238],
    [-8, 6.22096057427174e-16],
  ])("norm.cdf(%d)", (z, expected) => {
    expect(Math.abs(normalCdf(z) / expected - 1)).toBeLessThan(1e-9);
  });

  it("Z_95 is the 97.5% quantile", () => {
    expect(normalCdf(Z_95)).toBeCloseTo(0.975, 14);
  });
});
