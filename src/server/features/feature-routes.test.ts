import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  defineEntity,
  defineFeatureView,
  duckDbOfflineStore,
  FeatureRegistry,
  FeatureRepo,
  FeatureStore,
  pushSource,
  sqliteOnlineStore,
} from "../../features/index.js";
import { openTracking, type Tracking } from "../../track/index.js";
import { createApp } from "../app.js";
import { hashToken } from "../auth.js";
import { featureRoutePlugins } from "./feature-routes.js";

const driver = defineEntity({ name: "driver", joinKeys: ["driver_id"] });
const stats = defineFeatureView({
  name: "driver_hourly_stats",
  entities: [driver],
  ttl: "2h",
  source: pushSource({ name: "driver_stats_push_source" }),
  timestampField: "event_timestamp",
  schema: { conv_rate: "numeric", acc_rate: "numeric" },
});

describe("feature routes (Feast's /get-online-features and /push)", () => {
  const dir = mkdtempSync(join(tmpdir(), "keel-feature-routes-"));
  let tracking: Tracking;
  let store: FeatureStore;
  const online = sqliteOnlineStore({ path: ":memory:" });
  beforeAll(async () => {
    tracking = await openTracking({ root: dir });
    const repo = FeatureRepo.from({ entities: [driver], featureViews: [stats] }, dir);
    store = new FeatureStore({
      repo,
      offline: duckDbOfflineStore(),
      online,
      registry: new FeatureRegistry(tracking.database),
    });
  });
  afterAll(async () => {
    await online.close();
    await tracking.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("pushes rows and reads them back in Feast's shapes, under both prefixes", async () => {
    const app = await createApp({ tracking, plugins: featureRoutePlugins(store) });
    const now = new Date(Date.now() - 60_000).toISOString();
    const push = await app.inject({
      method: "POST",
      url: "/push",
      payload: {
        push_source_name: "driver_stats_push_source",
        df: {
          driver_id: [1001, 1002],
          event_timestamp: [now, now],
          conv_rate: [0.5, null],
          acc_rate: [0.9, 0.8],
        },
        to: "online_and_offline",
      },
    });
    expect(push.statusCode, push.body).toBe(200);
    for (const url of ["/get-online-features", "/v1/features/get-online-features"]) {
      const response = await app.inject({
        method: "POST",
        url,
        payload: {
          features: ["driver_hourly_stats:conv_rate", "driver_hourly_stats:acc_rate"],
          entities: { driver_id: [1001, 1002, 1003] },
        },
      });
      expect(response.statusCode).toBe(200);
      const json = response.json() as {
        metadata: { feature_names: string[] };
        results: { values: unknown[]; statuses: string[]; event_timestamps: string[] }[];
      };
      expect(json.metadata.feature_names).toEqual(["driver_id", "conv_rate", "acc_rate"]);
      expect(json.results[0]?.values).toEqual([1001, 1002, 1003]);
      expect(json.results[1]).toMatchObject({
        values: [0.5, null, null],
        statuses: ["PRESENT", "NULL_VALUE", "NOT_FOUND"],
      });
      expect(json.results[2]?.event_timestamps[0]).toBe(
        now.replace(/\.\d+Z$/, (m) => (m === ".000Z" ? "Z" : m)),
      );
    }
    const status = await app.inject({ method: "GET", url: "/v1/features/status" });
    expect(
      (status.json() as { views: { view: string; lastPushedEvent: number }[] }).views[0]
        ?.lastPushedEvent,
    ).toBe(Date.parse(now));
    await app.close();
  });

  it("answers bad requests with one error naming the JSON path, and a bad push writes nothing", async () => {
    const app = await createApp({ tracking, plugins: featureRoutePlugins(store) });
    const noFeatures = await app.inject({
      method: "POST",
      url: "/get-online-features",
      payload: { entities: { driver_id: [1] } },
    });
    expect(noFeatures.statusCode).toBe(400);
    expect(noFeatures.json().message).toContain("$.features");
    const unknown = await app.inject({
      method: "POST",
      url: "/get-online-features",
      payload: { features: ["driver_hourly_stats:speed"], entities: { driver_id: [1] } },
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().message).toContain(
      "unknown feature of view 'driver_hourly_stats' 'speed'",
    );
    const badPush = await app.inject({
      method: "POST",
      url: "/push",
      payload: {
        push_source_name: "driver_stats_push_source",
        df: {
          driver_id: [7],
          event_timestamp: [new Date().toISOString()],
          conv_rate: ["high"],
          acc_rate: [1],
        },
      },
    });
    expect(badPush.statusCode).toBe(400);
    expect(badPush.json().message).toContain("row 1, column 'conv_rate'");
    expect((await store.online.read("driver_hourly_stats", ['["7"]']))[0]).toBeUndefined();
    await app.close();
  });

  it("sits behind the app's token check like every other route", async () => {
    const app = await createApp({
      tracking,
      tokens: [{ name: "reader", sha256: hashToken("r-token"), scope: "read" }],
      plugins: featureRoutePlugins(store),
    });
    const anonymous = await app.inject({
      method: "POST",
      url: "/push",
      payload: { push_source_name: "driver_stats_push_source", df: {} },
    });
    expect(anonymous.statusCode).toBe(401);
    await app.close();
  });
});
