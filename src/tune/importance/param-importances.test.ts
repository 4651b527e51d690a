import { describe, expect, it } from "vitest";
import { RandomSampler } from "../samplers/random-sampler.js";
import { createStudy } from "../study.js";
import { getParamImportances } from "./param-importances.js";

describe("getParamImportances (fANOVA-style)", () => {
  it("ranks the parameter that drives the objective first and sums to 1", async () => {
    const study = await createStudy({
      direction: "minimize",
      sampler: new RandomSampler({ seed: 1 }),
    });
    await study.optimize(
      (t) => {
        const big = t.suggestFloat("big", -1, 1);
        const small = t.suggestFloat("small", -1, 1);
        const lr = t.suggestFloat("lr", 1e-4, 1, { log: true });
        const kind = t.suggestCategorical("kind", ["a", "b"]);
        return 10 * big * big + 0.5 * small + 0 * lr + (kind === "a" ? 3 : 0);
      },
      { nTrials: 60 },
    );
    const importances = getParamImportances(study.trials, { seed: 0, nTrees: 16 });
    const names = Object.keys(importances);
    expect(names[0]).toBe("big");
    expect(names[1]).toBe("kind");
    expect(importances.lr as number).toBeLessThan(0.05);
    expect(Object.values(importances).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    // Reproducible for a seed.
    expect(getParamImportances(study.trials, { seed: 0, nTrees: 16 })).toEqual(importances);
  });

  it("refuses unknown parameters and too few trials", async () => {
    const study = await createStudy({ direction: "minimize" });
    await study.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials: 1 });
    expect(() => getParamImportances(study.trials)).toThrow(/at least 2 completed trials/);
    await study.optimize((t) => t.suggestFloat("x", 0, 1), { nTrials: 2 });
    expect(() => getParamImportances(study.trials, { params: ["y"] })).toThrow(
      /'y' is not in every completed trial/,
    );
  });
});
