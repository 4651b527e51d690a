import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

// The profile helper thread loads compiled JavaScript (dist/data/profile-worker.js), so this
// runs against the build (npm test builds before vitest); from the TypeScript sources,
// profileFrame stays on one thread.
const dist = (path: string) => pathToFileURL(join(import.meta.dirname, "..", "dist", path)).href;

describe("profileFrame on a large frame", () => {
  it("summarises every other column on a helper thread, with the same results", async () => {
    const { Frame, numericColumn } = await import(dist("core/index.js"));
    const { profileFrame } = await import(dist("data/index.js"));
    const { summarizeNumbers } = await import(dist("data/numeric-stats.js"));
    const n = 300_000;
    let seed = 7;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const columns = Array.from({ length: 9 }, (_, j) => {
      const values = new Float64Array(n);
      for (let i = 0; i < n; i++)
        values[i] = next() < 0.03 ? Number.NaN : Math.round((j + next() * 10) * 100) / 100;
      return [`c${j}`, numericColumn(values)] as const;
    });
    const profile = profileFrame(Frame.fromColumns(columns));
    for (const [j, [name, column]] of columns.entries()) {
      const expected = summarizeNumbers(column.values);
      const got = profile.columns[j];
      expect(got.name).toBe(name);
      expect({ missing: got.missing, distinct: got.distinct, min: got.min, max: got.max }).toEqual({
        missing: expected.missing,
        distinct: expected.distinct,
        min: expected.min,
        max: expected.max,
      });
      expect(got.mean).toBeCloseTo(expected.mean, 12);
      expect(got.quantiles.p50).toBe(expected.quantiles[2]);
    }
  });
});
