import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { modulesReachableFrom, transpileModules } from "../../core/testing/index.js";

// Worker threads load JavaScript only, so this runs the transpiled tune module in a child process.
const dir = mkdtempSync(join(tmpdir(), "keel-tune-workers-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let runner = "";
beforeAll(() => {
  transpileModules(join(dir, "js"), modulesReachableFrom("tune"));
  const tuneIndex = join(dir, "js", "tune", "index.js");
  writeFileSync(
    join(dir, "objective.mjs"),
    `export function objective(trial) {
  const x = trial.suggestFloat("x", -2, 2);
  const kind = trial.suggestCategorical("kind", ["a", "b"]);
  let busy = 0;
  for (let i = 0; i < 200000; i++) busy += Math.sqrt(i); // CPU-bound on purpose
  trial.report(x * x, 0);
  if (trial.number === 3) throw new Error("boom");
  return (x - 1) ** 2 + (kind === "a" ? 0 : 1) + busy * 0;
}
export function scaled(trial, context) {
  // The study's context arrives with every call, in every worker.
  return trial.suggestFloat("x", 0, 1) * context.scale;
}
export function pair(trial) {
  // Two objectives: the list crosses the thread boundary as a list.
  const x = trial.suggestFloat("x", 0, 1);
  return [x, 1 - x * x];
}
export function forever(trial) {
  trial.suggestFloat("x", 0, 1);
  for (;;) {}
}
export function sometimesForever(trial) {
  const x = trial.suggestFloat("x", 0, 1);
  if (trial.number % 2 === 0) for (;;) {}
  return x;
}
`,
  );
  runner = join(dir, "runner.mjs");
  writeFileSync(
    runner,
    `import { createStudy, TpeSampler } from ${JSON.stringify(tuneIndex)};
import * as objectives from ${JSON.stringify(join(dir, "objective.mjs"))};
const [mode, exportName, nJobs, timeoutMs, trialTimeoutMs] = process.argv.slice(2);
const study = await createStudy({ direction: "minimize", sampler: new TpeSampler({ seed: 3, nStartupTrials: 4 }) });
const objective = mode === "worker"
  ? { module: ${JSON.stringify(join(dir, "objective.mjs"))}, exportName, context: { scale: 1000 } }
  : (trial) => objectives[exportName](trial, { scale: 1000 });
await study.optimize(objective, { nTrials: 10, nJobs: Number(nJobs), ...(timeoutMs ? { timeoutMs: Number(timeoutMs) } : {}), ...(trialTimeoutMs ? { trialTimeoutMs: Number(trialTimeoutMs) } : {}) });
console.log(JSON.stringify(study.trials.map((t) => ({ state: t.state, params: t.params, value: t.value ?? null, reason: t.systemAttrs["keel:failReason"] ?? null }))));
`,
  );
  writeFileSync(
    join(dir, "runner-mo.mjs"),
    `import { createStudy, NsgaIiSampler } from ${JSON.stringify(tuneIndex)};
const study = await createStudy({ directions: ["minimize", "minimize"], sampler: new NsgaIiSampler({ seed: 1, populationSize: 4 }) });
await study.optimize({ module: ${JSON.stringify(join(dir, "objective.mjs"))}, exportName: "pair" }, { nTrials: 8, nJobs: 2 });
console.log(JSON.stringify({ trials: study.trials.map((t) => ({ state: t.state, x: t.params.x, values: t.values ?? null })), front: study.bestTrials.length }));
`,
  );
});

function run(...args: string[]) {
  const result = spawnSync(process.execPath, [runner, ...args], {
    encoding: "utf8",
    timeout: 60_000,
  });
  expect(result.stderr).toBe("");
  return JSON.parse(result.stdout) as {
    state: string;
    params: Record<string, unknown>;
    value: number | null;
    reason: string | null;
  }[];
}

describe("optimize with a module objective on worker threads", () => {
  it("runs define-by-run objectives in workers, reproducibly, with the same parameters as in-process", () => {
    // One job: a seeded study is reproducible, wherever the objective runs.
    const first = run("worker", "objective", "1");
    expect(run("worker", "objective", "1")).toEqual(first);
    expect(first).toHaveLength(10);
    expect(first[3]).toMatchObject({ state: "FAIL", reason: "Error: boom" });
    expect(first.filter((t) => t.state === "COMPLETE")).toHaveLength(9);
    expect(run("inline", "objective", "1")).toEqual(first);
    // Two jobs: every trial runs; TPE's choices depend on which trial finished first.
    const parallel = run("worker", "objective", "2");
    expect(parallel.map((t) => t.state)).toEqual(first.map((t) => t.state));
    // The random startup trials draw from one stream per trial number: the same for any nJobs.
    expect(parallel.slice(0, 2).map((t) => t.params)).toEqual(
      first.slice(0, 2).map((t) => t.params),
    );
  });

  it("returns every value of a multi-objective objective from the workers", () => {
    const result = spawnSync(process.execPath, [join(dir, "runner-mo.mjs")], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(result.stderr).toBe("");
    const { trials, front } = JSON.parse(result.stdout) as {
      trials: { state: string; x: number; values: number[] | null }[];
      front: number;
    };
    expect(trials).toHaveLength(8);
    for (const t of trials) {
      expect(t.state).toBe("COMPLETE");
      expect(t.values).toEqual([t.x, 1 - t.x * t.x]);
    }
    // x and 1 − x² trade off exactly: no trial dominates another, all are on the front.
    expect(front).toBe(8);
  });

  it("passes the study's context to the objective in every worker", () => {
    const trials = run("worker", "scaled", "2");
    expect(trials).toHaveLength(10);
    for (const t of trials) {
      expect(t.state).toBe("COMPLETE");
      expect(t.value).toBeCloseTo((t.params.x as number) * 1000, 9);
    }
    expect(run("inline", "scaled", "1")).toEqual(run("worker", "scaled", "1"));
  });

  it("stops a trial that never returns when timeoutMs passes, by terminating its thread", () => {
    const started = Date.now();
    const trials = run("worker", "forever", "1", "500");
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(trials).toHaveLength(1);
    expect(trials[0]?.state).toBe("FAIL");
    expect(trials[0]?.reason).toMatch(/timeoutMs/);
  });

  it("frees the worker of a trial past trialTimeoutMs: a fresh thread runs the next trial", () => {
    const started = Date.now();
    // Generous: the limit counts from the trial's start, and a fresh thread must load first.
    const trials = run("worker", "sometimesForever", "2", "", "2500");
    expect(Date.now() - started).toBeLessThan(40_000);
    expect(trials.map((t) => t.state)).toEqual(
      Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? "FAIL" : "COMPLETE")),
    );
    expect(trials[0]?.reason).toMatch(/trialTimeoutMs \(2500 ms\)/);
  });

  it("refuses a context worker threads cannot receive, before starting any", async () => {
    const { createStudy } = await import("../study.js");
    const study = await createStudy({ direction: "minimize" });
    await expect(
      study.optimize(
        { module: "./objective.mjs", context: { callback: () => 1 } },
        { nTrials: 1, nJobs: 1 },
      ),
    ).rejects.toThrow(/ObjectiveModule.context must be plain data/);
  });
});
