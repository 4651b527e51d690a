import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KeelError } from "../core/index.js";
import { dropPgSchemas } from "../store/testing/index.js";
import { type OpenTrackingOptions, openTracking, type Tracking } from "../track/index.js";
import { createApp } from "./app.js";

// MLflow 2.x semantics over REST, on SQLite and on PostgreSQL (KEEL_TEST_PG_URL). On
// PostgreSQL two apps over two store instances share one database, as two `keel server`
// processes on one KEEL_DB_URL do.
const API = "/api/2.0/mlflow";
const pgUrl = process.env.KEEL_TEST_PG_URL;
const pgSchema = `keel_compat_${process.pid}_${Date.now() % 1e8}`;
const root = mkdtempSync(join(tmpdir(), "keel-compat-"));
afterAll(async () => {
  rmSync(root, { recursive: true, force: true });
  if (pgUrl === undefined) return;
  await dropPgSchemas(pgUrl, pgSchema);
});

type Call = (
  method: "GET" | "POST" | "PATCH" | "DELETE",
  path: string,
  body?: Record<string, unknown>,
) => Promise<{ status: number; json: Record<string, unknown> }>;

function caller(app: FastifyInstance): Call {
  return async (method, path, body) => {
    const response = await app.inject({
      method,
      url:
        method === "GET" && body !== undefined
          ? `${API}${path}?${new URLSearchParams(body as Record<string, string>)}`
          : `${API}${path}`,
      ...(method !== "GET" && body !== undefined ? { payload: body } : {}),
    });
    return {
      status: response.statusCode,
      json: response.body === "" ? {} : (JSON.parse(response.body) as Record<string, unknown>),
    };
  };
}

const backends: [string, OpenTrackingOptions | undefined][] = [
  ["SQLite", { root: join(root, "sqlite") }],
  [
    "PostgreSQL",
    pgUrl === undefined ? undefined : { root: join(root, "pg"), dbUrl: pgUrl, pgSchema },
  ],
];

let counter = 0;
const fresh = (prefix: string) => `${prefix}-${process.pid}-${counter++}`;

