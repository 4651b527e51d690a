import { describe, expect, it } from "vitest";
import { Rng } from "../../core/index.js";
import { numericBinMapper, sortFinite } from "./binning.js";

describe("binning", () => {
  it("sortFinite orders like Float64Array#sort, signed zeros, subnormals and infinities included", () => {
    const rng = new Rng(4);
    const special = [0, -0, 5e-324, -5e-324, 1e-300, -1e-300, 1e300, -1e300, Infinity, -Infinity];
    const values = Float64Array.from({ length: 5000 }, (_, i) =>
      i < special.length ? special[i]! : (rng.next() - 0.5) * 10 ** rng.int(12),
    );
    const expected = values.slice().sort();
    sortFinite(values);
    expect(Array.from(values).map((v) => (Object.is(v, -0) ? "-0" : v))).toEqual(
      Array.from(expected).map((v) => (Object.is(v, -0) ? "-0" : v)),
    );
  });

  it("cuts few distinct values half-way between neighbours", () => {
    const mapper = numericBinMapper(Float64Array.of(3, 1, 2, 2, Number.NaN, -1), 256);
    expect(Array.from(mapper.upperBounds)).toEqual([0, 1.5, 2.5, Infinity]);
    expect(mapper.missingBin).toBe(4);
  });
});
