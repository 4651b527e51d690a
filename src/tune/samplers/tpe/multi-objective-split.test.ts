import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { hypervolume } from "../../hypervolume.js";
import { belowWeights, nondominationRanks, splitMultiObjective } from "./multi-objective-split.js";

/** One case of fixtures/optuna-motpe.json (written by make-optuna-motpe.py). */
interface OptunaCase {
  readonly losses: number[][];
  readonly nBelow: number;
  readonly below: number[];
  readonly weights: Record<string, number>;
  readonly reference: number[];
  readonly hypervolume: number;
}

const cases = JSON.parse(
  readFileSync(new URL("./fixtures/optuna-motpe.json", import.meta.url), "utf8"),
) as OptunaCase[];

describe("MOTPE's split and weights equal Optuna 3.1's", () => {
  it("has cases with 2, 3 and 4 objectives and a rank that only partly fits", () => {
    expect(new Set(cases.map((c) => c.losses[0]?.length))).toEqual(new Set([2, 3, 4]));
    const partial = cases.filter((c) => {
      const ranks = nondominationRanks(c.losses);
      const counts = new Map<number, number>();
      for (const r of ranks) counts.set(r, (counts.get(r) ?? 0) + 1);
      let filled = 0;
      for (let r = 0; counts.has(r); r++) {
        const k = counts.get(r) as number;
        if (filled + k > c.nBelow) return filled < c.nBelow;
        filled += k;
      }
      return false;
    });
    expect(partial.length).toBeGreaterThanOrEqual(3);
  });

  it.each(cases.map((c, i) => [i, c] as const))("case %i: hypervolume (WFG)", (_, c) => {
    expect(hypervolume(c.losses, c.reference)).toBeCloseTo(c.hypervolume, 10);
  });

  it.each(cases.map((c, i) => [i, c] as const))(
    "case %i: good trials and their weights",
    (_, c) => {
      const below = splitMultiObjective(c.losses, c.nBelow);
      expect(below).toEqual(c.below);
      const weights = belowWeights(below.map((i) => c.losses[i] as number[]));
      below.forEach((trial, k) => {
        expect(weights[k]).toBeCloseTo(c.weights[String(trial)] as number, 9);
      });
    },
  );
});

describe("hypervolume", () => {
  it("adds boxes and removes their overlaps", () => {
    expect(
      hypervolume(
        [
          [1, 2],
          [2, 1],
        ],
        [3, 3],
      ),
    ).toBe(3);
    expect(hypervolume([[0, 0, 0]], [1, 2, 3])).toBe(6);
    // Two boxes of volume 2 overlapping in a unit cube; the third point lies inside both.
    expect(
      hypervolume(
        [
          [0, 1, 1],
          [1, 0, 1],
          [1, 1, 1.5],
        ],
        [2, 2, 2],
      ),
    ).toBe(2 + 2 - 1);
    expect(hypervolume([], [1, 1])).toBe(0);
  });

  it("refuses points beyond the reference, of the wrong length or not finite", () => {
    for (const points of [[[2, 0]], [[0, 0, 0]], [[Number.NaN, 0]]]) {
      expect(() => hypervolume(points, [1, 1])).toThrow(/points\[0\]/);
    }
    expect(() => hypervolume([[0, 0]], [Number.POSITIVE_INFINITY, 1])).toThrow(/reference/);
  });
});
