import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CellValue,
  categoricalFromValues,
  cellAt,
  Frame,
  numericColumn,
  Rng,
  timestampColumn,
} from "../core/index.js";
import { writeFrame } from "../data/index.js";
import { defineEntity, defineFeatureView } from "./definitions.js";
import { duckDbOfflineStore } from "./duckdb-offline-store.js";
import { FeatureRepo } from "./feature-repo.js";
import type { OfflineStore } from "./offline-store.js";
import { postgresOfflineStore } from "./postgres-offline-store.js";
import { type BatchSource, fileSource, postgresSource, sqlSource } from "./sources.js";

// A brute-force oracle for Feast's point-in-time rule, checked against the SQL of both offline
// stores on random data built to hit every edge: composite keys, equal timestamps with
// different created timestamps (and a missing one), rows exactly at the TTL boundary, rows
// after the event time, entities with no rows, null feature values, duplicate entity rows.

const BASE = Date.UTC(2026, 0, 1);
const SECOND = 1000;
const TTL_SECONDS = 10;

interface FeatureRow {
  k1: number;
  k2: string;
  ts: number;
  created: number | null;
  num: number | null;
  cat: string | null;
}

interface Case {
  a: FeatureRow[];
  b: { k1: number; ts: number; g: number | null }[];
  entities: { k1: number; k2: string; ts: number; label: number }[];
}

function makeCase(seed: number): Case {
  const rng = new Rng(seed);
  const a: FeatureRow[] = [];
  const createdUsed = new Map<string, Set<number | null>>();
  for (let i = 0; i < 150; i++) {
    const k1 = rng.int(4);
    const k2 = ["x", "y", "z"][rng.int(3)] ?? "x";
    const ts = BASE + rng.int(40) * SECOND;
    const group = `${k1}|${k2}|${ts}`;
    const used = createdUsed.get(group) ?? new Set();
    // Created timestamps are unique within a (keys, ts) group, and at most one is missing, so
    // the oracle's answer is never ambiguous.
    let created: number | null =
      rng.next() < 0.1 && !used.has(null) ? null : ts + rng.int(1000) * SECOND;
    while (used.has(created)) created = ts + rng.int(100_000) * SECOND;
    used.add(created);
    createdUsed.set(group, used);
    a.push({
      k1,
      k2,
      ts,
      created,
      num: rng.next() < 0.15 ? null : Math.round(rng.next() * 1000) / 10,
      cat: rng.next() < 0.15 ? null : (["red", "green", "blue"][rng.int(3)] ?? "red"),
    });
  }
  const bSeen = new Set<string>();
  const b: Case["b"] = [];
  for (let i = 0; i < 60; i++) {
    const k1 = rng.int(5);
    const ts = BASE + rng.int(45) * SECOND;
    if (bSeen.has(`${k1}|${ts}`)) continue; // view b has no created field: keep its timestamps unique per key
    bSeen.add(`${k1}|${ts}`);
    b.push({ k1, ts, g: rng.next() < 0.1 ? null : rng.int(100) });
  }
  const entities: Case["entities"] = [];
  for (let i = 0; i < 250; i++) {
    if (i > 0 && rng.next() < 0.05) {
      const previous = entities[rng.int(entities.length)];
      if (previous) entities.push({ ...previous, label: i });
      continue;
    }
    const anchor = a[rng.int(a.length)];
    // Many event times sit exactly on a feature row's time or exactly TTL after it.
    const choice = rng.next();
    const ts =
      anchor !== undefined && choice < 0.25
        ? anchor.ts
        : anchor !== undefined && choice < 0.45
          ? anchor.ts + TTL_SECONDS * SECOND
          : anchor !== undefined && choice < 0.5
            ? anchor.ts + TTL_SECONDS * SECOND + 1
            : BASE + (rng.int(60) - 5) * SECOND;
    entities.push({ k1: rng.int(6), k2: ["x", "y", "z", "w"][rng.int(4)] ?? "x", ts, label: i });
  }
  return { a, b, entities };
}

function oracleA(c: Case, e: Case["entities"][number]): FeatureRow | undefined {
  let best: FeatureRow | undefined;
  for (const row of c.a) {
    if (row.k1 !== e.k1 || row.k2 !== e.k2) continue;
    if (row.ts > e.ts || row.ts < e.ts - TTL_SECONDS * SECOND) continue;
    const created = row.created ?? Number.NEGATIVE_INFINITY;
    const bestCreated = best?.created ?? Number.NEGATIVE_INFINITY;
    if (best === undefined || row.ts > best.ts || (row.ts === best.ts && created > bestCreated))
      best = row;
  }
  return best;
}

function oracleB(c: Case, e: Case["entities"][number]): Case["b"][number] | undefined {
  let best: Case["b"][number] | undefined;
  for (const row of c.b) {
    if (row.k1 !== e.k1 || row.ts > e.ts) continue; // no TTL on view b
    if (best === undefined || row.ts > best.ts) best = row;
  }
  return best;
}

