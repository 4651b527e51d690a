import { describe, expect, it } from "vitest";
import type { FrozenTrial, JsonValue, StudyDirection, TrialState } from "../frozen-trial.js";
import type { StudyView } from "../samplers/sampler.js";
import { HyperbandPruner } from "./hyperband-pruner.js";
import { MedianPruner, nanPercentile, PercentilePruner } from "./percentile-pruner.js";
import { SuccessiveHalvingPruner } from "./successive-halving-pruner.js";

let nextNumber = 0;
function trial(
  state: TrialState,
  steps: Record<number, number>,
  systemAttrs: Record<string, JsonValue> = {},
): FrozenTrial {
  const number = nextNumber++;
  return {
    trialId: String(number),
    number,
    state,
    value: state === "COMPLETE" ? 0 : undefined,
    values: state === "COMPLETE" ? [0] : undefined,
    params: {},
    distributions: {},
    intermediateValues: new Map(Object.entries(steps).map(([s, v]) => [Number(s), v])),
    userAttrs: {},
    systemAttrs,
    datetimeStart: 0,
    datetimeComplete: undefined,
  };
}

function view(trials: FrozenTrial[], direction: StudyDirection = "minimize"): StudyView {
  return { studyName: "hb", direction, directions: [direction], trials, stop() {} };
}

const noRecord = () => {};

describe("MedianPruner (hand-computed)", () => {
  // Completed trials report 1..5 at step 2: the median there is 3.
  const completed = [1, 2, 3, 4, 5].map((v) => trial("COMPLETE", { 0: 10, 1: 10, 2: v }));

  it("prunes a trial whose best value so far is worse than the median at its step", () => {
    const pruner = new MedianPruner();
    expect(
      pruner.prune(view(completed), trial("RUNNING", { 0: 4, 1: 3.5, 2: 3.2 }), noRecord),
    ).toBe(true);
    expect(pruner.prune(view(completed), trial("RUNNING", { 0: 4, 2: 2.9 }), noRecord)).toBe(false);
    // Best over steps, not the last value: 2 at step 0 beats the median 3.
    expect(pruner.prune(view(completed), trial("RUNNING", { 0: 2, 2: 3.5 }), noRecord)).toBe(false);
  });

  it("mirrors the comparison when maximizing", () => {
    const pruner = new MedianPruner();
    const up = view(completed, "maximize");
    expect(pruner.prune(up, trial("RUNNING", { 2: 2.5 }), noRecord)).toBe(true);
    expect(pruner.prune(up, trial("RUNNING", { 2: 3.5 }), noRecord)).toBe(false);
  });

  it("waits for nStartupTrials completed trials and nWarmupSteps, and checks once per interval", () => {
    const bad = trial("RUNNING", { 2: 100 });
    expect(new MedianPruner().prune(view(completed.slice(0, 4)), bad, noRecord)).toBe(false);
    expect(new MedianPruner({ nWarmupSteps: 3 }).prune(view(completed), bad, noRecord)).toBe(false);
    const twoSteps = trial("RUNNING", { 0: 100, 1: 100 });
    expect(new MedianPruner({ intervalSteps: 2 }).prune(view(completed), twoSteps, noRecord)).toBe(
      false,
    );
    // With intervalSteps 1 the same trial is checked at step 1, where the median is 10.
    expect(new MedianPruner().prune(view(completed), twoSteps, noRecord)).toBe(true);
  });

  it("prunes a trial that only reported NaN", () => {
    expect(
      new MedianPruner().prune(view(completed), trial("RUNNING", { 2: Number.NaN }), noRecord),
    ).toBe(true);
  });

  it("PercentilePruner(25) keeps the top quarter; percentiles interpolate like numpy", () => {
    expect(nanPercentile([1, 2, 3, 4, 5], 50)).toBe(3);
    expect(nanPercentile([1, 2, 7, 9, Number.NaN], 25)).toBe(1.75);
    // 25th percentile of 1..5 is 2.
    expect(
      new PercentilePruner(25).prune(view(completed), trial("RUNNING", { 2: 2.5 }), noRecord),
    ).toBe(true);
    expect(
      new PercentilePruner(25).prune(view(completed), trial("RUNNING", { 2: 1.5 }), noRecord),
    ).toBe(false);
  });
});

