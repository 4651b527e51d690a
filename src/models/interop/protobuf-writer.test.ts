import { describe, expect, it } from "vitest";
import { ProtoWriter } from "./protobuf-writer.js";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

describe("ProtoWriter", () => {
  it("encodes the protobuf documentation's examples", () => {
    expect(hex(new ProtoWriter().int64(1, 150).finish())).toBe("089601");
    expect(hex(new ProtoWriter().string(2, "testing").finish())).toBe("120774657374696e67");
    expect(hex(new ProtoWriter().packedInt64(4, [3, 270, 86942]).finish())).toBe(
      "2206038e029ea705",
    );
  });

  it("writes negative int64s as ten-byte two's complement and large ones exactly", () => {
    expect(hex(new ProtoWriter().int64(1, -1).finish())).toBe("08ffffffffffffffffff01");
    expect(hex(new ProtoWriter().int64(1, 2 ** 40).finish())).toBe("08808080808020");
    expect(() => new ProtoWriter().int64(1, 0.5)).toThrow(RangeError);
  });

  it("writes doubles and floats little-endian, packed ones with their byte length", () => {
    expect(hex(new ProtoWriter().double(1, 1).finish())).toBe("09000000000000f03f");
    expect(hex(new ProtoWriter().float(2, Number.NaN).finish())).toBe("150000c07f");
    expect(hex(new ProtoWriter().packedDouble(3, [1, -2]).finish())).toBe(
      "1a10000000000000f03f00000000000000c0",
    );
    expect(new ProtoWriter().packedFloat(3, []).finish()).toHaveLength(0);
  });

  it("grows past its initial buffer and nests messages", () => {
    const inner = new ProtoWriter().bytes(1, new Uint8Array(1000).fill(7)).finish();
    const outer = new ProtoWriter().message(5, inner).finish();
    expect(outer.length).toBe(1 + 2 + inner.length);
    expect(hex(outer.subarray(0, 6))).toBe("2aeb070ae807");
  });
});