const entity = defineEntity({ name: "pair", joinKeys: ["k1", "k2"] });
const single = defineEntity({ name: "single", joinKeys: ["k1"] });

function repoFor(sourceA: BatchSource, sourceB: BatchSource, root: string): FeatureRepo {
  return FeatureRepo.from(
    {
      entities: [entity, single],
      featureViews: [
        defineFeatureView({
          name: "a",
          entities: [entity],
          ttl: `${TTL_SECONDS}s`,
          source: sourceA,
          timestampField: "ts",
          createdTimestampField: "created",
          schema: { num: "numeric", cat: "categorical" },
        }),
        defineFeatureView({
          name: "b",
          entities: [single],
          source: sourceB,
          timestampField: "ts",
          schema: { g: "numeric" },
        }),
      ],
    },
    root,
  );
}

const frameA = (c: Case) =>
  Frame.fromColumns({
    k1: numericColumn(c.a.map((r) => r.k1)),
    k2: categoricalFromValues(c.a.map((r) => r.k2)),
    ts: timestampColumn(c.a.map((r) => r.ts)),
    created: timestampColumn(c.a.map((r) => r.created ?? Number.NaN)),
    num: numericColumn(c.a.map((r) => r.num ?? Number.NaN)),
    cat: categoricalFromValues(c.a.map((r) => r.cat)),
  });
const frameB = (c: Case) =>
  Frame.fromColumns({
    k1: numericColumn(c.b.map((r) => r.k1)),
    ts: timestampColumn(c.b.map((r) => r.ts)),
    g: numericColumn(c.b.map((r) => r.g ?? Number.NaN)),
  });
const entityFrame = (c: Case) =>
  Frame.fromColumns({
    k1: numericColumn(c.entities.map((e) => e.k1)),
    k2: categoricalFromValues(c.entities.map((e) => e.k2)),
    event_timestamp: timestampColumn(c.entities.map((e) => e.ts)),
    label: numericColumn(c.entities.map((e) => e.label)),
  });

async function checkCase(store: OfflineStore, repo: FeatureRepo, c: Case): Promise<number> {
  const result = await store.historical(repo, {
    entityRows: entityFrame(c),
    features: [
      ["a", "num"],
      ["a", "cat"],
      ["b", "g"],
    ],
    fullFeatureNames: false,
  });
  if (result === undefined) throw new Error("no frame");
  expect(result.nRows).toBe(c.entities.length);
  const got = (name: string, i: number): CellValue => cellAt(result.column(name), i);
  let checked = 0;
  c.entities.forEach((e, i) => {
    expect(got("label", i)).toBe(e.label);
    const a = oracleA(c, e);
    const b = oracleB(c, e);
    const where = `entity row ${i} ${JSON.stringify(e)}`;
    expect([got("num", i), got("cat", i), got("g", i)], where).toEqual([
      a?.num ?? null,
      a?.cat ?? null,
      b?.g ?? null,
    ]);
    checked += 2;
  });
  return checked;
}

const SEEDS = Array.from({ length: 12 }, (_, i) => 1000 + i);

describe("point-in-time join on DuckDB matches the brute-force oracle", () => {
  const dir = mkdtempSync(join(tmpdir(), "keel-pit-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`agrees on ${SEEDS.length} random cases (about ${SEEDS.length * 500} entity-view lookups)`, async () => {
    const store = duckDbOfflineStore();
    let checked = 0;
    for (const seed of SEEDS) {
      const c = makeCase(seed);
      await writeFrame(frameA(c), join(dir, `a-${seed}.parquet`));
      await writeFrame(frameB(c), join(dir, `b-${seed}.csv`));
      const repo = repoFor(
        fileSource({ path: `a-${seed}.parquet` }),
        fileSource({ path: `b-${seed}.csv` }),
        dir,
      );
      checked += await checkCase(store, repo, c);
    }
    expect(checked).toBe(SEEDS.length * 500);
  }, 120_000);
});

const pgUrl = process.env.KEEL_TEST_PG_URL;
if (!pgUrl)
  console.warn("KEEL_TEST_PG_URL is not set: skipping the PostgreSQL point-in-time oracle test");

