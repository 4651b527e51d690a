import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Frame, isKeelError } from "../../core/index.js";
import {
  defineEntity,
  defineFeatureService,
  defineFeatureView,
  duckDbOfflineStore,
  FeatureRegistry,
  FeatureRepo,
  FeatureStore,
  fileSource,
  type OnlineStore,
  redisOnlineStore,
  sqliteOnlineStore,
} from "../../features/index.js";
import { GbdtClassifier, loadModel, type ModelBundle, saveModel } from "../../models/index.js";
import {
  createPredictionLog,
  type DeploymentSpec,
  openServingStore,
  type PredictionLog,
  parseDeploymentSpec,
  parseScoringJson,
  predictionOutput,
  ServingRuntime,
  type ServingStore,
} from "../../serve/index.js";
import { openTracking, type Tracking } from "../../track/index.js";
import { createApp } from "../app.js";
import { servingRoutePlugins } from "./serve-routes.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const customer = defineEntity({ name: "customer", joinKeys: ["customer_id"] });
const stats = defineFeatureView({
  name: "customer_stats",
  entities: [customer],
  ttl: "1d",
  source: fileSource({ path: "stats.csv" }),
  timestampField: "event_timestamp",
  schema: { tenure: "numeric", plan: "categorical" },
});
const service = defineFeatureService({ name: "churn_v1", features: [stats] });

const redisUrl = process.env.KEEL_TEST_REDIS_URL;
const backends: [string, (() => OnlineStore) | undefined][] = [
  ["SQLite", () => sqliteOnlineStore({ path: ":memory:" })],
  [
    "Redis",
    redisUrl
      ? () =>
          redisOnlineStore({
            url: redisUrl,
            prefix: `keel-test:serve-features:${process.pid}:${Date.now()}`,
          })
      : undefined,
  ],
];

