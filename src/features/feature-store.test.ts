import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { cellAt, isKeelError, KeelError, type Progress } from "../core/index.js";
import { openDatabase } from "../store/index.js";
import {
  defineEntity,
  defineFeatureService,
  defineFeatureView,
  defineOnDemandFeatureView,
} from "./definitions.js";
import { duckDbOfflineStore } from "./duckdb-offline-store.js";
import { FeatureRepo } from "./feature-repo.js";
import { FeatureStore } from "./feature-store.js";
import type { OnlineStore } from "./online-store.js";
import { postgresOfflineStore } from "./postgres-offline-store.js";
import { FeatureRegistry } from "./registry.js";
import { fileSource, postgresSource, pushSource, requestSource } from "./sources.js";
import { sqliteOnlineStore } from "./sqlite-online-store.js";

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 2, 1);
const iso = (ms: number) => new Date(ms).toISOString();

const customer = defineEntity({ name: "customer", joinKeys: ["customer_id"] });
const stats = defineFeatureView({
  name: "stats",
  entities: [customer],
  ttl: "1d",
  source: fileSource({ path: "stats.csv" }),
  timestampField: "ts",
  schema: { spend: "numeric", plan: "categorical" },
});
const clicks = defineFeatureView({
  name: "clicks",
  entities: [customer],
  ttl: "1h",
  source: pushSource({ name: "clicks_push" }),
  timestampField: "event_timestamp",
  schema: { clicks_1h: "numeric", device: "string" },
});
const ratio = defineOnDemandFeatureView({
  name: "ratio",
  sources: [stats, requestSource({ name: "order", schema: { amount: "numeric" } })],
  schema: { amount_per_spend: "numeric" },
  compute: (f) => ({
    amount_per_spend: f.numeric("amount").map((a, i) => a / (f.numeric("spend")[i] ?? Number.NaN)),
  }),
});

async function failure(promise: Promise<unknown>): Promise<KeelError> {
  try {
    await promise;
  } catch (error) {
    if (isKeelError(error)) return error;
    throw error;
  }
  throw new Error("expected a KeelError");
}

