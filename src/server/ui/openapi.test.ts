import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  duckDbOfflineStore,
  FeatureRegistry,
  FeatureRepo,
  FeatureStore,
  sqliteOnlineStore,
} from "../../features/index.js";
import { openTracking, type Tracking } from "../../track/index.js";
import { createApp } from "../app.js";
import { featureRoutePlugins } from "../features/feature-routes.js";
import { V1_OPERATIONS } from "./openapi-operations.js";
import { v1Routes } from "./openapi-routes.js";

/** The `/v1/` paths the dashboard's code calls (keelGet / keelPost), with `${…}` as a parameter. */
function dashboardCalls(): string[] {
  const dir = join(import.meta.dirname, "..", "..", "..", "ui", "src");
  const files = readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) =>
    /\.tsx?$/.test(f),
  );
  const calls = new Set<string>();
  for (const f of files) {
    const text = readFileSync(join(dir, f), "utf8");
    for (const m of text.matchAll(/keel(Get|Post)(?:<[^(]*?>)?\(\s*[`"]([^`"]+)[`"]/g))
      calls.add(`${m[1] === "Get" ? "GET" : "POST"} /v1/${m[2]!.replace(/\$\{[^}]+\}/g, "{}")}`);
  }
  return [...calls].sort();
}

describe("the /v1 OpenAPI document", () => {
  let root: string;
  let tracking: Tracking;
  let app: FastifyInstance;
  let online: ReturnType<typeof sqliteOnlineStore>;
  let document: { paths: Record<string, Record<string, { summary: string }>> };

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "keel-openapi-"));
    tracking = await openTracking({ root });
    online = sqliteOnlineStore({ path: ":memory:" });
    // The feature plugin too, so its /v1 routes are registered and must be described.
    const store = new FeatureStore({
      repo: FeatureRepo.from({}, root),
      offline: duckDbOfflineStore(),
      online,
      registry: new FeatureRegistry(tracking.database),
    });
    app = await createApp({ tracking, plugins: featureRoutePlugins(store) });
    const answer = await app.inject({ method: "GET", url: "/v1/openapi.json" });
    expect(answer.statusCode).toBe(200);
    document = answer.json();
  });

  afterAll(async () => {
    await app?.close();
    await online?.close();
    await tracking?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("describes every /v1 route the server registered, and nothing else", () => {
    const registered = v1Routes(app);
    expect(registered.length).toBeGreaterThan(15);
    const documented = Object.entries(document.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    expect(documented).toEqual(registered);
    const undocumented = registered.filter((key) => {
      const [method = "", path = ""] = key.split(" ");
      return document.paths[path]?.[method.toLowerCase()]?.summary === "(undocumented)";
    });
    expect(undocumented).toEqual([]);
  });

  it("has no description of a route that no longer exists", () => {
    expect(Object.keys(V1_OPERATIONS).filter((key) => !v1Routes(app).includes(key))).toEqual([]);
  });

  it("lists every /v1 endpoint the dashboard calls", () => {
    const calls = dashboardCalls();
    expect(calls.length).toBeGreaterThan(10);
    const patterns = v1Routes(app).map(
      (key) => new RegExp(`^${key.replace(/[.]/g, "\\.").replace(/\{[^}]+\}/g, "\\{\\}")}$`),
    );
    expect(calls.filter((c) => !patterns.some((p) => p.test(c)))).toEqual([]);
  });

  it("is not served by keel serve, which has its own /openapi.json", async () => {
    const serving = await createApp({ tracking, mode: "serving" });
    try {
      const answer = await serving.inject({ method: "GET", url: "/v1/openapi.json" });
      expect(answer.statusCode).toBe(404);
    } finally {
      await serving.close();
    }
  });
});
