import { describe, expect, it } from "vitest";
import type { FrozenTrial, TrialState } from "../frozen-trial.js";
import { InMemoryStorage } from "../in-memory-storage.js";
import { createStudy, FAIL_REASON_ATTR, loadStudy } from "../study.js";
import type { Trial } from "../trial.js";
import { CONSTRAINTS_ATTR, constrainedDominates, NsgaIiSampler } from "./nsga-ii-sampler.js";

const both = ["minimize", "minimize"] as const;

function trial(values: number[] | undefined, constraints?: number[], state?: TrialState) {
  const t: FrozenTrial = {
    trialId: "t",
    number: 0,
    state: state ?? (values === undefined ? "PRUNED" : "COMPLETE"),
    value: undefined,
    values,
    params: {},
    distributions: {},
    intermediateValues: new Map(),
    userAttrs: {},
    systemAttrs: constraints === undefined ? {} : { [CONSTRAINTS_ATTR]: constraints },
    datetimeStart: undefined,
    datetimeComplete: undefined,
  };
  return t;
}

/** Two objectives that both want x and y small, under the constraint x + y ≥ 1.5. */
function corner(t: Trial): number[] {
  return [t.suggestFloat("x", 0, 1), t.suggestFloat("y", 0, 1)];
}
const sumAtLeast = (t: FrozenTrial) => [1.5 - ((t.params.x as number) + (t.params.y as number))];

describe("NsgaIiSampler constraints (Optuna 3.1's constraints_func)", () => {
  it("ranks by constrained domination", () => {
    const feasibleWorse = trial([5, 5], [-1, 0]);
    const infeasibleBetter = trial([0, 0], [0.5, -2]);
    const moreInfeasible = trial([0, 0], [0.5, 0.7]);
    expect(constrainedDominates(feasibleWorse, infeasibleBetter, both)).toBe(true);
    expect(constrainedDominates(infeasibleBetter, feasibleWorse, both)).toBe(false);
    // Both infeasible: total violation 0.5 beats 1.2, whatever the values.
    expect(constrainedDominates(infeasibleBetter, moreInfeasible, both)).toBe(true);
    expect(constrainedDominates(moreInfeasible, infeasibleBetter, both)).toBe(false);
    // Both feasible: ordinary domination.
    expect(constrainedDominates(trial([1, 1], [0]), trial([2, 1], [-3]), both)).toBe(true);
    expect(constrainedDominates(trial([1, 2], [0]), trial([2, 1], [-3]), both)).toBe(false);
    // A trial without constraint values loses to one with them; a pruned one to a complete one.
    expect(constrainedDominates(trial([9, 9], [1]), trial([0, 0]), both)).toBe(true);
    expect(constrainedDominates(trial([0, 0]), trial([9, 9], [1]), both)).toBe(false);
    expect(constrainedDominates(trial(undefined, [0]), trial([9, 9], [1]), both)).toBe(false);
    expect(constrainedDominates(trial([9, 9], [1]), trial(undefined, [0]), both)).toBe(true);
  });

  it("keeps each trial's constraint values, also through a reload", async () => {
    const storage = new InMemoryStorage();
    const study = await createStudy({
      name: "c",
      storage,
      directions: [...both],
      sampler: new NsgaIiSampler({ seed: 1, populationSize: 4, constraintsFunc: sumAtLeast }),
    });
    await study.optimize(corner, { nTrials: 6 });
    const loaded = await loadStudy({ name: "c", storage });
    for (const t of loaded.trials) {
      expect(t.state).toBe("COMPLETE");
      expect(t.systemAttrs[CONSTRAINTS_ATTR]).toEqual(sumAtLeast(t));
    }
  });

  it("steers the search to the feasible region that plain NSGA-II leaves", async () => {
    const feasibleShare = async (constraintsFunc?: typeof sumAtLeast) => {
      let share = 0;
      for (const seed of [1, 2, 3]) {
        const study = await createStudy({
          directions: [...both],
          sampler: new NsgaIiSampler({
            seed,
            populationSize: 20,
            ...(constraintsFunc ? { constraintsFunc } : {}),
          }),
        });
        await study.optimize(corner, { nTrials: 200 });
        const last = study.trials.slice(-40);
        share += last.filter((t) => (sumAtLeast(t)[0] as number) <= 0).length / last.length / 3;
      }
      return share;
    };
    // Random sampling puts 12.5% of points in x + y ≥ 1.5.
    const constrained = await feasibleShare(sumAtLeast);
    const plain = await feasibleShare();
    // Measured on these seeds: keel 0.33 with constraints, 0.03 without; Optuna 3.1's
    // NSGAIISampler on the same problem and budget: 0.43 and 0.04 (mutation redraws half the
    // parameters of a child at random, so many children leave the feasible region).
    expect(constrained).toBeGreaterThan(0.2);
    expect(plain).toBeLessThan(0.1);
    expect(constrained).toBeGreaterThan(5 * plain);
  });

  it("fails a trial whose constraints are unusable, saying why", async () => {
    let calls = 0;
    const study = await createStudy({
      directions: [...both],
      sampler: new NsgaIiSampler({
        seed: 2,
        populationSize: 4,
        constraintsFunc: () => {
          calls++;
          if (calls === 2) return [Number.NaN];
          if (calls === 3) return [1, 2];
          if (calls === 4) throw new Error("no constraint today");
          return [0];
        },
      }),
    });
    await study.optimize(corner, { nTrials: 5 });
    const states = study.trials.map((t) => t.state);
    expect(states).toEqual(["COMPLETE", "FAIL", "FAIL", "FAIL", "COMPLETE"]);
    const reasons = study.trials.map((t) => String(t.systemAttrs[FAIL_REASON_ATTR]));
    expect(reasons[1]).toContain("finite numbers");
    expect(reasons[2]).toContain("has 2 constraint values, trial 0 had 1");
    expect(reasons[3]).toContain("no constraint today");
    expect(() => new NsgaIiSampler({ constraintsFunc: 3 as never })).toThrow(/constraintsFunc/);
  });
});
