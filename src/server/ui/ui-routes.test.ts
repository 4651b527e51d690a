import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTracking, type Tracking } from "../../track/index.js";
import { createApp, hashToken } from "../index.js";

const READ = { authorization: "Bearer read-secret", host: "127.0.0.1:5000" };
const WRITE = { authorization: "Bearer write-secret", host: "127.0.0.1:5000" };
const JSON_WRITE = { ...WRITE, "content-type": "application/json" };

describe("dashboard routes behind tokens", () => {
  let root: string;
  let tracking: Tracking;
  let app: FastifyInstance;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "keel-ui-routes-"));
    // A stand-in bundle: these tests are about who may fetch it, not what it draws.
    const uiDir = join(root, "ui");
    mkdirSync(join(uiDir, "assets"), { recursive: true });
    writeFileSync(join(uiDir, "index.html"), "<!doctype html><title>keel</title>");
    writeFileSync(join(uiDir, "assets", "index-abc.js"), "console.log(1)");
    tracking = await openTracking({ root });
    const v1 = await tracking.models.register("churn", { artifactUri: "runs:/r/model" });
    await tracking.models.register("churn", { artifactUri: "runs:/r/model" });
    await tracking.models.setAlias("churn", "champion", v1.version, {
      actor: "ana",
      reason: "first",
    });
    await tracking.models.setAlias("churn", "champion", 2, { actor: "bo", reason: "AUC +2%" });
    app = await createApp({
      tracking,
      uiDir,
      tokens: [
        { name: "ci", scope: "write", sha256: hashToken("write-secret") },
        { name: "viewer", scope: "read", sha256: hashToken("read-secret") },
      ],
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await tracking.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("serves the bundle without a token, with a CSP, but still checks the Host header", async () => {
    const index = await app.inject({ url: "/", headers: { host: "localhost:5000" } });
    expect(index.statusCode).toBe(200);
    expect(index.body).toContain("<title>keel</title>");
    expect(index.headers["content-security-policy"]).toContain("script-src 'self'");
    const asset = await app.inject({ url: "/assets/index-abc.js", headers: { host: "localhost" } });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers["cache-control"]).toContain("immutable");
    const rebound = await app.inject({ url: "/", headers: { host: "evil.example.com" } });
    expect(rebound.statusCode).toBe(403);
    expect(rebound.json().error_code).toBe("PERMISSION_DENIED");
    const traversal = await app.inject({
      url: "/assets/..%2f..%2fkeel.db",
      headers: { host: "localhost" },
    });
    expect(traversal.statusCode).not.toBe(200);
  });

  it("keeps the API it calls behind tokens: no token 401, read token reads the alias log", async () => {
    const none = await app.inject({
      url: "/v1/models/alias-history?name=churn",
      headers: { host: "localhost" },
    });
    expect(none.statusCode).toBe(401);
    const log = await app.inject({ url: "/v1/models/alias-history?name=churn", headers: READ });
    expect(log.statusCode).toBe(200);
    expect(log.json().events).toMatchObject([
      { alias: "champion", from_version: "1", to_version: "2", actor: "bo", reason: "AUC +2%" },
      { alias: "champion", from_version: null, to_version: "1", actor: "ana", reason: "first" },
    ]);
    const missing = await app.inject({ url: "/v1/models/alias-history", headers: READ });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().message).toContain("'name'");
  });

  it("rolls an alias back only with a write token, logging the token as the actor", async () => {
    const body = JSON.stringify({ name: "churn", alias: "champion", reason: "precision dropped" });
    const denied = await app.inject({
      method: "POST",
      url: "/v1/models/rollback",
      headers: { ...READ, "content-type": "application/json" },
      payload: body,
    });
    expect(denied.statusCode).toBe(403);
    const crossSite = await app.inject({
      method: "POST",
      url: "/v1/models/rollback",
      headers: { ...JSON_WRITE, origin: "https://evil.example.com" },
      payload: body,
    });
    expect(crossSite.statusCode).toBe(403);
    expect((await tracking.models.getByAlias("churn", "champion")).version).toBe(2);
    const done = await app.inject({
      method: "POST",
      url: "/v1/models/rollback",
      headers: JSON_WRITE,
      payload: body,
    });
    expect(done.statusCode).toBe(200);
    expect(done.json().model_version).toMatchObject({ name: "churn", version: "1" });
    const [last] = await tracking.models.aliasHistory("churn", "champion");
    expect(last).toMatchObject({
      fromVersion: 2,
      toVersion: 1,
      actor: "ci",
      reason: "precision dropped",
    });
    const noAlias = await app.inject({
      method: "POST",
      url: "/v1/models/rollback",
      headers: JSON_WRITE,
      payload: JSON.stringify({ name: "churn", alias: "challenger" }),
    });
    expect(noAlias.statusCode).toBe(400);
    expect(noAlias.json().message).toContain("no earlier version");
  });
});

describe("dashboard not built", () => {
  it("answers / with 404 saying how to build it", async () => {
    const root = mkdtempSync(join(tmpdir(), "keel-ui-unbuilt-"));
    const tracking = await openTracking({ root });
    const app = await createApp({ tracking, uiDir: join(root, "nothing") });
    try {
      const res = await app.inject({ url: "/", headers: { host: "localhost" } });
      expect(res.statusCode).toBe(404);
      expect(res.json().message).toContain("npm run build:ui");
    } finally {
      await app.close();
      await tracking.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
