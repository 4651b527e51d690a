import { describe, expect, it } from "vitest";
import { projectOnlineStore } from "./settings.js";

describe("projectOnlineStore", () => {
  const redis = { KEEL_REDIS_URL: "redis://127.0.0.1:6379" };

  it("namespaces Redis keys by project whether the config or KEEL_REDIS_URL chose Redis", () => {
    expect(projectOnlineStore({ type: "redis" }, "churn", {})).toEqual({
      type: "redis",
      prefix: "keel:churn",
    });
    // The environment alone: the same keys as `{ type: "redis" }`, not a shared keel:online.
    expect(projectOnlineStore(undefined, "churn", redis)).toEqual({
      type: "redis",
      prefix: "keel:churn",
    });
    expect(projectOnlineStore(undefined, "fraud", redis)).toEqual({
      type: "redis",
      prefix: "keel:fraud",
    });
  });

  it("keeps a prefix or a store the settings name", () => {
    expect(projectOnlineStore({ type: "redis", prefix: "team:x" }, "churn", redis)).toEqual({
      type: "redis",
      prefix: "team:x",
    });
    expect(projectOnlineStore({ type: "sqlite" }, "churn", redis)).toEqual({ type: "sqlite" });
    expect(projectOnlineStore(undefined, "churn", {})).toBeUndefined();
    expect(projectOnlineStore(undefined, "churn", { KEEL_REDIS_URL: "" })).toBeUndefined();
    expect(projectOnlineStore({ type: "redis" }, undefined, {})).toEqual({ type: "redis" });
  });
});
