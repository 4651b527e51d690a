import { describe, expect, it } from "vitest";
import { Rng } from "../../core/index.js";
import { KernelMemory } from "./kernel-memory.js";

describe("GBDT WebAssembly kernels", () => {
  const nRows = 500;
  const nFeatures = 7;
  const stride = 9;

  function setup() {
    const rng = new Rng(3);
    const memory = KernelMemory.create(1024);
    const bins = memory.uint8(nRows * nFeatures);
    for (let i = 0; i < bins.length; i++) bins[i] = rng.int(stride);
    const gh = memory.float64(2 * nRows);
    for (let i = 0; i < gh.length; i++) gh[i] = rng.normal();
    // Every third row, as a node's (sorted) row subset.
    const rows = memory.uint32(nRows);
    let n = 0;
    for (let r = 0; r < nRows; r += 3) rows[n++] = r;
    // Feature f's bins start at pair f * stride (bytes: 16 per pair).
    const slots = memory.uint32(nFeatures + 1);
    for (let f = 0; f <= nFeatures; f++) slots[f] = 16 * f * stride;
    return { memory, bins, gh, rows, n, slots };
  }

  it("histogram sums each row's (gradient, hessian) into its bin, in row order", () => {
    const { memory, bins, gh, rows, n, slots } = setup();
    const hist = memory.float64(2 * nFeatures * stride);
    hist.fill(123); // the kernel zeroes its features first
    memory.kernels.histogram(
      bins.byteOffset,
      nFeatures,
      gh.byteOffset,
      rows.byteOffset,
      0,
      n,
      0,
      nFeatures,
      hist.byteOffset,
      slots.byteOffset,
    );
    const expected = new Float64Array(2 * nFeatures * stride);
    for (let i = 0; i < n; i++) {
      const r = rows[i]!;
      for (let f = 0; f < nFeatures; f++) {
        const k = 2 * (f * stride + bins[r * nFeatures + f]!);
        expected[k] = expected[k]! + gh[2 * r]!;
        expected[k + 1] = expected[k + 1]! + gh[2 * r + 1]!;
      }
    }
    expect(Array.from(hist)).toEqual(Array.from(expected));
  });

  it("histogram touches only the requested feature range and row range", () => {
    const { memory, bins, gh, rows, n, slots } = setup();
    const hist = memory.float64(2 * nFeatures * stride).fill(-1);
    memory.kernels.histogram(
      bins.byteOffset,
      nFeatures,
      gh.byteOffset,
      rows.byteOffset,
      5,
      n - 5,
      2,
      5,
      hist.byteOffset,
      slots.byteOffset,
    );
    expect(Array.from(hist.subarray(0, 2 * 2 * stride)).every((v) => v === -1)).toBe(true);
    expect(Array.from(hist.subarray(2 * 5 * stride)).every((v) => v === -1)).toBe(true);
    let count = 0;
    for (let k = 2 * 2 * stride; k < 2 * 5 * stride; k += 2) count += hist[k] !== 0 ? 1 : 0;
    expect(count).toBeGreaterThan(0);
  });

  it("partition is stable and returns where the right rows start", () => {
    const { memory, bins, rows, n } = setup();
    const column = bins.subarray(0, nRows);
    const goLeft = memory.uint8(256);
    goLeft.set([1, 0, 1, 1, 0, 0, 1, 0, 1]);
    const scratch = memory.uint32(nRows);
    const before = Array.from(rows.subarray(10, n));
    const mid = memory.kernels.partition(
      rows.byteOffset,
      10,
      n,
      column.byteOffset,
      goLeft.byteOffset,
      scratch.byteOffset,
    );
    const left = before.filter((r) => goLeft[column[r]!] === 1);
    const right = before.filter((r) => goLeft[column[r]!] === 0);
    expect(mid).toBe(10 + left.length);
    expect(Array.from(rows.subarray(10, n))).toEqual([...left, ...right]);
  });

  it("subtract gives the larger child's histogram from the parent's", () => {
    const memory = KernelMemory.create(0);
    const a = memory.float64(6);
    const b = memory.float64(6);
    a.set([5, 4, 3, 2, 1, 0]);
    b.set([1, 1, 1, 1, 1, 1]);
    memory.kernels.subtract(a.byteOffset, b.byteOffset, 6);
    expect(Array.from(a)).toEqual([4, 3, 2, 1, 0, -1]);
  });

  it("grows as allocations need and keeps earlier views valid", () => {
    const memory = KernelMemory.create(0);
    const first = memory.uint8(16).fill(7);
    const big = memory.float64(100_000);
    big[99_999] = 1;
    expect(first[15]).toBe(7);
    expect(memory.allocatedBytes).toBeGreaterThan(800_000);
  });
});
