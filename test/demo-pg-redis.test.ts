import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectChurnStory, runFastDemo } from "../src/cli/testing/churn-story-checks.js";
import { readFrame } from "../src/data/index.js";
import { chromiumAvailable } from "../src/server/testing/chromium.js";
import { expectDashboardShowsDemo } from "../src/server/testing/demo-dashboard.js";
import { createPgDatabase, dropPgDatabase } from "../src/store/testing/index.js";

// test/demo-e2e.test.ts's story with the scale-out stores: the metadata store on PostgreSQL
// (KEEL_DB_URL, a database of this test's own) and the online features on Redis
// (KEEL_REDIS_URL, a logical database of this test's own), as the README's move from the
// embedded default describes. Then keel server on the same stores, browsed in Chromium.
const pgUrl = process.env.KEEL_TEST_PG_URL;
const redisUrl = process.env.KEEL_TEST_REDIS_URL;
const missing = [
  ...(pgUrl ? [] : ["KEEL_TEST_PG_URL"]),
  ...(redisUrl ? [] : ["KEEL_TEST_REDIS_URL"]),
];
if (missing.length > 0)
  console.warn(`keel demo on PostgreSQL and Redis skipped: ${missing.join(" and ")} not set`);

const database = `keel_demo_e2e_${process.pid}`;
// Redis logical databases 1-15 (0 is where the other tests' prefixed keys live); the demo's
// keys are the project's, keel:churn:*, so the database is what keeps concurrent runs apart.
const redisDb = 1 + (process.pid % 15);

describe.skipIf(missing.length > 0)("keel demo --fast on PostgreSQL and Redis", () => {
  let redis: Redis;
  // Made here, not at load: a skipped suite leaves no directory behind.
  let cwd = "";
  const saved = { db: process.env.KEEL_DB_URL, redis: process.env.KEEL_REDIS_URL };

  beforeAll(async () => {
    cwd = mkdtempSync(join(tmpdir(), "keel-demo-pg-"));
    process.env.KEEL_DB_URL = await createPgDatabase(pgUrl ?? "", database);
    const url = new URL(redisUrl ?? "");
    url.pathname = `/${redisDb}`;
    process.env.KEEL_REDIS_URL = url.toString();
    redis = new Redis(url.toString(), { lazyConnect: true });
    await redis.connect();
    await dropKeys(redis);
  });

  afterAll(async () => {
    if (redis !== undefined) {
      await dropKeys(redis);
      redis.disconnect();
    }
    for (const [name, value] of [
      ["KEEL_DB_URL", saved.db],
      ["KEEL_REDIS_URL", saved.redis],
    ] as const)
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    await dropPgDatabase(pgUrl ?? "", database);
    if (cwd !== "") rmSync(cwd, { recursive: true, force: true });
  });

  let home = "";
  it("tells the churn story with its metadata on PostgreSQL and its online features on Redis", async () => {
    const started = process.cpuUsage();
    const demo = await runFastDemo(cwd, "timeline-pg-redis");
    home = demo.home;
    await expectChurnStory(home, demo.timeline);
    // Nothing went to the embedded stores: no SQLite metadata or online store in the home.
    expect(existsSync(join(home, ".keel", "keel.db"))).toBe(false);
    expect(existsSync(join(home, ".keel", "online.db"))).toBe(false);
    // The warehouse followed KEEL_DB_URL: the simulator's event tables are in PostgreSQL's
    // schema churn_warehouse (which the feature views read), no DuckDB file is in the home.
    expect(existsSync(join(home, "data", "warehouse.duckdb"))).toBe(false);
    expect(demo.timeline).toContain("→ PostgreSQL schema churn_warehouse]");
    const warehouse = await readFrame({
      postgres: process.env.KEEL_DB_URL ?? "",
      sql: `SELECT (SELECT count(*) FROM churn_warehouse.customers) AS customers,
                   (SELECT count(*) FROM churn_warehouse.activity) AS activity,
                   (SELECT count(*) FROM churn_warehouse.payments) AS payments,
                   (SELECT count(*) FROM churn_warehouse.churn) AS churn`,
    });
    const counts = warehouse.toRecords()[0] ?? {};
    for (const table of ["customers", "activity", "payments", "churn"])
      expect(Number(counts[table]), table).toBeGreaterThan(0);
    expect(Number(counts.activity)).toBeGreaterThan(10_000);
    // The daily materialisations wrote every view's customers to Redis, under the project.
    for (const view of ["customer_profile", "behaviour"])
      expect(await redis.hlen(`keel:churn:${view}`)).toBeGreaterThan(500);
    const cpu = process.cpuUsage(started);
    console.log(`demo on PostgreSQL/Redis: ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU`);
  }, 600_000);

  it.skipIf(!chromiumAvailable("the demo dashboard browser check"))(
    "serves every dashboard page with the story's results from PostgreSQL",
    async () => {
      expect(home, "the story ran").not.toBe("");
      await expectDashboardShowsDemo(home, "pg-redis");
    },
    180_000,
  );
});

async function dropKeys(redis: Redis): Promise<void> {
  const keys = await redis.keys("keel:churn:*");
  if (keys.length > 0) await redis.del(...keys);
}
