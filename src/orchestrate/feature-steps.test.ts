import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isKeelError } from "../core/index.js";
import {
  defineEntity,
  defineFeatureView,
  FeatureRegistry,
  fileSource,
  sqliteOnlineStore,
} from "../features/index.js";
import { type MetadataDatabase, MonitoringStore, openDatabase } from "../store/index.js";
import {
  definePipeline,
  freshnessStep,
  materializeStep,
  PipelineStore,
  runPipeline,
} from "./index.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 2, 1);

const customer = defineEntity({ name: "customer", joinKeys: ["customer_id"] });
const stats = defineFeatureView({
  name: "stats",
  entities: [customer],
  ttl: "1d",
  source: fileSource({ path: "stats.csv" }),
  timestampField: "ts",
  schema: { spend: "numeric" },
});
// Never materialised by the pipelines below: its alert says it has no online data.
const orders = defineFeatureView({
  name: "orders",
  entities: [customer],
  ttl: 0,
  freshness: "6h",
  source: fileSource({ path: "stats.csv" }),
  timestampField: "ts",
  schema: { spend: "numeric" },
});

/** A webhook receiver: records each POSTed JSON body; answers `status()` (200 by default). */
function webhookReceiver() {
  const bodies: Record<string, unknown>[] = [];
  let status = 200;
  const server: Server = createServer((request, response) => {
    let text = "";
    request.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
    });
    request.on("end", () => {
      bodies.push(JSON.parse(text) as Record<string, unknown>);
      response.statusCode = status;
      response.end();
    });
  });
  return {
    bodies,
    setStatus: (s: number) => {
      status = s;
    },
    start: () =>
      new Promise<string>((resolve) =>
        server.listen(0, "127.0.0.1", () =>
          resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`),
        ),
      ),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("features-daily: materializeStep then freshnessStep, alerts to a real webhook", () => {
  let root: string;
  let database: MetadataDatabase;
  let store: PipelineStore;
  let url: string;
  const hook = webhookReceiver();

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "keel-feature-steps-"));
    writeFileSync(
      join(root, "stats.csv"),
      [
        "customer_id,ts,spend",
        `1,${new Date(T0).toISOString()},10`,
        `2,${new Date(T0 + 12 * HOUR).toISOString()},20`,
        `1,${new Date(T0 + DAY).toISOString()},11`,
      ].join("\n"),
    );
    database = await openDatabase({ root });
    store = new PipelineStore(database);
    await new FeatureRegistry(database).apply({
      entities: [customer],
      featureViews: [stats, orders],
    });
    url = await hook.start();
  });
  afterAll(async () => {
    await hook.stop();
    await database.close();
    rmSync(root, { recursive: true, force: true });
  });

  const sinks = () => [{ type: "webhook" as const, url, attempts: 1 }];
  const daily = () =>
    definePipeline({
      name: "features-daily",
      steps: {
        materialize: materializeStep({ views: ["stats"], clock: "logicalDate" }),
        freshness: freshnessStep({
          after: ["materialize"],
          views: ["stats"],
          sinks: sinks(),
          clock: "logicalDate",
        }),
      },
    });
  // A watch that runs between the daily runs: it alerts when the daily one stops materialising.
  const watch = () =>
    definePipeline({
      name: "features-watch",
      steps: { check: freshnessStep({ views: ["stats"], sinks: sinks(), clock: "logicalDate" }) },
    });
  const outputsOf = (steps: readonly { step: string; outputs: string | null }[], name: string) =>
    JSON.parse(steps.find((s) => s.step === name)?.outputs ?? "null") as {
      stale: string[];
      deliveries: { view: string; sink: string; status: string }[];
    };

  it("materialises, finds the view fresh, and alerts nothing", async () => {
    const run = await runPipeline(daily(), { store, root, logicalDate: new Date(T0 + DAY) });
    expect(run.run.status, run.run.error ?? "").toBe("succeeded");
    const materialized = JSON.parse(
      run.steps.find((s) => s.step === "materialize")?.outputs ?? "null",
    ) as { views: { view: string; rows: number }[] };
    expect(materialized.views).toEqual([
      { view: "stats", start: new Date(T0).toISOString(), rows: 2 },
    ]);
    expect(outputsOf(run.steps, "freshness")).toMatchObject({ stale: [], deliveries: [] });
    expect(hook.bodies).toEqual([]);
    // The online store holds what was materialised.
    const online = sqliteOnlineStore({ path: join(root, ".keel", "online.db") });
    const [record] = await online.read("stats", ['["2"]']);
    await online.close();
    expect(record?.values).toEqual({ spend: 20 });
  });

  it("alerts through the webhook once the last materialisation is older than the TTL, once per cooldown", async () => {
    const at = (ms: number) => runPipeline(watch(), { store, root, logicalDate: new Date(ms) });
    // 23h after the watermark, and exactly at the TTL (both bounds inclusive, as online reads): fresh.
    expect(outputsOf((await at(T0 + DAY + 23 * HOUR)).steps, "check").stale).toEqual([]);
    expect(outputsOf((await at(T0 + 2 * DAY)).steps, "check").stale).toEqual([]);
    expect(hook.bodies).toEqual([]);
    // A day and a minute after the last materialisation: stale.
    const late = await at(T0 + 2 * DAY + 60_000);
    expect(outputsOf(late.steps, "check").stale).toEqual(["stats"]);
    expect(hook.bodies).toHaveLength(1);
    expect(hook.bodies[0]).toMatchObject({
      monitor: "features:stats",
      kind: "stale-features",
      message:
        "feature view 'stats' is stale (target 1d): last materialised up to 1d1m ago; its newest row is 1d1m old",
      details: {
        view: "stats",
        stalenessSeconds: 86_460,
        dataAgeSeconds: 86_460,
        freshnessSeconds: 86_400,
        materializedUntil: new Date(T0 + DAY).toISOString(),
        checkedAt: new Date(T0 + 2 * DAY + 60_000).toISOString(),
      },
    });
    expect(outputsOf(late.steps, "check").deliveries).toEqual([
      { view: "stats", sink: `webhook:${url}`, status: "delivered", error: null },
    ]);
    // Ten minutes later: within the (simulated-clock) cooldown, nothing posted, recorded as suppressed.
    const again = await at(T0 + 2 * DAY + 11 * 60_000);
    expect(hook.bodies).toHaveLength(1);
    expect(outputsOf(again.steps, "check").deliveries.map((d) => d.status)).toEqual(["suppressed"]);
    // Past the 60-minute cooldown it is posted again.
    await at(T0 + 2 * DAY + 62 * 60_000);
    expect(hook.bodies).toHaveLength(2);
    // Deliveries are where `keel monitor alerts` reads them.
    const recorded = await new MonitoringStore(database).list({ monitor: "features:stats" });
    expect(recorded.map((d) => d.status)).toEqual(["delivered", "suppressed", "delivered"]);
    hook.bodies.length = 0;
  });

  it("records a webhook that answers 500 as failed; alerts when the source stops receiving rows though materialisation runs; new rows clear it", async () => {
    hook.setStatus(500);
    const failing = await runPipeline(watch(), {
      store,
      root,
      logicalDate: new Date(T0 + 3 * DAY),
    });
    hook.setStatus(200);
    expect(outputsOf(failing.steps, "check").deliveries[0]).toMatchObject({
      view: "stats",
      status: "failed",
    });
    hook.bodies.length = 0;
    // Materialisation runs, but the source has had no new row since T0 + 1d: online reads
    // would all be OUTSIDE_MAX_AGE, so the view is stale although the watermark is fresh.
    const daily3 = await runPipeline(daily(), {
      store,
      root,
      logicalDate: new Date(T0 + 3 * DAY + HOUR),
    });
    expect(daily3.run.status).toBe("succeeded");
    expect(outputsOf(daily3.steps, "freshness").stale).toEqual(["stats"]);
    expect(hook.bodies).toMatchObject([
      {
        monitor: "features:stats",
        message: "feature view 'stats' is stale (target 1d): its newest row is 2d1h old",
      },
    ]);
    hook.bodies.length = 0;
    appendFileSync(
      join(root, "stats.csv"),
      `\n2,${new Date(T0 + 3 * DAY + 90 * 60_000).toISOString()},21`,
    );
    const daily4 = await runPipeline(daily(), {
      store,
      root,
      logicalDate: new Date(T0 + 3 * DAY + 2 * HOUR),
    });
    expect(outputsOf(daily4.steps, "freshness").stale).toEqual([]);
    expect(hook.bodies).toEqual([]);
  });

  it("fails the step with failOnStale after alerting, and refuses a pipeline sink", async () => {
    const strict = definePipeline({
      name: "features-strict",
      steps: {
        check: freshnessStep({
          views: ["orders"],
          sinks: sinks(),
          failOnStale: true,
          cooldownMinutes: 0,
          clock: "logicalDate",
        }),
      },
    });
    hook.bodies.length = 0;
    const run = await runPipeline(strict, {
      store,
      root,
      logicalDate: new Date(T0 + 4 * DAY),
      sleep: async () => {},
    });
    expect(run.run.status).toBe("failed");
    expect(run.steps[0]?.error).toContain("1 feature view(s) are stale");
    expect(hook.bodies).toMatchObject([
      {
        monitor: "features:orders",
        message:
          "feature view 'orders' has no online data: it was never materialised nor pushed to",
      },
    ]);
    let error: unknown;
    try {
      freshnessStep({ sinks: [{ type: "pipeline", pipeline: "retrain" }] });
    } catch (e) {
      error = e;
    }
    expect(isKeelError(error, "KEEL_ERR_PIPELINE_DEFINITION")).toBe(true);
  });
});
