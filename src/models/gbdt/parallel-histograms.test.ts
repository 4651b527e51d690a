import { describe, expect, it } from "vitest";
import { Rng } from "../../core/index.js";
import { binFeatures } from "./binning.js";
import { createHistogramBuilder } from "./parallel-histograms.js";

describe("histogram builder", () => {
  const rng = new Rng(11);
  const n = 5000;
  const columns = Array.from({ length: 5 }, () => {
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) values[i] = rng.next() < 0.05 ? Number.NaN : rng.normal();
    return { kind: "numeric" as const, values };
  });
  const data = binFeatures(columns, [0, 0, 0, 0, 0], 32, 0);
  const gh = data.memory.float64(2 * n);
  for (let i = 0; i < gh.length; i++) gh[i] = rng.normal();
  // A node's rows: every other row, as after a split.
  const rows = data.memory.uint32(n);
  let m = 0;
  for (let r = 0; r < n; r += 2) rows[m++] = r;

  function reference(): Float64Array {
    const out = new Float64Array(2 * data.totalBins);
    for (let i = 0; i < m; i++) {
      const r = rows[i]!;
      for (let f = 0; f < data.nFeatures; f++) {
        const k = 2 * (data.binOffsets[f]! + data.columnBins[f * n + r]!);
        out[k] = out[k]! + gh[2 * r]!;
        out[k + 1] = out[k + 1]! + gh[2 * r + 1]!;
      }
    }
    return out;
  }

  it.each([
    ["one thread, one lane", 1, 1_000_000],
    ["one thread, lanes", 1, 300],
    ["three threads, features", 3, 1_000_000],
    ["three threads, lanes", 3, 300],
  ])("sums every row into its bins: %s", (_, nThreads, laneRows) => {
    const builder = createHistogramBuilder(data, nThreads, {
      minCellsPerThread: 1,
      minSharedCells: 1,
      laneRows,
    });
    const hist = data.memory.float64(2 * data.totalBins).fill(7);
    try {
      builder.build(gh, rows, 0, m, hist);
    } finally {
      builder.close();
    }
    const expected = reference();
    for (let k = 0; k < hist.length; k++) expect(hist[k]).toBeCloseTo(expected[k]!, 10);
  });
});

describe("histogram builder threads", () => {
  const rng = new Rng(12);
  const n = 6000;
  const columns = Array.from({ length: 7 }, () => {
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) values[i] = rng.next() < 0.05 ? Number.NaN : rng.normal();
    return { kind: "numeric" as const, values };
  });
  const data = binFeatures(columns, Array(7).fill(0), 64, 0);
  const gh = data.memory.float64(2 * n);
  for (let i = 0; i < gh.length; i++) gh[i] = rng.normal();
  const rows = data.memory.uint32(n);
  for (let r = 0; r < n; r++) rows[r] = r;

  it("gives bit-identical histograms on 1-3 threads, build after build, as the memory grows", () => {
    const results = [1, 2, 3].map((nThreads) => {
      const builder = createHistogramBuilder(data, nThreads, {
        minCellsPerThread: 1,
        minSharedCells: 1,
        laneRows: 500,
      });
      const out: number[][] = [];
      try {
        for (const [begin, end] of [
          [0, n],
          [100, 4100],
          [0, 900],
          [2000, 2300],
        ] as const) {
          // Growing the shared memory between builds: helpers must still see every buffer.
          data.memory.float64(50_000);
          const hist = data.memory.float64(2 * data.totalBins);
          builder.build(gh, rows, begin, end, hist);
          out.push(Array.from(hist));
        }
      } finally {
        builder.close();
      }
      return out;
    });
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
  });

  it.each([
    ["lanes", 500],
    ["features", 1_000_000],
  ])("reports a failing kernel (%s) as a KeelError instead of waiting forever", (_, laneRows) => {
    const builder = createHistogramBuilder(data, 2, {
      minCellsPerThread: 1,
      minSharedCells: 1,
      laneRows,
    });
    // A histogram "beyond" the memory: every thread's kernel traps on its first write.
    const outside = { byteOffset: 0xfff00000, length: 2 * data.totalBins } as Float64Array;
    try {
      expect(() => builder.build(gh, rows, 0, n, outside)).toThrow(
        expect.objectContaining({ code: "KEEL_ERR_INTERNAL" }),
      );
    } finally {
      builder.close();
    }
  });
});
