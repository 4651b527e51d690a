import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openServingStore } from "../../serve/index.js";
import { openTracking, type Tracking } from "../../track/index.js";
import { createApp } from "../app.js";
import { SEED_OPS, seedDeployment } from "../testing/ops-seed.js";
import { seedPipelines } from "../testing/pipeline-seed.js";

/** The dashboard's /v1 routes on bad input: a clear error naming the parameter, never a 500. */
describe("dashboard /v1 routes", () => {
  let root: string;
  let tracking: Tracking;
  let app: FastifyInstance;
  let deadLetter: number;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "keel-dashboard-routes-"));
    tracking = await openTracking({ root });
    await seedDeployment(tracking);
    deadLetter = (await seedPipelines(tracking, root)).deadLetterId;
    // No project: the server has not loaded the pipeline's code.
    app = await createApp({ tracking });
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await tracking?.close();
    rmSync(root, { recursive: true, force: true });
  });

  async function get(url: string, method: "GET" | "POST" = "GET") {
    const answer = await app.inject({
      method,
      url,
      ...(method === "POST"
        ? { payload: {}, headers: { "content-type": "application/json" } }
        : {}),
    });
    return { status: answer.statusCode, body: answer.json() as Record<string, unknown> };
  }

  it.each([
    ["/v1/studies/get?name=nope", 404, "no study named 'nope'"],
    ["/v1/studies/get", 400, "'name'"],
    ["/v1/deployments/nope/overview", 404, "nope"],
    [`/v1/deployments/${SEED_OPS.deployment}/overview?window_ms=5`, 400, "'window_ms'"],
    [`/v1/deployments/${SEED_OPS.deployment}/overview?window_ms=abc`, 400, "'window_ms'"],
    ["/v1/monitors/nope/results", 404, "no results of monitor 'nope'"],
    ["/v1/monitors/nope/results?limit=0", 400, "'limit'"],
    ["/v1/pipelines/runs/nope", 404, "nope"],
    ["/v1/pipelines/dead-letters?status=closed", 400, "'status'"],
    ["/v1/features/views/nope/stats", 404, "no registered feature view 'nope'"],
  ])("GET %s → %i naming what was wrong", async (url, status, text) => {
    const { status: got, body } = await get(url);
    expect(got).toBe(status);
    expect(String(body.message)).toContain(text);
  });

  it("refuses to replay a dead letter when the server has not loaded its pipeline, and one that is not a number", async () => {
    const unloaded = await get(`/v1/pipelines/dead-letters/${deadLetter}/replay`, "POST");
    expect(unloaded.status).toBe(400);
    expect(String(unloaded.body.message)).toContain("has not loaded pipeline 'retrain'");
    const bad = await get("/v1/pipelines/dead-letters/x1/replay", "POST");
    expect(bad.status).toBe(400);
    expect(String(bad.body.message)).toContain("'id'");
    // Nothing was replayed.
    const letters = await get("/v1/pipelines/dead-letters?status=open");
    expect((letters.body.dead_letters as unknown[]).length).toBe(1);
    expect(letters.body.can_replay).toBe(false);
  });

  it("returns the deployment's traffic, shadow comparison and A/B analysis", async () => {
    const { status, body } = await get(`/v1/deployments/${SEED_OPS.deployment}/overview`);
    expect(status).toBe(200);
    const traffic = body.traffic as { variant: string; requests: number; buckets: unknown[] }[];
    expect(traffic.map((t) => t.variant)).toEqual(["challenger", "champion"]);
    expect(traffic.reduce((s, t) => s + t.requests, 0)).toBe(3000);
    expect(traffic[0]!.buckets).toHaveLength(60);
    const [shadow] = body.shadows as { compared: number; agreement: number }[];
    expect(shadow!.compared).toBe(3000);
    expect(shadow!.agreement).toBeGreaterThan(0.8);
    expect((body.analysis as { totalRequests: number }).totalRequests).toBe(3000);
  });

  it("pools every version the variants served when the versions serving now have no labels yet, and says so", async () => {
    // A weekly promotion with labels two weeks late: version 1 of both variants is labelled,
    // version 2 (serving now) is not.
    const store = openServingStore(tracking.database);
    const name = "weekly";
    await store.createDeployment(
      {
        name,
        variants: [
          { name: "champion", model: "models:/churn/1", weight: 50 },
          { name: "challenger", model: "models:/churn/2", weight: 50 },
        ],
      },
      { actor: "test", reason: "labels arrive late" },
    );
    const start = Date.now();
    const entries = Array.from({ length: 400 }, (_, i) => ({
      requestId: `weekly-${i}`,
      time: start + i,
      deployment: name,
      variant: i % 2 === 0 ? "champion" : "challenger",
      modelVersion: i < 200 ? "1" : "2",
      input: { tenure: i },
      output: { prediction: ((i * 37) % 100) / 100 },
      latencyMs: 1,
    }));
    await store.appendPredictions(entries);
    for (const e of entries.slice(0, 200))
      await store.recordFeedback({
        deployment: name,
        requestId: e.requestId,
        label: e.output.prediction > 0.4 ? 1 : 0,
        time: start + 1000,
      });
    const { body } = await get(`/v1/deployments/${name}/overview`);
    const analysis = body.analysis as {
      versions: string;
      notes: string[];
      variants: { labelled: number; metrics?: { auc?: { value: number } } }[];
    };
    expect(analysis.versions).toBe("all");
    expect(analysis.notes[0]).toMatch(/No labels yet for the versions serving now/);
    for (const v of analysis.variants) {
      expect(v.labelled).toBe(100);
      expect(v.metrics?.auc?.value).toBeGreaterThan(0.5);
    }
  });
});
