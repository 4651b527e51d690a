import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../store/index.js";
import {
  analyzeExperiment,
  CanaryController,
  type DeploymentSpec,
  effectiveVariants,
  openServingStore,
  parseDeploymentSpec,
  recordCanaryDecision,
} from "./index.js";
import { logEntry } from "./testing/serving-store-suite.js";

const dir = mkdtempSync(join(tmpdir(), "keel-canary-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HOUR = 3_600_000;
const spec: DeploymentSpec = parseDeploymentSpec(
  {
    name: "churn",
    variants: [
      { name: "champion", model: "models:/churn@champion", weight: 3 },
      { name: "other", model: "models:/churn/2", weight: 1 },
      { name: "challenger", model: "models:/churn/7", weight: 0 },
    ],
    canary: {
      variant: "challenger",
      steps: [5, 25, 50, 100],
      interval: "1h",
      guardrails: { maxErrorRate: 0.02, maxP99Ms: 50, maxPredictionShift: 0.1 },
    },
  },
  "test",
);

function feed(
  canary: CanaryController,
  n: number,
  variant: string,
  make: (i: number) => { latencyMs?: number; error?: boolean; score?: number } = () => ({}),
): void {
  for (let i = 0; i < n; i++) {
    const { latencyMs = 5, error = false, score = 0.3 } = make(i);
    canary.observe({ variant, latencyMs, error, score });
  }
}

describe("CanaryController", () => {
  it("advances step by step while guardrails hold and completes at 100%", () => {
    const canary = new CanaryController(spec, { now: 0 });
    expect(canary.percent).toBe(5);
    expect(canary.weights().map((v) => [v.name, v.weight])).toEqual([
      ["champion", 71.25],
      ["other", 23.75],
      ["challenger", 5],
    ]);
    const seen: string[] = [];
    let now = 0;
    for (const expected of [25, 50, 100]) {
      feed(canary, 100, "challenger");
      feed(canary, 100, "champion");
      expect(canary.evaluate(now + HOUR - 1).action).toBe("hold");
      now += HOUR;
      const decision = canary.evaluate(now);
      seen.push(decision.action);
      expect(decision.percent).toBe(expected);
      expect(canary.state).toMatchObject({ stepStartedAt: now, outcome: "running" });
    }
    feed(canary, 100, "challenger");
    now += HOUR;
    const done = canary.evaluate(now);
    expect(seen).toEqual(["advance", "advance", "advance"]);
    expect(done).toEqual({
      action: "complete",
      reason: "guardrails held for a full interval at 100%",
      percent: 100,
    });
    expect(canary.weights().map((v) => v.weight)).toEqual([0, 0, 100]);
    expect(canary.evaluate(now + 10 * HOUR).action).toBe("hold");
  });

  it("holds until the canary has enough observations, even past the interval", () => {
    const canary = new CanaryController(spec, { now: 0, minSamples: 50 });
    feed(canary, 49, "challenger");
    expect(canary.evaluate(2 * HOUR)).toMatchObject({
      action: "hold",
      reason: "waiting for 50 canary observations at 5%, have 49",
    });
    feed(canary, 1, "challenger");
    expect(canary.evaluate(2 * HOUR).action).toBe("advance");
  });

  it("rolls back on the error rate, naming it with its measured value", () => {
    const canary = new CanaryController(spec, { now: 0 });
    // The rest erring does not count against the canary.
    feed(canary, 100, "champion", () => ({ error: true }));
    feed(canary, 100, "challenger", (i) => ({ error: i < 3 }));
    const decision = canary.evaluate(10);
    expect(decision).toEqual({
      action: "rollback",
      reason: "maxErrorRate 0.03 exceeds the limit 0.02 at 5% (100 canary requests)",
      percent: 0,
      guardrail: "maxErrorRate",
      measured: 0.03,
      limit: 0.02,
    });
    expect(canary.state).toMatchObject({ outcome: "rolled_back", reason: decision.reason });
    expect(canary.weights().map((v) => v.weight)).toEqual([75, 25, 0]);
  });

  it("rolls back on p99 latency (numpy-interpolated) and on prediction shift", () => {
    const slow = new CanaryController(spec, { now: 0 });
    // 100 latencies 1..100 ms: numpy's p99 is 99.01.
    feed(slow, 100, "challenger", (i) => ({ latencyMs: i + 1 }));
    expect(slow.evaluate(1)).toMatchObject({
      action: "rollback",
      guardrail: "maxP99Ms",
      limit: 50,
    });
    expect(slow.evaluate(1).action).toBe("hold");
    expect((slow.state.reason ?? "").startsWith("maxP99Ms 99.01 exceeds the limit 50 at 5%")).toBe(
      true,
    );

    const shifted = new CanaryController(spec, { now: 0 });
    feed(shifted, 100, "champion", () => ({ score: 0.2 }));
    feed(shifted, 100, "challenger", () => ({ score: 0.35 }));
    const decision = shifted.evaluate(1);
    expect(decision.guardrail).toBe("maxPredictionShift");
    expect(decision.measured).toBeCloseTo(0.15, 12);
  });

  it("resumes from a stored state and refuses a deployment without a canary", () => {
    const resumed = new CanaryController(spec, {
      state: { stepIndex: 2, stepStartedAt: 100, outcome: "running" },
    });
    expect(resumed.percent).toBe(50);
    const { canary: _, ...plain } = spec;
    expect(() => new CanaryController(plain)).toThrowError(
      expect.objectContaining({ code: "KEEL_ERR_INVALID_ARGUMENT" }),
    );
  });

  it("records decisions in the store once (replicas racing get false) and routes by them", async () => {
    const database = await openDatabase({ dbUrl: join(dir, "canary.db") });
    try {
      const store = openServingStore(database);
      const created = await store.createDeployment(spec);
      // Before any step is stored the canary takes its first step's share.
      expect(effectiveVariants(created).map((v) => v.weight)).toEqual([71.25, 23.75, 5]);
      const replicaA = new CanaryController(spec, { now: 0 });
      const replicaB = new CanaryController(spec, { now: 0 });
      for (const replica of [replicaA, replicaB]) feed(replica, 50, "challenger");
      const hold = replicaA.evaluate(1);
      expect(await recordCanaryDecision(store, created, replicaA, hold)).toBe(false);
      const a = replicaA.evaluate(HOUR);
      const b = replicaB.evaluate(HOUR);
      expect(await recordCanaryDecision(store, created, replicaA, a)).toBe(true);
      expect(await recordCanaryDecision(store, created, replicaB, b)).toBe(false);
      const advanced = await store.getDeployment("churn");
      expect(advanced.state.canary).toMatchObject({ stepIndex: 1, outcome: "running" });
      expect(effectiveVariants(advanced).map((v) => v.weight)).toEqual([56.25, 18.75, 25]);
      const [event] = await store.deploymentEvents("churn");
      expect(event).toMatchObject({
        kind: "canary_advance",
        actor: "canary",
        reason: "guardrails held for a full interval at 5%; advancing to 25%",
      });

      // The SRM test checks traffic since that step against the step's weights.
      const after = Date.now() + 1;
      await store.appendPredictions(
        [
          ...Array(225).fill("champion"),
          ...Array(75).fill("other"),
          ...Array(100).fill("challenger"),
        ].map((variant, i) => logEntry({ requestId: `r${i}`, variant, time: after + i })),
      );
      const analysis = await analyzeExperiment(store, "churn");
      expect(analysis.variants.map((v) => v.expectedShare)).toEqual([0.5625, 0.1875, 0.25]);
      expect(analysis.sampleRatio.statistic).toBeCloseTo(0, 12);

      const resumed = new CanaryController(advanced.spec, { state: advanced.state.canary! });
      feed(resumed, 50, "challenger", () => ({ error: true }));
      const rollback = resumed.evaluate(HOUR + 5);
      expect(await recordCanaryDecision(store, advanced, resumed, rollback)).toBe(true);
      const rolled = await store.getDeployment("churn");
      expect(rolled.state.canary?.outcome).toBe("rolled_back");
      expect(effectiveVariants(rolled).map((v) => v.weight)).toEqual([75, 25, 0]);
      expect((await store.deploymentEvents("churn"))[0]?.reason).toMatch(
        /^maxErrorRate 1 exceeds the limit 0\.02 at 25%/,
      );
    } finally {
      await database.close();
    }
  });
});
