import { describe, expect, it } from "vitest";
import { isKeelError } from "../core/index.js";
import { chiSquareSurvival } from "./distributions.js";
import { assignVariant } from "./index.js";

const KEYS = 100_000;

function countAssignments(
  variants: readonly { name: string; weight: number }[],
  keyOf: (i: number) => string,
): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < KEYS; i++) {
    const name = assignVariant(variants, keyOf(i));
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

function chiSquarePValue(
  variants: readonly { name: string; weight: number }[],
  counts: Map<string, number>,
): number {
  const live = variants.filter((v) => v.weight > 0);
  const total = live.reduce((s, v) => s + v.weight, 0);
  let statistic = 0;
  for (const v of live) {
    const expected = (KEYS * v.weight) / total;
    statistic += ((counts.get(v.name) ?? 0) - expected) ** 2 / expected;
  }
  return chiSquareSurvival(statistic, live.length - 1);
}

describe("assignVariant", () => {
  it.each([
    ["customer ids", (i: number) => `customer-${i}`],
    ["uuids", (i: number) => `0000${i.toString(16)}-4b1c-9a7e-1f2e3d4c5b6a`.slice(-36)],
    ["numbers", (i: number) => String(i * 7919)],
  ])("splits 100,000 %s in proportion to the weights (chi-square)", (_, keyOf) => {
    const variants = [
      { name: "champion", weight: 70 },
      { name: "challenger", weight: 20 },
      { name: "third", weight: 10 },
      { name: "off", weight: 0 },
    ];
    const counts = countAssignments(variants, keyOf);
    expect(counts.has("off")).toBe(false);
    // A fair splitter fails this 0.1% of the time per key family; a biased hash fails always.
    expect(chiSquarePValue(variants, counts)).toBeGreaterThan(0.001);
    expect((counts.get("champion") ?? 0) / KEYS).toBeCloseTo(0.7, 2);
  });

  it("would detect a skew: the same test rejects counts shifted by 1%", () => {
    const variants = [
      { name: "a", weight: 50 },
      { name: "b", weight: 50 },
    ];
    const skewed = new Map([
      ["a", 51_000],
      ["b", 49_000],
    ]);
    expect(chiSquarePValue(variants, skewed)).toBeLessThan(1e-9);
  });

  it("gives the same key the same variant, independent of the variants' order", () => {
    const variants = [
      { name: "champion", weight: 50 },
      { name: "challenger", weight: 50 },
    ];
    const reversed = [...variants].reverse();
    for (let i = 0; i < 1000; i++) {
      const key = `customer-${i}`;
      const first = assignVariant(variants, key);
      expect(assignVariant(variants, key)).toBe(first);
      expect(assignVariant(reversed, key)).toBe(first);
    }
  });

  it("moves only the minimal share of keys when one variant's weight changes", () => {
    const before = [
      { name: "a", weight: 50 },
      { name: "b", weight: 30 },
      { name: "c", weight: 20 },
    ];
    // c grows from 20% to 40%: at least 20% of keys must move, all of them to c.
    const after = [
      { name: "a", weight: 37.5 },
      { name: "b", weight: 22.5 },
      { name: "c", weight: 40 },
    ];
    let moved = 0;
    let movedElsewhere = 0;
    for (let i = 0; i < KEYS; i++) {
      const key = `customer-${i}`;
      const from = assignVariant(before, key);
      const to = assignVariant(after, key);
      if (from === to) continue;
      moved++;
      if (to !== "c") movedElsewhere++;
    }
    expect(movedElsewhere).toBe(0);
    // Minimal share is 20%; binomial sd over 100,000 keys is ~0.13%.
    expect(moved / KEYS).toBeGreaterThan(0.19);
    expect(moved / KEYS).toBeLessThan(0.21);
  });

  it("refuses variants without any positive weight", () => {
    expect(() => assignVariant([{ name: "a", weight: 0 }], "k")).toThrowError(
      expect.objectContaining({ code: "KEEL_ERR_INVALID_ARGUMENT" }),
    );
    try {
      assignVariant([], "k");
    } catch (e) {
      expect(isKeelError(e, "KEEL_ERR_INVALID_ARGUMENT")).toBe(true);
    }
  });
});
