import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadModel, type ModelBundle, saveModel } from "../../models/index.js";
import {
  createPredictionLog,
  type DeploymentSpec,
  openServingStore,
  type PredictionLog,
  ServingRuntime,
  type ServingStore,
} from "../../serve/index.js";
import { logEntry, type ServingFixture, servingFixture } from "../../serve/testing/index.js";
import { createApp } from "../app.js";
import { servingRoutePlugins } from "./serve-routes.js";

describe("serving routes", () => {
  let fixture: ServingFixture;
  let app: FastifyInstance;
  let runtime: ServingRuntime;
  let store: ServingStore;
  let log: PredictionLog;
  let bundle: ModelBundle;
  let expected: Float64Array;
  const backgroundErrors: string[] = [];

  beforeAll(async () => {
    fixture = await servingFixture();
    bundle = await loadModel(join(fixture.project, fixture.bundles[0]));
    expected = bundle.predictProba(fixture.x);
    // A model that needs a column no request has: as a shadow it fails on every request.
    await saveModel(join(fixture.project, "models/needs-region"), {
      model: bundle.model,
      inputSignature: {
        columns: [...bundle.inputSignature.columns, { name: "region", kind: "categorical" }],
      },
      lineage: bundle.lineage,
    });
    store = openServingStore(fixture.tracking.database);
    log = createPredictionLog(store, { maxQueue: 5_000, flushIntervalMs: 20 });
    const deployments: DeploymentSpec[] = [
      {
        name: "default",
        variants: [{ name: "default", model: "models:/churn@champion", weight: 1 }],
      },
      {
        name: "ab",
        stickyKey: "customer",
        variants: [
          { name: "champion", model: "models:/churn/1", weight: 50 },
          { name: "challenger", model: "models:/churn/2", weight: 50 },
        ],
        shadow: [
          { name: "broken", model: "models/needs-region" },
          { name: "second", model: "models:/churn/2" },
          // A shadow whose alias does not resolve: it never loads.
          { name: "ghost", model: "models:/churn@nobody" },
        ],
      },
    ];
    // The A/B deployment is stored, as `keel deploy create` stores it, so it can be analysed.
    await store.createDeployment(deployments[1]!);
    runtime = await ServingRuntime.open({
      tracking: fixture.tracking,
      cwd: fixture.project,
      deployments,
      store,
      log,
      logCapacity: 5_000,
      onBackgroundError: (what, error) => backgroundErrors.push(`${what}: ${String(error)}`),
    });
    app = await createApp({
      tracking: fixture.tracking,
      mode: "serving",
      plugins: servingRoutePlugins({ runtime, store, log, bodyLimitBytes: 200_000 }),
    });
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await runtime?.close();
    await fixture?.close();
  });

  const post = (url: string, payload: unknown, contentType = "application/json") =>
    app.inject({
      method: "POST",
      url,
      headers: { "content-type": contentType },
      payload: typeof payload === "string" ? payload : JSON.stringify(payload),
    });

  it("answers records with the batch numbers, variant, model version and request id", async () => {
    const records = fixture.records.slice(0, 50);
    const response = await post("/v1/deployments/default/predict", { records });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.variant).toBe("default");
    expect(body.modelVersion).toBe("1");
    expect(typeof body.requestId).toBe("string");
    expect(response.headers["x-keel-model-version"]).toBe("1");
    body.predictions.forEach(
      (p: { prediction: number; probabilities: Record<string, number> }, i: number) => {
        expect(p.prediction).toBe(expected[2 * i + 1]);
        expect(p.probabilities).toEqual({ No: expected[2 * i], Yes: expected[2 * i + 1] });
      },
    );
  });

  it("takes { columns, data } and every MLflow scoring shape, and CSV, with the same numbers", async () => {
    const rows = fixture.records.slice(0, 5);
    const columns = Object.keys(rows[0]!);
    const data = rows.map((r) => columns.map((c) => r[c]));
    const want = rows.map((_, i) => expected[2 * i + 1]);
    const keel = await post("/v1/deployments/default/predict", { columns, data });
    expect(keel.json().predictions.map((p: { prediction: number }) => p.prediction)).toEqual(want);
    const bodies = [
      { dataframe_split: { columns, data, index: [0, 1, 2, 3, 4] } },
      { dataframe_records: rows },
      { instances: rows },
      { inputs: Object.fromEntries(columns.map((c) => [c, rows.map((r) => r[c])])) },
    ];
    for (const body of bodies) {
      const response = await post("/invocations", body);
      expect(response.statusCode, JSON.stringify(body).slice(0, 40)).toBe(200);
      expect(response.json()).toEqual({ predictions: want });
    }
    const csv = [
      columns.join(","),
      ...data.map((row) => row.map((v) => (v === null ? "" : JSON.stringify(v))).join(",")),
    ].join("\n");
    const fromCsv = await post("/invocations", csv, "text/csv");
    expect(fromCsv.statusCode).toBe(200);
    expect(fromCsv.json()).toEqual({ predictions: want });
  });

  it("lists every bad field with its JSON path, expected kind and received value (400)", async () => {
    const good = fixture.records[0]!;
    const { contract: _dropped, ...missing } = good;
    const response = await post("/v1/deployments/default/predict", {
      records: [good, { ...good, tenure: "twelve" }, missing, "not a record"],
    });
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body.error_code).toBe("KEEL_ERR_RECORD_INVALID");
    expect(body.details.errors).toEqual([
      {
        path: "$.records[1].tenure",
        expected: "numeric",
        received: "twelve",
        problem: "wrong kind",
      },
      {
        path: "$.records[2].contract",
        expected: "categorical",
        received: null,
        problem: "missing",
      },
      {
        path: "$.records[3]",
        expected: "object",
        received: "not a record",
        problem: "not an object",
      },
    ]);
    const split = await post("/invocations", {
      dataframe_split: { columns: ["tenure"], data: [["x"]] },
    });
    expect(split.statusCode).toBe(400);
    const paths = split.json().details.errors.map((e: { path: string }) => e.path);
    expect(paths).toContain("$.dataframe_split.data[0][0]");
    expect(paths).toContain("$.dataframe_split.columns.contract");
  });

  it("answers 404, 400, 413 and 415 in the error shape, logging nothing", async () => {
    const logged = async () => {
      await log.flush();
      return (await store.readPredictions({ deployment: "default", limit: 100_000 })).length;
    };
    const before = await logged();
    const unknown = await post("/v1/deployments/nope/predict", { records: [fixture.records[0]] });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error_code: "KEEL_ERR_DEPLOYMENT_NOT_FOUND" });
    const malformed = await post("/v1/deployments/default/predict", "{records: [");
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error_code).toBe("KEEL_ERR_PARSE");
    const noRows = await post("/v1/deployments/default/predict", { rows: [] });
    expect(noRows.statusCode).toBe(400);
    const big = await post("/v1/deployments/default/predict", {
      records: Array.from({ length: 1000 }, () => fixture.records[0]),
    });
    expect(big.statusCode).toBe(413);
    expect(big.json().error_code).toBe("KEEL_ERR_PAYLOAD_TOO_LARGE");
    const xml = await post("/invocations", "<records/>", "application/xml");
    expect(xml.statusCode).toBe(415);
    expect(xml.json().error_code).toBe("KEEL_ERR_UNSUPPORTED_MEDIA_TYPE");
    expect(await logged()).toBe(before);
  });

  it("logs a predict body's ISO-8601 time as the event time only where the server accepts it", async () => {
    const record = fixture.records[2];
    const byId = async (requestId: string) => {
      await runtime.settle();
      await log.flush();
      return (await store.readPredictions({ deployment: "default" })).filter(
        (p) => p.requestId === requestId,
      );
    };
    // By default clients cannot back-date entries: 403, nothing logged.
    const refused = await app.inject({
      method: "POST",
      url: "/v1/deployments/default/predict",
      headers: { "content-type": "application/json", "x-request-id": "dated-refused" },
      payload: JSON.stringify({ records: [record], time: "2025-03-02T09:30:00Z" }),
    });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({
      error_code: "KEEL_ERR_PERMISSION_DENIED",
      details: { path: "$.time" },
    });
    expect(await byId("dated-refused")).toEqual([]);
    // The MLflow route reads it too, rather than stamping a replay with today's date.
    const mlflowRefused = await app.inject({
      method: "POST",
      url: "/invocations",
      headers: { "content-type": "application/json", "x-request-id": "dated-mlflow" },
      payload: JSON.stringify({ dataframe_records: [record], time: "2025-03-02T09:30:00Z" }),
    });
    expect(mlflowRefused.statusCode).toBe(403);
    expect(await byId("dated-mlflow")).toEqual([]);

    const replay = await createApp({
      tracking: fixture.tracking,
      mode: "serving",
      plugins: servingRoutePlugins({ runtime, store, log, acceptEventTime: true }),
    });
    try {
      const send = (requestId: string, body: unknown) =>
        replay.inject({
          method: "POST",
          url: "/v1/deployments/default/predict",
          headers: { "content-type": "application/json", "x-request-id": requestId },
          payload: JSON.stringify(body),
        });
      const before = Date.now();
      const dated = await send("dated", { records: [record], time: "2025-03-02T10:30:00+01:00" });
      expect(dated.statusCode).toBe(200);
      expect(dated.json().time).toBe("2025-03-02T09:30:00.000Z");
      const [entry] = await byId("dated");
      expect(entry?.time).toBe(Date.UTC(2025, 2, 2, 9, 30));
      expect(entry?.receivedAt).toBeGreaterThanOrEqual(before);
      const viaMlflow = await replay.inject({
        method: "POST",
        url: "/invocations",
        headers: { "content-type": "application/json", "x-request-id": "dated-mlflow-ok" },
        payload: JSON.stringify({ dataframe_records: [record], time: "2025-03-02T09:30:00Z" }),
      });
      expect(viaMlflow.statusCode).toBe(200);
      expect((await byId("dated-mlflow-ok"))[0]?.time).toBe(Date.UTC(2025, 2, 2, 9, 30));
      // Without a time the server's clock stamps it, as before.
      const live = await send("undated", { records: [record] });
      expect(live.json().time).toBeUndefined();
      const [stamped] = await byId("undated");
      expect(stamped?.time).toBe(stamped?.receivedAt);
      expect(stamped?.time).toBeGreaterThanOrEqual(before);
      for (const [id, time] of [
        ["no-zone", "2025-03-02T09:30:00"],
        ["feb-30", "2025-02-30T09:30:00Z"],
        ["words", "yesterday"],
        ["future", new Date(Date.now() + 3_600_000).toISOString()],
        ["null", null],
      ] as const) {
        const bad = await send(id, { records: [record], time });
        expect(bad.statusCode, id).toBe(400);
        expect(bad.json(), id).toMatchObject({
          error_code: "KEEL_ERR_INVALID_ARGUMENT",
          details: { path: "$.time", received: time },
        });
        expect(await byId(id)).toEqual([]);
      }
    } finally {
      await replay.close();
    }
  });

  it("joins feedback to logged predictions and counts requests in /metrics", async () => {
    const response = await post("/v1/deployments/default/predict", {
      records: [fixture.records[1]],
    });
    const { requestId } = response.json();
    const feedback = await post("/v1/deployments/default/feedback", { requestId, label: "Yes" });
    expect(feedback.statusCode).toBe(200);
    expect(feedback.json()).toEqual({ requestId, matched: true });
    const stranger = await post("/v1/deployments/default/feedback", {
      requestId: "never-seen",
      label: "No",
    });
    expect(stranger.json().matched).toBe(false);
    const bad = await post("/v1/deployments/default/feedback", { label: {} });
    expect(bad.statusCode).toBe(400);
    const logged = await store.readPredictions({ deployment: "default" });
    const joined = logged.find((p) => p.requestId === requestId);
    expect(joined).toMatchObject({ label: "Yes", variant: "default", modelVersion: "1" });
    expect(joined?.output.prediction).toBe(expected[3]);
    const metrics = await app.inject({ method: "GET", url: "/metrics" });
    expect(metrics.body).toMatch(
      /keel_serve_requests_total\{deployment="default",variant="default",status="200"\} \d+/,
    );
    expect(metrics.body).toContain(
      'keel_serve_errors_total{deployment="default",code="KEEL_ERR_RECORD_INVALID"}',
    );
    expect(metrics.body).toContain(
      'keel_serve_model_info{deployment="default",variant="default",version="1"} 1',
    );
    expect(metrics.body).toMatch(/^keel_serve_log_pending \d+$/m);
    expect(metrics.body).toMatch(/^keel_serve_log_pending_bytes \d+$/m);
    expect((await app.inject({ method: "GET", url: "/ready" })).statusCode).toBe(200);
    expect((await app.inject({ method: "GET", url: "/health" })).statusCode).toBe(200);
    const openapi = (await app.inject({ method: "GET", url: "/openapi.json" })).json();
    expect(Object.keys(openapi.paths)).toContain("/v1/deployments/{name}/predict");
    // Serving mode mounts no tracking API.
    const mlflow = await app.inject({
      method: "GET",
      url: "/api/2.0/mlflow/experiments/search",
    });
    expect(mlflow.statusCode).toBe(404);
  });

  it("keeps a customer on one variant and splits customers about evenly", async () => {
    const seen = new Map<string, string>();
    for (let c = 0; c < 200; c++) {
      for (let repeat = 0; repeat < 2; repeat++) {
        const response = await post("/v1/deployments/ab/predict", {
          records: [{ ...fixture.records[c], customer: `c-${c}` }],
        });
        expect(response.statusCode).toBe(200);
        const { variant } = response.json();
        if (repeat === 1) expect(variant).toBe(seen.get(`c-${c}`));
        seen.set(`c-${c}`, variant);
      }
    }
    const champion = [...seen.values()].filter((v) => v === "champion").length;
    expect(champion).toBeGreaterThan(60);
    expect(champion).toBeLessThan(140);
    const experiment = await app.inject({ method: "GET", url: "/v1/deployments/ab/experiment" });
    expect(experiment.statusCode).toBe(200);
    const analysis = experiment.json();
    expect(analysis.totalRequests).toBe(400);
    expect(analysis.variants.map((v: { name: string }) => v.name).sort()).toEqual([
      "challenger",
      "champion",
    ]);
    expect(analysis.sampleRatio.mismatch).toBe(false);
    expect(analysis.variants[0].modelVersions).toMatchObject([{ version: "1", included: true }]);
    const pooled = await app.inject({
      method: "GET",
      url: "/v1/deployments/ab/experiment?versions=all",
    });
    expect(pooled.json().versions).toBe("all");
    const bad = await app.inject({
      method: "GET",
      url: "/v1/deployments/ab/experiment?versions=latest",
    });
    expect(bad.statusCode).toBe(400);
  });

  it("shadows that fail or never load leave primary answers unaffected, their errors logged", async () => {
    const record = { ...fixture.records[7], customer: "shadow-check" };
    const response = await post("/v1/deployments/ab/predict", { records: [record] });
    expect(response.statusCode).toBe(200);
    const { variant, requestId, predictions } = response.json();
    const model =
      variant === "champion" ? bundle : await loadModel(join(fixture.project, fixture.bundles[1]));
    expect(predictions[0].prediction).toBe(model.predictProba(fixture.x.slice(7, 8))[1]);
    // Shadows score on their own thread; settle waits for them and the entries they hold.
    await runtime.settle();
    await log.flush();
    const logged = (await store.readPredictions({ deployment: "ab" })).find(
      (p) => p.requestId === requestId,
    );
    expect(logged?.shadow).toMatchObject({
      second: { prediction: expect.any(Number) },
      broken: { error: expect.stringContaining("region") },
      ghost: { error: expect.stringContaining("is not loaded") },
    });
  });

  it("answers 503 when the log's queue is full and 504 past the time limit", async () => {
    // A log that holds one entry and will not write it for a minute: its queue is full.
    const stalled = createPredictionLog(store, { maxQueue: 10, flushIntervalMs: 60_000 });
    stalled.append(logEntry({ deployment: "stalled" }));
    const strict = await ServingRuntime.open({
      tracking: fixture.tracking,
      cwd: fixture.project,
      deployments: [
        { name: "default", variants: [{ name: "default", model: "models:/churn/1", weight: 1 }] },
      ],
      log: stalled,
      logCapacity: 1,
    });
    const hurried = await ServingRuntime.open({
      tracking: fixture.tracking,
      cwd: fixture.project,
      deployments: [
        { name: "default", variants: [{ name: "default", model: "models:/churn/1", weight: 1 }] },
      ],
      timeoutMs: 0,
    });
    const full = await createApp({
      tracking: fixture.tracking,
      mode: "serving",
      plugins: servingRoutePlugins({ runtime: strict }),
    });
    const slow = await createApp({
      tracking: fixture.tracking,
      mode: "serving",
      plugins: servingRoutePlugins({ runtime: hurried }),
    });
    try {
      const refused = await full.inject({
        method: "POST",
        url: "/invocations",
        headers: { "content-type": "application/json" },
        payload: { dataframe_records: [fixture.records[0]] },
      });
      expect(refused.statusCode).toBe(503);
      expect(refused.json().error_code).toBe("KEEL_ERR_SERVING_OVERLOADED");
      expect(refused.headers["retry-after"]).toBe("1");
      const late = await slow.inject({
        method: "POST",
        url: "/invocations",
        headers: { "content-type": "application/json" },
        payload: { dataframe_records: fixture.records.slice(0, 1200) },
      });
      expect(late.statusCode).toBe(504);
      expect(late.json().error_code).toBe("KEEL_ERR_REQUEST_TIMEOUT");
    } finally {
      await full.close();
      await slow.close();
      await hurried.close();
      await strict.close();
    }
  });
});
