import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cellAt, type Frame, isKeelError, type KeelError } from "../core/index.js";
import { openDatabase } from "../store/index.js";
import { defineEntity, defineFeatureView } from "./definitions.js";
import { duckDbOfflineStore } from "./duckdb-offline-store.js";
import { FeatureRepo } from "./feature-repo.js";
import { FeatureStore } from "./feature-store.js";
import { FeatureRegistry } from "./registry.js";
import { fileSource } from "./sources.js";
import { sqliteOnlineStore } from "./sqlite-online-store.js";

// A Feast user's awkward inputs, end to end through one store: TTL 0, entity rows before any
// feature, duplicate keys, time zones, a source column renamed after apply, materialising
// twice and at the same time.
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 2, 1);
const iso = (ms: number) => new Date(ms).toISOString();

const customer = defineEntity({ name: "customer", joinKeys: ["customer_id"] });
const forever = defineFeatureView({
  name: "forever",
  entities: [customer],
  ttl: 0,
  source: fileSource({ path: "forever.csv" }),
  timestampField: "ts",
  schema: { score: "numeric" },
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

const column = (frame: Frame | undefined, name: string) => {
  if (frame === undefined) throw new Error("no frame");
  return Array.from({ length: frame.nRows }, (_, i) => cellAt(frame.column(name), i));
};

describe("hard inputs", () => {
  const dir = mkdtempSync(join(tmpdir(), "keel-hard-inputs-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // Source times in three spellings of UTC and one offset; customer 2 has two rows at one instant.
  writeFileSync(
    join(dir, "forever.csv"),
    [
      "customer_id,ts,score",
      `1,${iso(T0)},1`,
      `1,2026-03-05T02:00:00+02:00,5`, // = 2026-03-05T00:00Z
      `2,2026-03-02 00:00:00,2`, // no zone: UTC
      `2,2026-03-02T01:00:00+01:00,3`, // the same instant as the row above
    ].join("\n"),
  );
  const repo = FeatureRepo.from({ entities: [customer], featureViews: [forever] }, dir);

  async function open(onlinePath = ":memory:") {
    const database = await openDatabase({ dbUrl: join(dir, "meta.db") });
    const registry = new FeatureRegistry(database);
    await registry.apply({ entities: [customer], featureViews: [forever] });
    const online = sqliteOnlineStore({ path: onlinePath });
    return {
      store: new FeatureStore({ repo, offline: duckDbOfflineStore(), online, registry }),
      registry,
      close: async () => {
        await online.close();
        await database.close();
      },
    };
  }

  it("TTL 0: any age matches offline and is served online; entity rows before any feature get nulls, duplicates kept in order", async () => {
    const { store, close } = await open();
    const entities = join(dir, "entities.csv");
    writeFileSync(
      entities,
      [
        "customer_id,event_timestamp",
        `1,${iso(T0 + 400 * DAY)}`, // a year later: still row 2 (no TTL)
        `1,${iso(T0 - DAY)}`, // before any feature row
        `1,2026-03-05T01:59:59+02:00`, // one second before row 2, in another zone
        `1,${iso(T0 + 400 * DAY)}`, // a duplicate entity row
        `9,${iso(T0)}`, // unknown entity
      ].join("\n"),
    );
    const frame = await store.getHistoricalFeatures({
      entityRows: entities,
      features: ["forever:score"],
    });
    expect(column(frame, "score")).toEqual([5, null, 1, 5, null]);
    await store.materializeIncremental({ end: T0 + 10 * DAY });
    const online = await store.getOnlineFeatures({
      features: ["forever:score"],
      entityRows: { customer_id: [1, 1, 9] },
      now: T0 + 5000 * DAY,
    });
    expect(online.results[1]?.statuses).toEqual(["PRESENT", "PRESENT", "NOT_FOUND"]);
    expect(online.results[1]?.values).toEqual([5, 5, null]);
    await close();
  });

  it("two source rows of one entity at one instant (written in two zones) give one answer, the same offline and online", async () => {
    const { store, close } = await open();
    writeFileSync(
      join(dir, "entities-2.csv"),
      `customer_id,event_timestamp\n2,${iso(T0 + 2 * DAY)}\n2,${iso(T0 + 2 * DAY)}\n`,
    );
    const frame = await store.getHistoricalFeatures({
      entityRows: join(dir, "entities-2.csv"),
      features: ["forever:score"],
    });
    const offline = column(frame, "score");
    expect(offline).toHaveLength(2);
    expect(offline[0]).toBe(offline[1]);
    await store.materialize({ start: T0, end: T0 + 3 * DAY });
    const online = await store.getOnlineFeatures({
      features: ["forever:score"],
      entityRows: { customer_id: [2] },
    });
    expect(online.results[1]?.values).toEqual([offline[0]]);
    await close();
  });

  it("materialising twice, and twice at once, leaves the same online values and one watermark", async () => {
    const path = join(dir, "online.db");
    const a = await open(path);
    const first = await a.store.materialize({ start: T0, end: T0 + 10 * DAY });
    const read = () =>
      a.store.getOnlineFeatures({
        features: ["forever:score"],
        entityRows: { customer_id: [1, 2] },
        now: T0 + 10 * DAY,
      });
    const before = await read();
    expect(await a.store.materialize({ start: T0, end: T0 + 10 * DAY })).toEqual(first);
    expect(await read()).toEqual(before);
    // Two stores on the same files, as two processes would be, racing the same window.
    const b = await open(path);
    const results = await Promise.all([
      a.store.materialize({ start: T0, end: T0 + 11 * DAY, chunkMs: DAY }),
      b.store.materialize({ start: T0, end: T0 + 11 * DAY, chunkMs: DAY }),
      a.store.materializeIncremental({ end: T0 + 12 * DAY }),
    ]);
    expect(results.map((r) => r[0]?.view)).toEqual(["forever", "forever", "forever"]);
    expect(await read()).toEqual(before);
    expect((await a.registry.state("forever")).materializedUntil).toBe(T0 + 12 * DAY);
    await b.close();
    await a.close();
  });

  it("a source column renamed after apply is a KeelError naming the view and the column", async () => {
    const { store, close } = await open();
    writeFileSync(
      join(dir, "forever.csv"),
      ["customer_id,ts,score_v2", `1,${iso(T0)},1`].join("\n"),
    );
    const materialize = await failure(store.materialize({ start: T0, end: T0 + DAY }));
    expect(materialize.message).toContain("forever");
    expect(materialize.message).toContain("score");
    const historical = await failure(
      store.getHistoricalFeatures({
        entityRows: join(dir, "entities.csv"),
        features: ["forever:score"],
      }),
    );
    expect(historical.message).toContain("forever");
    expect(historical.message).toContain("score");
    // The timestamp and the join key renamed: the same, for materialisation and retrieval.
    for (const header of ["customer_id,time,score", "customer,ts,score"]) {
      writeFileSync(join(dir, "forever.csv"), [header, `1,${iso(T0)},1`].join("\n"));
      const missing = header.includes("time") ? "ts" : "customer_id";
      for (const error of [
        await failure(store.materialize({ start: T0, end: T0 + DAY })),
        await failure(
          store.getHistoricalFeatures({
            entityRows: join(dir, "entities.csv"),
            features: ["forever:score"],
          }),
        ),
      ]) {
        expect(error.message).toContain("forever");
        expect(error.message).toContain(`'${missing}'`);
      }
    }
    await close();
  });
});