for (const [backend, options] of backends) {
  describe.skipIf(options === undefined)(`MLflow 2.x semantics over REST on ${backend}`, () => {
    const trackings: Tracking[] = [];
    const apps: FastifyInstance[] = [];
    let call: Call;
    beforeAll(async () => {
      const instances = backend === "PostgreSQL" ? 2 : 1;
      for (let i = 0; i < instances; i++) {
        const tracking = await openTracking(options!);
        trackings.push(tracking);
        apps.push(
          await createApp({
            tracking,
            plugins: [
              {
                prefix: "/test",
                plugin: async (app) => {
                  app.get("/busy", async () => {
                    throw new KeelError("KEEL_ERR_STORE_BUSY", "store busy");
                  });
                },
              },
            ],
          }),
        );
      }
      call = caller(apps[0]!);
    });
    afterAll(async () => {
      for (const app of apps) await app.close();
      for (const tracking of trackings) await tracking.close();
    });

    it("get-latest-versions (GET and POST), transition-stage, stage JSON, numbers never reused", async () => {
      const name = fresh("model");
      expect((await call("POST", "/registered-models/create", { name })).status).toBe(200);
      const versions: string[] = [];
      for (let i = 0; i < 3; i++) {
        const created = await call("POST", "/model-versions/create", { name, source: "models/m" });
        versions.push((created.json.model_version as { version: string }).version);
      }
      expect(versions).toEqual(["1", "2", "3"]);
      expect((await call("DELETE", "/model-versions/delete", { name, version: "3" })).status).toBe(
        200,
      );
      const again = await call("POST", "/model-versions/create", { name, source: "models/m" });
      expect((again.json.model_version as { version: string }).version).toBe("4");

      const staged = await call("POST", "/model-versions/transition-stage", {
        name,
        version: "2",
        stage: "staging",
        archive_existing_versions: false,
      });
      expect(staged.status).toBe(200);
      expect(staged.json.model_version).toMatchObject({ version: "2", current_stage: "Staging" });
      await call("POST", "/model-versions/transition-stage", {
        name,
        version: "1",
        stage: "Production",
        archive_existing_versions: false,
      });
      const promoted = await call("POST", "/model-versions/transition-stage", {
        name,
        version: "4",
        stage: "Production",
        archive_existing_versions: true,
      });
      expect(promoted.json.model_version).toMatchObject({
        version: "4",
        current_stage: "Production",
      });
      const post = await call("POST", "/registered-models/get-latest-versions", {
        name,
        stages: ["Production"],
      });
      expect(post.status).toBe(200);
      expect((post.json.model_versions as { version: string }[]).map((v) => v.version)).toEqual([
        "4",
      ]);
      const get = await call("GET", "/registered-models/get-latest-versions", { name });
      expect(
        (get.json.model_versions as { version: string; current_stage: string }[]).map((v) => [
          v.version,
          v.current_stage,
        ]),
      ).toEqual([
        ["1", "Archived"],
        ["2", "Staging"],
        ["4", "Production"],
      ]);
      const model = await call("GET", "/registered-models/get", { name });
      expect(
        (
          model.json.registered_model as { latest_versions: { version: string }[] }
        ).latest_versions.map((v) => v.version),
      ).toEqual(["1", "2", "4"]);
      const bad = await call("POST", "/model-versions/transition-stage", {
        name,
        version: "2",
        stage: "None",
        archive_existing_versions: true,
      });
      expect([bad.status, bad.json.error_code]).toEqual([400, "INVALID_PARAMETER_VALUE"]);
      const missing = await call("POST", "/registered-models/get-latest-versions", {
        name: "nope",
      });
      expect([missing.status, missing.json.error_code]).toEqual([404, "RESOURCE_DOES_NOT_EXIST"]);
    });

    it("registry ordering and error semantics follow MLflow", async () => {
      const name = fresh("order");
      await call("POST", "/registered-models/create", { name });
      await call("POST", "/model-versions/create", { name, source: "models/m" });
      const byTime = await call("GET", "/registered-models/search", {
        filter: `name = '${name}'`,
        order_by: "timestamp DESC",
      });
      expect(byTime.status).toBe(200);
      const mv = await call("GET", "/model-versions/search", {
        filter: `name = '${name}'`,
        order_by: "last_updated_timestamp DESC",
      });
      expect([mv.status, (mv.json.model_versions as unknown[]).length]).toEqual([200, 1]);
      const dup = await call("POST", "/runs/search", {
        experiment_ids: ["0"],
        order_by: ["attributes.start_time DESC", "attributes.start_time ASC"],
      });
      expect([dup.status, dup.json.error_code]).toEqual([400, "INVALID_PARAMETER_VALUE"]);
      // Deleting a missing alias or tag is a 200 no-op; getting a missing alias is 400.
      expect(
        (await call("DELETE", "/registered-models/alias", { name, alias: "nope" })).status,
      ).toBe(200);
      expect(
        (await call("DELETE", "/registered-models/delete-tag", { name, key: "nope" })).status,
      ).toBe(200);
      expect(
        (await call("DELETE", "/model-versions/delete-tag", { name, version: "1", key: "nope" }))
          .status,
      ).toBe(200);
      const alias = await call("GET", "/registered-models/alias", { name, alias: "nope" });
      expect([alias.status, alias.json.error_code]).toEqual([400, "INVALID_PARAMETER_VALUE"]);
    });

    it("experiment lifecycle codes, integer experiment ids, experiment_ids: [] finds nothing", async () => {
      const created = await call("POST", "/experiments/create", { name: fresh("exp") });
      const id = Number(created.json.experiment_id);
      const run = await call("POST", "/runs/create", { experiment_id: id, start_time: 1 });
      expect(run.status).toBe(200);
      expect((run.json.run as { info: { experiment_id: string } }).info.experiment_id).toBe(
        String(id),
      );
      expect((await call("POST", "/runs/create", { experiment_id: 0 })).status).toBe(200);
      const found = await call("POST", "/runs/search", { experiment_ids: [id] });
      expect((found.json.runs as unknown[]).length).toBe(1);
      expect(await call("POST", "/runs/search", { experiment_ids: [] })).toEqual({
        status: 200,
        json: {},
      });
      expect((await call("POST", "/experiments/delete", { experiment_id: id })).status).toBe(200);
      const twice = await call("POST", "/experiments/delete", { experiment_id: id });
      expect([twice.status, twice.json.error_code]).toEqual([404, "RESOURCE_DOES_NOT_EXIST"]);
      const write = await call("POST", "/runs/create", { experiment_id: String(id) });
      expect([write.status, write.json.error_code]).toEqual([400, "INVALID_PARAMETER_VALUE"]);
      const tag = await call("POST", "/experiments/set-experiment-tag", {
        experiment_id: id,
        key: "k",
        value: "v",
      });
      expect([tag.status, tag.json.error_code]).toEqual([400, "INVALID_PARAMETER_VALUE"]);
      const rename = await call("POST", "/experiments/update", {
        experiment_id: id,
        new_name: fresh("renamed"),
      });
      expect([rename.status, rename.json.error_code]).toEqual([400, "INVALID_STATE"]);
      expect((await call("POST", "/experiments/restore", { experiment_id: id })).status).toBe(200);
      const restore = await call("POST", "/experiments/restore", { experiment_id: id });
      expect([restore.status, restore.json.error_code]).toEqual([404, "RESOURCE_DOES_NOT_EXIST"]);
      const badId = await call("POST", "/runs/create", { experiment_id: 1.5 });
      expect([badId.status, badId.json.error_code]).toEqual([400, "INVALID_PARAMETER_VALUE"]);
    });

    it("runs: client tags kept, NaN ordered last before missing, points de-duplicated, full history", async () => {
      const { experiment_id } = (await call("POST", "/experiments/create", { name: fresh("runs") }))
        .json;
      const create = async (tags: { key: string; value: string }[] = []) =>
        (await call("POST", "/runs/create", { experiment_id, tags })).json.run as {
          info: { run_id: string; user_id: string };
          data: { tags: { key: string; value: string }[] };
        };
      const tagged = await create([
        { key: "mlflow.user", value: "ana" },
        { key: "mlflow.parentRunId", value: "feedfacefeedfacefeedfacefeedface" },
      ]);
      expect(tagged.info.user_id).toBe("ana");
      expect(tagged.data.tags).toContainEqual({ key: "mlflow.user", value: "ana" });
      expect(tagged.data.tags).toContainEqual({
        key: "mlflow.parentRunId",
        value: "feedfacefeedfacefeedfacefeedface",
      });
      const ids: string[] = [tagged.info.run_id];
      for (const value of [2, "NaN", 1]) {
        const run = await create();
        ids.push(run.info.run_id);
        const metric = { key: "m", value, timestamp: 5, step: 0 };
        // The same point twice in a batch and once more in a retried request: stored once.
        for (let i = 0; i < 2; i++)
          expect(
            (
              await call("POST", "/runs/log-batch", {
                run_id: run.info.run_id,
                metrics: [metric, metric],
              })
            ).status,
          ).toBe(200);
      }
      const [none, two, nan, one] = ids;
      for (const [direction, expected] of [
        ["ASC", [one, two, nan, none]],
        ["DESC", [two, one, nan, none]],
      ] as const) {
        const page = await call("POST", "/runs/search", {
          experiment_ids: [experiment_id],
          order_by: [`metrics.m ${direction}`],
        });
        expect(
          (page.json.runs as { info: { run_id: string } }[]).map((r) => r.info.run_id),
        ).toEqual(expected);
      }
      const history = await call("GET", "/metrics/get-history", { run_id: nan!, metric_key: "m" });
      expect(history.json).toEqual({
        metrics: [{ key: "m", value: "NaN", timestamp: 5, step: 0 }],
      });
      for (let b = 0; b < 26; b++)
        await call("POST", "/runs/log-batch", {
          run_id: one,
          metrics: Array.from({ length: 1000 }, (_, i) => ({
            key: "long",
            value: i,
            timestamp: 1,
            step: b * 1000 + i,
          })),
        });
      const full = await call("GET", "/metrics/get-history", { run_id: one!, metric_key: "long" });
      expect((full.json.metrics as unknown[]).length).toBe(26_000);
      expect(full.json.next_page_token).toBeUndefined();
    });

    it("validation and grammar: unique-path keys, duplicate params, backticked names", async () => {
      const run = (await call("POST", "/runs/create", { experiment_id: "0", run_name: "Alpha" }))
        .json.run as { info: { run_id: string } };
      const run_id = run.info.run_id;
      for (const key of ["a//b", "a/", ".", "./a", "a:b"]) {
        const response = await call("POST", "/runs/log-batch", {
          run_id,
          metrics: [{ key, value: 1, timestamp: 1, step: 0 }],
        });
        expect([key, response.status, response.json.error_code]).toEqual([
          key,
          400,
          "INVALID_PARAMETER_VALUE",
        ]);
      }
      const dup = await call("POST", "/runs/log-batch", {
        run_id,
        params: [
          { key: "lr", value: "1" },
          { key: "lr", value: "1" },
        ],
      });
      expect([dup.status, dup.json.error_code]).toEqual([400, "INVALID_PARAMETER_VALUE"]);
      await call("POST", "/runs/log-parameter", { run_id, key: "lr", value: "0.1" });
      for (const filter of [
        "`params`.`lr` = '0.1'",
        "attributes.`Run name` = 'Alpha'",
        "attributes.Created > 0",
      ]) {
        const found = await call("POST", "/runs/search", {
          experiment_ids: ["0"],
          filter: `${filter} and attributes.run_id = '${run_id}'`,
        });
        expect([filter, found.status, (found.json.runs as unknown[] | undefined)?.length]).toEqual([
          filter,
          200,
          1,
        ]);
      }
    });

    it("refuses a NUL byte in any string parameter, body or query, with 400 naming it (never 500)", async () => {
      const run = await call("POST", "/runs/create", { experiment_id: "0" });
      const run_id = (run.json.run as { info: { run_id: string } }).info.run_id;
      const model = fresh("nulmodel");
      await call("POST", "/registered-models/create", { name: model });
      const cases: [Parameters<Call>[0], string, Record<string, unknown>, string][] = [
        ["POST", "/runs/log-parameter", { run_id, key: "p", value: "a\0b" }, "value"],
        ["POST", "/runs/set-tag", { run_id, key: "t", value: "a\0b" }, "value"],
        [
          "POST",
          "/runs/log-batch",
          { run_id, tags: [{ key: "t", value: "a\0b" }] },
          "tags[0].value",
        ],
        [
          "POST",
          "/experiments/set-experiment-tag",
          { experiment_id: "0", key: "t", value: "\0" },
          "value",
        ],
        [
          "POST",
          "/experiments/create",
          { name: fresh("e"), artifact_location: "a\0b" },
          "artifact_location",
        ],
        [
          "POST",
          "/registered-models/create",
          { name: fresh("m"), description: "a\0b" },
          "description",
        ],
        [
          "POST",
          "/model-versions/create",
          { name: model, source: "models/m", description: "\0" },
          "description",
        ],
        ["POST", "/runs/search", { experiment_ids: ["0"], filter: "params.a = 'x\0'" }, "filter"],
        ["GET", "/registered-models/search", { filter: "name = 'a\0b'" }, "filter"],
        ["GET", "/model-versions/search", { filter: "name = 'a\0b'" }, "filter"],
        ["GET", "/experiments/get-by-name", { experiment_name: "a\0b" }, "experiment_name"],
        ["GET", "/registered-models/get", { name: "a\0b" }, "name"],
      ];
      for (const [method, path, body, parameter] of cases) {
        const res = await call(method, path, body);
        expect([
          path,
          res.status,
          res.json.error_code,
          (res.json.details as { parameter?: string })?.parameter,
        ]).toEqual([path, 400, "INVALID_PARAMETER_VALUE", parameter]);
      }
    });

    it("bounds the experiment ids one runs/search names (400 with the limit, never 500)", async () => {
      const many = Array.from({ length: 70_000 }, (_, i) => String(i));
      const res = await call("POST", "/runs/search", { experiment_ids: many });
      expect([res.status, res.json.error_code]).toEqual([400, "INVALID_PARAMETER_VALUE"]);
      expect((res.json.details as { limit: string }).limit).toBe("maxExperimentIds");
      const ok = await call("POST", "/runs/search", {
        experiment_ids: Array.from({ length: 1_000 }, (_, i) => String(i)),
      });
      expect(ok.status).toBe(200);
    });

    it("a store that stays busy answers 503 TEMPORARILY_UNAVAILABLE", async () => {
      const response = await apps[0]!.inject({ method: "GET", url: "/test/busy" });
      expect(response.statusCode).toBe(503);
      expect(JSON.parse(response.body).error_code).toBe("TEMPORARILY_UNAVAILABLE");
    });

    it("16 clients over every app: opposite key orders and racing creates, zero 5xx, every metric once", async () => {
      const calls = apps.map(caller);
      const { experiment_id } = (
        await call("POST", "/experiments/create", { name: fresh("storm") })
      ).json;
      const run_id = (
        (await call("POST", "/runs/create", { experiment_id })).json.run as {
          info: { run_id: string };
        }
      ).info.run_id;
      const statuses: number[] = [];
      const clients = 16;
      const batches = 6;
      await Promise.all(
        Array.from({ length: clients }, async (_, c) => {
          const send = calls[c % calls.length]!;
          const keys = c % 2 === 0 ? ["loss", "acc"] : ["acc", "loss"];
          for (let b = 0; b < batches; b++) {
            const step = c * 100 + b;
            const response = await send("POST", "/runs/log-batch", {
              run_id,
              metrics: keys.map((key) => ({ key, value: step, timestamp: 7, step })),
              tags: keys.map((key) => ({ key: `last.${key}`, value: String(step) })),
            });
            statuses.push(response.status);
          }
        }),
      );
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
      for (const key of ["loss", "acc"]) {
        const history = await call("GET", "/metrics/get-history", { run_id, metric_key: key });
        const steps = (history.json.metrics as { step: number }[]).map((m) => m.step);
        expect(steps.length).toBe(clients * batches);
        expect(new Set(steps).size).toBe(clients * batches);
      }
      for (const path of ["/experiments/create", "/registered-models/create"]) {
        const name = fresh("race");
        const outcomes = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            calls[i % calls.length]!("POST", path, { name }).then((r) =>
              r.status === 200 ? "ok" : `${r.status} ${String(r.json.error_code)}`,
            ),
          ),
        );
        expect(outcomes.sort()).toEqual([
          ...Array.from({ length: 7 }, () => "400 RESOURCE_ALREADY_EXISTS"),
          "ok",
        ]);
      }
    });
  });
}
