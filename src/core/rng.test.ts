import { describe, expect, it } from "vitest";
import { Rng } from "./rng.js";

describe("Rng", () => {
  it("reproduces a stream from a seed and differs across seeds", () => {
    const a = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.next()
      )(new Rng(42)),
    );
    const b = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.next()
      )(new Rng(42)),
    );
    const c = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.next()
      )(new Rng(43)),
    );
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it("draws uniform floats with the right mean and ints in range", () => {
    const rng = new Rng(1);
    let sum = 0;
    for (let i = 0; i < 100_000; i++) sum += rng.next();
    expect(sum / 100_000).toBeCloseTo(0.5, 2);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[rng.int(6)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
  });

  it("draws standard normals", () => {
    const rng = new Rng(7);
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < 100_000; i++) {
      const z = rng.normal();
      sum += z;
      sq += z * z;
    }
    expect(sum / 100_000).toBeCloseTo(0, 1);
    expect(sq / 100_000).toBeCloseTo(1, 1);
  });

  it("makes permutations and reproducible forks without advancing the parent", () => {
    const rng = new Rng(3);
    expect([...rng.permutation(10)].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const state = rng.state();
    const f1 = rng.fork(1).next();
    expect(rng.state()).toEqual(state);
    expect(new Rng(state).fork(1).next()).toBe(f1);
    expect(rng.fork(2).next()).not.toBe(f1);
  });
});
