import type { FastifyInstance } from "fastify";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type Deployment,
  openServingStore,
  parseDeploymentSpec,
  ServingRuntime,
  type ServingStore,
} from "../../serve/index.js";
import { type ServingFixture, servingFixture } from "../../serve/testing/index.js";
import { createApp } from "../app.js";
import { servingRoutePlugins } from "./serve-routes.js";

const HOUR = 3_600_000;

/**
 * Canary rollouts driven the way a server drives them: scoring requests through the HTTP
 * routes feed the guardrails, the runtime's own canary timer decides (every 5 ms here), and
 * a simulated clock stands in for the hours between steps.
 */
describe("canary rollouts over HTTP", () => {
  let fixture: ServingFixture;
  let store: ServingStore;
  let now = Date.UTC(2026, 11, 6, 12);
  const open: { app: FastifyInstance; runtime: ServingRuntime }[] = [];

  beforeAll(async () => {
    fixture = await servingFixture();
    store = openServingStore(fixture.tracking.database);
  }, 120_000);
  afterEach(async () => {
    for (const { app, runtime } of open.splice(0)) {
      await app.close();
      await runtime.close();
    }
  });
  afterAll(() => fixture?.close());

  /** Serves champion (version 1) and a canary (version 2) ramped by `steps`, as stored. */
  async function serve(
    name: string,
    steps: number[],
    guardrails: Record<string, number>,
  ): Promise<FastifyInstance> {
    const raw = {
      name,
      variants: [
        { name: "champion", model: "models:/churn/1", weight: 1 },
        { name: "canary", model: "models:/churn/2", weight: 0 },
      ],
      canary: { variant: "canary", steps, interval: "1h", guardrails },
    };
    const spec = parseDeploymentSpec(raw, "test");
    const stored: Deployment = await store.createDeployment(spec);
    const runtime = await ServingRuntime.open({
      tracking: fixture.tracking,
      cwd: fixture.project,
      deployments: [stored.spec],
      stored: { [spec.name]: { revision: stored.revision, state: stored.state } },
      store,
      canaryTickMs: 5,
      clock: () => now,
    });
    const app = await createApp({
      tracking: fixture.tracking,
      mode: "serving",
      plugins: servingRoutePlugins({ runtime, store }),
    });
    open.push({ app, runtime });
    return app;
  }

  /** Sends `n` single-record requests; counts the variants that answered. */
  async function traffic(app: FastifyInstance, name: string, n: number) {
    const counts: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      const response = await app.inject({
        method: "POST",
        url: `/v1/deployments/${name}/predict`,
        headers: { "content-type": "application/json" },
        payload: JSON.stringify({ records: [fixture.records[i % fixture.records.length]] }),
      });
      expect(response.statusCode).toBe(200);
      const variant = String(response.headers["x-keel-variant"]);
      counts[variant] = (counts[variant] ?? 0) + 1;
    }
    return counts;
  }

  /** Waits (real time) until the stored rollout satisfies `done`; the canary timer is real. */
  async function storedCanary(name: string, done: (d: Deployment) => boolean) {
    for (let i = 0; i < 400; i++) {
      const d = await store.getDeployment(name);
      if (done(d)) return d;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`the canary of ${name} never reached the expected state`);
  }

  it("advances step by step while guardrails hold, then completes; traffic follows each step", async () => {
    const app = await serve("ramp", [20, 60, 100], { maxErrorRate: 0.01, maxP99Ms: 10_000 });
    // Binomial bounds at 6 standard deviations: a failure means routing broke, not luck.
    const within = (count: number, n: number, p: number) =>
      Math.abs(count - n * p) <= 6 * Math.sqrt(n * p * (1 - p)) + 1;
    for (const [step, percent] of [20, 60].entries()) {
      const counts = await traffic(app, "ramp", 300);
      expect(within(counts.canary ?? 0, 300, percent / 100)).toBe(true);
      // Guardrails hold, but the step lasts an hour of the simulated clock.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect((await store.getDeployment("ramp")).state.canary?.stepIndex ?? 0).toBe(step);
      now += HOUR;
      await storedCanary("ramp", (d) => d.state.canary?.stepIndex === step + 1);
    }
    expect(await traffic(app, "ramp", 100)).toEqual({ canary: 100 });
    now += HOUR;
    const done = await storedCanary("ramp", (d) => d.state.canary?.outcome === "complete");
    expect(done.state.canary?.reason).toBe("guardrails held for a full interval at 100%");
    // Newest first.
    const events = (await store.deploymentEvents("ramp")).map((e) => e.kind);
    expect(events).toEqual(["canary_complete", "canary_advance", "canary_advance", "create"]);
    expect(await traffic(app, "ramp", 50)).toEqual({ canary: 50 });
  }, 120_000);

  it("rolls itself back when a guardrail breaks, says which, and sends no more traffic there", async () => {
    // No real request scores within a microsecond: the latency guardrail breaks at once.
    const app = await serve("fragile", [50, 100], { maxP99Ms: 0.001 });
    // The guardrails are judged once the canary has 20 requests; it is rolled back at once
    // then (the timer ticks every 5 ms), so about 20 of the 200 went there, not 100.
    const before = await traffic(app, "fragile", 200);
    expect(before.canary).toBeGreaterThanOrEqual(20);
    expect(before.canary).toBeLessThan(60);
    const rolled = await storedCanary("fragile", (d) => d.state.canary?.outcome === "rolled_back");
    expect(rolled.state.canary?.reason).toMatch(
      /^maxP99Ms [\d.e-]+ exceeds the limit 0\.001 at 50%/,
    );
    const [last] = await store.deploymentEvents("fragile");
    expect(last).toMatchObject({ kind: "canary_rollback", actor: "canary" });
    expect(last?.reason).toBe(rolled.state.canary?.reason);
    expect(await traffic(app, "fragile", 100)).toEqual({ champion: 100 });
    // Time passing does not bring a rolled-back canary back.
    now += 10 * HOUR;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await traffic(app, "fragile", 50)).toEqual({ champion: 50 });
  }, 120_000);
});