describe("SuccessiveHalvingPruner (hand-computed)", () => {
  // minResource 1, reductionFactor 4: rungs at steps 1, 4, 16. Seven trials reached rung 0.
  const others = [1, 2, 3, 4, 5, 6, 7].map((v) =>
    trial("PRUNED", { 1: v }, { "keel:completedRung0": v }),
  );
  const pruner = () => new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 4 });

  it("promotes only the top quarter at a rung and records the rung value", () => {
    // 8 values with the new one: promotable index 8/4 - 1 = 1, the cut is the 2nd best.
    const recorded: [string, JsonValue][] = [];
    const record = (k: string, v: JsonValue) => void recorded.push([k, v]);
    expect(pruner().prune(view(others), trial("RUNNING", { 0: 9, 1: 2.5 }), record)).toBe(true);
    expect(pruner().prune(view(others), trial("RUNNING", { 1: 1.5 }), record)).toBe(false);
    expect(recorded).toEqual([
      ["keel:completedRung0", 2.5],
      ["keel:completedRung0", 1.5],
    ]);
  });

  it("never prunes before the first rung, and mirrors for maximize", () => {
    expect(pruner().prune(view(others), trial("RUNNING", { 0: 100 }), noRecord)).toBe(false);
    // Maximizing, the cut is the 2nd largest (6).
    expect(pruner().prune(view(others, "maximize"), trial("RUNNING", { 1: 2.5 }), noRecord)).toBe(
      true,
    );
    expect(pruner().prune(view(others, "maximize"), trial("RUNNING", { 1: 6.5 }), noRecord)).toBe(
      false,
    );
  });

  it("goes on to the next rung from the rungs already recorded on the trial", () => {
    const t = trial("RUNNING", { 1: 1, 4: 50 }, { "keel:completedRung0": 1 });
    const rung1 = [1, 2, 3].map((v) => trial("PRUNED", { 4: v }, { "keel:completedRung1": v }));
    // Rung 1 with 4 values: index 0, the best (1); 50 is worse.
    expect(pruner().prune(view(rung1), t, noRecord)).toBe(true);
  });

  it("estimates minResource from completed trials (auto) and waits until one completed", () => {
    const auto = new SuccessiveHalvingPruner();
    expect(auto.prune(view(others), trial("RUNNING", { 1: 100 }), noRecord)).toBe(false);
  });
});

describe("HyperbandPruner", () => {
  it("assigns trials to brackets exactly as Optuna (crc32 of study name and number)", () => {
    const pruner = new HyperbandPruner({ minResource: 1, maxResource: 81, reductionFactor: 3 });
    // Initialise the brackets with a first prune call.
    pruner.prune(view([]), trial("RUNNING", {}), noRecord);
    // From optuna 3.1: HyperbandPruner(1, 81, 3)._get_bracket_id for study "hb", trials 0..11.
    const expected = [0, 1, 0, 3, 0, 0, 0, 1, 1, 1, 1, 0];
    expect(expected.map((_, n) => pruner.bracketOf("hb", n))).toEqual(expected);
  });

  it("prunes within a bracket only against that bracket's trials", () => {
    const pruner = new HyperbandPruner({ minResource: 1, maxResource: 81, reductionFactor: 3 });
    nextNumber = 100;
    const trials = Array.from({ length: 40 }, (_, i) =>
      trial("PRUNED", { 1: i }, { "keel:completedRung0": i }),
    );
    const bracketOfFirst = (t: FrozenTrial) => pruner.bracketOf("hb", t.number);
    pruner.prune(view(trials), trial("RUNNING", {}), noRecord);
    const candidate = trial("RUNNING", { 1: 1000 });
    const decision = pruner.prune(view(trials), candidate, noRecord);
    // Bracket 0 has its first rung at step 1: a value of 1000 is the worst there.
    expect(decision).toBe(bracketOfFirst(candidate) === 0);
  });
});
