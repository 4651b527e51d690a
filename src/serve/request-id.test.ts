import { describe, expect, it } from "vitest";
import { newRequestId } from "./request-id.js";
import { assignVariant } from "./sticky-assignment.js";

describe("newRequestId", () => {
  it("is a version 7 UUID whose first 48 bits are the time in milliseconds", () => {
    const now = Date.UTC(2026, 11, 6, 13, 0, 0);
    const id = newRequestId(now);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(now);
  });

  it("sorts later ids after earlier ones, and never repeats", () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => newRequestId(1_700_000_000_000 + i));
    expect([...ids].sort()).toEqual(ids);
    const sameMs = Array.from({ length: 20_000 }, () => newRequestId(1_700_000_000_000));
    expect(new Set([...ids, ...sameMs]).size).toBe(40_000);
  });

  it("splits traffic by weight as well as random ids do (a request without a sticky key)", () => {
    // 100,000 ids made as fast as requests could come: most share their millisecond prefix.
    const variants = [
      { name: "control", weight: 0.5 },
      { name: "treatment", weight: 0.3 },
      { name: "holdout", weight: 0.2 },
    ];
    const counts = new Map<string, number>();
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const v = assignVariant(variants, newRequestId());
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    const chi2 = variants.reduce((sum, { name, weight }) => {
      const expected = n * weight;
      return sum + ((counts.get(name) ?? 0) - expected) ** 2 / expected;
    }, 0);
    expect(chi2).toBeLessThan(13.82); // χ²(2), p = 0.001
  });
});
