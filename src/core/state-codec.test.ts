import { describe, expect, it } from "vitest";
import { decodeState, encodeState } from "./state-codec.js";

describe("state codec", () => {
  it("round-trips typed arrays byte for byte, inline and as buffers", () => {
    const state = {
      means: Float64Array.of(1.5, Number.NaN, -0),
      codes: Int32Array.of(-1, 7),
      nested: [{ x: Number.POSITIVE_INFINITY }],
    };
    const inline = decodeState(JSON.parse(JSON.stringify(encodeState(state))));
    expect(inline).toEqual(state);
    const buffers: Uint8Array[] = [];
    const json = encodeState(state, buffers);
    expect(buffers).toHaveLength(2);
    const back = decodeState(JSON.parse(JSON.stringify(json)), buffers) as typeof state;
    expect(Object.is(back.means[2], -0)).toBe(true);
    expect(back.codes).toEqual(Int32Array.of(-1, 7));
  });

  it("names the JSON path of malformed state", () => {
    expect(() => decodeState({ a: [{ $typed: "float64", buffer: 3 }] })).toThrowError(
      "$.a[0]: typed array data is missing or has a wrong length.",
    );
  });
});