describe("FeatureStore on DuckDB + SQLite", () => {
  const dir = mkdtempSync(join(tmpdir(), "keel-feature-store-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    join(dir, "stats.csv"),
    [
      "customer_id,ts,spend,plan",
      `1,${iso(T0)},10,basic`,
      `1,${iso(T0 + DAY)},,pro`,
      `2,${iso(T0)},20,basic`,
      `3,${iso(T0 + 2 * DAY)},30,team`,
    ].join("\n"),
  );
  const repo = FeatureRepo.from(
    {
      entities: [customer],
      featureViews: [stats, clicks],
      onDemandFeatureViews: [ratio],
      featureServices: [defineFeatureService({ name: "svc", features: [stats] })],
    },
    dir,
  );

  async function open(online: OnlineStore = sqliteOnlineStore({ path: ":memory:" })) {
    const database = await openDatabase({
      dbUrl: join(dir, `${Math.random().toString(36).slice(2)}.db`),
    });
    const registry = new FeatureRegistry(database);
    await registry.apply({ entities: [customer], featureViews: [stats, clicks] });
    return {
      store: new FeatureStore({ repo, offline: duckDbOfflineStore(), online, registry }),
      close: () => Promise.all([online.close(), database.close()]),
    };
  }

  it("reports PRESENT, NULL_VALUE, NOT_FOUND and OUTSIDE_MAX_AGE, withholding values older than the TTL", async () => {
    const { store, close } = await open();
    await store.materialize({ start: T0, end: T0 + 3 * DAY });
    const read = (now: number) =>
      store.getOnlineFeatures({
        features: ["stats:spend", "stats:plan"],
        entityRows: { customer_id: [1, 2, 9, 3] },
        now,
      });
    const fresh = await read(T0 + 2 * DAY);
    expect(fresh.metadata.featureNames).toEqual(["customer_id", "spend", "plan"]);
    // customer 1's newest row (day 1) has no spend; customer 2's (day 0) is 2 days old (TTL 1d).
    expect(fresh.results[1]?.statuses).toEqual([
      "NULL_VALUE",
      "OUTSIDE_MAX_AGE",
      "NOT_FOUND",
      "PRESENT",
    ]);
    expect(fresh.results[1]?.values).toEqual([null, null, null, 30]);
    expect(fresh.results[2]?.values).toEqual(["pro", null, null, "team"]);
    expect(fresh.results[1]?.eventTimestamps).toEqual([T0 + DAY, T0, 0, T0 + 2 * DAY]);
    // Exactly at the TTL the value is still served; a millisecond later it is withheld.
    expect((await read(T0 + DAY + DAY)).results[2]?.statuses[0]).toBe("PRESENT");
    expect((await read(T0 + DAY + DAY + 1)).results[2]?.statuses[0]).toBe("OUTSIDE_MAX_AGE");
    await close();
  });

  it("answers repeated and varied feature lists alike (resolved lists are cached per repo)", async () => {
    const { store, close } = await open();
    await store.materialize({ start: T0, end: T0 + 3 * DAY });
    const now = T0 + 2 * DAY;
    const entityRows = { customer_id: [3, 1] };
    const first = await store.getOnlineFeatures({ features: ["stats:plan"], entityRows, now });
    // More distinct lists than the cache holds, each checked, then the first list again.
    for (let i = 0; i < 300; i++) {
      const names = i % 2 === 0 ? ["plan", "spend"] : ["spend", "plan"];
      const got = await store.getOnlineFeatures({
        // Repeats are dropped, so each list is distinct but answers two features.
        features: [
          ...names.map((f) => `stats:${f}`),
          ...Array.from({ length: i }, () => "stats:plan"),
        ],
        entityRows: { customer_id: [3, i] },
        now,
      });
      expect(got.metadata.featureNames).toEqual(["customer_id", ...names]);
      expect(got.results[names.indexOf("spend") + 1]?.values[0]).toBe(30);
    }
    expect(await store.getOnlineFeatures({ features: ["stats:plan"], entityRows, now })).toEqual(
      first,
    );
    expect(first.results[1]?.values).toEqual(["team", "pro"]);
    // A cached list does not let an unknown feature through, nor a missing join key.
    const unknown = await failure(
      store.getOnlineFeatures({ features: ["stats:plan", "stats:nope"], entityRows, now }),
    );
    expect(unknown.code).toBe("KEEL_ERR_FEATURE_NOT_FOUND");
    const noKey = await failure(
      store.getOnlineFeatures({ features: ["stats:plan"], entityRows: { id: [1] }, now }),
    );
    expect(noKey.code).toBe("KEEL_ERR_ENTITY_ROWS");
    await close();
  });

  it("materialises idempotently, and a run that failed midway is finished by running it again", async () => {
    const inner = sqliteOnlineStore({ path: ":memory:" });
    let failAfter = 0;
    const flaky: OnlineStore = {
      ...inner,
      write: async (view, rows) => {
        if (failAfter-- === 0) throw new KeelError("KEEL_ERR_ONLINE_STORE", "simulated crash");
        await inner.write(view, rows);
      },
    };
    const { store, close } = await open(flaky);
    const error = await failure(
      store.materializeIncremental({ end: T0 + 3 * DAY, views: ["stats"] }),
    );
    expect(error.message).toBe("simulated crash");
    expect((await store.registry.state("stats")).materializedUntil).toBeNull(); // the watermark did not move
    failAfter = -1;
    const [first] = await store.materializeIncremental({ end: T0 + 3 * DAY, views: ["stats"] });
    expect(first).toMatchObject({ view: "stats", start: T0 + 2 * DAY, end: T0 + 3 * DAY, rows: 1 });
    expect((await store.registry.state("stats")).materializedUntil).toBe(T0 + 3 * DAY);
    const full = await store.materialize({ start: 0, end: T0 + 3 * DAY, views: ["stats"] });
    const before = await inner.read("stats", ['["1"]', '["2"]', '["3"]']);
    expect(await store.materialize({ start: 0, end: T0 + 3 * DAY, views: ["stats"] })).toEqual(
      full,
    );
    expect(await inner.read("stats", ['["1"]', '["2"]', '["3"]'])).toEqual(before);
    // An older window materialised later does not overwrite newer values.
    await store.materialize({ start: T0, end: T0, views: ["stats"] });
    expect(await inner.read("stats", ['["1"]'])).toEqual([before[0]]);
    await close();
  });

  it("commits a chunked window chunk by chunk, so an interrupted run resumes from the last chunk", async () => {
    const inner = sqliteOnlineStore({ path: ":memory:" });
    let writes = 0;
    const flaky: OnlineStore = {
      ...inner,
      write: async (view, rows) => {
        if (++writes === 2) throw new KeelError("KEEL_ERR_ONLINE_STORE", "simulated crash");
        await inner.write(view, rows);
      },
    };
    const { store, close } = await open(flaky);
    await failure(
      store.materialize({ start: T0, end: T0 + 3 * DAY, views: ["stats"], chunkMs: DAY }),
    );
    // Day 0 was written and recorded; day 1's write failed, so the watermark stops at day 1.
    expect((await store.registry.state("stats")).materializedUntil).toBe(T0 + DAY);
    const resumed = await store.materializeIncremental({
      end: T0 + 3 * DAY,
      views: ["stats"],
      chunkMs: DAY,
    });
    expect(resumed[0]).toMatchObject({ start: T0 + DAY, end: T0 + 3 * DAY });
    expect(
      (await inner.read("stats", ['["1"]', '["2"]', '["3"]'])).map((r) => r?.values.plan),
    ).toEqual(["pro", "basic", "team"]);
    await close();
  });

  it("shows progress while materialising", async () => {
    const { store, close } = await open();
    const seen: string[] = [];
    const progress: Progress = {
      start: (n, label) => seen.push(`${label}:${n}`),
      advance: (n) => seen.push(`+${n}`),
      finish: () => seen.push("done"),
    };
    await store.materialize({ start: 0, end: T0 + 3 * DAY, views: ["stats"], progress });
    expect(seen).toEqual([`materialize stats to ${iso(T0 + 3 * DAY)}:3`, "+3", "done"]);
    await close();
  });

  it("pushes rows online and to the offline log; training sees them; mixed time zones are normalised to UTC", async () => {
    const { store, close } = await open();
    await store.push("clicks_push", [
      { customer_id: 1, event_timestamp: "2026-03-01T12:00:00+02:00", clicks_1h: 4, device: "ios" },
      { customer_id: 2, event_timestamp: "2026-03-01T10:30:00Z", clicks_1h: null, device: "web" },
    ]);
    const online = await store.getOnlineFeatures({
      features: ["clicks:clicks_1h"],
      entityRows: [{ customer_id: 1 }, { customer_id: 2 }],
      now: Date.UTC(2026, 2, 1, 10, 45),
    });
    expect(online.results[1]?.values).toEqual([4, null]);
    expect(online.results[1]?.statuses).toEqual(["PRESENT", "NULL_VALUE"]);
    expect(online.results[1]?.eventTimestamps).toEqual([
      Date.UTC(2026, 2, 1, 10),
      Date.UTC(2026, 2, 1, 10, 30),
    ]);
    const training = await store.getHistoricalFeatures({
      entityRows: (await import("../core/index.js")).Frame.fromRecords(
        [
          { customer_id: 1, event_timestamp: "2026-03-01T10:00:00Z" },
          { customer_id: 1, event_timestamp: "2026-03-01T09:59:59Z" },
        ],
        [
          { name: "customer_id", kind: "numeric" },
          { name: "event_timestamp", kind: "timestamp" },
        ],
      ),
      features: ["clicks:clicks_1h", "clicks:device"],
    });
    expect(training?.toRecords().map((r) => [r.clicks_1h, r.device])).toEqual([
      [4, "ios"],
      [null, null],
    ]);
    expect((await store.registry.state("clicks")).lastPushedEvent).toBe(
      Date.UTC(2026, 2, 1, 10, 30),
    );
    // A push-fed view's freshness runs from its newest pushed event (TTL 1h as the target).
    const at = async (ms: number) =>
      (await store.status(ms)).find((v) => v.view === "clicks") ?? { stale: undefined };
    expect(await at(Date.UTC(2026, 2, 1, 11, 30))).toMatchObject({
      stale: false,
      stalenessSeconds: 3600,
      dataAgeSeconds: 3600,
    });
    expect((await at(Date.UTC(2026, 2, 1, 11, 30, 1))).stale).toBe(true);
    await close();
  });

  it("rejects a push with the wrong schema, naming view, column and row, and writes nothing", async () => {
    const { store, close } = await open();
    const bad = await failure(
      store.push("clicks", [
        { customer_id: 1, event_timestamp: "2026-03-01T12:00:00Z", clicks_1h: 1, device: "ios" },
        {
          customer_id: 1,
          event_timestamp: "2026-03-01T13:00:00Z",
          clicks_1h: "many",
          device: "ios",
        },
      ]),
    );
    expect(bad.code).toBe("KEEL_ERR_PUSH_SCHEMA");
    expect(bad.message).toContain("feature view 'clicks'");
    expect(bad.message).toContain("row 2, column 'clicks_1h'");
    const unknown = await failure(
      store.push("clicks", [
        {
          customer_id: 1,
          event_timestamp: "2026-03-01T12:00:00Z",
          clicks_1h: 1,
          device: "ios",
          extra: 1,
        },
      ]),
    );
    expect(unknown.message).toContain("unknown column 'extra'");
    const missing = await failure(
      store.push("clicks", [{ customer_id: 1, clicks_1h: 1, device: "ios" }]),
    );
    expect(missing.message).toContain("missing column 'event_timestamp'");
    expect((await store.online.read("clicks", ['["1"]']))[0]).toBeUndefined();
    expect((await store.registry.state("clicks")).lastPushAt).toBeNull();
    await close();
  });

  it("computes on-demand features identically offline and online", async () => {
    const { store, close } = await open();
    await store.materialize({ start: 0, end: T0 + 3 * DAY, views: ["stats"] });
    const online = await store.getOnlineFeatures({
      features: ["ratio:amount_per_spend"],
      entityRows: { customer_id: [3], amount: [15] },
      now: T0 + 2 * DAY,
    });
    expect(online.results.at(-1)?.values).toEqual([0.5]);
    const { Frame } = await import("../core/index.js");
    const offline = await store.getHistoricalFeatures({
      entityRows: Frame.fromRecords(
        [{ customer_id: 3, event_timestamp: T0 + 2 * DAY, amount: 15 }],
        [
          { name: "customer_id", kind: "numeric" },
          { name: "event_timestamp", kind: "timestamp" },
          { name: "amount", kind: "numeric" },
        ],
      ),
      features: ["ratio:amount_per_spend", "stats:spend"],
    });
    expect(offline?.columnNames).toEqual([
      "customer_id",
      "event_timestamp",
      "amount",
      "amount_per_spend",
      "spend",
    ]);
    expect(cellAt(offline?.column("amount_per_spend") ?? { kind: "string", values: [] }, 0)).toBe(
      0.5,
    );
    await close();
  });

  it("retrieves by time range without entity rows, and names unknown features", async () => {
    const { store, close } = await open();
    const frame = await store.getHistoricalFeatures({
      range: { start: T0, end: T0 + DAY },
      features: ["stats:spend"],
    });
    // As of the range's end: customer 1's day-1 row has no spend; customer 2's day-0 row is exactly 1d old (kept).
    expect(frame?.toRecords().map((r) => [r.customer_id, r.spend])).toEqual([
      [1, null],
      [2, 20],
    ]);
    const ranged = await store.getHistoricalFeatures({
      range: { start: T0, end: T0 + DAY / 2 },
      features: { service: "svc" },
    });
    expect(ranged?.toRecords().map((r) => [r.customer_id, r.spend, r.plan])).toEqual([
      [1, 10, "basic"],
      [2, 20, "basic"],
    ]);
    const unknown = await failure(
      store.getHistoricalFeatures({ entityRows: join(dir, "stats.csv"), features: ["stats:spnd"] }),
    );
    expect(unknown.code).toBe("KEEL_ERR_FEATURE_NOT_FOUND");
    expect(unknown.message).toContain("did you mean 'spend'");
    const keyless = await failure(
      store.getOnlineFeatures({ features: ["stats:spend"], entityRows: { id: [1] } }),
    );
    expect(keyless.code).toBe("KEEL_ERR_ENTITY_ROWS");
    expect(keyless.message).toContain("join key 'customer_id' of feature view 'stats'");
    await close();
  });
});

const pgUrl = process.env.KEEL_TEST_PG_URL;
describe.skipIf(!pgUrl)("feature registry on PostgreSQL", () => {
  const schema = `keel_freg_${process.pid}`;
  afterAll(async () => {
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });

  it("versions, diffs and rolls back definitions", async () => {
    const database = await openDatabase({ dbUrl: pgUrl ?? "", pgSchema: schema });
    try {
      const registry = new FeatureRegistry(database);
      expect(
        (await registry.apply({ entities: [customer], featureViews: [stats] })).map(
          (c) => c.action,
        ),
      ).toEqual(["added", "added"]);
      const changed = { ...stats, ttl: "2d" };
      const plan = await registry.plan({ entities: [customer], featureViews: [changed] });
      expect(plan.find((c) => c.name === "stats")).toMatchObject({
        action: "changed",
        fromVersion: 1,
        toVersion: 2,
        fields: ["ttl"],
      });
      await registry.apply({ entities: [customer], featureViews: [changed] });
      await registry.rollback("featureView", "stats", 1);
      expect((await registry.history("featureView", "stats")).map((v) => v.spec.ttl)).toEqual([
        "1d",
        "2d",
        "1d",
      ]);
      expect((await registry.current()).featureViews?.[0]?.ttl).toBe("1d");
      const removed = await registry.apply({ entities: [customer], featureViews: [] });
      expect(removed.find((c) => c.name === "stats")?.action).toBe("removed");
      expect((await registry.current()).featureViews).toEqual([]);
      await registry.recordMaterialization("stats", 0, 10, 3);
      await registry.recordMaterialization("stats", 0, 5, 3);
      expect((await registry.state("stats")).materializedUntil).toBe(10);
    } finally {
      await database.close();
    }
  });

  it("serves a push-fed view from PostgreSQL: pushed rows land in the offline log, then materialise and join", async () => {
    const client = new pg.Client({ connectionString: pgUrl });
    await client.connect();
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(
      `CREATE TABLE ${schema}.clicks_batch (customer_id bigint, event_timestamp timestamptz, clicks_1h double precision, device text)`,
    );
    await client.query(
      `INSERT INTO ${schema}.clicks_batch VALUES (1, '2026-03-01T08:00:00Z', 1, 'web'), (3, '2026-03-01T08:00:00Z', 7, 'ios')`,
    );
    await client.end();
    const view = defineFeatureView({
      ...clicks,
      source: pushSource({
        name: "clicks_push",
        batchSource: postgresSource({ query: `SELECT * FROM ${schema}.clicks_batch` }),
      }),
    });
    const pgRepo = FeatureRepo.from({ entities: [customer], featureViews: [view] }, "/");
    const database = await openDatabase({ dbUrl: pgUrl ?? "", pgSchema: schema });
    const online = sqliteOnlineStore({ path: ":memory:" });
    try {
      const store = new FeatureStore({
        repo: pgRepo,
        offline: postgresOfflineStore({ url: pgUrl ?? "", schema }),
        online,
        registry: new FeatureRegistry(database),
      });
      await store.push(
        "clicks_push",
        [{ customer_id: 1, event_timestamp: "2026-03-01T09:30:00Z", clicks_1h: 4, device: "ios" }],
        { to: "offline" },
      );
      expect((await online.read("clicks", ['["1"]']))[0]).toBeUndefined(); // offline only
      // … and freshness does not count it as online data.
      expect((await store.status()).find((v) => v.view === "clicks")).toMatchObject({
        lastPushedEvent: null,
        stale: true,
      });
      const { Frame } = await import("../core/index.js");
      const training = await store.getHistoricalFeatures({
        entityRows: Frame.fromRecords(
          [
            { customer_id: 1, event_timestamp: "2026-03-01T09:00:00Z" },
            { customer_id: 1, event_timestamp: "2026-03-01T10:00:00Z" },
            { customer_id: 3, event_timestamp: "2026-03-01T10:00:00Z" },
          ],
          [
            { name: "customer_id", kind: "numeric" },
            { name: "event_timestamp", kind: "timestamp" },
          ],
        ),
        features: ["clicks:clicks_1h", "clicks:device"],
      });
      // Row 2 sees the pushed row (09:30); row 3's only row is 2h old, outside the 1h TTL.
      expect(training?.toRecords().map((r) => [r.clicks_1h, r.device])).toEqual([
        [1, "web"],
        [4, "ios"],
        [null, null],
      ]);
      const ranged = await store.getHistoricalFeatures({
        range: { start: Date.UTC(2026, 2, 1, 8), end: Date.UTC(2026, 2, 1, 9) },
        features: ["clicks:clicks_1h"],
      });
      // Entities with a row in [08:00, 09:00], as of 09:00 (the 09:30 push is after it).
      expect(ranged?.toRecords().map((r) => [r.customer_id, r.clicks_1h])).toEqual([
        ["1", 1],
        ["3", 7],
      ]);
      const [m] = await store.materialize({
        start: Date.UTC(2026, 2, 1),
        end: Date.UTC(2026, 2, 2),
      });
      expect(m?.rows).toBe(2);
      expect(
        (await online.read("clicks", ['["1"]', '["3"]'])).map((r) => r?.values.clicks_1h),
      ).toEqual([4, 7]);
    } finally {
      await online.close();
      await database.close();
    }
  });
});
