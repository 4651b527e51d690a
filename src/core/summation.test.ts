import { describe, expect, it } from "vitest";
import { compareStrings, pairwiseSum } from "./index.js";

describe("pairwiseSum (NumPy's pairwise_sum)", () => {
  it("adds ten 0.1s to exactly 1, where a loop gives 0.9999999999999999", () => {
    const tenths = new Float64Array(10).fill(0.1);
    let loop = 0;
    for (const v of tenths) loop += v;
    expect(loop).toBe(0.9999999999999999);
    expect(pairwiseSum(tenths)).toBe(1);
  });

  it("adds fewer than 8 values left to right, and NaN as 0 with nanAsZero", () => {
    expect(pairwiseSum(Float64Array.of(0.1, 0.1, 0.1))).toBe(0.30000000000000004);
    expect(pairwiseSum(Float64Array.of(1, Number.NaN, 2))).toBeNaN();
    expect(pairwiseSum(Float64Array.of(1, Number.NaN, 2), { nanAsZero: true })).toBe(3);
    expect(pairwiseSum(new Float64Array(0))).toBe(0);
  });

  it("splits long arrays at a multiple of 8 (bit-identical to NumPy: see transform's fixtures)", () => {
    const values = Float64Array.from({ length: 1000 }, (_, i) => 1e9 + ((i * 7919) % 1000) / 1000);
    const halves =
      pairwiseSum(values, { start: 0, end: 496 }) + pairwiseSum(values, { start: 496, end: 1000 });
    expect(pairwiseSum(values)).toBe(halves);
  });
});

describe("compareStrings orders by code point, as Python does", () => {
  it("puts U+FF01 before an emoji (UTF-16 code units would not)", () => {
    expect(["😀", "！", "a", "B", ""].sort(compareStrings)).toEqual(["", "B", "a", "！", "😀"]);
    expect("😀" < "！").toBe(true); // the code-unit order this corrects
    expect(compareStrings("ab", "abc")).toBeLessThan(0);
    expect(compareStrings("x", "x")).toBe(0);
  });
});
