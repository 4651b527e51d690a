import { randomBytes } from "node:crypto";
import { describe } from "vitest";
import { redisOnlineStore } from "./redis-online-store.js";
import { sqliteOnlineStore } from "./sqlite-online-store.js";
import { onlineStoreSuite } from "./testing/index.js";

describe("SQLite online store", () => {
  onlineStoreSuite(() => sqliteOnlineStore({ path: ":memory:" }));
});

const redisUrl = process.env.KEEL_TEST_REDIS_URL;
if (!redisUrl)
  console.warn("KEEL_TEST_REDIS_URL is not set: skipping the Redis online store suite");

describe.skipIf(!redisUrl)("Redis online store", () => {
  // A fresh key prefix per store keeps tests (and parallel processes) apart on one server.
  onlineStoreSuite(async () => {
    const prefix = `keel:test:${process.pid}:${randomBytes(4).toString("hex")}`;
    const store = redisOnlineStore({ url: redisUrl ?? "", prefix });
    return {
      ...store,
      close: async () => {
        for (const view of ["v", "a", "b", "v1", "v2", "big"]) await store.dropView(view);
        await store.close();
      },
    };
  });
});
