import { describe, expect, it } from "vitest";
import { CanaryController, type DeploymentSpec, parseDeploymentSpec } from "./index.js";

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
});
