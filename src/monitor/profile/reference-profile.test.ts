import { describe, expect, it } from "vitest";
import {
  categoricalColumn,
  decodeState,
  encodeState,
  Frame,
  numericColumn,
  Rng,
} from "../../core/index.js";
import {
  buildProfile,
  type CategoricalProfile,
  isReferenceProfile,
  type NumericProfile,
  profileFromState,
  profileStd,
  profileToState,
  RESERVOIR_SIZE,
  updateProfile,
} from "./index.js";

function frameOf(n: number, seed: number): Frame {
  const rng = new Rng(seed);
  const x = new Float64Array(n);
  const codes = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = i % 97 === 0 ? Number.NaN : rng.normal() * 2 + 5;
    codes[i] = i % 50 === 0 ? -1 : rng.int(3);
  }
  return Frame.fromColumns({
    x: numericColumn(x),
    plan: categoricalColumn(codes, ["a", "b", "c"]),
  });
}

describe("reference profiles", () => {
  it("summarises numbers and categories exactly where it can", () => {
    const frame = frameOf(5000, 1);
    const p = buildProfile(frame);
    const x = p.columns.x as NumericProfile;
    const values = [...frame.numeric("x")].filter((v) => !Number.isNaN(v));
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    expect(x.count).toBe(values.length);
    expect(x.missing).toBe(5000 - values.length);
    expect(x.mean).toBeCloseTo(mean, 10);
    expect(x.reservoir.length).toBe(values.length);
    expect(x.histogram.reduce((s, v) => s + v, 0)).toBe(values.length);
    const plan = p.columns.plan as CategoricalProfile;
    expect(Object.values(plan.counts).reduce((s, v) => s + v, 0) + plan.missing).toBe(5000);
  });

  it("updating with a batch equals profiling everything at once (counts, moments, histogram)", () => {
    const a = frameOf(30_000, 2);
    const b = frameOf(20_000, 3);
    const whole = buildProfile(
      Frame.fromColumns({
        x: numericColumn(Float64Array.of(...a.numeric("x"), ...b.numeric("x"))),
      }),
      { edges: { x: (buildProfile(a).columns.x as NumericProfile).edges } },
    );
    const updated = updateProfile(buildProfile(a), b);
    const u = updated.columns.x as NumericProfile;
    const w = whole.columns.x as NumericProfile;
    expect(u.count).toBe(w.count);
    expect(u.mean).toBeCloseTo(w.mean, 9);
    expect(profileStd(u)).toBeCloseTo(profileStd(w), 9);
    expect([...u.histogram].reduce((s, v) => s + v, 0) + u.below + u.above).toBe(w.count);
    expect(u.reservoir.length).toBe(RESERVOIR_SIZE);
    expect(updated.rows).toBe(50_000);
    expect((updated.columns.plan as CategoricalProfile).count).toBe(
      (buildProfile(a).columns.plan as CategoricalProfile).count +
        (buildProfile(b).columns.plan as CategoricalProfile).count,
    );
  });

  it("adds 100,000 rows to a profile in at most 50 ms", () => {
    const profile = buildProfile(frameOf(200_000, 4));
    const batch = frameOf(100_000, 5);
    updateProfile(profile, batch); // warm up the JIT
    // Best of 5: the machine running the tests may be shared; the best run is the code's speed.
    let best = Number.POSITIVE_INFINITY;
    for (let r = 0; r < 5; r++) {
      const started = performance.now();
      updateProfile(profile, batch);
      best = Math.min(best, performance.now() - started);
    }
    expect(best).toBeLessThanOrEqual(50);
  });

  it("round-trips through bundle state encoding (typed arrays as binary buffers)", () => {
    const profile = buildProfile(frameOf(3000, 6));
    const buffers: Uint8Array[] = [];
    const json = JSON.parse(JSON.stringify(encodeState(profileToState(profile), buffers)));
    const back = profileFromState(decodeState(json, buffers, "$.referenceProfile"), "test");
    expect(isReferenceProfile(back)).toBe(true);
    expect((back.columns.x as NumericProfile).reservoir).toEqual(
      (profile.columns.x as NumericProfile).reservoir,
    );
    expect(back.columns.plan).toEqual(profile.columns.plan);
    expect(() =>
      profileFromState(
        { profileVersion: 1, rows: 1, columns: { x: { kind: "numeric" } } },
        "model dir",
      ),
    ).toThrow(
      /model dir: the reference profile is malformed at \$\.referenceProfile\.columns\["x"\]/,
    );
  });

  it("samples its reservoir uniformly from the finite values only, whatever share is missing", () => {
    const n = 2000;
    const k = 100;
    // 90% finite (NaN at every tenth: random positions) and 10% finite (the rest Infinity:
    // gathered and shuffled): both sampling paths.
    for (const finiteShare of [0.9, 0.1]) {
      const x = Float64Array.from({ length: n }, (_, i) =>
        finiteShare === 0.9
          ? i % 10 === 0
            ? Number.NaN
            : i
          : i % 10 === 0
            ? i
            : Number.POSITIVE_INFINITY,
      );
      const finite = [...x].filter(Number.isFinite);
      const perDecile = new Array(10).fill(0);
      const seeds = 300;
      for (let seed = 0; seed < seeds; seed++) {
        const p = buildProfile(Frame.fromColumns({ x: numericColumn(x) }), {
          seed,
          reservoirSize: k,
        });
        const r = [...(p.columns.x as NumericProfile).reservoir];
        expect(r).toHaveLength(k);
        expect(new Set(r).size).toBe(k);
        expect(r.every((v) => Number.isFinite(v) && !Number.isNaN(x[v] as number))).toBe(true);
        for (const v of r) perDecile[Math.min(9, Math.floor((10 * v) / n))]++;
      }
      // Each finite value is kept with probability k / count: each tenth of the range gets its share.
      for (let d = 0; d < 10; d++) {
        const inDecile = finite.filter((v) => Math.floor((10 * v) / n) === d).length;
        const expected = (seeds * k * inDecile) / finite.length;
        expect(Math.abs(perDecile[d] - expected) / expected, `decile ${d}`).toBeLessThan(0.08);
      }
    }
  });
});
