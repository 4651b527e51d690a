import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTracking, type Tracking } from "../track/index.js";
import { createApp } from "./app.js";
import { hashToken } from "./auth.js";

const API = "/api/2.0/mlflow";
const root = mkdtempSync(join(tmpdir(), "keel-server-"));
let tracking: Tracking;
let app: FastifyInstance;

beforeAll(async () => {
  tracking = await openTracking({ root });
  app = await createApp({ tracking });
});
afterAll(async () => {
  await app.close();
  await tracking.close();
  rmSync(root, { recursive: true, force: true });
});

async function call(
  method: "GET" | "POST" | "PATCH" | "DELETE" | "PUT",
  path: string,
  body?: unknown,
) {
  const response = await app.inject({
    method,
    url:
      method === "GET" && body !== undefined
        ? `${path}?${new URLSearchParams(body as Record<string, string>)}`
        : path,
    ...(method !== "GET" && body !== undefined ? { payload: body as object } : {}),
  });
  return {
    status: response.statusCode,
    json: response.body === "" ? undefined : (JSON.parse(response.body) as Record<string, unknown>),
  };
}

describe("MLflow REST replay", () => {
  it("create experiment → create run → log-batch → search → register → version → alias → get by alias", async () => {
    const created = await call("POST", `${API}/experiments/create`, {
      name: "churn",
      tags: [{ key: "team", value: "growth" }],
    });
    expect(created.status).toBe(200);
    expect(Object.keys(created.json!)).toEqual(["experiment_id"]);
    const experimentId = created.json!.experiment_id as string;
    expect(experimentId).toMatch(/^\d+$/);

    const got = await call("GET", `${API}/experiments/get-by-name`, { experiment_name: "churn" });
    const experiment = got.json!.experiment as Record<string, unknown>;
    expect(experiment.experiment_id).toBe(experimentId);
    expect(experiment.name).toBe("churn");
    expect(experiment.artifact_location).toBe(`mlflow-artifacts:/${experimentId}`);
    expect(experiment.lifecycle_stage).toBe("active");
    expect(typeof experiment.creation_time).toBe("number");
    expect(typeof experiment.last_update_time).toBe("number");
    expect(experiment.tags).toEqual([{ key: "team", value: "growth" }]);

    const run = await call("POST", `${API}/runs/create`, {
      experiment_id: experimentId,
      run_name: "gbdt-baseline",
      start_time: 1_700_000_000_000,
      user_id: "ana",
      tags: [{ key: "mlflow.source.type", value: "LOCAL" }],
    });
    expect(run.status).toBe(200);
    const info = (run.json!.run as { info: Record<string, unknown> }).info;
    const runId = info.run_id as string;
    expect(runId).toMatch(/^[0-9a-f]{32}$/);
    expect(info).toEqual({
      run_id: runId,
      run_uuid: runId,
      run_name: "gbdt-baseline",
      experiment_id: experimentId,
      user_id: "ana",
      status: "RUNNING",
      start_time: 1_700_000_000_000,
      artifact_uri: `mlflow-artifacts:/${experimentId}/${runId}/artifacts`,
      lifecycle_stage: "active",
    });
    expect((run.json!.run as { data: { tags: unknown[] } }).data.tags).toEqual([
      { key: "mlflow.runName", value: "gbdt-baseline" },
      { key: "mlflow.source.type", value: "LOCAL" },
      { key: "mlflow.user", value: "ana" },
    ]);

    const batch = await call("POST", `${API}/runs/log-batch`, {
      run_id: runId,
      metrics: [
        { key: "auc", value: 0.81, timestamp: 1_700_000_000_100, step: 0 },
        { key: "auc", value: 0.86, timestamp: 1_700_000_000_200, step: 1 },
        { key: "loss", value: "NaN", timestamp: 1_700_000_000_200, step: 1 },
      ],
      params: [{ key: "maxDepth", value: "6" }],
      tags: [{ key: "team", value: "growth" }],
    });
    expect(batch).toEqual({ status: 200, json: {} });

    const search = await call("POST", `${API}/runs/search`, {
      experiment_ids: [experimentId],
      filter:
        "metrics.auc > 0.85 and params.maxDepth = '6' and tags.team LIKE 'gr%' and attributes.status = 'RUNNING'",
      order_by: ["metrics.auc DESC"],
      max_results: 10,
    });
    expect(search.status).toBe(200);
    const runs = search.json!.runs as {
      info: Record<string, unknown>;
      data: Record<string, unknown>;
    }[];
    expect(runs).toHaveLength(1);
    expect(search.json!.next_page_token).toBeUndefined();
    expect(runs[0]!.info.run_id).toBe(runId);
    expect(runs[0]!.data.metrics).toEqual([
      { key: "auc", value: 0.86, timestamp: 1_700_000_000_200, step: 1 },
      { key: "loss", value: "NaN", timestamp: 1_700_000_000_200, step: 1 },
    ]);
    expect(runs[0]!.data.params).toEqual([{ key: "maxDepth", value: "6" }]);

    const history = await call("GET", `${API}/metrics/get-history`, {
      run_id: runId,
      metric_key: "auc",
    });
    expect(history.json).toEqual({
      metrics: [
        { key: "auc", value: 0.81, timestamp: 1_700_000_000_100, step: 0 },
        { key: "auc", value: 0.86, timestamp: 1_700_000_000_200, step: 1 },
      ],
    });

    const model = await call("POST", `${API}/registered-models/create`, {
      name: "churn",
      description: "weekly churn",
    });
    expect(model.status).toBe(200);
    const registered = model.json!.registered_model as Record<string, unknown>;
    expect(registered.name).toBe("churn");
    expect(registered.description).toBe("weekly churn");
    expect(typeof registered.creation_timestamp).toBe("number");
    expect(registered.last_updated_timestamp).toBe(registered.creation_timestamp);

    const version = await call("POST", `${API}/model-versions/create`, {
      name: "churn",
      source: `mlflow-artifacts:/${experimentId}/${runId}/artifacts/model`,
      run_id: runId,
    });
    expect(version.status).toBe(200);
    const mv = version.json!.model_version as Record<string, unknown>;
    expect(mv).toMatchObject({
      name: "churn",
      version: "1",
      current_stage: "None",
      source: `mlflow-artifacts:/${experimentId}/${runId}/artifacts/model`,
      run_id: runId,
      status: "READY",
    });
    expect(mv.aliases).toBeUndefined();

    expect(
      await call("POST", `${API}/registered-models/alias`, {
        name: "churn",
        alias: "champion",
        version: "1",
      }),
    ).toEqual({ status: 200, json: {} });

    const byAlias = await call("GET", `${API}/registered-models/alias`, {
      name: "churn",
      alias: "champion",
    });
    expect(byAlias.status).toBe(200);
    const champion = byAlias.json!.model_version as Record<string, unknown>;
    expect(champion).toMatchObject({
      name: "churn",
      version: "1",
      run_id: runId,
      status: "READY",
      aliases: ["champion"],
    });
    expect(champion.creation_timestamp).toBe(mv.creation_timestamp);

    const fetched = await call("GET", `${API}/registered-models/get`, { name: "churn" });
    expect((fetched.json!.registered_model as Record<string, unknown>).aliases).toEqual([
      { alias: "champion", version: "1" },
    ]);
    expect(
      ((fetched.json!.registered_model as Record<string, unknown>).latest_versions as unknown[])
        .length,
    ).toBe(1);
    const uri = await call("GET", `${API}/model-versions/get-download-uri`, {
      name: "churn",
      version: "1",
    });
    expect(uri.json).toEqual({
      artifact_uri: `mlflow-artifacts:/${experimentId}/${runId}/artifacts/model`,
    });
  });

  it("answers bad input with MLflow's codes and statuses, writing nothing", async () => {
    const run = await call("POST", `${API}/runs/create`, { experiment_id: "0" });
    const runId = (run.json!.run as { info: { run_id: string } }).info.run_id;
    const cases: [string, "GET" | "POST", string, unknown, number, string][] = [
      ["unknown run", "GET", "/runs/get", { run_id: "deadbeef" }, 404, "RESOURCE_DOES_NOT_EXIST"],
      [
        "unknown experiment",
        "GET",
        "/experiments/get",
        { experiment_id: "424242" },
        404,
        "RESOURCE_DOES_NOT_EXIST",
      ],
      [
        "unknown model",
        "GET",
        "/registered-models/get",
        { name: "nope" },
        404,
        "RESOURCE_DOES_NOT_EXIST",
      ],
      [
        "duplicate experiment",
        "POST",
        "/experiments/create",
        { name: "Default" },
        400,
        "RESOURCE_ALREADY_EXISTS",
      ],
      [
        "wrong type",
        "POST",
        "/runs/log-metric",
        { run_id: runId, key: "m", value: "abc", timestamp: 1, step: 0 },
        400,
        "INVALID_PARAMETER_VALUE",
      ],
      [
        "missing field",
        "POST",
        "/runs/log-parameter",
        { run_id: runId, value: "1" },
        400,
        "INVALID_PARAMETER_VALUE",
      ],
      [
        "oversize param",
        "POST",
        "/runs/log-parameter",
        { run_id: runId, key: "p", value: "x".repeat(6001) },
        400,
        "INVALID_PARAMETER_VALUE",
      ],
      [
        "oversize tag",
        "POST",
        "/runs/set-tag",
        { run_id: runId, key: "t", value: "x".repeat(5001) },
        400,
        "INVALID_PARAMETER_VALUE",
      ],
      [
        "long key",
        "POST",
        "/runs/set-tag",
        { run_id: runId, key: "k".repeat(251), value: "v" },
        400,
        "INVALID_PARAMETER_VALUE",
      ],
      [
        "duplicate params",
        "POST",
        "/runs/log-batch",
        {
          run_id: runId,
          params: [
            { key: "a", value: "1" },
            { key: "a", value: "2" },
          ],
        },
        400,
        "INVALID_PARAMETER_VALUE",
      ],
      [
        "too many metrics",
        "POST",
        "/runs/log-batch",
        {
          run_id: runId,
          metrics: Array.from({ length: 1001 }, (_, i) => ({
            key: "m",
            value: i,
            timestamp: 1,
            step: i,
          })),
        },
        400,
        "INVALID_PARAMETER_VALUE",
      ],
      [
        "too many params",
        "POST",
        "/runs/log-batch",
        {
          run_id: runId,
          params: Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: "1" })),
        },
        400,
        "INVALID_PARAMETER_VALUE",
      ],
      [
        "reserved alias latest",
        "POST",
        "/registered-models/alias",
        { name: "churn", alias: "latest", version: "1" },
        400,
        "INVALID_PARAMETER_VALUE",
      ],
      [
        "reserved alias v1",
        "POST",
        "/registered-models/alias",
        { name: "churn", alias: "v1", version: "1" },
        400,
        "INVALID_PARAMETER_VALUE",
      ],
      [
        "bad alias chars",
        "POST",
        "/registered-models/alias",
        { name: "churn", alias: "a b", version: "1" },
        400,
        "INVALID_PARAMETER_VALUE",
      ],
    ];
    for (const [label, method, path, body, status, code] of cases) {
      const response = await call(method, `${API}${path}`, body);
      expect([label, response.status, response.json?.error_code]).toEqual([label, status, code]);
      expect(typeof response.json?.message).toBe("string");
    }
    const malformed = await app.inject({
      method: "POST",
      url: `${API}/runs/log-batch`,
      headers: { "content-type": "application/json" },
      payload: "{not json",
    });
    expect(malformed.statusCode).toBe(400);
    expect(JSON.parse(malformed.body).error_code).toBe("MALFORMED_REQUEST");
    const huge = await app.inject({
      method: "POST",
      url: `${API}/runs/log-batch`,
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({
        run_id: runId,
        tags: [{ key: "t", value: "x".repeat(1_000_001) }],
      }),
    });
    expect(huge.statusCode).toBe(400);
    expect(JSON.parse(huge.body).error_code).toBe("INVALID_PARAMETER_VALUE");
    const after = await call("GET", `${API}/runs/get`, { run_id: runId });
    const data = (after.json!.run as { data: Record<string, unknown[] | undefined> }).data;
    expect(data.params).toBeUndefined();
    expect(data.metrics).toBeUndefined();
  });

  it("rejects filters carrying SQL with 400 and changes nothing", async () => {
    const before = await call("POST", `${API}/runs/search`, { experiment_ids: ["0"] });
    for (const filter of [
      "metrics.auc > 0 ; DROP TABLE runs",
      "metrics.auc > 0 -- x",
      "params.x = '1' OR 1=1",
      "tags.t = 'a' /* */",
      "attributes.status = 'x'; DELETE FROM metrics",
      "metrics.auc > 0 UNION SELECT run_uuid FROM runs",
    ]) {
      const response = await call("POST", `${API}/runs/search`, { experiment_ids: ["0"], filter });
      expect([filter, response.status, response.json?.error_code]).toEqual([
        filter,
        400,
        "INVALID_PARAMETER_VALUE",
      ]);
    }
    const quoted = await call("POST", `${API}/runs/search`, {
      experiment_ids: ["0"],
      filter: "tags.x = 'a'' OR ''1''=''1'",
    });
    expect(quoted.status).toBe(200);
    expect(quoted.json!.runs).toBeUndefined();
    const after = await call("POST", `${API}/runs/search`, { experiment_ids: ["0"] });
    expect(after.json).toEqual(before.json);
  });

  it("uploads and downloads artifacts through the proxy and rejects path traversal", async () => {
    const run = await call("POST", `${API}/runs/create`, { experiment_id: "0" });
    const info = (run.json!.run as { info: { run_id: string; artifact_uri: string } }).info;
    const base = `/api/2.0/mlflow-artifacts/artifacts/0/${info.run_id}/artifacts`;
    const put = await app.inject({
      method: "PUT",
      url: `${base}/model/weights.bin`,
      headers: { "content-type": "application/octet-stream" },
      payload: Buffer.from("weights!"),
    });
    expect(put.statusCode).toBe(200);
    const get = await app.inject({ method: "GET", url: `${base}/model/weights.bin` });
    expect(get.statusCode).toBe(200);
    expect(get.body).toBe("weights!");
    const list = await call("GET", `${API}/artifacts/list`, { run_id: info.run_id, path: "model" });
    expect(list.json).toEqual({
      root_uri: info.artifact_uri,
      files: [{ path: "model/weights.bin", is_dir: false, file_size: 8 }],
    });
    for (const bad of [
      `${base}/../../etc/passwd`,
      `${base}/a/%2e%2e/%2e%2e/x`,
      `${base}/a%00b`,
      `${base}/a%5c..%5cb`,
      "/api/2.0/mlflow-artifacts/artifacts//etc/passwd",
    ]) {
      const response = await app.inject({
        method: "PUT",
        url: bad,
        headers: { "content-type": "application/octet-stream" },
        payload: "x",
      });
      expect([bad, response.statusCode]).toEqual([bad, 400]);
      expect(JSON.parse(response.body).error_code).toBe("INVALID_PARAMETER_VALUE");
    }
    const listAfter = await call("GET", `${API}/artifacts/list`, { run_id: info.run_id });
    expect(listAfter.json!.files).toEqual([{ path: "model", is_dir: true }]);
  });
});

