import { describe, expect, it } from "vitest";
import { Rng } from "../../core/index.js";
import { instantiateKernels, KernelMemory, kernelsModule } from "./kernel-memory.js";
import { gbdtKernelsReservedBytes } from "./kernels/gbdt-kernels-wasm.js";

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
    const spare = memory.float64(2 * nFeatures * stride).fill(456);
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
      spare.byteOffset,
    );
    // The first row of each pair (and an odd last row) in one sum, the second in another, each
    // in row order, then added: the kernel's two chains.
    const first = new Float64Array(2 * nFeatures * stride);
    const second = new Float64Array(2 * nFeatures * stride);
    for (let i = 0; i < n; i++) {
      const r = rows[i]!;
      const into = i % 2 === 1 && i < n - (n % 2) ? second : first;
      for (let f = 0; f < nFeatures; f++) {
        const k = 2 * (f * stride + bins[r * nFeatures + f]!);
        into[k] = into[k]! + gh[2 * r]!;
        into[k + 1] = into[k + 1]! + gh[2 * r + 1]!;
      }
    }
    const expected = first.map((v, k) => v + second[k]!);
    expect(n % 2).toBe(1);
    expect(Array.from(hist)).toEqual(Array.from(expected));
  });

  it("histogram touches only the requested feature range and row range", () => {
    const { memory, bins, gh, rows, n, slots } = setup();
    const hist = memory.float64(2 * nFeatures * stride).fill(-1);
    const spare = memory.float64(2 * nFeatures * stride);
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
      spare.byteOffset,
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

  it("accumulate folds one histogram into another", () => {
    const memory = KernelMemory.create(0);
    const a = memory.float64(4);
    const b = memory.float64(4);
    a.set([1, 2, 3, 4]);
    b.set([0.5, -2, 10, 0]);
    memory.kernels.accumulate(a.byteOffset, b.byteOffset, 4);
    expect(Array.from(a)).toEqual([1.5, 0, 13, 4]);
  });

  it("grows as allocations need; kernels still read data written through earlier views", () => {
    const memory = KernelMemory.create(0);
    const before = memory.memory.buffer.byteLength;
    const a = memory.float64(2);
    a.set([5, 7]);
    const big = memory.float64(1_000_000);
    expect(memory.memory.buffer.byteLength).toBeGreaterThan(before);
    big[999_999] = 3;
    const b = memory.float64(2);
    b.set([1, 2]);
    // Written before the growth, read by the kernel after it.
    memory.kernels.subtract(a.byteOffset, b.byteOffset, 2);
    expect(Array.from(a)).toEqual([4, 5]);
  });

  it("never hands out the module's static data, which every instantiation rewrites", () => {
    const memory = KernelMemory.create(0);
    expect(gbdtKernelsReservedBytes).toBeGreaterThan(1024); // Math.exp's tables live there
    const first = memory.float64(4);
    expect(first.byteOffset).toBeGreaterThanOrEqual(gbdtKernelsReservedBytes);
    first.set([1, 2, 3, 4]);
    // A helper thread instantiating the module on this memory leaves the data alone.
    instantiateKernels(kernelsModule(), memory.memory);
    expect(Array.from(first)).toEqual([1, 2, 3, 4]);
  });

  it("reset reuses the memory and still hands out zeroed arrays", () => {
    const memory = KernelMemory.create(0);
    memory.float64(100).fill(9);
    memory.reset();
    const again = memory.float64(100);
    expect(Array.from(again).every((v) => v === 0)).toBe(true);
    expect(again.byteOffset).toBe(gbdtKernelsReservedBytes);
    again.fill(4);
    memory.reset();
    // Callers that write every element may skip the clearing, and then see old values.
    expect(memory.float64(100, false)[0]).toBe(4);
  });

  it("refuses more than one WebAssembly memory can hold, with the sizes", () => {
    const memory = KernelMemory.create(0);
    expect(() => memory.uint8(2 ** 32)).toThrow(/4096 MiB/);
  });
});