for (const [backend, openOnline] of backends) {
  describe.skipIf(openOnline === undefined)(
    `a deployment with online features (${backend})`,
    () => {
      let project: string;
      let tracking: Tracking;
      let online: OnlineStore;
      let features: FeatureStore;
      let runtime: ServingRuntime;
      let app: FastifyInstance;
      let store: ServingStore;
      let log: PredictionLog;
      let bundle: ModelBundle;
      const now = Date.now();

      beforeAll(async () => {
        project = await mkdtemp(join(tmpdir(), "keel-serve-features-"));
        tracking = await openTracking({ root: project });
        // A model trained on the features the store serves plus one request field.
        const n = 300;
        const tenure = Array.from({ length: n }, (_, i) => (i * 7) % 60);
        const plan = Array.from(
          { length: n },
          (_, i) => ["basic", "pro", "team"][i % 3] ?? "basic",
        );
        const amount = Array.from({ length: n }, (_, i) => (i * 13) % 100);
        const x = Frame.fromRecords(
          tenure.map((t, i) => ({ tenure: t, plan: plan[i] ?? null, amount: amount[i] ?? 0 })),
          [
            { name: "tenure", kind: "numeric" },
            { name: "plan", kind: "categorical" },
            { name: "amount", kind: "numeric" },
          ],
        );
        const y = Frame.fromRecords(
          tenure.map((t, i) => ({ churn: t < 20 && (amount[i] ?? 0) > 30 ? "Yes" : "No" })),
          [{ name: "churn", kind: "categorical" }],
        ).column("churn");
        const model = new GbdtClassifier({ nEstimators: 20, maxDepth: 3, seed: 1 }).fit(x, y);
        await saveModel(join(project, "models/churn"), {
          model,
          inputSignature: { columns: x.schema(), target: "churn" },
          positiveClass: "Yes",
          lineage: {
            params: model.params,
            codeVersion: "test",
            createdAt: new Date().toISOString(),
          },
        });
        bundle = await loadModel(join(project, "models/churn"));
        // Customer 1 is fresh, customer 2's newest row is older than the 1-day TTL, 3 is unknown.
        await writeFile(
          join(project, "stats.csv"),
          [
            "customer_id,event_timestamp,tenure,plan",
            `1,${new Date(now - 3 * DAY).toISOString()},50,team`,
            `1,${new Date(now - HOUR).toISOString()},12,pro`,
            `2,${new Date(now - 3 * DAY).toISOString()},40,basic`,
          ].join("\n"),
        );
        const registry = new FeatureRegistry(tracking.database);
        const definitions = {
          entities: [customer],
          featureViews: [stats],
          featureServices: [service],
        };
        await registry.apply(definitions);
        online = openOnline!();
        features = new FeatureStore({
          repo: FeatureRepo.from(definitions, project),
          offline: duckDbOfflineStore(),
          online,
          registry,
        });
        await features.materialize({ start: now - 10 * DAY, end: now });
        store = openServingStore(tracking.database);
        log = createPredictionLog(store, { flushIntervalMs: 10 });
        const deployments: DeploymentSpec[] = [
          parseDeploymentSpec(
            {
              name: "churn",
              variants: [{ name: "main", model: "models/churn", weight: 1 }],
              features: { service: "churn_v1", entityKey: "customer_id" },
            },
            "test",
          ),
          parseDeploymentSpec(
            {
              name: "strict",
              variants: [{ name: "main", model: "models/churn", weight: 1 }],
              features: { features: ["customer_stats:*"], onMissing: "error" },
            },
            "test",
          ),
        ];
        runtime = await ServingRuntime.open({
          tracking,
          cwd: project,
          deployments,
          log,
          features,
          canaryTickMs: 0,
        });
        app = await createApp({
          tracking,
          mode: "serving",
          plugins: servingRoutePlugins({ runtime, store, log }),
        });
      }, 120_000);

      afterAll(async () => {
        await app?.close();
        await runtime?.close();
        await online?.close();
        await tracking?.close();
        await rm(project, { recursive: true, force: true });
      });

      const predict = (name: string, body: Record<string, unknown>) =>
        app.inject({ method: "POST", url: `/v1/deployments/${name}/predict`, payload: body });
      // What the model gives for the merged record, through the same record path as any request.
      const score = (record: { tenure: number | null; plan: string | null; amount: number }) =>
        predictionOutput(bundle, record).prediction;

      it("looks up the entity's features, merges them with the request fields and scores", async () => {
        const response = await predict("churn", { records: [{ customer_id: 1, amount: 55 }] });
        expect(response.statusCode, response.body).toBe(200);
        const body = response.json();
        expect(body.predictions[0].prediction).toBe(score({ tenure: 12, plan: "pro", amount: 55 }));
        expect(body.featureStatuses).toEqual([{ tenure: "PRESENT", plan: "PRESENT" }]);
        // A CSV body's key is text; it finds the same entity.
        const csv = await app.inject({
          method: "POST",
          url: "/v1/deployments/churn/predict",
          headers: { "content-type": "text/csv" },
          payload: "customer_id,amount\n1,55\n",
        });
        expect(csv.json().predictions[0].prediction).toBe(body.predictions[0].prediction);
      });

      it("scores a stale or unknown entity with missing values and says why per feature", async () => {
        const response = await predict("churn", {
          records: [
            { customer_id: 2, amount: 55 },
            { customer_id: 3, amount: 55 },
          ],
        });
        expect(response.statusCode, response.body).toBe(200);
        const body = response.json();
        // Customer 2's row is 3 days old: withheld (OUTSIDE_MAX_AGE), never served as if fresh.
        expect(body.featureStatuses).toEqual([
          { tenure: "OUTSIDE_MAX_AGE", plan: "OUTSIDE_MAX_AGE" },
          { tenure: "NOT_FOUND", plan: "NOT_FOUND" },
        ]);
        const missing = score({ tenure: null, plan: null, amount: 55 });
        expect(body.predictions.map((p: { prediction: number }) => p.prediction)).toEqual([
          missing,
          missing,
        ]);
      });

      it("refuses a stale entity with 422 when the deployment requires its features, and a row without the key with 400", async () => {
        const stale = await predict("strict", { records: [{ customer_id: 2, amount: 5 }] });
        expect(stale.statusCode).toBe(422);
        expect(stale.json().error_code).toBe("KEEL_ERR_FEATURES_STALE");
        expect(stale.json().message).toContain("customer_id=2");
        expect(stale.json().message).toContain("tenure is OUTSIDE_MAX_AGE");
        const fresh = await predict("strict", { records: [{ customer_id: 1, amount: 5 }] });
        expect(fresh.statusCode, fresh.body).toBe(200);
        const keyless = await predict("churn", { records: [{ amount: 5 }] });
        expect(keyless.statusCode).toBe(400);
        expect(keyless.json().message).toContain("$.records[0].customer_id is missing");
      });

      it("records the looked-up features in the prediction log", async () => {
        await runtime.settle();
        await log.flush();
        const rows = await store.readPredictions({ deployment: "churn" });
        expect(rows[0]?.input).toEqual({ customer_id: 1, tenure: 12, plan: "pro", amount: 55 });
        const stale = rows.find((r) => r.input.customer_id === 2);
        expect(stale?.input).toEqual({
          customer_id: 2,
          tenure: null,
          plan: null,
          amount: 55,
          _featureStatus: { tenure: "OUTSIDE_MAX_AGE", plan: "OUTSIDE_MAX_AGE" },
        });
      });

      it("judges the features' TTL at a replayed request's event time", async () => {
        // Customer 2's row was fresh three days ago: a request replayed from then gets it.
        // (After the log test: this entry's event time sorts before every other.)
        const result = await runtime.predict(
          "churn",
          parseScoringJson({ records: [{ customer_id: 2, amount: 55 }] }),
          { time: now - 3 * DAY + HOUR },
        );
        expect(result.featureStatuses).toEqual([{ tenure: "PRESENT", plan: "PRESENT" }]);
        expect(result.predictions[0]?.prediction).toBe(
          score({ tenure: 40, plan: "basic", amount: 55 }),
        );
      });

      it("fails to open a deployment naming an unknown service or the wrong entity key, or without a feature store", async () => {
        const open = async (section: unknown, withStore = true) => {
          try {
            const opened = await ServingRuntime.open({
              tracking,
              cwd: project,
              deployments: [
                parseDeploymentSpec(
                  {
                    name: "x",
                    variants: [{ name: "m", model: "models/churn", weight: 1 }],
                    features: section,
                  },
                  "test",
                ),
              ],
              ...(withStore ? { features } : {}),
              canaryTickMs: 0,
            });
            await opened.close();
          } catch (error) {
            if (isKeelError(error)) return error;
            throw error;
          }
          throw new Error("expected a KeelError");
        };
        const unknown = await open({ service: "churn_v2" });
        expect(unknown.code).toBe("KEEL_ERR_DEPLOYMENT_INVALID");
        expect(unknown.message).toContain("deployment 'x': $.features:");
        expect(unknown.message).toContain("churn_v2");
        expect((await open({ service: "churn_v1", entityKey: "customer" })).message).toContain(
          "does not match the join keys of feature service 'churn_v1' (customer_id)",
        );
        expect((await open({ service: "churn_v1" }, false)).message).toContain(
          "no feature store is open",
        );
      });
    },
  );
}