describe("bearer tokens", () => {
  let secured: FastifyInstance;
  beforeAll(async () => {
    secured = await createApp({
      tracking,
      tokens: [
        { name: "ci", scope: "write", sha256: hashToken("write-secret") },
        { name: "viewer", scope: "read", sha256: hashToken("read-secret") },
      ],
    });
  });
  afterAll(async () => {
    await secured.close();
  });

  it("needs a write token for writes (401 without or with a bad one, 403 with read scope) and a token for reads", async () => {
    const create = (authorization?: string) =>
      secured.inject({
        method: "POST",
        url: `${API}/experiments/create`,
        payload: { name: `t-${Math.random()}` },
        ...(authorization ? { headers: { authorization } } : {}),
      });
    const anonymous = await create();
    expect(anonymous.statusCode).toBe(401);
    expect(JSON.parse(anonymous.body).error_code).toBe("UNAUTHENTICATED");
    expect((await create("Bearer wrong")).statusCode).toBe(401);
    const reader = await create("Bearer read-secret");
    expect(reader.statusCode).toBe(403);
    expect(JSON.parse(reader.body).error_code).toBe("PERMISSION_DENIED");
    expect((await create("Bearer write-secret")).statusCode).toBe(200);
    const get = (authorization?: string) =>
      secured.inject({
        method: "GET",
        url: `${API}/experiments/get?experiment_id=0`,
        ...(authorization ? { headers: { authorization } } : {}),
      });
    expect((await get()).statusCode).toBe(401);
    expect((await get("Bearer read-secret")).statusCode).toBe(200);
    const search = (authorization?: string) =>
      secured.inject({
        method: "POST",
        url: `${API}/runs/search`,
        payload: {},
        ...(authorization ? { headers: { authorization } } : {}),
      });
    expect((await search()).statusCode).toBe(401);
    expect((await search("Bearer read-secret")).statusCode).toBe(200);
  });
});
