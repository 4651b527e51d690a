import { describe, expect, it } from "vitest";
import { createStudy, type Objective } from "../study.js";
import { RandomSampler } from "./random-sampler.js";
import type { Sampler } from "./sampler.js";
import { defaultGamma, defaultWeights, TpeSampler } from "./tpe/tpe-sampler.js";

const mixed: Objective = (trial) => {
  const x = trial.suggestFloat("x", -5, 5);
  const lr = trial.suggestFloat("lr", 1e-4, 1, { log: true });
  const depth = trial.suggestInt("depth", 1, 9, { step: 2 });
  const q = trial.suggestFloat("q", 0, 1, { step: 0.1 });
  const kind = trial.suggestCategorical("kind", ["a", "b", "c"]);
  return x * x + Math.abs(Math.log10(lr) + 2) + depth + q + (kind === "b" ? 0 : 1);
};

async function paramsOf(sampler: () => Sampler, nJobs = 1, nTrials = 25) {
  const study = await createStudy({ direction: "minimize", sampler: sampler() });
  await study.optimize(
    async (trial) => {
      const value = await mixed(trial);
      // Finish in an order unrelated to the trial number, as real parallel work does.
      await new Promise((r) => setTimeout(r, ((trial.number * 7) % 5) * 2));
      return value;
    },
    { nTrials, nJobs },
  );
  return study.trials.map((t) => t.params);
}

describe("samplers", () => {
  it("respect each distribution's range, scale, step and choices", async () => {
    for (const trialParams of [await paramsOf(() => new TpeSampler({ seed: 1 }), 1, 30)]) {
      for (const p of trialParams) {
        expect(p.x as number).toBeGreaterThanOrEqual(-5);
        expect(p.x as number).toBeLessThanOrEqual(5);
        expect(p.lr as number).toBeGreaterThanOrEqual(1e-4);
        expect(p.lr as number).toBeLessThanOrEqual(1);
        expect([1, 3, 5, 7, 9]).toContain(p.depth);
        expect(Math.round((p.q as number) * 10) / 10).toBe(p.q);
        expect(["a", "b", "c"]).toContain(p.kind);
      }
    }
  });

  it("are deterministic for a seed and differ across seeds", async () => {
    for (const make of [
      (s: number) => new RandomSampler({ seed: s }),
      (s: number) => new TpeSampler({ seed: s }),
    ]) {
      const a = await paramsOf(() => make(11));
      expect(await paramsOf(() => make(11))).toEqual(a);
      expect(await paramsOf(() => make(12))).not.toEqual(a);
    }
  });

  it("reproduce exactly with nJobs 1; random draws are per trial number, so any nJobs agrees", async () => {
    const a = await paramsOf(() => new TpeSampler({ seed: 5 }), 1);
    expect(await paramsOf(() => new TpeSampler({ seed: 5 }), 1)).toEqual(a);
    const random = await paramsOf(() => new RandomSampler({ seed: 5 }), 1);
    for (const nJobs of [2, 3])
      expect(await paramsOf(() => new RandomSampler({ seed: 5 }), nJobs)).toEqual(random);
  });

  it("constant liar keeps parallel TPE trials from sampling the same point", async () => {
    const params = await paramsOf(() => new TpeSampler({ seed: 2, nStartupTrials: 5 }), 4, 40);
    const keys = new Set(params.map((p) => JSON.stringify(p)));
    expect(keys.size).toBe(params.length);
  });

  it("TPE beats random search on a 2-D quadratic over seeds", async () => {
    const objective: Objective = (t) => {
      const x = t.suggestFloat("x", -10, 10);
      const y = t.suggestFloat("y", -10, 10);
      return (x - 3) ** 2 + (y + 2) ** 2;
    };
    let wins = 0;
    for (let seed = 0; seed < 8; seed++) {
      const best = async (sampler: Sampler) => {
        const study = await createStudy({ direction: "minimize", sampler });
        await study.optimize(objective, { nTrials: 40 });
        return study.bestValue;
      };
      if ((await best(new TpeSampler({ seed }))) < (await best(new RandomSampler({ seed }))))
        wins++;
    }
    expect(wins).toBeGreaterThanOrEqual(6);
  });

  it("finds the right category of a mixed space with the default TPE (the issue's 8 of 20 seeds)", async () => {
    // A float, a log float, a 4-way categorical and an int, as in the report.
    const offset = { a: 1.5, b: 0, c: 2.5, d: 1 } as const;
    const objective: Objective = (t) => {
      const x = t.suggestFloat("x", -5, 5);
      const lr = t.suggestFloat("lr", 1e-4, 1, { log: true });
      const kind = t.suggestCategorical("kind", ["a", "b", "c", "d"]);
      const n = t.suggestInt("n", 1, 20);
      return offset[kind] + (x - 1) ** 2 / 4 + (Math.log10(lr) + 2) ** 2 + (n - 8) ** 2 / 50;
    };
    let right = 0;
    for (let seed = 0; seed < 20; seed++) {
      const study = await createStudy({ direction: "minimize", sampler: new TpeSampler({ seed }) });
      await study.optimize(objective, { nTrials: 80 });
      if (study.bestParams.kind === "b") right++;
    }
    expect(right).toBeGreaterThanOrEqual(18);
  });

  it("jointParams: 'numeric' leaves categoricals out of the joint kernel", async () => {
    const study = await createStudy({
      direction: "minimize",
      sampler: new TpeSampler({
        seed: 1,
        multivariate: true,
        jointParams: "numeric",
        bandwidth: "neighbor",
      }),
    });
    await study.optimize(mixed, { nTrials: 15 });
    const view = {
      studyName: "s",
      direction: "minimize" as const,
      directions: ["minimize" as const],
      trials: study.trials,
      stop() {},
    };
    const sampler = new TpeSampler({ seed: 1, multivariate: true, jointParams: "numeric" });
    expect(Object.keys(sampler.inferRelativeSearchSpace(view))).toEqual(["depth", "lr", "q", "x"]);
    const joint = new TpeSampler({ multivariate: true }).inferRelativeSearchSpace(view);
    expect(Object.keys(joint)).toContain("kind");
    // The default is Optuna 3.1's univariate TPE: nothing is sampled jointly.
    expect(new TpeSampler().inferRelativeSearchSpace(view)).toEqual({});
  });

  it("univariate and grouped TPE run on conditional spaces", async () => {
    for (const options of [{ multivariate: false }, { multivariate: true, group: true }]) {
      const study = await createStudy({
        direction: "minimize",
        sampler: new TpeSampler({ seed: 3, ...options }),
      });
      await study.optimize(
        (t) => {
          const kind = t.suggestCategorical("kind", ["lin", "quad"]);
          return kind === "lin"
            ? Math.abs(t.suggestFloat("a", -1, 1))
            : t.suggestFloat("b", -1, 1) ** 2;
        },
        { nTrials: 30 },
      );
      expect(study.trials.filter((t) => t.state === "COMPLETE")).toHaveLength(30);
      expect(study.bestValue).toBeLessThan(0.05);
    }
  });

  it("use Optuna's default gamma and weights", () => {
    expect([0, 1, 10, 11, 250, 1000].map(defaultGamma)).toEqual([0, 1, 1, 2, 25, 25]);
    expect([...defaultWeights(3)]).toEqual([1, 1, 1]);
    const w = defaultWeights(30);
    expect(w[0]).toBeCloseTo(1 / 30);
    expect(w[4]).toBeCloseTo(1);
    expect([...w.subarray(5)]).toEqual(new Array(25).fill(1));
  });
});
