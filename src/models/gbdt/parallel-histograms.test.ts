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
    const builder = createHistogramBuilder(data, nThreads, { minCellsPerThread: 1, laneRows });
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
