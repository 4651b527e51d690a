import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createPredictionLog,
  type DeploymentSpec,
  openServingStore,
  type PredictionLog,
  ServingRuntime,
  type ServingStore,
} from "../../serve/index.js";
import { type ServingFixture, servingFixture } from "../../serve/testing/index.js";
import { createApp } from "../app.js";
import { standardizePythonJson } from "./python-json.js";
import { servingRoutePlugins } from "./serve-routes.js";

// Hard inputs a user of MLflow's scoring server sends: each is refused with the right status and
// a `{ error_code, message, details }` naming the JSON path, and nothing is logged as a prediction.
describe("serving routes under hard inputs", () => {
  let fixture: ServingFixture;
  let app: FastifyInstance;
  let runtime: ServingRuntime;
  let store: ServingStore;
  let log: PredictionLog;

  beforeAll(async () => {
    fixture = await servingFixture();
    store = openServingStore(fixture.tracking.database);
    log = createPredictionLog(store, { maxQueue: 5_000, flushIntervalMs: 20 });
    const deployments: DeploymentSpec[] = [
      {
        name: "default",
        variants: [{ name: "default", model: "models:/churn@champion", weight: 1 }],
      },
    ];
    runtime = await ServingRuntime.open({
      tracking: fixture.tracking,
      cwd: fixture.project,
      deployments,
      store,
      log,
      logCapacity: 5_000,
    });
    app = await createApp({
      tracking: fixture.tracking,
      mode: "serving",
      plugins: servingRoutePlugins({ runtime, store, log }),
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
  const logged = async (): Promise<number> => {
    await runtime.settle();
    await log.flush();
    return (await store.readPredictions({ deployment: "default", limit: 100_000 })).length;
  };

  it("refuses non-finite numbers (JSON 1e400, CSV inf) with the field's path, logging nothing", async () => {
    const before = await logged();
    const record = fixture.records[0]!;
    const json = await post(
      "/invocations",
      `{"dataframe_records":[${JSON.stringify(record).replace(/"tenure":[^,]+/, '"tenure":1e400')}]}`,
    );
    expect(json.statusCode).toBe(400);
    expect(json.json().error_code).toBe("KEEL_ERR_RECORD_INVALID");
    expect(json.json().details.errors[0]).toMatchObject({
      path: "$.dataframe_records[0].tenure",
      expected: "numeric",
    });
    const columns = Object.keys(record);
    const cells = columns.map((c) => (c === "monthly_charges" ? "inf" : String(record[c] ?? "")));
    const csv = await post(
      "/invocations",
      `${columns.join(",")}\n${cells.join(",")}\n`,
      "text/csv",
    );
    expect(csv.statusCode).toBe(400);
    expect(csv.json().details.errors[0]).toMatchObject({
      path: 'line 2, column "monthly_charges"',
    });
    expect(await logged()).toBe(before);
  });

  it("reads a CSV cell NaN as a missing value, as pandas.read_csv does", async () => {
    const record = fixture.records[0]!;
    const columns = Object.keys(record);
    const row = (v: string) =>
      columns.map((c) => (c === "tenure" ? v : JSON.stringify(record[c] ?? ""))).join(",");
    const nan = await post("/invocations", `${columns.join(",")}\n${row("NaN")}\n`, "text/csv");
    const empty = await post("/invocations", `${columns.join(",")}\n${row("")}\n`, "text/csv");
    expect(nan.statusCode).toBe(200);
    expect(nan.json()).toEqual(empty.json());
  });

  it("answers 415 for a JSON body sent as text/plain, as MLflow's scoring server does", async () => {
    const before = await logged();
    const response = await post(
      "/invocations",
      { dataframe_records: [fixture.records[0]] },
      "text/plain",
    );
    expect(response.statusCode).toBe(415);
    expect(response.json().error_code).toBe("KEEL_ERR_UNSUPPORTED_MEDIA_TYPE");
    expect(await logged()).toBe(before);
  });

  it("refuses a dataframe_split whose index does not have one entry per row", async () => {
    const record = fixture.records[0]!;
    const columns = Object.keys(record);
    const response = await post("/invocations", {
      dataframe_split: { index: [0, 1], columns, data: [columns.map((c) => record[c])] },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().details).toMatchObject({ path: "$.dataframe_split.index" });
  });

  it("answers MLflow's GET /ping health check", async () => {
    const ping = await app.inject({ method: "GET", url: "/ping" });
    expect(ping.statusCode).toBe(200);
  });

  it("refuses feedback whose label is not one of the model's classes, or not finite", async () => {
    const answered = await post("/v1/deployments/default/predict", {
      records: [fixture.records[0]],
    });
    const requestId = answered.json().requestId as string;
    const feedback = (label: unknown) =>
      post("/v1/deployments/default/feedback", `{"requestId":"${requestId}","label":${label}}`);
    const maybe = await feedback('"Maybe"');
    expect(maybe.statusCode).toBe(400);
    expect(maybe.json().details.errors[0]).toMatchObject({
      path: "$.label",
      received: "Maybe",
    });
    expect((await feedback("7")).statusCode).toBe(400);
    const infinite = await feedback("1e400");
    expect(infinite.statusCode).toBe(400);
    expect(infinite.json().details.errors[0].path).toBe("$.label");
    for (const ok of ['"Yes"', '"No"', "1", "0", "true", "false"])
      expect((await feedback(ok)).statusCode, ok).toBe(200);
  });

  it("reads Python's NaN as a missing value and refuses Infinity with its path, as json.dumps writes them", async () => {
    const before = await logged();
    const record = fixture.records[0]!;
    const text = (value: string) =>
      `{"dataframe_records":[${JSON.stringify({ ...record, note: "NaN Infinity" }).replace(/"tenure":[^,]+/, `"tenure":${value}`)}]}`;
    const nan = await post("/invocations", text("NaN"));
    const missing = await post("/invocations", text("null"));
    expect(nan.statusCode).toBe(200);
    expect(nan.json()).toEqual(missing.json());
    const infinite = await post("/invocations", text("-Infinity"));
    expect(infinite.statusCode).toBe(400);
    expect(infinite.json().details.errors[0]).toMatchObject({
      path: "$.dataframe_records[0].tenure",
      received: "-Infinity",
    });
    const broken = await post("/invocations", '{"dataframe_records":[NaN');
    expect(broken.json().error_code).toBe("KEEL_ERR_PARSE");
    expect(await logged()).toBe(before + 2);
  });

  it("rewrites NaN and Infinity tokens only outside strings", () => {
    expect(standardizePythonJson('{"a":NaN,"b":"NaN \\"Infinity","c":[-Infinity,Infinity]}')).toBe(
      '{"a":null,"b":"NaN \\"Infinity","c":[-1e999,1e999]}',
    );
    expect(standardizePythonJson('{"a":"NaN"}')).toBeUndefined();
  });

  it("says the body limit and the body's size on a 413", async () => {
    const record = JSON.stringify(fixture.records[0]);
    const body = `{"dataframe_records":[${Array.from({ length: 40_000 }, () => record).join(",")}]}`;
    const response = await post("/invocations", body);
    expect(response.statusCode).toBe(413);
    expect(response.json().details).toEqual({
      limit: "bodyLimitBytes",
      maxBytes: 10 * 1024 * 1024,
      receivedBytes: Buffer.byteLength(body),
    });
  });

  it("refuses a batch larger than the log can ever take as 413, not as a 503 to retry", async () => {
    const before = await logged();
    const records = Array.from({ length: 5_001 }, () => fixture.records[0]);
    const response = await post("/v1/deployments/default/predict", { records });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({
      error_code: "KEEL_ERR_PAYLOAD_TOO_LARGE",
      details: { rows: 5_001, maxRows: 5_000 },
    });
    expect(await logged()).toBe(before);
  });

  it("answers 405 with Allow for a wrong method on a serving route, as MLflow's server does", async () => {
    for (const [method, url, allow] of [
      ["GET", "/invocations", "POST"],
      ["PUT", "/invocations", "POST"],
      ["DELETE", "/v1/deployments/default/predict", "POST"],
      ["GET", "/v1/deployments/default/feedback", "POST"],
      ["POST", "/v1/deployments/default/experiment", "GET"],
      ["POST", "/ping", "GET"],
    ] as const) {
      const response = await app.inject({ method, url });
      expect(response.statusCode, `${method} ${url}`).toBe(405);
      expect(response.headers.allow).toBe(allow);
      expect(response.json()).toMatchObject({
        error_code: "KEEL_ERR_METHOD_NOT_ALLOWED",
        details: { method, allowed: [allow] },
      });
    }
  });

  it("says a served but unstored deployment cannot be analysed, rather than that it does not exist", async () => {
    const response = await app.inject({ method: "GET", url: "/v1/deployments/default/experiment" });
    expect(response.statusCode).toBe(404);
    expect(response.json().message).toContain("deployment 'default' is served here but not stored");
  });

  it("refuses a column named twice (CSV header, dataframe_split columns) instead of taking the last", async () => {
    const before = await logged();
    const record = fixture.records[0]!;
    const columns = [...Object.keys(record), "tenure"];
    const cells = columns.map((c, j) =>
      j === columns.length - 1 ? "999" : JSON.stringify(record[c] ?? ""),
    );
    const csv = await post(
      "/invocations",
      `${columns.join(",")}\n${cells.join(",")}\n`,
      "text/csv",
    );
    expect(csv.statusCode).toBe(400);
    expect(csv.json().details).toMatchObject({ path: `line 1, column ${columns.length}` });
    const split = await post("/invocations", {
      dataframe_split: { columns, data: [[...Object.values(record), 999]] },
    });
    expect(split.statusCode).toBe(400);
    expect(split.json().details).toMatchObject({
      path: `$.dataframe_split.columns[${columns.length - 1}]`,
    });
    expect(await logged()).toBe(before);
  });
});