describe.skipIf(!pgUrl)("point-in-time join on PostgreSQL matches the brute-force oracle", () => {
  const schema = `keel_pit_${process.pid}`;
  const url = pgUrl ?? "";
  const client = new pg.Client({ connectionString: url });
  beforeAll(async () => {
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.query(`CREATE SCHEMA ${schema}`);
  });
  afterAll(async () => {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });

  it(`agrees on ${SEEDS.length} random cases`, async () => {
    const store = postgresOfflineStore({ url, schema });
    let checked = 0;
    for (const seed of SEEDS) {
      const c = makeCase(seed);
      await client.query(
        `CREATE TABLE ${schema}.a_${seed} (k1 integer, k2 text, ts timestamptz, created timestamptz, num double precision, cat text)`,
      );
      await client.query(`CREATE TABLE ${schema}.b_${seed} (k1 bigint, ts timestamp, g integer)`);
      for (const r of c.a) {
        await client.query(`INSERT INTO ${schema}.a_${seed} VALUES ($1, $2, $3, $4, $5, $6)`, [
          r.k1,
          r.k2,
          new Date(r.ts).toISOString(),
          r.created === null ? null : new Date(r.created).toISOString(),
          r.num,
          r.cat,
        ]);
      }
      for (const r of c.b) {
        await client.query(`INSERT INTO ${schema}.b_${seed} VALUES ($1, $2, $3)`, [
          r.k1,
          new Date(r.ts).toISOString().replace("Z", ""),
          r.g,
        ]);
      }
      const repo = repoFor(
        postgresSource({ query: `SELECT * FROM ${schema}.a_${seed}` }),
        postgresSource({ query: `SELECT * FROM ${schema}.b_${seed}` }),
        "/",
      );
      checked += await checkCase(store, repo, c);
    }
    expect(checked).toBe(SEEDS.length * 500);
  }, 180_000);

  it("joins file and DuckDB SQL sources, loaded into working tables dropped afterwards", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keel-pit-pg-files-"));
    try {
      const store = postgresOfflineStore({ url, schema });
      let checked = 0;
      for (const seed of SEEDS.slice(0, 3)) {
        const c = makeCase(seed);
        await writeFrame(frameA(c), join(dir, `a-${seed}.parquet`));
        await writeFrame(frameB(c), join(dir, `b-${seed}.csv`));
        // View a from a Parquet file; view b from a DuckDB query over a CSV file.
        const repo = repoFor(
          fileSource({ path: `a-${seed}.parquet` }),
          sqlSource({ query: `SELECT * FROM read_csv('${join(dir, `b-${seed}.csv`)}')` }),
          dir,
        );
        checked += await checkCase(store, repo, c);
      }
      expect(checked).toBe(3 * 500);
      const left = await client.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_name LIKE 'keel_src_%'",
        [schema],
      );
      expect(left.rows).toEqual([]);
      const missing = repoFor(fileSource({ path: "nope.csv" }), fileSource({ path: "b.csv" }), dir);
      await expect(
        store.historical(missing, {
          entityRows: entityFrame(makeCase(1)),
          features: [["a", "num"]],
          fullFeatureNames: false,
        }),
      ).rejects.toMatchObject({ code: "KEEL_ERR_FILE_NOT_FOUND" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

describe("point-in-time join on DuckDB under a memory limit", () => {
  const dir = mkdtempSync(join(tmpdir(), "keel-pit-memory-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("spills instead of growing, with the same result as without a limit", async () => {
    const instance = await DuckDBInstance.create(":memory:");
    const c = await instance.connect();
    await c.run("SELECT setseed(0.7)");
    await c.run(
      `COPY (SELECT (random() * 2000)::BIGINT AS k1, TIMESTAMP '2026-01-01' + to_seconds(i * 7) AS ts,
         random() AS g FROM range(400000) t(i)) TO '${join(dir, "b.parquet")}' (FORMAT parquet)`,
    );
    await c.run(
      `COPY (SELECT (random() * 2100)::BIGINT AS k1,
         TIMESTAMP '2026-01-01' + to_seconds((random() * 3000000)::BIGINT) AS event_timestamp
         FROM range(50000)) TO '${join(dir, "entities.parquet")}' (FORMAT parquet)`,
    );
    c.closeSync();
    instance.closeSync();
    const repo = FeatureRepo.from(
      {
        entities: [single],
        featureViews: [
          defineFeatureView({
            name: "b",
            entities: [single],
            ttl: "1d",
            source: fileSource({ path: "b.parquet" }),
            timestampField: "ts",
            schema: { g: "numeric" },
          }),
        ],
      },
      dir,
    );
    const query = {
      entityRows: join(dir, "entities.parquet"),
      features: [["b", "g"]] as const,
      fullFeatureNames: false,
    };
    const unlimited = await duckDbOfflineStore({ memoryLimit: "8GB" }).historical(repo, query);
    const limited = await duckDbOfflineStore({ memoryLimit: "24MB" }).historical(repo, query);
    expect(limited?.nRows).toBe(50_000);
    expect(limited?.toRecords()).toEqual(unlimited?.toRecords());
    expect(limited?.numeric("g").some((v) => !Number.isNaN(v))).toBe(true);
  }, 60_000);

  it("refuses a memory limit that is not a size", () => {
    expect(() => duckDbOfflineStore({ memoryLimit: "lots" })).toThrow(
      expect.objectContaining({ code: "KEEL_ERR_CONFIG_INVALID" }),
    );
  });
});
