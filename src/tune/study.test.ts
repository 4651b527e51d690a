import { describe, expect, it } from "vitest";
import { createLogger, isKeelError, type LogRecord } from "../core/index.js";
import { GridSampler } from "./samplers/grid-sampler.js";
import { RandomSampler } from "./samplers/random-sampler.js";
import { TpeSampler } from "./samplers/tpe/tpe-sampler.js";
import { createStudy, FAIL_REASON_ATTR, loadStudy } from "./study.js";
import { TrialPruned } from "./trial.js";

const quadratic = (trial: import("./trial.js").Trial) => {
  const x = trial.suggestFloat("x", -10, 10);
  const y = trial.suggestInt("y", -5, 5);
  return (x - 2) ** 2 + (y + 1) ** 2;
};

describe("Study", () => {
  it("optimizes, and exposes bestTrial, bestValue, bestParams and trials", async () => {
    const study = await createStudy({
      direction: "minimize",
      sampler: new TpeSampler({ seed: 1 }),
    });
    await study.optimize(quadratic, { nTrials: 30 });
    expect(study.trials).toHaveLength(30);
    expect(study.trials.map((t) => t.number)).toEqual([...Array(30).keys()]);
    expect(study.trials.every((t) => t.state === "COMPLETE")).toBe(true);
    expect(study.bestValue).toBe(Math.min(...study.trials.map((t) => t.value as number)));
    expect(study.bestParams).toEqual(study.bestTrial.params);
    expect(study.bestValue).toBeLessThan(3);
  });

  it("maximizes", async () => {
    const study = await createStudy({
      direction: "maximize",
      sampler: new RandomSampler({ seed: 3 }),
    });
    await study.optimize((t) => -quadratic(t), { nTrials: 10 });
    expect(study.bestValue).toBe(Math.max(...study.trials.map((t) => t.value as number)));
  });

  it("supports ask and tell for external loops, and refuses a second tell", async () => {
    const study = await createStudy({
      direction: "minimize",
      sampler: new RandomSampler({ seed: 1 }),
    });
    const trial = await study.ask();
    const x = trial.suggestFloat("x", 0, 1);
    expect(trial.suggestFloat("x", 0, 1)).toBe(x);
    trial.setUserAttr("note", { fold: 3 });
    const finished = await study.tell(trial, x * 2);
    expect(finished).toMatchObject({
      state: "COMPLETE",
      value: x * 2,
      userAttrs: { note: { fold: 3 } },
    });
    await expect(study.tell(trial, 1)).rejects.toMatchObject({ code: "KEEL_ERR_CONFLICT" });
    const failed = await study.ask();
    const told = await study.tell(failed, new Error("out of memory"));
    expect(told.state).toBe("FAIL");
    expect(told.systemAttrs[FAIL_REASON_ATTR]).toContain("out of memory");
  });

  it("records a throwing objective, NaN and pruning without stopping the study", async () => {
    const study = await createStudy({
      direction: "minimize",
      sampler: new RandomSampler({ seed: 2 }),
    });
    await study.optimize(
      (trial) => {
        const x = trial.suggestFloat("x", 0, 1);
        if (trial.number === 1) throw new Error("boom");
        if (trial.number === 2) return Number.NaN;
        if (trial.number === 3) {
          trial.report(0.5, 0);
          throw new TrialPruned();
        }
        return x;
      },
      { nTrials: 5 },
    );
    expect(study.trials.map((t) => t.state)).toEqual([
      "COMPLETE",
      "FAIL",
      "FAIL",
      "PRUNED",
      "COMPLETE",
    ]);
    expect(study.trials[1]?.systemAttrs[FAIL_REASON_ATTR]).toBe("Error: boom");
    expect(study.trials[2]?.systemAttrs[FAIL_REASON_ATTR]).toContain("NaN");
    expect(study.trials[3]?.intermediateValues.get(0)).toBe(0.5);
  });

  it("fails a trial that outlives timeoutMs and returns", async () => {
    const study = await createStudy({ direction: "minimize" });
    const started = Date.now();
    await study.optimize(
      (trial) =>
        new Promise<number>((resolve) => {
          trial.suggestFloat("x", 0, 1);
          if (trial.number > 0) return; // never resolves
          resolve(1);
        }),
      { nTrials: 10, timeoutMs: 150 },
    );
    expect(Date.now() - started).toBeLessThan(2000);
    expect(study.trials.map((t) => t.state)).toEqual(["COMPLETE", "FAIL"]);
    expect(study.trials[1]?.systemAttrs[FAIL_REASON_ATTR]).toContain("timeoutMs");
  });

  it("starts a trial whenever a job is free: one slow trial does not hold the others", async () => {
    const study = await createStudy({
      direction: "minimize",
      sampler: new TpeSampler({ seed: 1 }),
    });
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const started = Date.now();
    await study.optimize(
      async (trial) => {
        const x = trial.suggestFloat("x", 0, 1);
        await sleep(trial.number === 0 ? 800 : 20);
        return x;
      },
      { nTrials: 12, nJobs: 2 },
    );
    const slow = study.trials[0];
    expect(study.trials.every((t) => t.state === "COMPLETE")).toBe(true);
    // The 11 fast trials ran on the other job while trial 0 slept: all done before it.
    for (const t of study.trials.slice(1))
      expect(t.datetimeComplete as number).toBeLessThan(slow?.datetimeComplete as number);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it("keeps every free job busy until timeoutMs, and fails the hung trial then", async () => {
    const study = await createStudy({ direction: "minimize" });
    await study.optimize(
      (trial) =>
        new Promise<number>((resolve) => {
          const x = trial.suggestFloat("x", 0, 1);
          if (trial.number === 0) return; // hangs
          setTimeout(() => resolve(x), 20);
        }),
      { nTrials: 1000, nJobs: 2, timeoutMs: 500 },
    );
    const states = study.trials.map((t) => t.state);
    expect(states[0]).toBe("FAIL");
    expect(study.trials[0]?.systemAttrs[FAIL_REASON_ATTR]).toContain("timeoutMs");
    expect(states.filter((s) => s === "COMPLETE").length).toBeGreaterThan(8);
  });

  it("lets timers and signals in between synchronous trials (timeoutMs stops them)", async () => {
    const study = await createStudy({ direction: "minimize" });
    const busy = (ms: number) => {
      const end = Date.now() + ms;
      while (Date.now() < end);
    };
    const started = Date.now();
    await study.optimize(
      (trial) => {
        busy(10);
        return trial.suggestFloat("x", 0, 1);
      },
      { nTrials: 1000, timeoutMs: 200 },
    );
    expect(Date.now() - started).toBeLessThan(1000);
    expect(study.trials.length).toBeLessThan(100);
  });

  it("fails a trial past trialTimeoutMs and goes on with the next one", async () => {
    const study = await createStudy({ direction: "minimize" });
    const aborted: boolean[] = [];
    await study.optimize(
      (trial) =>
        new Promise<number>((resolve) => {
          const x = trial.suggestFloat("x", 0, 1);
          trial.signal.addEventListener("abort", () => aborted.push(true));
          if (trial.number % 3 === 0) return; // hangs
          setTimeout(() => resolve(x), 5);
        }),
      { nTrials: 7, trialTimeoutMs: 100 },
    );
    expect(study.trials.map((t) => t.state)).toEqual([
      "FAIL",
      "COMPLETE",
      "COMPLETE",
      "FAIL",
      "COMPLETE",
      "COMPLETE",
      "FAIL",
    ]);
    expect(study.trials[3]?.systemAttrs[FAIL_REASON_ATTR]).toContain("trialTimeoutMs (100 ms)");
    expect(aborted).toHaveLength(3);
    await expect(study.optimize(() => 1, { nTrials: 1, trialTimeoutMs: 0 })).rejects.toMatchObject({
      code: "KEEL_ERR_INVALID_ARGUMENT",
    });
  });

  it("stops on an aborted signal: no new trial, running ones failed as interrupted", async () => {
    const study = await createStudy({ direction: "minimize" });
    const controller = new AbortController();
    await study.optimize(
      (trial) =>
        new Promise<number>((resolve) => {
          const x = trial.suggestFloat("x", 0, 1);
          if (trial.number === 4) controller.abort();
          setTimeout(() => resolve(x), trial.number === 3 ? 1000 : 5);
        }),
      { nTrials: 100, nJobs: 2, signal: controller.signal },
    );
    expect(study.trials).toHaveLength(5);
    expect(study.trials.filter((t) => t.state === "FAIL").map((t) => t.number)).toEqual([3, 4]);
    expect(study.trials[3]?.systemAttrs[FAIL_REASON_ATTR]).toContain("interrupted");
  });

  it("runs enqueued trials first with their values (Optuna's enqueueTrial)", async () => {
    const warnings: LogRecord[] = [];
    const logger = createLogger({ level: "warn", sink: (r) => warnings.push(r) });
    const study = await createStudy({
      direction: "minimize",
      sampler: new TpeSampler({ seed: 1 }),
      logger,
    });
    const queued = await study.enqueueTrial({ x: 0.25, kind: "b" });
    await study.enqueueTrial({ x: 7, kind: "a" }); // x outside [0, 1]: sampled, with a warning
    expect(queued).toMatchObject({ number: 0, state: "WAITING", datetimeStart: undefined });
    expect(study.trials.map((t) => t.state)).toEqual(["WAITING", "WAITING"]);
    await study.optimize(
      (t) => t.suggestFloat("x", 0, 1) + (t.suggestCategorical("kind", ["a", "b"]) === "a" ? 1 : 0),
      { nTrials: 3 },
    );
    expect(study.trials).toHaveLength(3);
    expect(study.trials[0]?.params).toEqual({ x: 0.25, kind: "b" });
    expect(study.trials[1]?.params.kind).toBe("a");
    expect(study.trials[1]?.params.x).not.toBe(7);
    expect(study.trials.every((t) => t.state === "COMPLETE")).toBe(true);
    expect(warnings.map((w) => w.message)).toEqual([
      "Trial 1: the enqueued value 7 of 'x' is outside float [0, 1]; sampling instead.",
    ]);
    await expect(study.enqueueTrial({ x: Number.NaN })).rejects.toMatchObject({
      code: "KEEL_ERR_INVALID_ARGUMENT",
    });
  });

  it("keeps the first value of a step reported twice and warns, as Optuna 3.1", async () => {
    const warnings: LogRecord[] = [];
    const logger = createLogger({ level: "warn", sink: (r) => warnings.push(r) });
    const study = await createStudy({ direction: "minimize", logger });
    const trial = await study.ask();
    trial.report(0.5, 0);
    trial.report(0.9, 0);
    trial.report(0.4, 1);
    expect([...trial.intermediateValues]).toEqual([
      [0, 0.5],
      [1, 0.4],
    ]);
    const told = await study.tell(trial, 0.4);
    expect(told.intermediateValues.get(0)).toBe(0.5);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toBe(
      "Trial 0: step 0 was already reported (value 0.5); the new value 0.9 is ignored.",
    );
  });

  it("rejects bad ranges and a changed distribution, naming the parameter", async () => {
    const study = await createStudy({
      direction: "minimize",
      sampler: new RandomSampler({ seed: 1 }),
    });
    const trial = await study.ask();
    const codeOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return isKeelError(error) ? `${error.code}: ${error.message}` : String(error);
      }
      return "no error";
    };
    expect(codeOf(() => trial.suggestFloat("a", 2, 1))).toMatch(
      /KEEL_ERR_SEARCH_SPACE: Parameter 'a': low must be <= high/,
    );
    expect(codeOf(() => trial.suggestFloat("b", 0, 1, { log: true }))).toMatch(
      /'b'.*log-scaled range needs low > 0/,
    );
    expect(codeOf(() => trial.suggestInt("c", 0.5, 3))).toMatch(/'c'.*integers/);
    expect(codeOf(() => trial.suggestCategorical("d", []))).toMatch(/'d'.*non-empty/);
    const lr = trial.suggestFloat("lr", 0.01, 1);
    // Optuna's rule: within a trial a name keeps its value, even when asked with a new range.
    expect(trial.suggestFloat("lr", 0.01, 2)).toBe(lr);
    expect(codeOf(() => trial.suggestFloat("lr", 0.01, 1, { log: true }))).toMatch(
      /KEEL_ERR_SEARCH_SPACE: Parameter 'lr'.*float \[0.01, 1\].*keeps its log flag/,
    );
    trial.suggestCategorical("kind", ["a", "b"]);
    await study.tell(trial, 1);
    const next = await study.ask();
    expect(codeOf(() => next.suggestInt("lr", 0, 5))).toMatch(
      /Parameter 'lr': it was suggested as float.*keeps its kind/,
    );
    expect(codeOf(() => next.suggestCategorical("kind", ["b", "a"]))).toMatch(
      /Parameter 'kind'.*keeps its choices/,
    );
  });

  it.each([
    ["TPE", () => new TpeSampler({ seed: 3, nStartupTrials: 5 })],
    ["TPE univariate", () => new TpeSampler({ seed: 3, nStartupTrials: 5, multivariate: false })],
    ["random", () => new RandomSampler({ seed: 3 })],
  ])("accepts ranges that change between trials, as Optuna does (%s)", async (name, sampler) => {
    const study = await createStudy({ direction: "minimize", sampler: sampler() });
    await study.optimize(
      (trial) => {
        // LightGBM's standard pattern: the leaf budget depends on the depth.
        const depth = trial.suggestInt("maxDepth", 1, 7);
        const leaves = trial.suggestInt("numLeaves", 2, 2 ** depth);
        const lr = trial.suggestFloat("lr", 0.001 * depth, 0.1 * depth, { log: true });
        return Math.abs(leaves - 10) + Math.abs(depth - 4) + lr;
      },
      { nTrials: 40 },
    );
    expect(study.trials.map((t) => t.state)).toEqual(Array(40).fill("COMPLETE"));
    for (const t of study.trials) {
      const depth = t.params.maxDepth as number;
      expect(t.params.numLeaves).toBeGreaterThanOrEqual(2);
      expect(t.params.numLeaves).toBeLessThanOrEqual(2 ** depth);
      expect(t.distributions.numLeaves).toMatchObject({ low: 2, high: 2 ** depth });
    }
    // TPE still learns from trials with other ranges: it finds the optimum region.
    if (name.startsWith("TPE")) expect(study.bestValue).toBeLessThan(1.5);
  });

  it("loads a study by name and reports unknown names", async () => {
    const study = await createStudy({ name: "s1", direction: "minimize" });
    await study.optimize(quadratic, { nTrials: 3 });
    const again = await loadStudy({ name: "s1", storage: study.storage });
    expect(again.trials).toHaveLength(3);
    await expect(loadStudy({ name: "nope", storage: study.storage })).rejects.toMatchObject({
      code: "KEEL_ERR_STUDY_NOT_FOUND",
    });
    await expect(
      createStudy({ name: "s1", direction: "minimize", storage: study.storage }),
    ).rejects.toMatchObject({
      code: "KEEL_ERR_ALREADY_EXISTS",
    });
    const reused = await createStudy({
      name: "s1",
      direction: "minimize",
      storage: study.storage,
      loadIfExists: true,
    });
    expect(reused.trials).toHaveLength(3);
  });

  it("throws KEEL_ERR_NO_COMPLETED_TRIALS before any trial completes", async () => {
    const study = await createStudy({ direction: "minimize" });
    expect(() => study.bestTrial).toThrow(/no completed trial/);
  });

  it("walks a grid exactly once and stops", async () => {
    const sampler = new GridSampler({ a: [1, 2, 3], b: ["x", "y"] }, { seed: 5 });
    const study = await createStudy({ direction: "minimize", sampler });
    await study.optimize(
      (t) => t.suggestInt("a", 1, 3) + (t.suggestCategorical("b", ["x", "y"]) === "x" ? 0 : 10),
      {
        nTrials: 100,
      },
    );
    const seen = study.trials.map((t) => `${t.params.a}${t.params.b}`).sort();
    expect(seen).toEqual(["1x", "1y", "2x", "2y", "3x", "3y"]);
  });
});

describe("pruning inside optimize", () => {
  it("prunes poor trials with MedianPruner and keeps pruned trials' reports", async () => {
    const { MedianPruner } = await import("./pruners/percentile-pruner.js");
    const study = await createStudy({
      direction: "minimize",
      sampler: new RandomSampler({ seed: 4 }),
      pruner: new MedianPruner({ nStartupTrials: 3 }),
    });
    await study.optimize(
      (trial) => {
        const x = trial.suggestFloat("x", 0, 1);
        for (let step = 0; step < 10; step++) {
          trial.report(x * (10 - step), step);
          if (trial.shouldPrune()) throw new TrialPruned(`pruned at step ${step}`);
        }
        return x;
      },
      { nTrials: 20 },
    );
    const pruned = study.trials.filter((t) => t.state === "PRUNED");
    expect(pruned.length).toBeGreaterThan(3);
    for (const t of pruned) expect(t.intermediateValues.size).toBeGreaterThan(0);
    expect(study.bestValue).toBeLessThan(0.2);
  });
});
